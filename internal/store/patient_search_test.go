package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestStore_SearchPatients: a name is found by the beginnings of its words
// in any order and case, an MRN whole in any case; what does not begin a
// word, a part of an MRN and punctuation find nothing. Patients written
// around the store (a migration's existing rows, a bulk seed) are found
// too, and a re-import's new name replaces the old one.
func TestStore_SearchPatients(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		add := func(fhirID, mrn, name string) roi.PatientID {
			id, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: fhirID, MRN: mrn, Name: name, BirthDate: roi.MakeDate(1970, 3, 14)}, nil, nil, "test")
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		pat := add("p-1", "M-100", "Pat Example")
		ann := add("p-2", "x9", "Smith-Jones, Ann")
		jose := add("p-3", "", "José Álvarez")
		patricia := add("p-4", "M-200", "Patricia Smith")
		find := func(term string, limit int) []roi.PatientID {
			t.Helper()
			ps, err := s.SearchPatients(ctx, term, limit)
			if err != nil {
				t.Fatalf("%q: %v", term, err)
			}
			var ids []roi.PatientID
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			return ids
		}
		for _, c := range []struct {
			term string
			want []roi.PatientID
		}{
			{"pat", []roi.PatientID{pat, patricia}},
			{"pat exa", []roi.PatientID{pat}},
			{"  EXAMPLE,  Pat ", []roi.PatientID{pat}},
			{"smi", []roi.PatientID{ann, patricia}},
			{"jones ann", []roi.PatientID{ann}},
			{"smith-jones", []roi.PatientID{ann}},
			{"álv", []roi.PatientID{jose}},
			{"ÁLVAREZ JOSÉ", []roi.PatientID{jose}},
			{"m-100", []roi.PatientID{pat}},
			{"X9", []roi.PatientID{ann}},
			// Never: a part of an MRN, the inside of a word, a word of
			// nobody's name, nothing but punctuation.
			{"m-1", nil},
			{"m", nil},
			{"mith", nil},
			{"pat smythe", nil},
			{"%_", nil},
			{"#m-100", nil},
			{"", nil},
		} {
			if got := find(c.term, 0); !slices.Equal(got, c.want) {
				t.Errorf("search %q: %v, want %v", c.term, got, c.want)
			}
		}
		if got := find("pat", 1); !slices.Equal(got, []roi.PatientID{pat}) {
			t.Errorf("limit 1: %v", got)
		}

		// A re-import under a new name: the old words no longer find her.
		if id := add("p-1", "M-100", "Pat Sample"); id != pat {
			t.Fatalf("re-import made patient %d, not %d", id, pat)
		}
		if got := find("exa", 0); got != nil {
			t.Errorf("the old name still finds %v", got)
		}
		if got := find("sam pat", 0); !slices.Equal(got, []roi.PatientID{pat}) {
			t.Errorf("the new name: %v", got)
		}

		// Rows from around the store: a patient inserted directly (as the
		// load tool's seeder does) and one whose words were lost (as after
		// the migration) are indexed before the search reads the words.
		if _, err := s.write.ExecContext(ctx, `INSERT INTO patients (fhir_id, mrn, name, created_at) VALUES ('p-9', 'Q7', 'Robin Seeded', '2026-01-01T00:00:00Z')`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM patient_words WHERE patient_id = $1`, ann); err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE patients SET search_indexed = 0 WHERE id = $1`, ann); err != nil {
			t.Fatal(err)
		}
		if got := find("robin", 0); len(got) != 1 {
			t.Errorf("a seeded patient: %v", got)
		}
		if got := find("q7", 0); len(got) != 1 {
			t.Errorf("a seeded patient's MRN: %v", got)
		}
		if got := find("ann", 0); !slices.Equal(got, []roi.PatientID{ann}) {
			t.Errorf("a patient indexed again: %v", got)
		}
		var pending int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM patients WHERE search_indexed = 0`).Scan(&pending); err != nil || pending != 0 {
			t.Errorf("%d patients still waiting to be indexed, %v", pending, err)
		}
	})
}

// TestStore_SearchPatientsUsesIndex: on SQLite the word lookup is a range
// on patient_words' primary key, not a scan of every word or patient.
func TestStore_SearchPatientsUsesIndex(t *testing.T) {
	s := mustOpen(t, t.TempDir()+"/plan.db")
	rows, err := s.read.Query(`EXPLAIN QUERY PLAN SELECT patient_id FROM patient_words WHERE word >= $1 AND word < $2`, "pat", prefixEnd("pat"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "SEARCH") || !strings.Contains(joined, "word>? AND word<?") {
		t.Errorf("the word lookup does not use the index: %s", joined)
	}
}

// TestStore_RequesterNameSearch: the requester's name is matched on its
// words and then as typed: the firm is found by its name and by the start
// of it, never by its words in another order, nor by the inside of a word;
// a new request is found at once, one whose words were never written once
// the search has written them.
func TestStore_RequesterNameSearch(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		named := func(name string) roi.RequestID {
			return mustRequest(t, s, pid, func(r *roi.DeskRequest) { r.Requester = roi.Requester{Kind: roi.KindAttorney, Name: name} }).ID
		}
		firm := named("Smith & Jones LLP")
		other := named("Jones, Smith and Partners")
		ids := func(rs []*roi.DeskRequest) []roi.RequestID {
			var out []roi.RequestID
			for _, r := range rs {
				out = append(out, r.ID)
			}
			slices.Sort(out)
			return out
		}
		// Both readers of a requester-name filter, which must agree.
		find := func(term string) []roi.RequestID {
			t.Helper()
			plain, err := s.Requests(ctx, RequestFilter{RequesterName: term})
			if err != nil {
				t.Fatalf("%q: %v", term, err)
			}
			withStale, _, err := s.RequestsWithStale(ctx, RequestFilter{RequesterName: term})
			if err != nil {
				t.Fatalf("%q: %v", term, err)
			}
			if a, b := ids(plain), ids(withStale); !slices.Equal(a, b) {
				t.Errorf("%q: Requests %v, RequestsWithStale %v", term, a, b)
			}
			return ids(plain)
		}
		for _, c := range []struct {
			term string
			want []roi.RequestID
		}{
			{"Smith & Jones", []roi.RequestID{firm}},
			{"smith & jones llp", []roi.RequestID{firm}},
			{"smi", []roi.RequestID{firm, other}},
			{"jones", []roi.RequestID{firm, other}},
			{"Jones & Smith", nil},
			{"mith", nil},
			{"Test Patient", nil},
		} {
			if got := find(c.term); !slices.Equal(got, c.want) {
				t.Errorf("requester %q: %v, want %v", c.term, got, c.want)
			}
		}
		late := named("Smith & Jones LLP")
		if got := find("smith & jones"); !slices.Equal(got, []roi.RequestID{firm, late}) {
			t.Errorf("a request made after the last search: %v", got)
		}
		// Words never written (a request from before the migration, or a
		// bulk seed): written before the next requester search reads them.
		if _, err := s.write.ExecContext(ctx, `DELETE FROM request_words WHERE request_id = $1`, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE requests SET search_indexed = 0 WHERE id = $1`, other); err != nil {
			t.Fatal(err)
		}
		if got := find("partners"); !slices.Equal(got, []roi.RequestID{other}) {
			t.Errorf("a request indexed again: %v", got)
		}
	})
}
