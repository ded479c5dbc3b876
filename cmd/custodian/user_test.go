package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/store"
)

// runUser runs custodian user ... on the database in dir with stdin.
func runUser(t *testing.T, dir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(append([]string{"user"}, args...), "--data", dir)
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

const testPassword = "cobalt-meadow-ferry"

// TestUserAdd_SignIn: the account the command makes can sign in with the
// password given and a code from the secret it printed.
func TestUserAdd_SignIn(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runUser(t, dir, testPassword+"\n", "add", "--username", "Alice", "--name", "Alice Smith", "--role", "roi-specialist")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	url := regexp.MustCompile(`otpauth://totp/Custodian:alice\?\S+`).FindString(out)
	m := regexp.MustCompile(`(?m)^  ([A-Z2-7]{32,})$`).FindStringSubmatch(out)
	if url == "" || m == nil || !strings.Contains(url, "secret="+m[1]) || !strings.Contains(out, "must sign in with the password and a code") {
		t.Fatalf("output:\n%s", out)
	}
	if strings.Contains(out+errs, testPassword) {
		t.Error("the password is printed")
	}

	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := &auth.Service{Store: s}
	pending, err := svc.Login(ctx, "alice", testPassword, "127.0.0.1")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	totp, _ := auth.TOTPCode(m[1], s.Now())
	tok, u, err := svc.VerifyTOTP(ctx, pending, totp)
	if err != nil || u.Username != "alice" || u.Role != "roi-specialist" || tok == "" {
		t.Fatalf("verify: %v", err)
	}
}

func TestUserAdd_BadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, stdin string
		args        []string
		says        string
	}{
		{"short password", "short pw\n", []string{"--username", "bob", "--name", "Bob", "--role", "auditor"}, "at least 12 characters"},
		{"empty line", "\n", []string{"--username", "bob", "--name", "Bob", "--role", "auditor"}, "at least 12 characters"},
		{"no input", "", []string{"--username", "bob", "--name", "Bob", "--role", "auditor"}, "cannot read the password"},
		{"password holds the name", "i-am-bob-the-builder\n", []string{"--username", "Bob", "--name", "Bob", "--role", "auditor"}, "must not contain the user name"},
		{"bad role", testPassword + "\n", []string{"--username", "bob", "--name", "Bob", "--role", "root"}, "There is no role"},
		{"no role", testPassword + "\n", []string{"--username", "bob", "--name", "Bob"}, "needs --username, --name and --role"},
		{"no username", testPassword + "\n", []string{"--name", "Bob", "--role", "auditor"}, "needs --username"},
		{"bad username", testPassword + "\n", []string{"--username", "bob smith", "--name", "Bob", "--role", "auditor"}, "A user name is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runUser(t, dir, tc.stdin, append([]string{"add"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errs, tc.says) {
				t.Errorf("exit %d, stderr %q; want 2 saying %q", code, errs, tc.says)
			}
			if strings.TrimSpace(tc.stdin) != "" && strings.Contains(out+errs, strings.TrimSpace(tc.stdin)) {
				t.Errorf("the password is repeated: %s%s", out, errs)
			}
		})
	}
	// None of them made an account.
	if code, out, _ := runUser(t, dir, "", "list"); code != exitOK || !strings.Contains(out, "No accounts yet") {
		t.Errorf("list after refusals: %d %s", code, out)
	}
	// A taken name is bad input too.
	if code, _, errs := runUser(t, dir, testPassword+"\n", "add", "--username", "carol", "--name", "Carol", "--role", "auditor"); code != exitOK {
		t.Fatal(errs)
	}
	if code, _, errs := runUser(t, dir, testPassword+"\n", "add", "--username", "carol", "--name", "Carol", "--role", "auditor"); code != exitUsage || !strings.Contains(errs, "taken") {
		t.Errorf("duplicate: exit %d %s", code, errs)
	}
}

func TestUserListDisable(t *testing.T) {
	dir := t.TempDir()
	for _, u := range [][2]string{{"dana", "privacy-officer"}, {"eve", "auditor"}} {
		if code, _, errs := runUser(t, dir, testPassword+"\n", "add", "--username", u[0], "--name", "Name "+u[0], "--role", u[1]); code != exitOK {
			t.Fatal(errs)
		}
	}
	if code, out, errs := runUser(t, dir, "", "disable", "--username", "Eve"); code != exitOK || !strings.Contains(out, "Disabled eve") {
		t.Fatalf("disable: %d %s %s", code, out, errs)
	}
	code, out, _ := runUser(t, dir, "", "list")
	if code != exitOK {
		t.Fatal(code)
	}
	if !regexp.MustCompile(`(?m)^dana\s+privacy-officer\s+active\s+Name dana$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^eve\s+auditor\s+disabled\s+Name eve$`).MatchString(out) {
		t.Errorf("list:\n%s", out)
	}
	// No secrets in the list.
	s, err := store.Open(context.Background(), filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	users, _ := s.Users(context.Background())
	s.Close()
	for _, u := range users {
		if strings.Contains(out, u.TOTPSecret) || strings.Contains(out, u.PasswordHash) || strings.Contains(out, "argon2") {
			t.Errorf("list shows a secret:\n%s", out)
		}
	}

	if code, _, errs := runUser(t, dir, "", "disable", "--username", "nobody"); code != exitUsage || !strings.Contains(errs, "no account nobody") {
		t.Errorf("disable unknown: %d %s", code, errs)
	}
	if code, _, _ := runUser(t, dir, "", "disable"); code != exitUsage {
		t.Errorf("disable without --username: %d", code)
	}
	if code, _, _ := runUser(t, dir, "", "rename"); code != exitUsage {
		t.Errorf("unknown subcommand: %d", code)
	}
	if code := run(context.Background(), []string{"user"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" }); code != exitUsage {
		t.Errorf("user alone: %d", code)
	}
}

func TestUser_NoDatabase(t *testing.T) {
	// A data directory that cannot be made: the command cannot run.
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runUser(t, file, "", "list")
	if code != exitFailure || !strings.Contains(errs, "cannot open the database") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, _, _ = runUser(t, file, testPassword+"\n", "add", "--username", "x1", "--name", "X", "--role", "auditor")
	if code != exitFailure {
		t.Errorf("add: exit %d", code)
	}
}
