package web

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers keeps calls going down the layers: web (pages and API) →
// auth and workflow (the use cases) → store (SQL) → the database. A page
// that needs data asks workflow for a view, which records the PHI access
// it makes; it never reaches the store, where an unrecorded read would be
// one line away.
func TestLayers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	const mod = "github.com/custodian-roi/custodian/internal/"
	forbidden := map[string][]string{
		".":           {mod + "store", "database/sql"},
		"../workflow": {mod + "web", mod + "auth"},
		"../auth":     {mod + "web", mod + "workflow"},
		"../store":    {mod + "web", mod + "auth", mod + "workflow"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			for _, b := range bad {
				if imp == b {
					t.Errorf("%s imports %s: calls must go down the layers (web → workflow → store)", pkg, imp)
				}
			}
		}
	}
}
