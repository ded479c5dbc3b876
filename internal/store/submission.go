package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// SubmissionState is where a portal submission stands.
type SubmissionState string

// The submission states.
const (
	SubmissionSubmitted SubmissionState = "submitted"
	SubmissionAccepted  SubmissionState = "accepted"
	SubmissionRejected  SubmissionState = "rejected"
)

// SubmissionRecord is a request a requester typed in the portal, kept
// apart from requests until a clerk accepts it. Email and Body hold PHI:
// a SubmissionRecord logs as its ID only. The status link's token is
// never kept, only its hash, and is not read back.
type SubmissionRecord struct {
	ID            int64
	Number        string // S-YYYY-NNNNNN
	Email         string
	EmailVerified bool
	CodeHash      string
	CodeExpires   time.Time // zero when no code is out
	CodeAttempts  int
	Body          json.RawMessage // what the requester typed (package workflow's Submission)
	Status        SubmissionState
	Reason        string        // the clerk's public reason, when rejected
	RequestID     roi.RequestID // the request made of it, when accepted
	CreatedAt     time.Time
}

// LogValue implements slog.LogValuer: only the ID is logged.
func (s SubmissionRecord) LogValue() slog.Value { return slog.GroupValue(slog.Int64("id", s.ID)) }

// SubmissionDocument is a file uploaded with a submission. Kind is
// "authorization" or "id-image".
type SubmissionDocument struct {
	ID           int64
	SubmissionID int64
	Name         string
	ContentType  string
	Size         int64
	SHA256       string
	Kind         string
	AddedAt      time.Time
}

const submissionColumns = `id, number, email, email_verified, code_hash, code_expires, code_attempts, body, status, reason, request_id, created_at`

func scanSubmission(row interface{ Scan(...any) error }) (*SubmissionRecord, error) {
	var s SubmissionRecord
	var codeExpires, body, created string
	var rid sql.NullInt64
	if err := row.Scan(&s.ID, &s.Number, &s.Email, &s.EmailVerified, &s.CodeHash, &codeExpires, &s.CodeAttempts,
		&body, &s.Status, &s.Reason, &rid, &created); err != nil {
		return nil, err
	}
	if codeExpires != "" {
		s.CodeExpires = parseTime(codeExpires)
	}
	s.Body, s.RequestID, s.CreatedAt = json.RawMessage(body), roi.RequestID(rid.Int64), parseTime(created)
	return &s, nil
}

// CreateSubmission stores a new submission under the hash of its status
// token, gives it its ID and number (S-YYYY-NNNNNN, counted apart from
// requests) and records the event made by event in the same transaction.
// A token hash already stored is a CodeConflict.
func (s *Store) CreateSubmission(ctx context.Context, sub *SubmissionRecord, tokenHash string, event func(*SubmissionRecord) roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'submission' RETURNING value`).Scan(&n); err != nil {
			return fmt.Errorf("store: submission number: %w", err)
		}
		now := s.now()
		sub.CreatedAt = parseTime(now)
		sub.Number = fmt.Sprintf("S-%d-%06d", sub.CreatedAt.Year(), n)
		sub.Status, sub.RequestID, sub.Reason = SubmissionSubmitted, 0, ""
		var codeExpires string
		if !sub.CodeExpires.IsZero() {
			codeExpires = sub.CodeExpires.UTC().Format(ledger.TimeFormat)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO submissions (number, token_hash, email, email_verified, code_hash, code_expires,
			code_attempts, body, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			sub.Number, tokenHash, sub.Email, sub.EmailVerified, sub.CodeHash, codeExpires, sub.CodeAttempts,
			string(sub.Body), sub.Status, now).Scan(&sub.ID)
		if err != nil {
			return fmt.Errorf("store: create submission: %w", err)
		}
		return s.append(ctx, tx, event(sub))
	})
}

// Submission returns the submission with id. Returns CodeNotFound if none.
func (s *Store) Submission(ctx context.Context, id int64) (*SubmissionRecord, error) {
	sub, err := scanSubmission(s.read.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Submission")
	}
	return sub, classify(err)
}

// SubmissionByToken returns the submission whose status token hashes to
// tokenHash. Returns CodeNotFound if none.
func (s *Store) SubmissionByToken(ctx context.Context, tokenHash string) (*SubmissionRecord, error) {
	sub, err := scanSubmission(s.read.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE token_hash = $1`, tokenHash))
	if err == sql.ErrNoRows {
		return nil, notFound("Submission")
	}
	return sub, classify(err)
}

// Submissions lists the submissions in state (all when empty), oldest
// first.
func (s *Store) Submissions(ctx context.Context, state SubmissionState) ([]*SubmissionRecord, error) {
	q, args := `SELECT `+submissionColumns+` FROM submissions`, []any(nil)
	if state != "" {
		q, args = q+` WHERE status = $1`, append(args, state)
	}
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*SubmissionRecord
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, classify(rows.Err())
}

// UseSubmission loads the submission whose status token hashes to
// tokenHash and lets fn change its e-mail verification and one-time code.
// The new state and fn's events are committed even when fn returns an
// error (a wrong code must still count as an attempt); that error is
// returned afterwards.
func (s *Store) UseSubmission(ctx context.Context, tokenHash string, fn func(sub *SubmissionRecord) ([]roi.Event, error)) error {
	return s.useSubmission(ctx, `token_hash = $1`, tokenHash, true, fn)
}

// UpdateSubmission loads submission id and lets fn change it (a clerk's
// rejection, say); the change and fn's events are committed only when fn
// returns nil. Acceptance goes through Tx.AcceptSubmission instead, with
// the request it makes.
func (s *Store) UpdateSubmission(ctx context.Context, id int64, fn func(sub *SubmissionRecord) ([]roi.Event, error)) error {
	return s.useSubmission(ctx, `id = $1`, id, false, fn)
}

func (s *Store) useSubmission(ctx context.Context, where string, arg any, commitOnError bool, fn func(*SubmissionRecord) ([]roi.Event, error)) error {
	var result error
	err := s.tx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		sub, err := scanSubmission(tx.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE `+where+lock, arg))
		if err == sql.ErrNoRows {
			return notFound("Submission")
		}
		if err != nil {
			return err
		}
		evs, ferr := fn(sub)
		if ferr != nil && !commitOnError {
			return ferr
		}
		result = ferr
		var codeExpires string
		if !sub.CodeExpires.IsZero() {
			codeExpires = sub.CodeExpires.UTC().Format(ledger.TimeFormat)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET email_verified = $1, code_hash = $2, code_expires = $3,
			code_attempts = $4, status = $5, reason = $6 WHERE id = $7`,
			sub.EmailVerified, sub.CodeHash, codeExpires, sub.CodeAttempts, sub.Status, sub.Reason, sub.ID); err != nil {
			return fmt.Errorf("store: update submission: %w", err)
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

// AddSubmissionDocument stores a file uploaded with submission id, with
// its SHA-256 (the content sealed when the store has keys), and records
// ev, in one transaction. The submission must
// still be waiting for a clerk and hold fewer than limit documents
// (CodeConflict otherwise).
func (s *Store) AddSubmissionDocument(ctx context.Context, id int64, d *SubmissionDocument, content []byte, limit int, ev roi.Event) error {
	sum := sha256.Sum256(content)
	d.SubmissionID, d.SHA256, d.Size = id, hex.EncodeToString(sum[:]), int64(len(content))
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Touching the row locks it, so concurrent uploads count in turn.
		res, err := tx.ExecContext(ctx, `UPDATE submissions SET status = status WHERE id = $1 AND status = 'submitted'`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return roi.Errorf(roi.CodeConflict, "Documents can no longer be added to this submission.")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM submission_documents WHERE submission_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n >= limit {
			return roi.Errorf(roi.CodeConflict, "A submission holds at most %d documents.", limit)
		}
		now := s.now()
		d.AddedAt = parseTime(now)
		if err := tx.QueryRowContext(ctx, `INSERT INTO submission_documents (submission_id, name, content_type, size, sha256, content, kind, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			id, d.Name, d.ContentType, d.Size, d.SHA256, s.inserted(content), d.Kind, now).Scan(&d.ID); err != nil {
			return fmt.Errorf("store: add submission document: %w", err)
		}
		if err := s.sealInserted(ctx, tx, "submission_documents", KindSubmissionDocument, d.ID, content); err != nil {
			return err
		}
		return s.append(ctx, tx, ev)
	})
}

const submissionDocumentColumns = `id, submission_id, name, content_type, size, sha256, kind, added_at`

func scanSubmissionDocument(row interface{ Scan(...any) error }) (*SubmissionDocument, error) {
	var d SubmissionDocument
	var at string
	if err := row.Scan(&d.ID, &d.SubmissionID, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.Kind, &at); err != nil {
		return nil, err
	}
	d.AddedAt = parseTime(at)
	return &d, nil
}

// SubmissionDocuments lists submission id's documents, without content.
func (s *Store) SubmissionDocuments(ctx context.Context, id int64) ([]SubmissionDocument, error) {
	return submissionDocuments(ctx, s.read, id)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func submissionDocuments(ctx context.Context, db queryer, id int64) ([]SubmissionDocument, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+submissionDocumentColumns+` FROM submission_documents WHERE submission_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []SubmissionDocument
	for rows.Next() {
		d, err := scanSubmissionDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, classify(rows.Err())
}

// SubmissionDocumentContent returns one document of submission id with
// its content, opened and checked against its SHA-256. Returns
// CodeNotFound if the submission has no such document, CodeInternal if it
// does not open.
func (s *Store) SubmissionDocumentContent(ctx context.Context, id, docID int64) (*SubmissionDocument, []byte, error) {
	d, err := scanSubmissionDocument(s.read.QueryRowContext(ctx, `SELECT `+submissionDocumentColumns+`
		FROM submission_documents WHERE id = $1 AND submission_id = $2`, docID, id))
	if err == sql.ErrNoRows {
		return nil, nil, notFound("Document")
	}
	if err != nil {
		return nil, nil, classify(err)
	}
	var content []byte
	if err := s.read.QueryRowContext(ctx, `SELECT content FROM submission_documents WHERE id = $1`, docID).Scan(&content); err != nil {
		return nil, nil, classify(err)
	}
	if content, err = s.openSubmissionDocument(d, content); err != nil {
		return nil, nil, err
	}
	return d, content, nil
}

// AcceptSubmission marks submission id accepted as this request, in the
// request's update, and copies its documents onto the request as
// documents added by by (each named "kind: name"). It returns the copies.
// The submission must still be waiting for a clerk and its e-mail address
// verified (CodeConflict otherwise).
func (t *Tx) AcceptSubmission(id int64, by string) ([]roi.DocumentRecord, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE submissions SET status = 'accepted', request_id = $1
		WHERE id = $2 AND status = 'submitted' AND email_verified = $3`, t.req.ID, id, true)
	if err != nil {
		return nil, fmt.Errorf("store: accept submission: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, roi.Errorf(roi.CodeConflict, "The submission is no longer waiting, or its e-mail address is not verified.")
	}
	docs, err := submissionDocuments(t.ctx, t.tx, id)
	if err != nil {
		return nil, err
	}
	out := make([]roi.DocumentRecord, 0, len(docs))
	for _, sd := range docs {
		var content []byte
		if err := t.tx.QueryRowContext(t.ctx, `SELECT content FROM submission_documents WHERE id = $1`, sd.ID).Scan(&content); err != nil {
			return nil, err
		}
		content, err := t.s.openSubmissionDocument(&sd, content)
		if err != nil {
			return nil, err
		}
		d := roi.DocumentRecord{Name: sd.Name, Kind: roi.DocumentKind(sd.Kind), ContentType: sd.ContentType, AddedBy: by}
		if err := t.AddDocument(&d, content); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// openSubmissionDocument opens d's stored content and checks its SHA-256.
func (s *Store) openSubmissionDocument(d *SubmissionDocument, stored []byte) ([]byte, error) {
	content, err := s.open(KindSubmissionDocument, d.ID, stored)
	if err != nil {
		return nil, err
	}
	if err := checkSum(KindSubmissionDocument, d.ID, content, d.SHA256); err != nil {
		return nil, err
	}
	return content, nil
}
