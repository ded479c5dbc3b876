package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCountsUnresolvedReferences: conditional references that name
// no resource in the file are counted and said, in words and in --json;
// a file whose references all resolve says nothing of them.
func TestImportCountsUnresolvedReferences(t *testing.T) {
	small := filepath.Join("..", "..", "internal", "fhir", "testdata", "small.json")
	clemente := filepath.Join("..", "..", "internal", "fhir", "testdata", "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json")
	code, out, errs := runCmd(t, "", "import", "--data", t.TempDir(), small)
	if code != 0 || !strings.Contains(out, "3 conditional references (Type?identifier=...) name no resource in the file") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for file, want := range map[string]int{small: 3, clemente: 0} {
		code, out, errs = runCmd(t, "", "import", "--data", t.TempDir(), "--json", file)
		var sum struct {
			Unresolved *int `json:"unresolved_references"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Unresolved == nil || *sum.Unresolved != want {
			t.Errorf("%s: exit %d, unresolved %v, want %d: %s %s", filepath.Base(file), code, sum.Unresolved, want, out, errs)
		}
		if want == 0 {
			code, out, _ = runCmd(t, "", "import", "--data", t.TempDir(), file)
			if code != 0 || strings.Contains(out, "conditional references") {
				t.Errorf("%s: %s", filepath.Base(file), out)
			}
		}
	}
}
