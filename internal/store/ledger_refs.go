package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// The ledger's story rests on rows it does not hold: the request's
// recipient and requester, the decision a release relied on, the evidence
// behind it. Each entry written since migration 0017 carries digests of
// the rows it is about (its refs), covered by its hash and its seal, so
// that `ledger verify` can find a row changed behind the desk's back.
//
// Only fields that never change after the row is written are digested:
// the desk changes a request's status and a withdrawn evidence entry's
// withdrawal fields, and those are checked against the entries that
// record the change instead (ledger_verify.go).

// refsVersion starts every entry's refs, so that an entry written by this
// code is told apart from one written before (refs "") even when it is
// about no row.
const refsVersion = "v1"

// refTable is one table whose rows entries digest.
type refTable struct {
	name  string // the ref's prefix: "request:12:…"
	table string
	cols  string // the fields that never change once written
}

var refTables = []refTable{
	{"request", "requests", "number, patient_id, type, received, requester_kind, requester_name, basis, recipient, scope"},
	{"decision", "decisions", "request_id, kind, rule_set, outcome, body, made_by, made_at"},
	{"evidence", "evidence", "request_id, type, body, added_by, added_at"},
}

func refTableNamed(name string) refTable {
	for _, t := range refTables {
		if t.name == name {
			return t
		}
	}
	panic("store: no ref table " + name)
}

// rowDigest is the SHA-256 of a row's digested fields, scanned as text (a
// NULL is JSON null), as a JSON array.
func rowDigest(scan func(dest ...any) error, n int) (string, error) {
	vals := make([]sql.NullString, n)
	dest := make([]any, n)
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := scan(dest...); err != nil {
		return "", err
	}
	arr := make([]any, n)
	for i, v := range vals {
		if v.Valid {
			arr[i] = v.String
		}
	}
	b, _ := json.Marshal(arr)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// refIDs are the row IDs an entry's body names.
type refIDs struct {
	DecisionID int64 `json:"decision_id"`
	EvidenceID int64 `json:"evidence_id"`
	// ReviewID is the decisions row that records a review (ReviewBody).
	ReviewID int64 `json:"review_id"`
}

// entryRefs returns the refs of an entry of kind about request req with
// body, reading the rows in tx (where the rows it names were just
// written). A view changes nothing and names no row worth a digest.
func entryRefs(ctx context.Context, tx *sql.Tx, kind roi.EventKind, req roi.RequestID, body []byte) (string, error) {
	if kind == roi.EventView {
		return refsVersion, nil
	}
	var want [][2]any // ref table name, id
	if kind == roi.EventIntake && req != 0 {
		want = append(want, [2]any{"request", int64(req)})
	}
	var ids refIDs
	if json.Unmarshal(body, &ids) == nil {
		if ids.DecisionID != 0 {
			want = append(want, [2]any{"decision", ids.DecisionID})
		}
		if ids.ReviewID != 0 {
			want = append(want, [2]any{"decision", ids.ReviewID})
		}
		if ids.EvidenceID != 0 {
			want = append(want, [2]any{"evidence", ids.EvidenceID})
		}
	}
	refs := []string{}
	for _, w := range want {
		t, id := refTableNamed(w[0].(string)), w[1].(int64)
		row := tx.QueryRowContext(ctx, `SELECT `+t.cols+` FROM `+t.table+` WHERE id = $1`, id)
		d, err := rowDigest(row.Scan, strings.Count(t.cols, ",")+1)
		if err == sql.ErrNoRows {
			continue // not this entry's row to vouch for
		}
		if err != nil {
			return "", fmt.Errorf("store: ledger refs: %w", err)
		}
		refs = append(refs, t.name+":"+strconv.FormatInt(id, 10)+":"+d)
	}
	slices.Sort(refs)
	return strings.Join(append([]string{refsVersion}, refs...), " "), nil
}

// ref is one parsed ref.
type ref struct {
	table  string
	id     int64
	digest string
}

// parseRefs reads an entry's refs; it reports whether the entry was
// written with refs at all.
func parseRefs(s string) ([]ref, bool) {
	f := strings.Fields(s)
	if len(f) == 0 || f[0] != refsVersion {
		return nil, false
	}
	var out []ref
	for _, x := range f[1:] {
		p := strings.SplitN(x, ":", 3)
		if len(p) != 3 {
			continue
		}
		id, err := strconv.ParseInt(p[1], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, ref{p[0], id, p[2]})
	}
	return out, true
}
