package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/roi"
)

const requestColumns = `id, number, patient_id, type, received, requester_kind, requester_name, basis, recipient, scope,
	contact, delivery, status, assignee, due, version, evaluated_version, extended, linked_to, COALESCE(sensitive, 0), created_at, updated_at, language`

func scanRequest(row interface{ Scan(...any) error }) (*roi.DeskRequest, error) {
	var r roi.DeskRequest
	var received, scope, created, updated string
	var due sql.NullString
	var linked sql.NullInt64
	var lang string
	err := row.Scan(&r.ID, &r.Number, &r.PatientID, &r.Type, &received, &r.Requester.Kind, &r.Requester.Name,
		&r.Basis, &r.Recipient, &scope, &r.Contact, &r.Delivery, &r.Status, &r.Assignee, &due, &r.Version,
		&r.EvaluatedVersion, &r.Extended, &linked, &r.Sensitive, &created, &updated, &lang)
	if err != nil {
		return nil, err
	}
	if r.Received, err = roi.ParseDate(received); err != nil {
		return nil, fmt.Errorf("store: request %d received: %w", r.ID, err)
	}
	if r.Due, err = parseNullDate(due); err != nil {
		return nil, fmt.Errorf("store: request %d due: %w", r.ID, err)
	}
	var w caseformat.Scope
	if err := json.Unmarshal([]byte(scope), &w); err != nil {
		return nil, fmt.Errorf("store: request %d scope: %w", r.ID, err)
	}
	if r.Scope, err = caseformat.DecodeScope("scope", &w); err != nil {
		return nil, fmt.Errorf("store: request %d scope: %w", r.ID, err)
	}
	r.LinkedTo, r.Language = roi.RequestID(linked.Int64), roi.Language(lang)
	r.CreatedAt, r.UpdatedAt = parseTime(created), parseTime(updated)
	return &r, nil
}

// ScopeJSON is the stored form of a scope, in the case format's vocabulary.
func ScopeJSON(c roi.Coverage) string {
	w := map[string]any{}
	if c.From.Known() {
		w["from"] = c.From.String()
	}
	if c.To.Known() {
		w["to"] = c.To.String()
	}
	if c.HasLabels {
		w["labels"] = c.Labels.Strings()
	}
	b, _ := json.Marshal(w)
	return string(b)
}

// CreateRequest stores a new request, gives it its ID and number, and
// records ev (the intake) in the ledger in the same transaction.
func (s *Store) CreateRequest(ctx context.Context, r *roi.DeskRequest, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'request' RETURNING value`).Scan(&n); err != nil {
			return fmt.Errorf("store: request number: %w", err)
		}
		r.Number = fmt.Sprintf("R-%d-%06d", r.Received.Year(), n)
		now := s.now()
		r.Version, r.Language = 1, r.Language.OrEnglish()
		var linked any
		if r.LinkedTo != 0 {
			linked = r.LinkedTo
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO requests (number, patient_id, type, received, requester_kind, requester_name,
			basis, recipient, scope, contact, delivery, status, assignee, due, version, evaluated_version, extended, linked_to, created_at, updated_at, language)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, $17, $18, $18, $19) RETURNING id`,
			r.Number, r.PatientID, r.Type, r.Received.String(), r.Requester.Kind, r.Requester.Name, r.Basis, r.Recipient,
			ScopeJSON(r.Scope), r.Contact, r.Delivery, r.Status, r.Assignee, nullDate(r.Due), r.Version, r.Extended, linked, now, r.Language).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("store: create request: %w", err)
		}
		// The requester's name into the search's words (patient_search.go),
		// so that a search never waits for the writer to index it.
		if err := requestWords.index(ctx, tx, int64(r.ID), r.Requester.Name, ""); err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt = parseTime(now), parseTime(now)
		ev.RequestID, ev.PatientID = r.ID, r.PatientID
		return s.append(ctx, tx, ev)
	})
}

// Request returns the request with id. Returns CodeNotFound if none.
func (s *Store) Request(ctx context.Context, id roi.RequestID) (*roi.DeskRequest, error) {
	r, err := scanRequest(s.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Request")
	}
	return r, classify(err)
}

// RequestFilter selects requests for the queue. Zero fields select all.
type RequestFilter struct {
	Statuses  []roi.Status
	Open      bool     // only requests that still need work
	DueBefore roi.Date // due on or before
	Overdue   roi.Date // due strictly before this day (today), still open
	Assignee  string
	PatientID roi.PatientID
	Number    string
	Kind      roi.Kind // the requester's kind
	Sensitive bool     // only requests with a sensitive item in scope
	// AwaitingReview: only requests whose decision waits for a second
	// person's review (see Tx.SetAwaitingReview).
	AwaitingReview bool
	// RequesterName: only requests whose requester's name contains it,
	// ignoring case.
	RequesterName string
	// After is the position of the last request of the previous page
	// (keyset pagination): the next page starts after it.
	After *QueueKey
	Limit int
}

// QueueKey is a request's place in queue order: its due date (none sorts
// last) and then its ID.
type QueueKey struct {
	Due roi.Date
	ID  roi.RequestID
}

// KeyOf returns r's place in queue order.
func KeyOf(r *roi.DeskRequest) QueueKey { return QueueKey{Due: r.Due, ID: r.ID} }

// noDue is how a request without a due date sorts: after every date.
const noDue = "9999-12-31"

func (k QueueKey) due() string {
	if k.Due.Known() {
		return k.Due.String()
	}
	return noDue
}

// requestQuery adds f's conditions, order and limit to base.
// openCondition selects the requests that still need work. Its text is
// also the WHERE of the requests_open_queue partial index (migration
// 0009): keep the two identical, or the queue scans every request ever made.
const openCondition = "status NOT IN ('released', 'partially_released', 'denied', 'cancelled', 'closed')"

func requestQuery(base string, f RequestFilter) (string, []any) {
	q := base
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Statuses) > 0 {
		var ps []string
		for _, st := range f.Statuses {
			ps = append(ps, arg(st))
		}
		q += " AND status IN (" + strings.Join(ps, ", ") + ")"
	}
	if f.Open || f.Overdue.Known() {
		q += " AND " + openCondition
	}
	if f.DueBefore.Known() {
		q += " AND due IS NOT NULL AND due <= " + arg(f.DueBefore.String())
	}
	if f.Overdue.Known() {
		q += " AND due IS NOT NULL AND due < " + arg(f.Overdue.String())
	}
	if f.Assignee != "" {
		q += " AND assignee = " + arg(f.Assignee)
	}
	if f.PatientID != 0 {
		q += " AND patient_id = " + arg(f.PatientID)
	}
	if f.Number != "" {
		q += " AND number = " + arg(f.Number)
	}
	if f.Kind != "" {
		q += " AND requester_kind = " + arg(f.Kind)
	}
	if f.Sensitive {
		q += " AND sensitive = 1"
	}
	if f.AwaitingReview {
		q += " AND awaiting_review = 1"
	}
	if f.RequesterName != "" {
		// The word index first (patient_search.go), so that the LIKE
		// below reads a few candidates, not every request.
		q += requesterWords(arg, f.RequesterName)
		// lower() folds ASCII only in SQLite: a name with accented capitals
		// matches when typed with the same capitals.
		q += " AND lower(requester_name) LIKE " + arg("%"+likeEscape(strings.ToLower(f.RequesterName))+"%") + ` ESCAPE '\'`
	}
	if f.After != nil {
		d := arg(f.After.due())
		// A row value, which both databases compare in one index range.
		q += " AND (COALESCE(due, '" + noDue + "'), id) > (" + d + ", " + arg(f.After.ID) + ")"
	}
	q += " ORDER BY COALESCE(due, '" + noDue + "'), id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	return q, args
}

// Requests returns the matching requests, soonest due first (no due date
// last), then by ID.
func (s *Store) Requests(ctx context.Context, f RequestFilter) ([]*roi.DeskRequest, error) {
	if err := s.indexPendingFor(ctx, f); err != nil {
		return nil, err
	}
	q, args := requestQuery(`SELECT `+requestColumns+` FROM requests WHERE 1 = 1`, f)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*roi.DeskRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, classify(rows.Err())
}

// Tx is what a request update may do besides changing the request: attach
// records and append ledger events, all in the update's transaction.
type Tx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	req *roi.DeskRequest
}

// Append records an event about the request.
func (t *Tx) Append(ev roi.Event) error {
	ev.RequestID, ev.PatientID = t.req.ID, t.req.PatientID
	return t.s.append(t.ctx, t.tx, ev)
}

// AddEvidence stores a checked evidence entry and returns its ID.
func (t *Tx) AddEvidence(typ string, body []byte, by string) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO evidence (request_id, type, body, added_by, added_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.req.ID, typ, string(body), by, t.s.now()).Scan(&id)
	return id, err
}

// WithdrawEvidence marks evidence entry evID of the request withdrawn by
// by for reason; supersededBy names the correcting entry (0 for a plain
// withdrawal). The row is kept. An entry already withdrawn, or of another
// request, is a conflict or not found.
func (t *Tx) WithdrawEvidence(evID int64, by, reason string, supersededBy int64) error {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE evidence SET withdrawn_at = $1, withdrawn_by = $2, withdrawn_reason = $3, superseded_by = $4
		WHERE id = $5 AND request_id = $6 AND withdrawn_at = ''`, t.s.now(), by, reason, supersededBy, evID, t.req.ID)
	if err != nil {
		return fmt.Errorf("store: withdraw evidence: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return roi.Errorf(roi.CodeConflict, "That evidence entry is not in force on request %s (already withdrawn or corrected); reload the page.", t.req.Number)
	}
	return nil
}

// AddDocument stores an uploaded document with the SHA-256 and size of
// its content; the content is sealed when the store has keys.
func (t *Tx) AddDocument(d *roi.DocumentRecord, content []byte) error {
	sum := sha256.Sum256(content)
	d.SHA256, d.Size, d.RequestID = hex.EncodeToString(sum[:]), int64(len(content)), t.req.ID
	now := t.s.now()
	d.AddedAt = parseTime(now)
	if d.Kind == "" {
		d.Kind = roi.DocumentOther
	}
	if err := t.tx.QueryRowContext(t.ctx, `INSERT INTO documents (request_id, name, content_type, size, sha256, content, added_by, added_at, kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		d.RequestID, d.Name, d.ContentType, d.Size, d.SHA256, t.s.inserted(content), d.AddedBy, now, d.Kind).Scan(&d.ID); err != nil {
		return err
	}
	return t.s.sealInserted(t.ctx, t.tx, "documents", KindDocument, d.ID, content)
}

// SetAwaitingReview marks whether the request's decision waits for a
// second person's review: set with a decision that needs one, cleared by
// the review, a new decision, the release or the end of the request.
func (t *Tx) SetAwaitingReview(waiting bool) error {
	v := 0
	if waiting {
		v = 1
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE requests SET awaiting_review = $1 WHERE id = $2`, v, t.req.ID)
	return err
}

// AddDecision stores an evaluation or a decision.
func (t *Tx) AddDecision(d *roi.DecisionRecord) error {
	now := t.s.now()
	d.RequestID, d.At = t.req.ID, parseTime(now)
	return t.tx.QueryRowContext(t.ctx, `INSERT INTO decisions (request_id, kind, rule_set, outcome, body, made_by, made_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		d.RequestID, d.Kind, d.RuleSet, d.Outcome, string(d.Body), d.By, now).Scan(&d.ID)
}

// UpdateRequest changes request id in one transaction: fn receives the
// request as stored and changes it in place, adding records and events
// through tx. The update applies only if the stored version is version;
// otherwise it returns CodeConflict and changes nothing. The version goes
// up by one.
func (s *Store) UpdateRequest(ctx context.Context, id roi.RequestID, version int, fn func(r *roi.DeskRequest, tx *Tx) error) (*roi.DeskRequest, error) {
	var out *roi.DeskRequest
	err := s.tx(ctx, func(sqltx *sql.Tx) error {
		r, err := scanRequest(sqltx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
		if err == sql.ErrNoRows {
			return notFound("Request")
		}
		if err != nil {
			return err
		}
		if r.Version != version {
			return roi.Errorf(roi.CodeConflict, "Request %s changed since version %d (it is at version %d); reload it and try again.", r.Number, version, r.Version)
		}
		r.Version++
		if err := fn(r, &Tx{s: s, ctx: ctx, tx: sqltx, req: r}); err != nil {
			return err
		}
		now := s.now()
		var linked any
		if r.LinkedTo != 0 {
			linked = r.LinkedTo
		}
		res, err := sqltx.ExecContext(ctx, `UPDATE requests SET status = $1, assignee = $2, due = $3, version = $4,
			evaluated_version = $5, extended = $6, linked_to = $7, contact = $8, delivery = $9, updated_at = $10
			WHERE id = $11 AND version = $12`,
			r.Status, r.Assignee, nullDate(r.Due), r.Version, r.EvaluatedVersion, r.Extended, linked, r.Contact, r.Delivery, now, r.ID, version)
		if err != nil {
			return fmt.Errorf("store: update request: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return roi.Errorf(roi.CodeConflict, "Request %s changed meanwhile; reload it and try again.", r.Number)
		}
		r.UpdatedAt = parseTime(now)
		out = r
		return nil
	})
	return out, err
}

// Evidence returns a request's evidence in the order added.
func (s *Store) Evidence(ctx context.Context, id roi.RequestID) ([]roi.EvidenceRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, type, body, added_by, added_at, withdrawn_at, withdrawn_by, withdrawn_reason, superseded_by
		FROM evidence WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []roi.EvidenceRecord
	for rows.Next() {
		e := roi.EvidenceRecord{RequestID: id}
		var body, at, wat string
		if err := rows.Scan(&e.ID, &e.Type, &body, &e.AddedBy, &at, &wat, &e.WithdrawnBy, &e.WithdrawnReason, &e.SupersededBy); err != nil {
			return nil, err
		}
		e.Body, e.AddedAt = json.RawMessage(body), parseTime(at)
		if wat != "" {
			e.WithdrawnAt = parseTime(wat)
		}
		out = append(out, e)
	}
	return out, classify(rows.Err())
}

// Documents lists a request's documents, without their content.
func (s *Store) Documents(ctx context.Context, id roi.RequestID) ([]roi.DocumentRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, content_type, size, sha256, added_by, added_at, kind FROM documents WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []roi.DocumentRecord
	for rows.Next() {
		d := roi.DocumentRecord{RequestID: id}
		var at string
		if err := rows.Scan(&d.ID, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.AddedBy, &at, &d.Kind); err != nil {
			return nil, err
		}
		d.AddedAt = parseTime(at)
		out = append(out, d)
	}
	return out, classify(rows.Err())
}

// DocumentContent returns one document of a request with its content,
// opened and checked against its SHA-256. Returns CodeNotFound if the
// request has no such document, CodeInternal if it does not open.
func (s *Store) DocumentContent(ctx context.Context, id roi.RequestID, docID int64) (*roi.DocumentRecord, []byte, error) {
	d := roi.DocumentRecord{ID: docID, RequestID: id}
	var at string
	var content []byte
	err := s.read.QueryRowContext(ctx, `SELECT name, content_type, size, sha256, added_by, added_at, content, kind FROM documents WHERE id = $1 AND request_id = $2`,
		docID, id).Scan(&d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.AddedBy, &at, &content, &d.Kind)
	if err == sql.ErrNoRows {
		return nil, nil, notFound("Document")
	}
	if err != nil {
		return nil, nil, classify(err)
	}
	d.AddedAt = parseTime(at)
	if content, err = s.open(KindDocument, docID, content); err != nil {
		return nil, nil, err
	}
	if err := checkSum(KindDocument, docID, content, d.SHA256); err != nil {
		return nil, nil, err
	}
	return &d, content, nil
}

// Decisions returns a request's evaluations and decisions in order.
func (s *Store) Decisions(ctx context.Context, id roi.RequestID) ([]roi.DecisionRecord, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, kind, rule_set, outcome, body, made_by, made_at FROM decisions WHERE request_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []roi.DecisionRecord
	for rows.Next() {
		d := roi.DecisionRecord{RequestID: id}
		var body, at string
		if err := rows.Scan(&d.ID, &d.Kind, &d.RuleSet, &d.Outcome, &body, &d.By, &at); err != nil {
			return nil, err
		}
		d.Body, d.At = json.RawMessage(body), parseTime(at)
		out = append(out, d)
	}
	return out, classify(rows.Err())
}

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
// Body is nil when the answer was not kept (no encryption key: an answer
// may hold a requester's name or e-mail, and is kept only sealed).
type IdempotentResponse struct {
	Fingerprint string
	Status      int
	Body        []byte
}

// KindIdempotent is the vault kind of a kept answer; the row's key is
// added to it, so a sealed answer opens only under its own key.
const KindIdempotent = "idempotent-response"

// Idempotent returns the response stored under key within ttl of now, or
// nil. key is the caller's scoped, hashed key (web hashes the user and
// the client's key together): the table never holds a key as sent.
func (s *Store) Idempotent(ctx context.Context, key string, ttl time.Duration) (*IdempotentResponse, error) {
	var r IdempotentResponse
	var body string
	err := s.read.QueryRowContext(ctx, `SELECT fingerprint, status, body FROM idempotency WHERE key = $1 AND created_at > $2`,
		key, optTime(s.Now().Add(-ttl))).Scan(&r.Fingerprint, &r.Status, &body)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	if body == "" || s.Keys == nil {
		return &r, nil
	}
	blob, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, roi.WrapOp("store.open-idempotent", roi.CodeInternal, fmt.Errorf("store: idempotent body: %w", err),
			"A kept answer is damaged.")
	}
	p, err := s.Keys.Open(KindIdempotent+":"+key, blob)
	if err != nil {
		return nil, roi.WrapOp("store.open-idempotent", roi.CodeInternal, fmt.Errorf("store: open idempotent body: %w", err),
			"A kept answer cannot be decrypted: it is damaged or sealed under a key this server does not hold.")
	}
	r.Body = p
	return &r, nil
}

// SaveIdempotent stores the response to a POST under key, and forgets the
// answers older than ttl. The body is kept only sealed with the vault
// (none without a key). A key already stored within ttl is left as it is;
// an expired one is replaced.
func (s *Store) SaveIdempotent(ctx context.Context, key string, r IdempotentResponse, ttl time.Duration) error {
	body := ""
	if s.Keys != nil && r.Body != nil {
		blob, err := s.Keys.Seal(KindIdempotent+":"+key, r.Body)
		if err != nil {
			return fmt.Errorf("store: seal idempotent body: %w", err)
		}
		body = base64.StdEncoding.EncodeToString(blob)
	}
	now := s.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at <= $1`, optTime(now.Add(-ttl))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency (key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (key) DO NOTHING`, key, r.Fingerprint, r.Status, body, optTime(now))
		return err
	})
}

// Stale is a request whose "sensitive in scope" must be worked out again.
type Stale struct {
	Request *roi.DeskRequest
	gen     int64
}

// StaleSensitive returns up to limit requests matching f (its After, Limit
// and Sensitive ignored) whose "sensitive in scope" is not known.
func (s *Store) StaleSensitive(ctx context.Context, f RequestFilter, limit int) ([]Stale, error) {
	f.After, f.Sensitive, f.Limit = nil, false, limit
	q, args := requestQuery(`SELECT `+requestColumns+`, chart_gen FROM requests WHERE sensitive IS NULL`, f)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []Stale
	for rows.Next() {
		var st Stale
		var err error
		st.Request, err = scanRequest(rowWithTail{rows, []any{&st.gen}})
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, classify(rows.Err())
}

// RequestsWithStale is Requests that also returns the rows among them
// whose "sensitive in scope" is not known (shown as false until worked
// out); each Stale points at the row itself, so filling it in fills the
// row. One query, whatever the page holds.
func (s *Store) RequestsWithStale(ctx context.Context, f RequestFilter) ([]*roi.DeskRequest, []Stale, error) {
	if err := s.indexPendingFor(ctx, f); err != nil {
		return nil, nil, err
	}
	q, args := requestQuery(`SELECT `+requestColumns+`, chart_gen, CASE WHEN sensitive IS NULL THEN 1 ELSE 0 END FROM requests WHERE 1 = 1`, f)
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, classify(err)
	}
	defer rows.Close()
	var out []*roi.DeskRequest
	var stale []Stale
	for rows.Next() {
		var gen int64
		var unknown int
		r, err := scanRequest(rowWithTail{rows, []any{&gen, &unknown}})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
		if unknown == 1 {
			stale = append(stale, Stale{Request: r, gen: gen})
		}
	}
	return out, stale, classify(rows.Err())
}

// KnownSensitive returns "sensitive in scope" for those of ids for which
// it is known: a second reader that waited while another filled the same
// rows in takes the answer instead of working it out again.
func (s *Store) KnownSensitive(ctx context.Context, ids []roi.RequestID) (map[roi.RequestID]bool, error) {
	out := map[roi.RequestID]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	ps := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ps[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, sensitive FROM requests WHERE sensitive IS NOT NULL AND id IN (`+strings.Join(ps, ", ")+`)`, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id roi.RequestID
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, classify(err)
		}
		out[id] = v == 1
	}
	return out, classify(rows.Err())
}

// rowWithTail scans a request row followed by extra columns.
type rowWithTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (r rowWithTail) Scan(dest ...any) error { return r.row.Scan(append(dest, r.tail...)...) }

// SetSensitive stores what was worked out for stale requests, unless the
// chart changed again meanwhile (then it stays unknown for the next pass).
func (s *Store) SetSensitive(ctx context.Context, done []Stale) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, st := range done {
			// An integer column on both databases: PostgreSQL will not
			// take a Go bool for it.
			v := 0
			if st.Request.Sensitive {
				v = 1
			}
			if _, err := tx.ExecContext(ctx, `UPDATE requests SET sensitive = $1 WHERE id = $2 AND chart_gen = $3`,
				v, st.Request.ID, st.gen); err != nil {
				return fmt.Errorf("store: sensitive: %w", err)
			}
		}
		return nil
	})
}

// chartChanged marks a patient's requests for working "sensitive in scope"
// out again, inside the transaction that changed the chart or its labels.
func chartChanged(ctx context.Context, tx *sql.Tx, pid roi.PatientID) error {
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET sensitive = NULL, chart_gen = chart_gen + 1 WHERE patient_id = $1`, pid); err != nil {
		return fmt.Errorf("store: sensitive: %w", err)
	}
	return nil
}

// String is the key as a page link carries it: the due date (empty when
// none) and the ID. It holds no PHI.
func (k QueueKey) String() string {
	d := ""
	if k.Due.Known() {
		d = k.Due.String()
	}
	return d + "." + strconv.FormatInt(int64(k.ID), 10)
}

// ParseQueueKey reads a key written by QueueKey.String.
func ParseQueueKey(s string) (*QueueKey, error) {
	d, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return nil, roi.Errorf(roi.CodeInvalid, "The page position (after) is not one this desk wrote.")
	}
	k := &QueueKey{ID: roi.RequestID(n)}
	if d != "" {
		if k.Due, err = roi.ParseDate(d); err != nil {
			return nil, roi.Errorf(roi.CodeInvalid, "The page position (after) is not one this desk wrote.")
		}
	}
	return k, nil
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}
