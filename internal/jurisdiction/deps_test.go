package jurisdiction

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDeps keeps the packs pure: the package reads its embedded packs and
// an io.Reader it is handed, and nothing that reaches a network, a
// database, a process, a clock or randomness.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	allowed := []string{"bytes", "embed", "encoding/json", "errors", "io", "path", "sort", "strconv", "strings", "github.com/custodian-roi/custodian/internal/fee",
		"github.com/custodian-roi/custodian/internal/roi"}
	for _, imp := range goList(t, "{{join .Imports \"\\n\"}}") {
		if !slices.Contains(allowed, imp) {
			t.Errorf("jurisdiction imports %s; add it to the allow list only with a reason", imp)
		}
	}
	forbidden := []string{"net", "net/http", "database/sql", "os/exec", "math/rand", "math/rand/v2", "crypto/rand"}
	for _, dep := range goList(t, "{{join .Deps \"\\n\"}}") {
		if slices.Contains(forbidden, dep) {
			t.Errorf("jurisdiction must not depend on %s (even transitively)", dep)
		}
	}
}

// TestNoClock: the clock cannot be caught by import rules (package time
// comes in through encoding/json), so the source is searched for it.
func TestNoClock(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	for _, file := range goList(t, "{{join .GoFiles \"\\n\"}}") {
		out, err := exec.Command("grep", "-n", "-E", `time\.(Now|Since|Until)|rand\.`, file).Output()
		if err == nil && len(out) > 0 {
			t.Errorf("%s reads the clock or randomness:\n%s", file, out)
		}
	}
}

func goList(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}
