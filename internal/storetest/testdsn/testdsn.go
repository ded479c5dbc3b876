// Package testdsn gives a test a database of its own, as a DSN string:
// a SQLite file in the test's temporary directory, or a fresh schema (or
// database) on the PostgreSQL server named by CUSTODIAN_TEST_POSTGRES_URL,
// dropped when the test ends.
//
// It deals only in strings and testing.TB, and does not import
// internal/store, so that internal/store's own (package store) tests can
// use it without an import cycle. Tests outside internal/store want
// package storetest, which opens and migrates a *store.Store on these
// DSNs.
//
// The rules for PostgreSQL are the project's: without
// CUSTODIAN_TEST_POSTGRES_URL a PostgreSQL test is skipped with a message
// saying how to get a server, except under CI=true, where the skip would
// hide a failure and the test fails instead. .ci/postgres starts a server
// and prints its URL on its last line.
package testdsn

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the environment variable holding the URL of the
// PostgreSQL server tests may use.
const EnvPostgres = "CUSTODIAN_TEST_POSTGRES_URL"

// The dialect names ForEach gives its subtests; they are the values of
// store.SQLite and store.Postgres, so -run patterns such as
// 'TestX/postgres' keep working wherever a suite runs on both.
const (
	SQLiteName   = "sqlite"
	PostgresName = "postgres"
)

// PostgresURL returns the URL of the test PostgreSQL server. Without one
// it skips the test, or fails it under CI=true: one place for that rule so
// that no PostgreSQL test can quietly skip in CI.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvPostgres + " is not set under CI=true: the PostgreSQL tests must run (.ci/postgres starts a server and prints its URL)")
		}
		t.Skip("PostgreSQL test skipped: set " + EnvPostgres + " (export " + EnvPostgres + "=$(.ci/postgres | tail -n 1))")
	}
	return u
}

// randomName is prefix and 12 random hex digits: schema and database
// names that concurrent test processes (go test runs packages in
// parallel) cannot collide on.
func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Postgres creates a fresh schema on the test server and returns a URL
// whose search_path is that schema; the schema is dropped with everything
// in it when the test ends. A schema per test is cheap (no CREATE
// DATABASE), isolates tests that run in parallel in other packages, and
// needs nothing but the one database .ci/postgres creates. Every
// connection opened with the URL (several stores, a child process) sees
// the same schema.
func Postgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testdsn: open %s: %v", EnvPostgres, err)
	}
	schema := randomName("t_")
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("testdsn: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("testdsn: drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema)
}

// PostgresDatabase creates a fresh database on the test server and
// returns its URL; it is dropped (WITH (FORCE), closing what still uses
// it) when the test ends. For tests whose subject is the whole database,
// such as several server processes migrating and sharing one; a schema
// (Postgres) is cheaper for everything else.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("testdsn: open %s: %v", EnvPostgres, err)
	}
	name := randomName("custodian_t_")
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("testdsn: create database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Logf("testdsn: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdsn: %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// SQLite returns the path of a SQLite database file (not yet created) in
// the test's temporary directory, removed with it: the store's default
// dialect, with nothing to install.
func SQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "custodian.db")
}

// ForEach runs fn as two subtests, "sqlite" and "postgres", each with a
// fresh database of that dialect: the store promises the same behaviour
// on both, so suites that care run on both. The PostgreSQL subtest skips
// (fails under CI=true) without a server; the SQLite one always runs.
func ForEach(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run(SQLiteName, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(PostgresName, func(t *testing.T) {
		t.Helper()
		fn(t, Postgres(t))
	})
}

// withParam adds a query parameter to a URL that may already have some.
func withParam(base, key, value string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + key + "=" + url.QueryEscape(value)
}
