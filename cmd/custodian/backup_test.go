package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/store"
)

// TestBackupRestoreCommands backs up a database while serve runs on it,
// restores the copy into a fresh directory, and checks the refusals.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	bundles, _ := filepath.Glob("../../internal/demo/bundles/*.json")
	if code, out, errs := runCmd(t, "", append([]string{"import", "--data", dir}, bundles...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	// serve holds the database open (its writer, readers and delivery
	// worker) while the backup copies it.
	ctx, cancel := context.WithCancel(context.Background())
	var sout, serr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org"}, nil, &sout, &serr, noenv)
	}()
	for i := 0; i < 200 && !strings.Contains(sout.String(), "listening on"); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "custodian-backup.db")
	code, out, errs := runCmd(t, "", "backup", "--data", dir, "--out", backup)
	cancel()
	if c := <-done; c != 0 {
		t.Errorf("serve: exit %d %s", c, serr.String())
	}
	if code != 0 || !regexp.MustCompile(`Backed up to .*: \d+ bytes, SHA-256 [0-9a-f]{64} .*ledger verifies \(\d+ entries\)`).MatchString(out) ||
		!strings.Contains(out, "key") {
		t.Fatalf("backup: %d %q %q", code, out, errs)
	}
	if code, _, errs := runCmd(t, "", "backup", "--data", dir, "--out", backup); code != exitUsage || !strings.Contains(errs, "already exists") {
		t.Errorf("backup onto an existing file: %d %s", code, errs)
	}

	fresh := filepath.Join(t.TempDir(), "restored")
	if code, out, errs := runCmd(t, "", "restore", "--from", backup, "--data", fresh); code != 0 || !strings.Contains(out, "Restored") {
		t.Fatalf("restore: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCmd(t, "", "ledger", "verify", "--data", fresh); code != 0 || !strings.Contains(out, "ledger intact") {
		t.Errorf("ledger of the restored database: %d %s %s", code, out, errs)
	}
	// Every patient, chart item and ledger entry came across.
	bg := context.Background()
	a, err := store.Open(bg, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(bg, filepath.Join(fresh, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := a.Patients(bg)
	pb, _ := b.Patients(bg)
	if len(pa) == 0 || len(pa) != len(pb) {
		t.Fatalf("%d patients restored of %d", len(pb), len(pa))
	}
	for i := range pa {
		ia, _ := a.ChartItems(bg, pa[i].ID)
		ib, _ := b.ChartItems(bg, pb[i].ID)
		if pa[i].MRN != pb[i].MRN || !reflect.DeepEqual(ia, ib) {
			t.Errorf("patient %d differs after the restore", pa[i].ID)
		}
	}
	la, _ := a.Ledger(bg, store.LedgerFilter{})
	lb, _ := b.Ledger(bg, store.LedgerFilter{})
	if len(lb) == 0 || len(lb) > len(la) || lb[len(lb)-1].Hash != la[len(lb)-1].Hash {
		t.Errorf("restored ledger (%d entries) is not the original's (%d)", len(lb), len(la))
	}
	b.Close()
	// Restoring over a database needs --force.
	if code, _, errs := runCmd(t, "", "restore", "--from", backup, "--data", fresh); code != exitUsage || !strings.Contains(errs, "--force") {
		t.Errorf("restore over an existing database: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "", "restore", "--from", backup, "--data", fresh, "--force"); code != 0 {
		t.Errorf("restore --force: %d %s", code, errs)
	}
	// A damaged backup is refused and changes nothing.
	raw, _ := os.ReadFile(backup)
	raw[len(raw)/2] ^= 0x55
	os.WriteFile(backup, raw, 0o600)
	before, _ := os.ReadFile(filepath.Join(fresh, "custodian.db"))
	if code, _, errs := runCmd(t, "", "restore", "--from", backup, "--data", fresh, "--force"); code != exitUsage || !strings.Contains(errs, "is damaged") ||
		!strings.Contains(errs, "Nothing was changed") {
		t.Errorf("restore of a damaged backup: %d %s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(fresh, "custodian.db")); !bytes.Equal(before, after) {
		t.Error("a refused restore changed the database")
	}
	// PostgreSQL: the advice, and a failure status.
	for _, args := range [][]string{{"backup", "--db", "postgres://db.example/custodian", "--out", "x"}, {"restore", "--db", "postgres://db.example/custodian", "--from", "x"}} {
		if code, _, errs := runCmd(t, "", args...); code != exitFailure || !strings.Contains(errs, "pg_dump") {
			t.Errorf("%s on PostgreSQL: %d %s", args[0], code, errs)
		}
	}
	if code, _, _ := runCmd(t, "", "backup", "--data", dir); code != exitUsage {
		t.Errorf("backup without --out: %d", code)
	}
}
