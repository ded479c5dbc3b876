// Package puretest checks, from a package's own tests, that the package
// stays pure: it imports only what its allow list names, depends (even
// transitively) on nothing that reaches a network, a database, a process
// or randomness, and reads no clock. The engine, the fee calculator and
// the state packs are pure so that they can be tested exhaustively and
// replayed; this is what keeps them so.
package puretest

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Forbidden are the packages a pure package must not depend on, even
// transitively. (os comes in through fmt and encoding/json, so it cannot
// be forbidden; what matters is what could be reached from it.)
var Forbidden = []string{"net", "net/http", "database/sql", "os/exec", "math/rand", "math/rand/v2", "crypto/rand"}

// Check checks the package in directory pkg (relative to the test's
// package, "." for itself) against allowed, its permitted imports. Each
// entry of allowed should say why in a comment where it is written.
func Check(t testing.TB, pkg string, allowed []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	for _, imp := range goList(t, "{{join .Imports \"\\n\"}}", pkg) {
		if !slices.Contains(allowed, imp) {
			t.Errorf("%s imports %s; add it to the allow list only with a reason", pkg, imp)
		}
	}
	for _, dep := range goList(t, "{{join .Deps \"\\n\"}}", pkg) {
		if slices.Contains(Forbidden, dep) {
			t.Errorf("%s must not depend on %s (even transitively)", pkg, dep)
		}
	}
	// The clock cannot be caught by import rules (package time comes in
	// through encoding/json, and records carry timestamps as values), so
	// the source is searched for it.
	for _, file := range goList(t, "{{join .GoFiles \"\\n\"}}", pkg) {
		out, err := exec.Command("grep", "-n", "-E", `time\.(Now|Since|Until)|rand\.`, filepath.Join(pkg, file)).Output()
		if err == nil && len(out) > 0 {
			t.Errorf("%s/%s reads the clock or randomness:\n%s", pkg, file, out)
		}
	}
}

func goList(t testing.TB, format, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
