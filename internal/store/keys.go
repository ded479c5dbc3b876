package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/vault"
)

// Encryption at rest. With Keys set, four columns are sealed on write and
// opened on read (package vault): documents.content, packets.content,
// submission_documents.content and users.totp_secret. Each blob is bound
// to its kind, below, and to its row's ID, so a blob copied into another
// column or another row does not open.
// Rows written without a key (legacy plaintext) are still read as they
// are; Rotate seals them. Nothing else is sealed: see docs/ENCRYPTION.md.

// The kinds sealed blobs are bound to.
const (
	KindDocument           = "document"
	KindPacket             = "packet"
	KindSubmissionDocument = "submission-document"
	KindTOTP               = "totp"
)

// sealRow seals a column's content bound to its kind and its row (id),
// so a blob copied to another row does not open there.
func (s *Store) sealRow(kind string, id int64, plain []byte) ([]byte, error) {
	b, err := s.Keys.SealRow(kind, id, plain)
	if err != nil {
		return nil, fmt.Errorf("store: seal %s: %w", kind, err)
	}
	return b, nil
}

// sealInserted seals the content of a row just inserted with an empty
// placeholder, now that its ID is known, in the same transaction. With
// no keys the content went in with the row and there is nothing to do.
func (s *Store) sealInserted(ctx context.Context, tx execer, table, kind string, id int64, plain []byte) error {
	if s.Keys == nil {
		return nil
	}
	b, err := s.sealRow(kind, id, plain)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET content = $1 WHERE id = $2`, table), b, id)
	return err
}

// execer is what sealInserted needs of a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inserted is the content to insert with a new row: the content itself
// without keys, an empty placeholder that sealInserted replaces with keys.
func (s *Store) inserted(content []byte) []byte {
	if s.Keys == nil {
		return content
	}
	return []byte{}
}

// open opens a sealed column. A failure is internal, and its message says
// which kind of row without saying anything of the content.
func (s *Store) open(kind string, id int64, blob []byte) ([]byte, error) {
	if err := s.refuseUnsealed(kind, id, vault.IsSealed(blob) || len(blob) == 0); err != nil {
		return nil, err
	}
	p, err := s.Keys.OpenRow(kind, id, blob)
	if err != nil {
		return nil, openError(kind, id, err)
	}
	return p, nil
}

// ErrUnsealed: a row holds plaintext although a key is configured. Once
// a desk has a key, every sealed column is read only sealed: plaintext
// there was written by someone bypassing the desk (or before the key, and
// `custodian keys rotate` seals those rows first), and is not trusted.
var ErrUnsealed = errors.New("store: a row that must be sealed holds plaintext")

// refuseUnsealed fails when a key is configured and the row's column is
// not sealed. Rotate reads through the vault directly, so it can still
// seal legacy rows.
func (s *Store) refuseUnsealed(kind string, id int64, sealed bool) error {
	if s.Keys == nil || sealed {
		return nil
	}
	return roi.WrapOp("store.unsealed-"+kind, roi.CodeInternal, fmt.Errorf("store: %s %d: %w", kind, id, ErrUnsealed),
		fmt.Sprintf("The stored %s %d is not encrypted although an encryption key is configured; run `custodian keys rotate` to seal rows written before the key (see docs/ENCRYPTION.md).", kind, id))
}

func openError(kind string, id int64, err error) error {
	msg := fmt.Sprintf("The stored %s %d cannot be decrypted: it is damaged or sealed under a key this server does not hold.", kind, id)
	if errors.Is(err, vault.ErrNoKey) {
		msg = fmt.Sprintf("The stored %s %d is sealed under an encryption key this server does not hold (see docs/ENCRYPTION.md).", kind, id)
	}
	return roi.WrapOp("store.open-"+kind, roi.CodeInternal, fmt.Errorf("store: open %s %d: %w", kind, id, err), msg)
}

// checkSum refuses content whose SHA-256 is not the one recorded with it:
// it binds a sealed blob to its row (a blob swapped with another row's of
// the same kind opens, but does not match), and catches damage in legacy
// plaintext rows.
func checkSum(kind string, id int64, content []byte, want string) error {
	sum := sha256.Sum256(content)
	if hex.EncodeToString(sum[:]) != want {
		return roi.WrapOp("store.checksum-"+kind, roi.CodeInternal, fmt.Errorf("store: %s %d: content does not match its SHA-256", kind, id),
			fmt.Sprintf("The stored %s %d does not match its recorded SHA-256.", kind, id))
	}
	return nil
}

// RotateOptions tune Rotate.
type RotateOptions struct {
	// Batch is how many rows each transaction looks at (default 64).
	Batch int
	// KeepPlaintext leaves legacy plaintext rows as they are; by default
	// Rotate seals them under the current key.
	KeepPlaintext bool
	// Progress, if set, is called after every batch.
	Progress func(RotateStats)
}

// RotateStats counts what Rotate did to one column.
type RotateStats struct {
	Table     string // "documents", "packets", "submission_documents", "users"
	Rows      int    // rows looked at
	Current   int    // already under the current key: left alone
	Rewrapped int    // data key re-wrapped from a previous key to the current one
	Encrypted int    // legacy plaintext sealed under the current key
	// Bound: sealed before blobs were bound to their rows; opened and
	// sealed again under the current key, bound to its row.
	Bound     int
	Plaintext int // legacy plaintext left alone (KeepPlaintext)
	Empty     int // no TOTP secret: nothing to seal
	// Unreadable rows are sealed under a key the ring does not hold, or
	// damaged; they are left alone. FirstUnreadable is the first such
	// row's ID.
	Unreadable      int
	FirstUnreadable int64
}

// sealedColumn is a column Rotate walks.
type sealedColumn struct {
	table, column, kind string
	text                bool
}

var sealedColumns = []sealedColumn{
	{"documents", "content", KindDocument, false},
	{"packets", "content", KindPacket, false},
	{"submission_documents", "content", KindSubmissionDocument, false},
	{"users", "totp_secret", KindTOTP, true},
}

// Rotate brings every sealed column under the ring's current key: it
// re-wraps the data key of each blob sealed under a previous key (the
// content is not re-encrypted) and, unless opt.KeepPlaintext, seals legacy
// plaintext rows. It walks each table in ID order, opt.Batch rows per
// transaction, so it can run while servers read and write (they must hold
// both keys meanwhile), and it can be stopped and run again: rows already
// under the current key are skipped. It returns the counts per table.
func (s *Store) Rotate(ctx context.Context, opt RotateOptions) ([]RotateStats, error) {
	if s.Keys == nil {
		return nil, errors.New("store: rotate: no encryption key configured")
	}
	if opt.Batch <= 0 {
		opt.Batch = 64
	}
	var out []RotateStats
	for _, c := range sealedColumns {
		st := RotateStats{Table: c.table}
		var last int64
		for {
			n, err := s.rotateBatch(ctx, c, opt, &last, &st)
			if err != nil {
				return append(out, st), err
			}
			if opt.Progress != nil && n > 0 {
				opt.Progress(st)
			}
			if n < opt.Batch {
				break
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// rotateBatch handles the next batch of rows of c after *last, in one
// transaction, and returns how many rows it looked at. It reads only the
// head of each blob until it knows the row needs a change.
func (s *Store) rotateBatch(ctx context.Context, c sealedColumn, opt RotateOptions, last *int64, total *RotateStats) (int, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	head := c.column
	if !c.text {
		head = fmt.Sprintf("substr(%s, 1, %d)", c.column, vault.Overhead)
	}
	var st RotateStats
	var n int
	var next int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n, st, next = 0, *total, *last
		type row struct {
			id   int64
			head []byte
		}
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT id, %s FROM %s WHERE id > $1 ORDER BY id LIMIT $2%s`, head, c.table, lock), *last, opt.Batch)
		if err != nil {
			return fmt.Errorf("store: rotate %s: %w", c.table, err)
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.head); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			n++
			st.Rows++
			next = r.id
			if err := s.rotateRow(ctx, tx, c, opt, r.id, r.head, &st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	*total, *last = st, next
	return n, nil
}

func (s *Store) rotateRow(ctx context.Context, tx *sql.Tx, c sealedColumn, opt RotateOptions, id int64, head []byte, st *RotateStats) error {
	unreadable := func() error {
		if st.Unreadable == 0 {
			st.FirstUnreadable = id
		}
		st.Unreadable++
		return nil
	}
	if c.text {
		v := string(head)
		switch {
		case v == "":
			st.Empty++
			return nil
		case vault.RowBoundText(v):
			nv, changed, err := s.Keys.RewrapText(v)
			if err != nil {
				return unreadable()
			}
			if !changed {
				st.Current++
				return nil
			}
			st.Rewrapped++
			return s.setColumn(ctx, tx, c, id, nv)
		case !vault.IsSealedText(v) && opt.KeepPlaintext:
			st.Plaintext++
			return nil
		}
		// Legacy plaintext, or sealed before rows were bound: seal it
		// again under the current key, bound to its row.
		p, err := s.Keys.OpenTextRow(c.kind, id, v)
		if err != nil {
			return unreadable()
		}
		nv, err := s.Keys.SealTextRow(c.kind, id, p)
		if err != nil {
			return err
		}
		countResealed(st, vault.IsSealedText(v))
		return s.setColumn(ctx, tx, c, id, nv)
	}

	switch {
	case vault.RowBound(head):
		keyID, ok := vault.KeyID(head)
		switch {
		case !ok:
			return unreadable()
		case keyID == s.Keys.Current.ID():
			st.Current++
			return nil
		}
	case !vault.IsSealed(head) && opt.KeepPlaintext:
		st.Plaintext++
		return nil
	}
	var blob []byte
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE id = $1`, c.column, c.table), id).Scan(&blob); err != nil {
		return fmt.Errorf("store: rotate %s %d: %w", c.table, id, err)
	}
	if vault.RowBound(blob) {
		nb, changed, err := s.Keys.Rewrap(blob)
		if err != nil {
			return unreadable()
		}
		if !changed {
			st.Current++
			return nil
		}
		st.Rewrapped++
		return s.setColumn(ctx, tx, c, id, nb)
	}
	p, err := s.Keys.OpenRow(c.kind, id, blob) // fails for a damaged sealed blob
	if err != nil {
		return unreadable()
	}
	nb, err := s.sealRow(c.kind, id, p)
	if err != nil {
		return err
	}
	countResealed(st, vault.IsSealed(blob))
	return s.setColumn(ctx, tx, c, id, nb)
}

// countResealed counts a row Rotate sealed under the current key and its
// row: legacy plaintext, or a blob sealed before rows were bound.
func countResealed(st *RotateStats, wasSealed bool) {
	if wasSealed {
		st.Bound++
	} else {
		st.Encrypted++
	}
}

func (s *Store) setColumn(ctx context.Context, tx *sql.Tx, c sealedColumn, id int64, v any) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE id = $2`, c.table, c.column), v, id); err != nil {
		return fmt.Errorf("store: rotate %s %d: %w", c.table, id, err)
	}
	return nil
}
