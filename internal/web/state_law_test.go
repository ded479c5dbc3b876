package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/jurisdiction"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestRequestPageStateLaw: the request page says which jurisdiction pack
// applies, with its checked date, or that only federal law does.
func TestRequestPageStateLaw(t *testing.T) {
	e := newStaffEnv(t)
	r := e.attorneyRequest()
	path := "/requests/" + strconv.FormatInt(int64(r.ID), 10)
	st, body, _ := e.page(auth.RoleIntakeClerk, "GET", path, nil)
	if sec := section(body, "state-law"); st != 200 || !strings.Contains(sec, "Federal law only") {
		t.Fatalf("no pack: %d %q", st, sec)
	}
	ny, err := jurisdiction.Lookup("NY")
	if err != nil {
		t.Fatal(err)
	}
	e.desk.Jurisdiction, e.desk.JurisdictionPack = ny.Rules(), ny
	st, body, _ = e.page(auth.RoleIntakeClerk, "GET", path, nil)
	sec := section(body, "state-law")
	if st != 200 || !strings.Contains(sec, "New York") || !strings.Contains(sec, "2026-12-06") || strings.Contains(sec, "Federal law only") {
		t.Errorf("NY pack: %d %q", st, sec)
	}
	// Nothing evaluated yet: no rule is claimed to have touched it.
	if !strings.Contains(sec, `id="state-rules-none"`) {
		t.Errorf("an unevaluated request lists state rules: %q", sec)
	}
	e.desk.Jurisdiction, e.desk.JurisdictionPack = roi.Jurisdiction{State: "ZZ"}, nil
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", path, nil)
	if sec := section(body, "state-law"); !strings.Contains(sec, "no citations") {
		t.Errorf("a file without citations: %q", sec)
	}
}
