// Package conformance decides cases of the conformance format with the
// engine and compares each decision with the case's expectations.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Mismatch is one expected member the decision does not match.
type Mismatch struct {
	Member    string
	Want, Got string // compact JSON
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s: want %s, got %s", m.Member, m.Want, m.Got)
}

// Check compares decision with the case's expectations: every member of
// expect must equal the same member of the decision; members absent from
// expect are not compared. Mismatches are sorted by member.
func Check(c *caseformat.Case, decision roi.Decision) []Mismatch {
	got, err := json.Marshal(decision)
	if err != nil {
		return []Mismatch{{Member: "(decision)", Want: "JSON", Got: err.Error()}}
	}
	var gotMembers map[string]json.RawMessage
	if err := json.Unmarshal(got, &gotMembers); err != nil {
		return []Mismatch{{Member: "(decision)", Want: "JSON object", Got: err.Error()}}
	}
	var out []Mismatch
	for member, want := range c.Expect {
		var w, g any
		_ = json.Unmarshal(want, &w) // validated by Decode
		_ = json.Unmarshal(gotMembers[member], &g)
		if !reflect.DeepEqual(w, g) {
			out = append(out, Mismatch{Member: member, Want: compact(want), Got: compact(gotMembers[member])})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Member < out[j].Member })
	return out
}

func compact(raw json.RawMessage) string {
	if raw == nil {
		return "(absent)"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// Result is the outcome of one case file.
type Result struct {
	File       string
	Err        error // the case could not be read or decoded
	Mismatches []Mismatch
}

// Passed reports whether the case was decided as expected.
func (r *Result) Passed() bool { return r.Err == nil && len(r.Mismatches) == 0 }

// RunFile decodes the case in path, decides it with the engine and checks
// the decision against its expectations.
func RunFile(path string) Result {
	r := Result{File: path}
	c, err := caseformat.DecodeFile(path)
	if err != nil {
		r.Err = err
		return r
	}
	if c.Expect == nil {
		r.Err = &caseformat.InputError{Member: "expect", Reason: "required member is missing in a conformance case"}
		return r
	}
	r.Mismatches = Check(c, policy.Evaluate(&c.Facts))
	return r
}

// RunDir runs every *.json case in dir and its subdirectories, in
// lexical order.
func RunDir(dir string) ([]Result, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	results := make([]Result, 0, len(files))
	for _, f := range files {
		results = append(results, RunFile(f))
	}
	return results, nil
}
