package policy

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/puretest"
)

const modulePath = "github.com/custodian-roi/custodian"

// TestDeps keeps the engine pure: it may import the domain vocabulary and
// side-effect-free standard packages, and nothing that can reach a disk, a
// socket, a database, a clock source or randomness, even transitively.
func TestDeps(t *testing.T) {
	puretest.Check(t, ".", []string{"sort", "strings", modulePath + "/internal/roi"})
	// encoding/json: a Decision knows its own wire form; time: the desk's
	// records carry timestamps (values only: no clock is read); fmt:
	// error messages.
	puretest.Check(t, "../roi", []string{"encoding/json", "errors", "fmt", "math", "math/bits", "sort", "strconv", "time"})
}
