package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// DirectoryEntry is a known requester kept by staff: a law firm, an
// insurer, an agency, a provider. Intake copies its name, kind and
// contact onto the request; the entry itself is not the request's record.
type DirectoryEntry struct {
	ID       int64
	Kind     roi.Kind
	Name     string
	Delivery roi.Delivery // how records usually go to them; may be empty
	Contact  string       // the address, e-mail, fax number or SFTP target for Delivery
	Phone    string
	Note     string
	AddedBy  string
}

// NameKey folds a requester's name for matching: case, surrounding and
// repeated spaces do not make a second entry.
func NameKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

const directoryColumns = `id, kind, name, delivery, contact, phone, note, added_by`

func scanDirectoryEntry(row interface{ Scan(...any) error }) (*DirectoryEntry, error) {
	var e DirectoryEntry
	return &e, row.Scan(&e.ID, &e.Kind, &e.Name, &e.Delivery, &e.Contact, &e.Phone, &e.Note, &e.AddedBy)
}

// AddRequester stores a new directory entry and gives it its ID. Returns
// CodeConflict when the directory already has that name for that kind.
func (s *Store) AddRequester(ctx context.Context, e *DirectoryEntry) error {
	return classify(s.write.QueryRowContext(ctx, `INSERT INTO requesters (kind, name, name_key, delivery, contact, phone, note, added_by, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.Kind, e.Name, NameKey(e.Name), e.Delivery, e.Contact, e.Phone, e.Note, e.AddedBy, s.now()).Scan(&e.ID))
}

// UpdateRequester changes a directory entry's details. Returns
// CodeNotFound if there is no such entry.
func (s *Store) UpdateRequester(ctx context.Context, e *DirectoryEntry) error {
	res, err := s.write.ExecContext(ctx, `UPDATE requesters SET kind = $1, name = $2, name_key = $3, delivery = $4, contact = $5,
		phone = $6, note = $7 WHERE id = $8`, e.Kind, e.Name, NameKey(e.Name), e.Delivery, e.Contact, e.Phone, e.Note, e.ID)
	if err != nil {
		return classify(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("Requester")
	}
	return nil
}

// Requester returns one directory entry. Returns CodeNotFound if none.
func (s *Store) Requester(ctx context.Context, id int64) (*DirectoryEntry, error) {
	e, err := scanDirectoryEntry(s.read.QueryRowContext(ctx, `SELECT `+directoryColumns+` FROM requesters WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Requester")
	}
	return e, classify(err)
}

// Requesters lists the directory by name, optionally of one kind.
func (s *Store) Requesters(ctx context.Context, kind roi.Kind) ([]*DirectoryEntry, error) {
	q, args := `SELECT `+directoryColumns+` FROM requesters`, []any{}
	if kind != "" {
		q, args = q+` WHERE kind = $1`, append(args, kind)
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY name_key, id`, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*DirectoryEntry
	for rows.Next() {
		e, err := scanDirectoryEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, classify(rows.Err())
}
