package policy

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/custodian-roi/custodian"

// TestDeps keeps the engine pure: it may import the domain vocabulary and
// side-effect-free standard packages, and nothing that can reach a disk, a
// socket, a database, a clock source or randomness, even transitively.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	allowed := map[string][]string{
		".": {"sort", "strings", modulePath + "/internal/roi"},
		// encoding/json: a Decision knows its own wire form; time: the
		// desk's records carry timestamps (values only: TestNoClock); fmt:
		// error messages.
		"../roi": {"encoding/json", "errors", "fmt", "math", "math/bits", "sort", "strconv", "time"},
	}
	for pkg, list := range allowed {
		for _, imp := range goList(t, "{{join .Imports \"\\n\"}}", pkg) {
			if !slices.Contains(list, imp) {
				t.Errorf("%s imports %s; add it to the allow list only with a reason", pkg, imp)
			}
		}
	}
	// fmt, needed by encoding/json, brings os in; what matters is that
	// nothing reaches a network, a database, a process or randomness.
	forbidden := []string{"net", "net/http", "database/sql", "os/exec", "math/rand", "math/rand/v2", "crypto/rand"}
	for _, pkg := range []string{".", "../roi"} {
		for _, dep := range goList(t, "{{join .Deps \"\\n\"}}", pkg) {
			for _, f := range forbidden {
				if dep == f {
					t.Errorf("%s must not depend on %s (even transitively)", pkg, dep)
				}
			}
		}
	}
}

// TestNoClock: time.Now cannot be caught by import rules (package time is
// needed for nothing here, but a future edit might add it), so the source
// is searched for it.
func TestNoClock(t *testing.T) {
	for _, pkg := range []string{".", "../roi"} {
		for _, file := range goList(t, "{{join .GoFiles \"\\n\"}}", pkg) {
			out, err := exec.Command("grep", "-n", "-E", `time\.(Now|Since|Until)|rand\.`, pkg+"/"+file).Output()
			if err == nil && len(out) > 0 {
				t.Errorf("%s/%s reads the clock or randomness:\n%s", pkg, file, out)
			}
		}
	}
}

func goList(t *testing.T, format, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
