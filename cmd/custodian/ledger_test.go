package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/vault"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The tests here reproduce finding M3 of issue #15, "a database
// administrator rewrites history", one attack each: they play the
// administrator on the database file directly (dropping the ledger's
// triggers, as the table's owner can), then ask the desk's own checks.

// writeLedgerKey writes a fresh ledger key file (mode 0600) and returns
// its path.
func writeLedgerKey(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ledger.key")
	if err := os.WriteFile(f, []byte(vault.EncodeKey(vault.GenerateKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// keyedRelease builds a database the way an installation does (import of
// a Synthea bundle), with the ledger sealed under keyFile, and takes an
// access request through evidence, evaluation, decision and a portal
// release. It returns the data directory and the request's ID.
func keyedRelease(t *testing.T, keyFile string) (dir string, id roi.RequestID) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	if len(bundle) != 1 {
		t.Fatalf("demo bundle: %v", bundle)
	}
	if code, out, errs := runCmd(t, "", append([]string{"import", "--data", dir, "--ledger-key-file", keyFile}, bundle...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	s, err := store.Open(ctx, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lf := ledgerFlags{keyFile: keyFile}
	if err := lf.apply(s); err != nil {
		t.Fatal(err)
	}
	return dir, releaseOn(t, s)
}

// releaseOn takes an access request for the one patient in s through
// evidence, evaluation, decision and a portal release.
func releaseOn(t *testing.T, s *store.Store) roi.RequestID {
	t.Helper()
	ctx := context.Background()
	pts, err := s.Patients(ctx)
	if err != nil || len(pts) != 1 {
		t.Fatalf("patients %d %v", len(pts), err)
	}
	desk := workflow.New(s)
	desk.SetClock(func() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) })
	r, err := desk.Intake(ctx, "clerk", workflow.Intake{PatientID: pts[0].ID, Request: roi.Request{Received: roi.MakeDate(2026, 3, 2),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "Requester Synthetic"}, Basis: roi.BasisAccess}, Contact: "555-0199", Delivery: roi.DeliveryPortal})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, err = desk.AttachEvidence(ctx, "clerk", r.ID, r.Version, []byte(`{"type":"identity","verified":true,"method":"photo ID"}`)); err != nil {
		t.Fatal(err)
	}
	r, ev, err := desk.Evaluate(ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	action := workflow.ActApprove
	if ev.Decision.Outcome == roi.OutcomePartial {
		action = workflow.ActPartial
	}
	if r, _, err = desk.Decide(ctx, "specialist", r.ID, r.Version, workflow.Decide{Action: action}); err != nil {
		t.Fatal(err)
	}
	if r, _, _, err = desk.Release(ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// asAdmin opens the SQLite file as its owner would, and drops the
// ledger's append-only triggers, which the owner of a table may do.
func asAdmin(t *testing.T, file string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{`DROP TRIGGER IF EXISTS ledger_no_update`, `DROP TRIGGER IF EXISTS ledger_no_delete`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func adminExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rewriteLedger is the forger's tool: it changes the entries change picks
// and recomputes every hash from the first changed entry on with the
// public sealing function, then moves the head row, so that the plain
// hash chain verifies. It leaves the seals alone unless strip is set,
// which blanks every seal (the forger has no key to make new ones).
func rewriteLedger(t *testing.T, db *sql.DB, change func(e *roi.LedgerEntry) bool, strip bool) {
	t.Helper()
	rows, err := db.Query(`SELECT seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, refs, key_id, mac FROM ledger ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var es []roi.LedgerEntry
	for rows.Next() {
		var e roi.LedgerEntry
		var at, body string
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.RequestID, &e.PatientID, &e.Actor, &body, &e.PrevHash, &e.Hash, &e.Refs, &e.KeyID, &e.MAC); err != nil {
			t.Fatal(err)
		}
		e.At, _ = ledger.ParseTime(at)
		e.Body = []byte(body)
		es = append(es, e)
	}
	rows.Close()
	prev, changed := ledger.Genesis, false
	for i := range es {
		e := &es[i]
		if change(e) {
			changed = true
		}
		if strip {
			e.KeyID, e.MAC = "", ""
		}
		if changed {
			ledger.Seal(prev, e)
		}
		prev = e.Hash
		adminExec(t, db, `UPDATE ledger SET body = $1, prev_hash = $2, hash = $3, key_id = $4, mac = $5 WHERE seq = $6`,
			string(e.Body), e.PrevHash, e.Hash, e.KeyID, e.MAC, e.Seq)
	}
	if !changed {
		t.Fatal("the forger changed nothing")
	}
	adminExec(t, db, `UPDATE ledger_head SET hash = $1 WHERE id = 1`, prev)
}

// changeRecipient rewrites the disclosure's recipient in the ledger.
func changeRecipient(e *roi.LedgerEntry) bool {
	if e.Kind != roi.EventDisclosure {
		return false
	}
	var m map[string]any
	json.Unmarshal(e.Body, &m)
	m["recipient"] = "Someone Else Entirely"
	e.Body, _ = json.Marshal(m)
	return true
}

// TestLedgerRewriteWithRecomputedHashes: an administrator changes a
// disclosure's recipient in the ledger and recomputes every hash after
// it. Without a ledger key the chain verifies and verify-packet vouches
// (the attack); with the key, ledger verify and verify-packet say broken.
func TestLedgerRewriteWithRecomputedHashes(t *testing.T) {
	key := writeLedgerKey(t)
	dir, _ := keyedRelease(t, key)
	if code, out, errs := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key); code != 0 ||
		!strings.Contains(out, "ledger intact") || !strings.Contains(out, "sealed with the ledger key (from entry 1 on)") {
		t.Fatalf("before the attack: %d %s %s", code, out, errs)
	}
	db := asAdmin(t, filepath.Join(dir, "custodian.db"))
	rewriteLedger(t, db, changeRecipient, false)

	// The attack as it was: the hash chain alone is satisfied.
	code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir)
	if code != 0 || !strings.Contains(out, "ledger intact") || !strings.Contains(out, "NOT KEY-CHECKED") {
		t.Fatalf("unkeyed verify of the rewrite: %d %s", code, out)
	}
	// With the key it is caught, at the entry rewritten.
	code, out, _ = runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key)
	if code != exitFailure || !strings.Contains(out, "ledger BROKEN") || !strings.Contains(out, "seal does not match") {
		t.Fatalf("keyed verify of the rewrite: %d %s", code, out)
	}
	// verify-packet no longer vouches for the packet.
	var pkt []byte
	if err := db.QueryRow(`SELECT content FROM packets`).Scan(&pkt); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "packet.pdf")
	os.WriteFile(file, pkt, 0o600)
	code, out, errs := runCmd(t, "", "verify-packet", "--data", dir, "--ledger-key-file", key, file)
	if code != exitFailure || !strings.Contains(out, "BROKEN") {
		t.Errorf("verify-packet after the rewrite: %d %s %s", code, out, errs)
	}

	// The forger strips every seal instead: nothing is sealed, which a key
	// holder is told is a failure.
	rewriteLedger(t, db, changeRecipient, true)
	code, out, _ = runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key)
	if code != exitFailure || !strings.Contains(out, "NOT SEALED") {
		t.Fatalf("keyed verify of a stripped ledger: %d %s", code, out)
	}
}

// TestLedgerTruncationWithHeadFixed: an administrator removes the last
// entries and moves the head row back to match. The chain verifies; the
// checkpoint written before does not agree.
func TestLedgerTruncationWithHeadFixed(t *testing.T) {
	key := writeLedgerKey(t)
	dir, id := keyedRelease(t, key)
	// The last entries are views of the record: who looked at it, what
	// an insider would want gone, and what no table repeats.
	s, err := store.Open(context.Background(), filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	lf := ledgerFlags{keyFile: key}
	lf.apply(s)
	for i := 0; i < 3; i++ {
		if err := s.Append(context.Background(), roi.Event{Kind: roi.EventView, RequestID: id, Actor: "insider", Body: roi.ViewBody{What: "request"}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	cps := filepath.Join(t.TempDir(), "checkpoints")
	code, out, errs := runCmd(t, "", "ledger", "checkpoint", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps)
	if code != 0 || !strings.Contains(out, "checkpoint written") {
		t.Fatalf("checkpoint: %d %s %s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(cps, "checkpoint-*.json"))
	if len(files) != 1 {
		t.Fatalf("checkpoint files %v", files)
	}
	if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("checkpoint mode %o, want 0600", st.Mode().Perm())
	}
	if code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps); code != 0 ||
		!strings.Contains(out, "1 checkpoint agrees") {
		t.Fatalf("verify with the checkpoint, before the attack: %d %s", code, out)
	}

	db := asAdmin(t, filepath.Join(dir, "custodian.db"))
	var n int64
	db.QueryRow(`SELECT seq FROM ledger_head`).Scan(&n)
	cut := n - 3
	var head string
	db.QueryRow(`SELECT hash FROM ledger WHERE seq = $1`, cut).Scan(&head)
	adminExec(t, db, `DELETE FROM ledger WHERE seq > $1`, cut)
	adminExec(t, db, `UPDATE ledger_head SET seq = $1, hash = $2`, cut, head)

	// Without the checkpoint the cut is invisible (the attack).
	if code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key); code != 0 || !strings.Contains(out, "ledger intact") {
		t.Fatalf("verify without checkpoints: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps)
	if code != exitFailure || !strings.Contains(out, "ledger BROKEN") || !strings.Contains(out, "entries were removed") {
		t.Fatalf("verify with the checkpoint after the cut: %d %s", code, out)
	}
	// No new checkpoint blesses the cut ledger.
	if code, out, _ := runCmd(t, "", "ledger", "checkpoint", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps); code != exitFailure ||
		!strings.Contains(out, "no checkpoint written") {
		t.Errorf("checkpoint of the cut ledger: %d %s", code, out)
	}

	// A checkpoint edited to match the cut ledger does not authenticate.
	b, _ := os.ReadFile(files[0])
	cp, err := ledger.ParseCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	cp.Seq, cp.Head = cut, head
	os.WriteFile(files[0], ledger.MarshalCheckpoint(cp), 0o600)
	code, out, _ = runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps)
	if code != exitFailure || !strings.Contains(out, "does not authenticate") {
		t.Errorf("verify with a forged checkpoint: %d %s", code, out)
	}
}

// TestLedgerTablesAgree: the rows the ledger's story rests on, changed
// directly in the database, are found; changed back, the ledger is intact
// again. The ledger itself is never touched here.
func TestLedgerTablesAgree(t *testing.T) {
	key := writeLedgerKey(t)
	dir, id := keyedRelease(t, key)
	verify := func() (int, string) {
		code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key)
		return code, out
	}
	code, out := verify()
	if code != 0 || !strings.Contains(out, "Tables agree") || strings.Contains(out, " 0 requests") ||
		strings.Contains(out, " 0 decisions") || strings.Contains(out, " 0 evidence") || strings.Contains(out, " 0 packets") {
		t.Fatalf("before: %d %s", code, out)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name, table, col, where, want string
	}{
		{"a request's recipient", "requests", "recipient", "id = " + itoa(int64(id)), "requests row"},
		{"a request's requester", "requests", "requester_name", "id = " + itoa(int64(id)), "requests row"},
		{"a request's status", "requests", "status", "id = " + itoa(int64(id)), "status of requests row"},
		{"a stored decision", "decisions", "outcome", "id = (SELECT MAX(id) FROM decisions)", "decisions row"},
		{"a decision's body", "decisions", "body", "id = (SELECT MIN(id) FROM decisions)", "decisions row"},
		{"evidence", "evidence", "body", "id = (SELECT MIN(id) FROM evidence)", "evidence row"},
		{"a packet's hash", "packets", "sha256", "id = (SELECT MIN(id) FROM packets)", "packet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var old string
			if err := db.QueryRow(`SELECT ` + c.col + ` FROM ` + c.table + ` WHERE ` + c.where).Scan(&old); err != nil {
				t.Fatal(err)
			}
			adminExec(t, db, `UPDATE `+c.table+` SET `+c.col+` = $1 WHERE `+c.where, "changed-by-the-administrator")
			code, out := verify()
			if code != exitFailure || !strings.Contains(out, "ledger BROKEN") || !strings.Contains(out, c.want) ||
				strings.Contains(out, "changed-by-the-administrator") {
				t.Errorf("after changing %s: %d %s", c.name, code, out)
			}
			adminExec(t, db, `UPDATE `+c.table+` SET `+c.col+` = $1 WHERE `+c.where, old)
			if code, out := verify(); code != 0 {
				t.Errorf("changed back: %d %s", code, out)
			}
		})
	}
}

// TestLedgerForgedRowInserted: an authorization inserted straight into
// the evidence table, as if received, is named by no ledger entry.
func TestLedgerForgedRowInserted(t *testing.T) {
	key := writeLedgerKey(t)
	dir, id := keyedRelease(t, key)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	adminExec(t, db, `INSERT INTO evidence (request_id, type, body, added_by, added_at) VALUES ($1, 'authorization', '{}', 'clerk', '2026-03-02T12:00:00.000000Z')`, int64(id))
	code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key)
	if code != exitFailure || !strings.Contains(out, "named by no ledger entry") || !strings.Contains(out, "evidence row") {
		t.Fatalf("verify with a forged evidence row: %d %s", code, out)
	}
	adminExec(t, db, `DELETE FROM evidence WHERE id = (SELECT MAX(id) FROM evidence)`)
	if code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key); code != 0 {
		t.Errorf("the forged row removed: %d %s", code, out)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestRestoreRefusesRewrittenBackup: a backup whose ledger was rewritten
// with recomputed hashes (and a checksum file recomputed to match) is
// refused by a restore that holds the ledger key.
func TestRestoreRefusesRewrittenBackup(t *testing.T) {
	key := writeLedgerKey(t)
	dir, _ := keyedRelease(t, key)
	backup := filepath.Join(t.TempDir(), "b.db")
	if code, out, errs := runCmd(t, "", "backup", "--data", dir, "--out", backup); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	db := asAdmin(t, backup)
	rewriteLedger(t, db, changeRecipient, false)
	db.Close()
	b, _ := os.ReadFile(backup)
	sum := sha256.Sum256(b)
	os.WriteFile(backup+".sha256", []byte(hex.EncodeToString(sum[:])+"  b.db\n"), 0o600)

	code, _, errs := runCmd(t, "", "restore", "--from", backup, "--data", filepath.Join(t.TempDir(), "r"), "--ledger-key-file", key)
	if code == 0 || !strings.Contains(errs, "seal does not match") || !strings.Contains(errs, "Nothing was changed") {
		t.Fatalf("keyed restore of a rewritten backup: %d %s", code, errs)
	}
	// Without the key the rewrite is accepted, as it was before.
	if code, out, errs := runCmd(t, "", "restore", "--from", backup, "--data", filepath.Join(t.TempDir(), "r2")); code != 0 {
		t.Errorf("unkeyed restore: %d %s %s", code, out, errs)
	}
}

// TestLedgerKeyRotation: entries sealed with the old key verify once the
// old key is kept as a retired key; a ledger-key entry records the change.
func TestLedgerKeyRotation(t *testing.T) {
	old := writeLedgerKey(t)
	dir, _ := keyedRelease(t, old)
	nb, _ := os.ReadFile(writeLedgerKey(t))
	ob, _ := os.ReadFile(old)
	ring := filepath.Join(t.TempDir(), "ring.key")
	os.WriteFile(ring, append(nb, ob...), 0o600)
	// The new key seals from the next entry on (a checkpoint writes the
	// ledger-key entry).
	cps := t.TempDir()
	if code, out, errs := runCmd(t, "", "ledger", "checkpoint", "--data", dir, "--ledger-key-file", ring, "--checkpoint-dir", cps); code != 0 {
		t.Fatalf("checkpoint with the new key: %d %s %s", code, out, errs)
	}
	if code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", ring, "--checkpoint-dir", cps); code != 0 {
		t.Fatalf("verify with both keys: %d %s", code, out)
	}
	onlyNew := filepath.Join(t.TempDir(), "new.key")
	os.WriteFile(onlyNew, nb, 0o600)
	if code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", onlyNew); code != exitFailure || !strings.Contains(out, "not configured") {
		t.Errorf("verify without the retired key: %d %s", code, out)
	}
	s, err := store.Open(context.Background(), filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.Ledger(context.Background(), store.LedgerFilter{Kind: ledger.EventKey})
	if err != nil || len(es) != 2 {
		t.Fatalf("ledger-key entries: %d %v, want the first key's and the rotation's", len(es), err)
	}
	var kb ledger.KeyBody
	json.Unmarshal(es[1].Body, &kb)
	if kb.From == "" || kb.To == "" || kb.From == kb.To || es[1].KeyID != kb.To {
		t.Errorf("rotation entry %+v sealed with %s", kb, es[1].KeyID)
	}
	// A key file others can read is refused.
	os.Chmod(ring, 0o644)
	if code, _, errs := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", ring); code != exitFailure || !strings.Contains(errs, "chmod 600") {
		t.Errorf("a readable key file: %d %s", code, errs)
	}
}

// TestLedgerTablesCoverTheDemo: on the demo's desk (every kind of request,
// released, denied, escalated, delivered), every table check runs and
// finds the tables as the ledger recorded them: no false alarm.
func TestLedgerTablesCoverTheDemo(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	k, _ := ledger.NewKey(vault.GenerateKey())
	s.LedgerKeys = ledger.NewKeyring(k)
	desk, ok := newDeskConfig(s, "", demo.Labels, io.Discard)
	if !ok {
		t.Fatal("desk")
	}
	if _, err := demo.Seed(ctx, desk); err != nil {
		t.Fatal(err)
	}
	rep, err := s.VerifyLedgerReport(ctx)
	if err != nil {
		t.Fatalf("the demo's ledger: %v", err)
	}
	if rep.Keyed != rep.Entries || rep.KeyedSince != 1 {
		t.Errorf("%d of %d entries keyed since %d", rep.Keyed, rep.Entries, rep.KeyedSince)
	}
	// The demo uploads no documents; TestLedgerTablesAgree and the store's
	// own tests cover them.
	for _, table := range []string{"requests", "decisions", "evidence", "packets", "deliveries"} {
		if rep.Rows[table] == 0 {
			t.Errorf("no %s rows checked against the ledger", table)
		}
	}
	t.Logf("rows checked: %v", rep.Rows)
}

// TestServeSealsAndCheckpoints: serve with a ledger key seals the ledger's
// tail at start and writes checkpoints (at start and at shutdown) that
// ledger verify then checks; without a key it warns.
func TestServeSealsAndCheckpoints(t *testing.T) {
	key := writeLedgerKey(t)
	dir := t.TempDir()
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	// Imported without a key: entries from before the key.
	if code, out, errs := runCmd(t, "", append([]string{"import", "--data", dir}, bundle...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	serve := func(extra ...string) (string, string) {
		ctx, cancel := context.WithCancel(context.Background())
		var sout, serr syncBuffer
		done := make(chan int)
		go func() {
			done <- run(ctx, append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org"}, extra...),
				nil, &sout, &serr, func(string) string { return "" })
		}()
		for i := 0; i < 200 && !strings.Contains(sout.String(), "listening on"); i++ {
			time.Sleep(25 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // the first checkpoint, in the background
		cancel()
		if c := <-done; c != 0 {
			t.Fatalf("serve: exit %d %s", c, serr.String())
		}
		return sout.String(), serr.String()
	}
	_, errs := serve()
	if !strings.Contains(errs, "WARNING: no ledger key configured") {
		t.Errorf("serve without a ledger key does not warn: %s", errs)
	}
	cps := filepath.Join(t.TempDir(), "cps")
	_, errs = serve("--ledger-key-file", key, "--checkpoint-dir", cps)
	if strings.Contains(errs, "no ledger key") || strings.Contains(errs, "ALERT") {
		t.Errorf("serve with a key: %s", errs)
	}
	files, _ := filepath.Glob(filepath.Join(cps, "checkpoint-*.json"))
	if len(files) == 0 {
		t.Fatal("serve wrote no checkpoint")
	}
	code, out, _ := runCmd(t, "", "ledger", "verify", "--data", dir, "--ledger-key-file", key, "--checkpoint-dir", cps)
	if code != 0 || !strings.Contains(out, "with the ledger (the newest") || !strings.Contains(out, "written before a ledger key was configured") {
		t.Errorf("verify after serve: %d %s", code, out)
	}
}
