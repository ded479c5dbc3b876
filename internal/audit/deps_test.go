package audit

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/puretest"
)

// TestDeps keeps the mapping pure: ledger entries in, AuditEvents out;
// nothing that reaches a network, a database, a process, a clock or
// randomness (reading and forwarding are workflow's and internal/syslog's).
func TestDeps(t *testing.T) {
	puretest.Check(t, ".", []string{"encoding/json", "errors", "net/netip", "strconv", "strings", "time",
		"github.com/custodian-roi/custodian/internal/roi"})
}
