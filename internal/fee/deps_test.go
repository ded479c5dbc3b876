package fee

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/puretest"
)

// TestDeps keeps the calculator pure: it reads its embedded schedules and
// an io.Reader it is handed, and nothing that reaches a network, a
// database, a process, a clock or randomness.
func TestDeps(t *testing.T) {
	puretest.Check(t, ".", []string{"bytes", "embed", "encoding/json", "errors", "io", "path", "sort", "strconv", "strings",
		"github.com/custodian-roi/custodian/internal/roi"})
}
