package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/store"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemo runs the real program: serve --demo on a random port, the
// API answers with the seeded requests, and cancelling stops it cleanly.
func TestServeDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, nil, &out, &errb, func(string) string { return "" })
	}()
	re := regexp.MustCompile(`Listening on (http://127\.0\.0\.1:\d+)`)
	// Seeding the demo imports and labels every sample chart: on a busy
	// machine that takes a while, so wait up to a minute, but stop at once
	// if serve returns (that is the failure worth reporting).
	var base string
	for deadline := time.Now().Add(time.Minute); base == "" && time.Now().Before(deadline); {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve --demo exited with %d before listening:\n%s\n%s", code, out.String(), errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start within a minute:\n%s\n%s", out.String(), errb.String())
	}
	// Sign in as the printed demo specialist: password, then a code from
	// the printed authenticator secret.
	m := regexp.MustCompile(`demo\.specialist\s+roi-specialist\s+secret (\S+)`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), demo.Password) {
		cancel()
		t.Fatalf("no demo login printed:\n%s", out.String())
	}
	post := func(path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		resp, err := http.Post(base+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	pending, _ := post("/api/v1/session", map[string]string{"username": "demo.specialist", "password": demo.Password})["pending"].(string)
	code, err := auth.TOTPCode(m[1], time.Now())
	if err != nil || pending == "" {
		cancel()
		t.Fatalf("sign-in step one: %q %v", pending, err)
	}
	token, _ := post("/api/v1/session/code", map[string]string{"pending": pending, "code": code})["token"].(string)
	if token == "" {
		cancel()
		t.Fatal("no session token")
	}
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	// Without a session the API refuses.
	if resp, err := http.Get(base + "/api/v1/requests"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without a session: %v %v", resp.StatusCode, err)
	}
	// The list shows open requests unless asked for all of them.
	all := get("/api/v1/requests?open=false")["requests"].([]any)
	if len(all) != 6 {
		t.Errorf("%d demo requests, want 6", len(all))
	}
	open := get("/api/v1/requests")["requests"].([]any)
	if len(open) == 0 || len(open) >= len(all) {
		t.Errorf("%d open demo requests of %d", len(open), len(all))
	}
	for _, r := range open {
		if s := r.(map[string]any)["status"]; s == "closed" || s == "released" || s == "partially_released" || s == "denied" || s == "cancelled" {
			t.Errorf("a finished request (%v) in the open list", s)
		}
	}
	// A specialist's role does not include verifying the ledger.
	if v := get("/api/v1/ledger/verify"); v["error"] == nil {
		t.Errorf("a specialist verified the ledger: %v", v)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "Custodian stopped.") {
			t.Errorf("exit %d; out %s", code, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestMigrateImportLedger(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		if k == "CUSTODIAN_DATA" {
			return dir
		}
		return ""
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	versions, _ := store.MigrationVersions(store.SQLite)
	if code := run(ctx, []string{"migrate"}, nil, &out, &errb, env); code != 0 || !strings.Contains(out.String(), fmt.Sprintf("%d migrations applied", len(versions))) {
		t.Fatalf("migrate: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	if code := run(ctx, append([]string{"import"}, bundle...), nil, &out, &errb, env); code != 0 || !strings.HasPrefix(out.String(), "imported 1 patients") {
		t.Fatalf("import: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"import", "main.go"}, nil, &out, &errb, env); code != 2 {
		t.Errorf("import of a non-bundle: exit %d", code)
	}
	out.Reset()
	if code := run(ctx, []string{"ledger", "verify"}, nil, &out, &errb, env); code != 0 || !strings.Contains(out.String(), "ledger intact: 1 entries") {
		t.Fatalf("verify: %d %s %s", code, out.String(), errb.String())
	}
	// Tamper with the one entry behind the guard's back.
	db, err := sql.Open("sqlite", filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`DROP TRIGGER ledger_no_update`)
	if _, err := db.Exec(`UPDATE ledger SET actor = 'mallory' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	if code := run(ctx, []string{"ledger", "verify", "--data", dir}, nil, &out, &errb, func(string) string { return "" }); code != 1 ||
		!strings.Contains(out.String(), "BROKEN at entry 1") {
		t.Errorf("tampered verify: %d %s", code, out.String())
	}
}

func TestPullRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"pull", "--data", dir}, nil, &out, &errb, noenv); code != 2 || !strings.Contains(errb.String(), "usage: custodian pull") {
		t.Errorf("missing flags: %d %s", code, errb.String())
	}
	errb.Reset()
	bad := filepath.Join(dir, "key.pem")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	args := []string{"pull", "--data", dir, "--fhir-base", "https://ehr.example/fhir", "--client-id", "c", "--key", bad, "--kid", "k", "--patient", "p1"}
	if code := run(context.Background(), args, nil, &out, &errb, noenv); code != 2 || !strings.Contains(errb.String(), "not a PEM file") {
		t.Errorf("bad key: %d %s", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
}
