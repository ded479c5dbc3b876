package ccda

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/puretest"
)

// TestDeps keeps the parser pure: bytes in, a chart out. It resolves no
// external entity and fetches nothing (no network, files, processes,
// clock or randomness), which is part of why a hostile document cannot
// reach anything (THREAT-MODEL.md, L6).
func TestDeps(t *testing.T) {
	puretest.Check(t, ".", []string{"bytes", "crypto/sha256", "encoding/base64", "encoding/hex", "encoding/json", "encoding/xml",
		"errors", "fmt", "io", "strconv", "strings", "unicode/utf8",
		"github.com/custodian-roi/custodian/internal/fhir", "github.com/custodian-roi/custodian/internal/roi"})
}
