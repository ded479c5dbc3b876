package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

// TestPostgresRuntimeRole: on PostgreSQL the desk runs as a role that owns
// nothing (M3: the application role owned the tables and could disable
// the ledger's triggers). custodian migrate runs as the owner and grants
// the runtime role rows only; the desk then works in full as the runtime
// role, which cannot disable a trigger, alter or create a table, or
// update, delete or truncate a ledger entry.
func TestPostgresRuntimeRole(t *testing.T) {
	base := testdsn.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 5)
	rand.Read(suffix)
	owner, runtime := "custodian_owner_"+hex.EncodeToString(suffix), "custodian_app_"+hex.EncodeToString(suffix)
	for _, r := range []string{owner, runtime} {
		if _, err := admin.Exec(`CREATE ROLE ` + r + ` LOGIN`); err != nil {
			t.Fatal(err)
		}
	}
	// Registered before the database, so it runs after the database is
	// dropped (cleanups run last first).
	t.Cleanup(func() {
		for _, r := range []string{runtime, owner} {
			if _, err := admin.Exec(`DROP ROLE IF EXISTS ` + r); err != nil {
				t.Logf("drop role %s: %v", r, err)
			}
		}
		admin.Close()
	})
	dbURL := testdsn.PostgresDatabase(t)
	super, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.Exec(`CREATE SCHEMA custodian AUTHORIZATION ` + owner); err != nil {
		t.Fatal(err)
	}
	as := func(role string) string {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(role)
		q := u.Query()
		q.Set("search_path", "custodian")
		u.RawQuery = q.Encode()
		return u.String()
	}
	ownerURL, runtimeURL := as(owner), as(runtime)

	if code, out, errs := runCmd(t, "", "migrate", "--db", ownerURL, "--runtime-role", runtime); code != 0 || !strings.Contains(out, "Runtime role") {
		t.Fatalf("migrate as the owner: %d %s %s", code, out, errs)
	}
	// The desk works as the runtime role: an import, a request taken to a
	// release with its packet and delivery, the ledger sealed and checked.
	key := writeLedgerKey(t)
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	if code, out, errs := runCmd(t, "", append([]string{"import", "--db", runtimeURL, "--ledger-key-file", key}, bundle...)...); code != 0 {
		t.Fatalf("import as the runtime role: %d %s %s", code, out, errs)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, runtimeURL)
	if err != nil {
		t.Fatal(err)
	}
	lf := ledgerFlags{keyFile: key}
	lf.apply(s)
	releaseOn(t, s)
	s.Close()
	if code, out, errs := runCmd(t, "", "ledger", "verify", "--db", runtimeURL, "--ledger-key-file", key); code != 0 || strings.Contains(out, "0 packets") {
		t.Fatalf("ledger verify as the runtime role: %d %s %s", code, out, errs)
	}

	rt, err := sql.Open("pgx", runtimeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, c := range []struct{ q, want string }{
		{`ALTER TABLE ledger DISABLE TRIGGER USER`, "must be owner"},
		{`ALTER TABLE ledger DISABLE TRIGGER ledger_no_update`, "must be owner"},
		{`UPDATE ledger SET actor = 'someone' WHERE seq = 1`, "permission denied"},
		{`DELETE FROM ledger WHERE seq > 1`, "permission denied"},
		{`TRUNCATE ledger`, "permission denied"},
		{`DROP TABLE ledger`, "must be owner"},
		{`CREATE TABLE custodian.shadow (x int)`, "permission denied"},
		{`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'x')`, "permission denied"},
		{`UPDATE schema_migrations SET applied_at = 'x'`, "permission denied"},
	} {
		if _, err := rt.Exec(c.q); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("as the runtime role, %s: %v, want %q", c.q, err, c.want)
		}
	}
	// What the runtime role must do, it can: read the ledger and append.
	var n int
	if err := rt.QueryRow(`SELECT COUNT(*) FROM ledger`).Scan(&n); err != nil || n == 0 {
		t.Errorf("reading the ledger as the runtime role: %d %v", n, err)
	}
	// The owner can still do what the runtime role cannot: the refusals
	// above are the grants, not a database that refuses everyone.
	own, err := sql.Open("pgx", ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if _, err := own.Exec(`ALTER TABLE ledger DISABLE TRIGGER ledger_no_update`); err != nil {
		t.Errorf("the owner disabling the trigger: %v", err)
	}
	own.Exec(`ALTER TABLE ledger ENABLE TRIGGER ledger_no_update`)
	// The runtime role sees the schema as current, so serve and the other
	// commands open it without migrating (import did, above).
	if n, err := func() (int, error) {
		s, err := store.Open(ctx, runtimeURL)
		if err != nil {
			return 0, err
		}
		defer s.Close()
		return s.PendingMigrations(ctx)
	}(); err != nil || n != 0 {
		t.Errorf("pending migrations seen by the runtime role: %d %v", n, err)
	}
}
