package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/vault"
)

// User is a staff account. Package auth owns the rules (roles, password
// policy, lockout); the store only keeps the row. PasswordHash is an
// argon2id PHC string. TOTPSecret is the plain secret here; the store seals
// it at rest when it has keys (kind "totp").
type User struct {
	ID           int64
	Username     string
	Name         string
	Role         string
	PasswordHash string
	TOTPSecret   string
	TOTPLastStep int64     // the last TOTP step accepted; codes at or before it are refused
	Failed       int       // consecutive failed sign-in steps
	LockedUntil  time.Time // zero when not locked
	Disabled     bool
	CreatedAt    time.Time
}

// Session is a sign-in, kept by the SHA-256 of its token (hex), never the
// token itself. MFA false marks a sign-in waiting for its TOTP code.
type Session struct {
	TokenHash string
	UserID    int64
	MFA       bool
	Client    string // the client's address at sign-in
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

const userColumns = `id, username, name, role, password_hash, totp_secret, totp_last_step, failed, locked_until, disabled, created_at`

// scanUser reads an account and opens its TOTP secret. It also returns
// the secret as stored, so that an update leaving the secret alone writes
// it back as it was.
func (s *Store) scanUser(row interface{ Scan(...any) error }) (*User, string, error) {
	var u User
	var locked, created, stored string
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &u.PasswordHash, &stored, &u.TOTPLastStep,
		&u.Failed, &locked, &u.Disabled, &created); err != nil {
		return nil, "", err
	}
	if locked != "" {
		u.LockedUntil = parseTime(locked)
	}
	u.CreatedAt = parseTime(created)
	if err := s.refuseUnsealed(KindTOTP, u.ID, stored == "" || vault.IsSealedText(stored)); err != nil {
		return nil, "", err
	}
	secret, err := s.Keys.OpenTextRow(KindTOTP, u.ID, stored)
	if err != nil {
		return nil, "", openError(KindTOTP, u.ID, err)
	}
	u.TOTPSecret = secret
	return &u, stored, nil
}

// userByQuery reads one account; CodeNotFound if none.
func (s *Store) userByQuery(ctx context.Context, where string, arg any) (*User, error) {
	u, _, err := s.scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if err == sql.ErrNoRows {
		return nil, notFound("User")
	}
	return u, classify(err)
}

// optTime writes an optional time: "" for the zero time.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(ledger.TimeFormat)
}

// AddUser stores a new account and ev in the ledger, in one transaction.
// It sets u.ID and u.CreatedAt. A taken username is CodeConflict.
func (s *Store) AddUser(ctx context.Context, u *User, ev roi.Event) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = $1`, u.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return roi.Errorf(roi.CodeConflict, "The user name %s is taken.", u.Username)
		}
		// The secret is sealed bound to the account's row, so it is
		// written once the row has its ID.
		secret := u.TOTPSecret
		if s.Keys != nil {
			secret = ""
		}
		now := s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, name, role, password_hash, totp_secret, totp_last_step, failed, locked_until, disabled, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			u.Username, u.Name, u.Role, u.PasswordHash, secret, u.TOTPLastStep, u.Failed, optTime(u.LockedUntil), u.Disabled, now).Scan(&u.ID); err != nil {
			return fmt.Errorf("store: add user: %w", err)
		}
		if s.Keys != nil && u.TOTPSecret != "" {
			sealed, err := s.Keys.SealTextRow(KindTOTP, u.ID, u.TOTPSecret)
			if err != nil {
				return fmt.Errorf("store: seal totp: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2`, sealed, u.ID); err != nil {
				return fmt.Errorf("store: add user: %w", err)
			}
		}
		u.CreatedAt = parseTime(now)
		return s.append(ctx, tx, ev)
	})
	return err
}

// UserByName returns the account named username, CodeNotFound if none.
func (s *Store) UserByName(ctx context.Context, username string) (*User, error) {
	return s.userByQuery(ctx, `username = $1`, username)
}

// UserByID returns account id, CodeNotFound if none.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userByQuery(ctx, `id = $1`, id)
}

// Users returns every account in username order.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, _, err := s.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, classify(rows.Err())
}

// UpdateUser loads account id under a lock and lets fn look at it and
// change it: name, role, password hash, TOTP secret and last step, failure
// count, lock and disabled flag (not the ID, username or creation time).
// The account's new state and fn's events are committed even when fn
// returns an error, since a failed sign-in must still count; that error is
// returned afterwards. Two updates of one account never interleave, so a
// TOTP step can be used once and no failure is lost.
func (s *Store) UpdateUser(ctx context.Context, id int64, fn func(u *User) ([]roi.Event, error)) error {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var result error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, stored, err := s.scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+lock, id))
		if err == sql.ErrNoRows {
			return notFound("User")
		}
		if err != nil {
			return err
		}
		before := u.TOTPSecret
		evs, ferr := fn(u)
		result = ferr
		if u.TOTPSecret != before {
			if stored, err = s.Keys.SealTextRow(KindTOTP, u.ID, u.TOTPSecret); err != nil {
				return fmt.Errorf("store: seal totp: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, password_hash = $3, totp_secret = $4, totp_last_step = $5,
			failed = $6, locked_until = $7, disabled = $8 WHERE id = $9`,
			u.Name, u.Role, u.PasswordHash, stored, u.TOTPLastStep, u.Failed, optTime(u.LockedUntil), u.Disabled, id); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		for _, ev := range evs {
			if err := s.append(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
}

// CreateSession stores sess. Its TokenHash must be new: a clash is
// CodeConflict.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, mfa, client, created_at, last_seen, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		sess.TokenHash, sess.UserID, sess.MFA, sess.Client, optTime(sess.CreatedAt), optTime(sess.LastSeen), optTime(sess.ExpiresAt))
	return classify(err)
}

// SessionByHash returns the session whose token hashes to tokenHash,
// CodeNotFound if none.
func (s *Store) SessionByHash(ctx context.Context, tokenHash string) (*Session, error) {
	var sess Session
	var created, seen, expires string
	err := s.read.QueryRowContext(ctx, `SELECT token_hash, user_id, mfa, client, created_at, last_seen, expires_at FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&sess.TokenHash, &sess.UserID, &sess.MFA, &sess.Client, &created, &seen, &expires)
	if err == sql.ErrNoRows {
		return nil, notFound("Session")
	}
	if err != nil {
		return nil, classify(err)
	}
	sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = parseTime(created), parseTime(seen), parseTime(expires)
	return &sess, nil
}

// TouchSession records that the session was used at at.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, `UPDATE sessions SET last_seen = $1 WHERE token_hash = $2`, optTime(at), tokenHash)
	return classify(err)
}

// DeleteSession ends one session; ending one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return classify(err)
}

// DeleteUserSessions ends every session of account id and returns how
// many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, id int64) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
	if err != nil {
		return 0, classify(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteStaleSessions removes sessions past their expiry at now or last
// seen before idleSince, and returns how many.
func (s *Store) DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen < $2`, optTime(now), optTime(idleSince))
	if err != nil {
		return 0, classify(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
