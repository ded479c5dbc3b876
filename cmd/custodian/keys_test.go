package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/vault"
)

// runEnv runs the program with env as its environment.
func runEnv(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

// generateKey makes a key file with custodian keys generate --out.
func generateKey(t *testing.T, name string) (string, *vault.Key) {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	code, out, errs := runCmd(t, "", "keys", "generate", "--out", file)
	if code != exitOK {
		t.Fatalf("keys generate: %d %s %s", code, out, errs)
	}
	k, err := vault.LoadKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, k.ID()) {
		t.Errorf("generate does not name the key ID %s: %s", k.ID(), out)
	}
	return file, k
}

func TestKeysGenerate(t *testing.T) {
	code, out, errs := runCmd(t, "", "keys", "generate")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	if code != exitOK || err != nil || len(raw) != vault.KeySize {
		t.Fatalf("exit %d, %d bytes (%v): %q %q", code, len(raw), err, out, errs)
	}
	k, _ := vault.NewKey(raw)
	if !strings.Contains(errs, k.ID()) {
		t.Errorf("stderr lacks the key ID: %q", errs)
	}
	_, again, _ := runCmd(t, "", "keys", "generate")
	if again == out {
		t.Error("two keys are equal")
	}

	file, _ := generateKey(t, "k")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	before, _ := os.ReadFile(file)
	if code, _, errs := runCmd(t, "", "keys", "generate", "--out", file); code != exitFailure || !strings.Contains(errs, "never overwritten") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("the key file was overwritten")
	}
	for _, args := range [][]string{{"keys"}, {"keys", "mint"}, {"keys", "generate", "extra"}, {"keys", "rotate"}} {
		if code, _, _ := runCmd(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// TestKeysRotate_EndToEnd: data sealed under key A through the commands,
// rotated to B with keys rotate, reads back with B alone; A alone fails.
func TestKeysRotate_EndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fileA, keyA := generateKey(t, "a.key")
	fileB, keyB := generateKey(t, "b.key")
	envA := map[string]string{"CUSTODIAN_DATA": dir, "CUSTODIAN_KEY_FILE": fileA}

	// A TOTP secret, through user add, and a document, through the store,
	// both under A.
	code, out, errs := runEnv(t, envA, testPassword+"\n", "user", "add", "--username", "alice", "--name", "Alice", "--role", "intake-clerk")
	if code != exitOK {
		t.Fatalf("user add: %s", errs)
	}
	secret := regexp.MustCompile(`(?m)^  ([A-Z2-7]{32,})$`).FindStringSubmatch(out)[1]
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	if code, out, errs := runEnv(t, envA, "", append([]string{"import"}, bundle...)...); code != exitOK {
		t.Fatalf("import: %s %s", out, errs)
	}
	content := []byte("%PDF-1.4 Authorization signed by the patient, Clemente")
	s, err := store.Open(ctx, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Keys = vault.NewRing(keyA)
	pts, _ := s.Patients(ctx)
	r := &roi.DeskRequest{PatientID: pts[0].ID, Request: roi.Request{Type: roi.RequestRecords, Received: roi.MakeDate(2026, 3, 2),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "x"}, Basis: roi.BasisAccess, Scope: roi.Coverage{From: roi.NoDate, To: roi.NoDate}},
		Delivery: roi.DeliveryPortal, Status: roi.StatusReceived}
	if err := s.CreateRequest(ctx, r, roi.Event{Kind: "intake", Actor: "clerk"}); err != nil {
		t.Fatal(err)
	}
	var doc roi.DocumentRecord
	if _, err := s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *store.Tx) error {
		doc = roi.DocumentRecord{Name: "auth.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
		return tx.AddDocument(&doc, content)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Nothing readable in the database file.
	noPlaintext := func() {
		t.Helper()
		for _, name := range []string{"custodian.db", "custodian.db-wal"} {
			data, _ := os.ReadFile(filepath.Join(dir, name))
			if bytes.Contains(data, content[:20]) || bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds a document or TOTP secret in the clear", name)
			}
		}
	}
	noPlaintext()

	// Rotate A → B; B is the current key, A named as the old one.
	code, out, errs = runEnv(t, envA, "", "keys", "rotate", "--new-key-file", fileB, "--batch", "1")
	if code != exitOK {
		t.Fatalf("rotate: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"rotating to key " + keyB.ID(), keyA.ID(), "documents", "1 re-wrapped", "users", "done"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate output lacks %q:\n%s", want, out)
		}
	}
	// Again: nothing left to do (resumable).
	code, out, _ = runEnv(t, envA, "", "keys", "rotate", "--new-key-file", fileB)
	if code != exitOK || !regexp.MustCompile(`documents\s+1 rows: 0 re-wrapped, 0 encrypted, 1 already current`).MatchString(out) {
		t.Errorf("second rotate: %d\n%s", code, out)
	}
	noPlaintext()

	// B alone reads it all: the document, and the TOTP secret at sign-in.
	envB := map[string]string{"CUSTODIAN_DATA": dir, "CUSTODIAN_KEY_FILE": fileB}
	if code, out, errs := runEnv(t, envB, "", "user", "list"); code != exitOK || !strings.Contains(out, "alice") {
		t.Errorf("user list with B: %d %s %s", code, out, errs)
	}
	s, err = store.Open(ctx, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Keys = vault.NewRing(keyB)
	if _, got, err := s.DocumentContent(ctx, r.ID, doc.ID); err != nil || !bytes.Equal(got, content) {
		t.Errorf("document with B: %q %v", got, err)
	}
	svc := &auth.Service{Store: s}
	pending, err := svc.Login(ctx, "alice", testPassword, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	totp, _ := auth.TOTPCode(secret, time.Now())
	if _, _, err := svc.VerifyTOTP(ctx, pending, totp); err != nil {
		t.Errorf("sign-in with B: %v", err)
	}

	// A alone, or no key, no longer reads.
	s.Keys = vault.NewRing(keyA)
	if _, _, err := s.DocumentContent(ctx, r.ID, doc.ID); roi.CodeOf(err) != roi.CodeInternal {
		t.Errorf("document with A: %v", err)
	}
	if code, _, errs := runEnv(t, envA, "", "user", "list"); code == exitOK {
		t.Errorf("user list with A succeeded: %s", errs)
	}
	if code, _, _ := runEnv(t, map[string]string{"CUSTODIAN_DATA": dir}, "", "user", "list"); code == exitOK {
		t.Error("user list without a key succeeded")
	}
	// Rotating away from a key not given: the rows are reported, not lost.
	fileC, _ := generateKey(t, "c.key")
	code, out, errs = runEnv(t, envA, "", "keys", "rotate", "--new-key-file", fileC)
	if code != exitFailure || !strings.Contains(out, "UNREADABLE") || !strings.Contains(errs, "left as they are") {
		t.Errorf("rotate without the current key: %d\n%s\n%s", code, out, errs)
	}
}

// TestKeysRotate_EncryptsLegacy: a database written without a key is
// sealed by a rotation to the first key.
func TestKeysRotate_EncryptsLegacy(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CUSTODIAN_DATA": dir}
	code, out, errs := runEnv(t, env, testPassword+"\n", "user", "add", "--username", "bob", "--name", "Bob", "--role", "auditor")
	if code != exitOK {
		t.Fatal(errs)
	}
	secret := regexp.MustCompile(`(?m)^  ([A-Z2-7]{32,})$`).FindStringSubmatch(out)[1]
	raw := func() string {
		db, err := sql.Open("sqlite", filepath.Join(dir, "custodian.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		db.QueryRow(`SELECT totp_secret FROM users`).Scan(&v)
		return v
	}
	if raw() != secret {
		t.Fatal("without a key the secret is stored as it is")
	}
	file, k := generateKey(t, "k")
	code, out, _ = runEnv(t, env, "", "keys", "rotate", "--new-key-file", file, "--keep-plaintext")
	if code != exitOK || !strings.Contains(out, "1 left unencrypted") || raw() != secret {
		t.Fatalf("keep plaintext: %d\n%s", code, out)
	}
	code, out, _ = runEnv(t, env, "", "keys", "rotate", "--new-key-file", file)
	if code != exitOK || !regexp.MustCompile(`users\s+1 rows: 0 re-wrapped, 1 encrypted`).MatchString(out) {
		t.Fatalf("rotate: %d\n%s", code, out)
	}
	if v := raw(); strings.Contains(v, secret) || !vault.IsSealedText(v) {
		t.Errorf("stored secret %q", v)
	}
	if id, _ := vault.TextKeyID(raw()); id != k.ID() {
		t.Errorf("key %s, want %s", id, k.ID())
	}
}

func TestKeyConfiguration(t *testing.T) {
	dir := t.TempDir()
	file, _ := generateKey(t, "k")
	loose := filepath.Join(t.TempDir(), "loose.key")
	data, _ := os.ReadFile(file)
	os.WriteFile(loose, data, 0o644)
	os.Chmod(loose, 0o644)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"world-readable file", map[string]string{"CUSTODIAN_KEY_FILE": loose}, loose},
		{"missing file", map[string]string{"CUSTODIAN_KEY_FILE": loose + ".gone"}, "gone"},
		{"not base64", map[string]string{"CUSTODIAN_KEY": "not a key"}, "base64"},
		{"file and variable", map[string]string{"CUSTODIAN_KEY_FILE": file, "CUSTODIAN_KEY": strings.TrimSpace(string(data))}, "set one"},
		{"previous alone", map[string]string{"CUSTODIAN_PREVIOUS_KEY_FILE": file}, "no current key"},
	} {
		tc.env["CUSTODIAN_DATA"] = dir
		code, _, errs := runEnv(t, tc.env, "", "user", "list")
		if code != exitFailure || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, %q", tc.name, code, errs)
		}
	}
	// The key in the environment, in base64, works.
	code, _, errs := runEnv(t, map[string]string{"CUSTODIAN_DATA": dir, "CUSTODIAN_KEY": strings.TrimSpace(string(data))}, "", "user", "list")
	if code != exitOK {
		t.Errorf("CUSTODIAN_KEY: %d %s", code, errs)
	}
}

// TestServeWarnsWithoutKey: serve says plainly when nothing is encrypted,
// and says nothing of the kind with a key.
func TestServeWarnsWithoutKey(t *testing.T) {
	file, _ := generateKey(t, "k")
	for _, tc := range []struct {
		env  map[string]string
		warn bool
	}{{map[string]string{}, true}, {map[string]string{"CUSTODIAN_KEY_FILE": file}, false}} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--public-url", "https://records.example.org"}, nil, &out, &errb, func(k string) string { return tc.env[k] })
		}()
		for i := 0; i < 200 && !strings.Contains(out.String(), "listening on"); i++ {
			time.Sleep(25 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Fatalf("serve: %d %s %s", code, out.String(), errb.String())
		}
		if got := strings.Contains(errb.String(), "WARNING: no encryption key"); got != tc.warn {
			t.Errorf("env %v: warning %v, want %v: %s", tc.env, got, tc.warn, errb.String())
		}
	}
}
