// Package storetest opens migrated stores for tests, on the databases of
// package testdsn: a SQLite file in the test's temporary directory, a
// fresh PostgreSQL schema, or each in turn. It is an ordinary package so
// that every package's tests share one way to do it, and it is imported
// only by _test.go files.
//
// internal/store's own tests cannot import it (storetest imports store);
// they use testdsn directly with a local open-and-migrate helper.
package storetest

import (
	"context"
	"testing"

	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

// Open opens the store at dsn, migrates it to the current schema, and
// closes it when the test ends. Tests that need several connection pools
// on one database (as several instances would have) call it once per pool
// with the same dsn.
func Open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

// SQLite is a migrated store on a fresh SQLite file in t.TempDir(): what
// most tests want, fast and with nothing to install.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return Open(t, testdsn.SQLite(t))
}

// Postgres is a migrated store on a fresh schema of the test PostgreSQL
// server, dropped afterwards. It skips without CUSTODIAN_TEST_POSTGRES_URL
// and fails under CI=true (see testdsn.PostgresURL).
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return Open(t, testdsn.Postgres(t))
}

// ForEach runs fn as the subtests "sqlite" and "postgres", each with a
// fresh migrated store of that dialect, for behaviour that must hold on
// both databases (locking, transactions, SQL differences). The skip and
// fail rules for PostgreSQL are testdsn.ForEach's.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	testdsn.ForEach(t, func(t *testing.T, dsn string) { fn(t, Open(t, dsn)) })
}
