package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

// TestForEach: both subtests run with their own migrated store of the
// dialect they are named after, and the PostgreSQL schema is gone after
// its subtest.
func TestForEach(t *testing.T) {
	seen := map[string]store.Dialect{}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		name := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
		seen[name] = s.Dialect()
		if _, err := s.VerifyLedger(context.Background()); err != nil {
			t.Fatalf("a fresh store's ledger: %v", err)
		}
	})
	if seen[testdsn.SQLiteName] != store.SQLite {
		t.Errorf("the sqlite subtest ran on %q", seen[testdsn.SQLiteName])
	}
	if d, ok := seen[testdsn.PostgresName]; ok && d != store.Postgres {
		t.Errorf("the postgres subtest ran on %q", d)
	}
}

// TestPostgresSchemaIsolated: two schemas of one server do not see each
// other's rows.
func TestPostgresSchemaIsolated(t *testing.T) {
	a, b := storetest.Postgres(t), storetest.Postgres(t)
	ctx := context.Background()
	count := func(s *store.Store) int64 {
		t.Helper()
		n, err := s.VerifyLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a0, b0 := count(a), count(b)
	if err := a.Append(ctx, roi.Event{Kind: "storetest", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if na, nb := count(a), count(b); na != a0+1 || nb != b0 {
		t.Fatalf("ledger entries after one append to the first schema: %d -> %d there, %d -> %d in the other", a0, na, b0, nb)
	}
}
