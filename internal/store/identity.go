package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Identity is a person's identity at an OpenID Connect provider, linked to
// the staff account they sign in to (package auth, oidc.go). The issuer
// and subject together name the person; the subject alone means nothing
// across providers.
type Identity struct {
	Issuer  string
	Subject string
	UserID  int64
}

// UserByIdentity returns the account linked to issuer's subject,
// CodeNotFound if none is.
func (s *Store) UserByIdentity(ctx context.Context, issuer, subject string) (*User, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, `SELECT user_id FROM identities WHERE issuer = $1 AND subject = $2`, issuer, subject).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, notFound("Identity")
	}
	if err != nil {
		return nil, classify(err)
	}
	return s.UserByID(ctx, id)
}

// IdentitiesOf lists the identities linked to account userID.
func (s *Store) IdentitiesOf(ctx context.Context, userID int64) ([]Identity, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT issuer, subject, user_id FROM identities WHERE user_id = $1 ORDER BY issuer`, userID)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var id Identity
		if err := rows.Scan(&id.Issuer, &id.Subject, &id.UserID); err != nil {
			return nil, classify(err)
		}
		out = append(out, id)
	}
	return out, classify(rows.Err())
}

// LinkIdentity links issuer's subject to account userID and appends ev,
// in one transaction. A subject already linked, or an account already
// linked to another subject of issuer, is CodeConflict: a link is never
// moved silently from one person to another.
func (s *Store) LinkIdentity(ctx context.Context, id Identity, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM identities WHERE (issuer = $1 AND subject = $2) OR (issuer = $1 AND user_id = $3)`,
			id.Issuer, id.Subject, id.UserID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return roi.Errorf(roi.CodeConflict, "This account is already linked to another identity at the provider.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)`,
			id.Issuer, id.Subject, id.UserID, s.now()); err != nil {
			return fmt.Errorf("store: link identity: %w", err)
		}
		return s.append(ctx, tx, ev)
	})
}
