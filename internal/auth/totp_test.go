package auth

import (
	"net/url"
	"testing"
	"time"
)

func TestNewTOTP(t *testing.T) {
	secret, u, err := NewTOTP("Custodian", "alice")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "otpauth" || parsed.Host != "totp" || parsed.Path != "/Custodian:alice" {
		t.Fatalf("URL %q: %v", u, err)
	}
	q := parsed.Query()
	if q.Get("secret") != secret || q.Get("issuer") != "Custodian" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URL %q", u)
	}
	if len(secret) < 32 {
		t.Errorf("secret %q shorter than 160 bits", secret)
	}
	other, _, _ := NewTOTP("Custodian", "alice")
	if other == secret {
		t.Error("two enrollments share a secret")
	}
}

func TestCheckTOTP(t *testing.T) {
	secret, _, _ := NewTOTP("Custodian", "alice")
	now := time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)
	step := now.Unix() / 30
	code := func(at time.Time) string {
		c, err := TOTPCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name     string
		code     string
		lastStep int64
		ok       bool
		step     int64
	}{
		{"now", code(now), 0, true, step},
		{"previous step (skew)", code(now.Add(-30 * time.Second)), 0, true, step - 1},
		{"next step (skew)", code(now.Add(30 * time.Second)), 0, true, step + 1},
		{"two steps old", code(now.Add(-60 * time.Second)), 0, false, 0},
		{"two steps ahead", code(now.Add(60 * time.Second)), 0, false, 0},
		{"already used", code(now), step, false, 0},
		{"older than the last used", code(now.Add(-30 * time.Second)), step, false, 0},
		{"after a later one was used", code(now), step + 1, false, 0},
		{"next step after this one was used", code(now.Add(30 * time.Second)), step, true, step + 1},
		{"empty", "", 0, false, 0},
		{"letters", "abcdef", 0, false, 0},
		{"too long", code(now) + "0", 0, false, 0},
		{"another secret's", func() string { s, _, _ := NewTOTP("C", "b"); c, _ := TOTPCode(s, now); return c }(), 0, false, 0},
	} {
		// A code of another secret can match by chance (one in a
		// million per step); skip rather than flake.
		if tc.name == "another secret's" && (tc.code == code(now) || tc.code == code(now.Add(-30*time.Second)) || tc.code == code(now.Add(30*time.Second))) {
			continue
		}
		got, ok := CheckTOTP(secret, tc.code, now, tc.lastStep)
		if ok != tc.ok || got != tc.step {
			t.Errorf("%s: CheckTOTP = %d, %v; want %d, %v", tc.name, got, ok, tc.step, tc.ok)
		}
	}
}
