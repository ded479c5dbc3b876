package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleDir = "../../internal/conformance/testdata/cases/sample"

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestEvaluateFile(t *testing.T) {
	code, out, errs := runCmd(t, "", "evaluate", filepath.Join(sampleDir, "C01-patient-access-psychotherapy-note.json"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("output is not one JSON object: %v", err)
	}
	// Exactly the format's members plus explain.
	want := []string{"outcome", "reasons", "release", "withhold", "due", "accountable", "part2_notice", "flags", "accounting", "info_blocking", "explain"}
	if len(d) != len(want) {
		t.Errorf("members %v, want %v", keys(d), want)
	}
	for _, k := range want {
		if _, ok := d[k]; !ok {
			t.Errorf("member %s missing", k)
		}
	}
	if d["outcome"] != "partial" {
		t.Errorf("outcome=%v, want partial", d["outcome"])
	}
	if w := d["withhold"].(map[string]any); w["PN1"] != "psychotherapy-note-access-excluded" {
		t.Errorf("withhold=%v", w)
	}
	// Psychotherapy notes are not EHI (45 CFR 171.102); nothing else is
	// withheld, and the request itself is not refused.
	if ib, _ := d["info_blocking"].(map[string]any); len(ib) != 1 || ib["PN1"] != "not-ehi" {
		t.Errorf("info_blocking=%v, want {PN1: not-ehi}", d["info_blocking"])
	}
	items := d["explain"].(map[string]any)["items"].(map[string]any)
	pn := items["PN1"].(map[string]any)
	if pn["rule"] == "" || !strings.Contains(strings.Join(toStrings(pn["cite"]), " "), "164.524(a)(1)(i)") {
		t.Errorf("PN1 explanation %v lacks its rule or citation", pn)
	}
	if len(items) != 3 {
		t.Errorf("explain has %d items, want one per item in scope (3)", len(items))
	}
}

// TestEvaluateInfoBlockingNull: a disclosure on an authorization is not
// the individual's access, so info_blocking is printed as null.
func TestEvaluateInfoBlockingNull(t *testing.T) {
	code, out, errs := runCmd(t, "", "evaluate", filepath.Join(sampleDir, "C16-attorney-valid-authorization.json"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if ib, ok := d["info_blocking"]; !ok || ib != nil {
		t.Errorf("info_blocking=%v (present %v), want null", ib, ok)
	}
}

func TestEvaluateStdinMatchesFile(t *testing.T) {
	path := filepath.Join(sampleDir, "C27-part2-tpo-consent-counseling-notes.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c1, fromFile, _ := runCmd(t, "", "evaluate", path)
	c2, fromStdin, _ := runCmd(t, string(data), "evaluate", "-")
	if c1 != 0 || c2 != 0 || fromFile != fromStdin {
		t.Errorf("file and stdin disagree:\n%s\n%s", fromFile, fromStdin)
	}
}

func TestEvaluateBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","now":"2026-03-02","patient":{"birth_date":"1980-01-01"},"items":[{"id":"G1","date":"2025-01-01","labels":["secret-stuff"]}],"request":{"received":"2026-03-01","requester":{"kind":"patient","name":"Jane Roe"},"basis":"access"}}`), 0o600)
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"unknown label", []string{"evaluate", bad}, "", `bad.json: items[0].labels[0]: unknown label`}, // the value is not repeated (#15)
		{"malformed stdin", []string{"evaluate", "-"}, `{"name":`, "(stdin): malformed JSON"},
		{"missing file", []string{"evaluate", filepath.Join(dir, "nope.json")}, "", "nope.json: no such file or directory"},
		{"no argument", []string{"evaluate"}, "", "usage: custodian evaluate"},
		{"unknown command", []string{"decide"}, "", `unknown command "decide"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, tc.stdin, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("printed %q on stdout; a bad input must print no decision", out)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q, want it to contain %q", errs, tc.want)
			}
			if strings.Contains(errs, "secret-stuff") {
				t.Errorf("stderr repeats an unknown label: %q", errs)
			}
			if strings.Contains(errs, "Jane Roe") {
				t.Errorf("stderr leaks the requester's name: %q", errs)
			}
		})
	}
}

func TestConformancePasses(t *testing.T) {
	code, out, errs := runCmd(t, "", "conformance", sampleDir)
	if code != 0 || !strings.HasSuffix(out, "20 passed, 0 failed\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestConformanceReportsFailures(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(sampleDir, "C17-authorization-expired.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "good.json"), data, 0o600)
	// The same case expecting a release must fail, naming the member.
	wrong := strings.Replace(string(data), `"outcome": "deny"`, `"outcome": "release"`, 1)
	os.WriteFile(filepath.Join(dir, "wrong.json"), []byte(wrong), 0o600)
	code, out, _ := runCmd(t, "", "conformance", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "wrong.json") || !strings.Contains(lines[0], `outcome: want "release", got "deny"`) {
		t.Errorf("failure line %q", lines[0])
	}
	if lines[len(lines)-1] != "1 passed, 1 failed" {
		t.Errorf("summary %q", lines[len(lines)-1])
	}

	// An invalid case counts as a failure and makes the exit status 2.
	os.WriteFile(filepath.Join(dir, "zinvalid.json"), []byte(`{`), 0o600)
	code, out, _ = runCmd(t, "", "conformance", dir)
	if code != 2 || !strings.Contains(out, "zinvalid.json: invalid case") || !strings.HasSuffix(out, "1 passed, 2 failed\n") {
		t.Errorf("exit %d, out %q", code, out)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
