package web

import (
	"context"
	"net/http"
	"net/url"
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
	// Evaluated: the ED visit is an HIV record and the attorney's
	// authorization is a general one, so New York's rule withholds it and
	// the page cites PHL §2782 beside the record.
	ctx := context.Background()
	if _, err := e.desk.SetLabel(ctx, "privacy.pat", e.pid, "Encounter/1", "hiv", "add", "HIV viral load in the note"); err != nil {
		t.Fatal(err)
	}
	clerk := auth.RoleIntakeClerk
	if st, _, _ := e.page(clerk, "POST", path+"/evidence", url.Values{"version": {strconv.Itoa(e.request(r.ID).Version)}, "type": {"identity"},
		"method": {"bar card and letterhead"}}); st != http.StatusSeeOther {
		t.Fatalf("identity: %d", st)
	}
	if st, body, _ := e.page(clerk, "POST", path+"/evidence", authorizationForm(e.request(r.ID).Version)); st != http.StatusSeeOther {
		t.Fatalf("authorization: %d %s", st, section(body, "h-evidence"))
	}
	if _, _, err := e.desk.Evaluate(ctx, "spec.sam", r.ID, e.request(r.ID).Version); err != nil {
		t.Fatal(err)
	}
	_, body, _ = e.page(clerk, "GET", path, nil)
	sec = section(body, "state-law")
	if !strings.Contains(sec, "ED visit") || !strings.Contains(sec, "§2782") || !strings.Contains(sec, "A general authorization does not release hiv records") {
		t.Errorf("the HIV record's state rule is not on the page:\n%s", sec)
	}
	if strings.Contains(sec, "Therapy note") {
		t.Errorf("a record withheld under federal law is cited as a state rule:\n%s", sec)
	}

	e.desk.Jurisdiction, e.desk.JurisdictionPack = roi.Jurisdiction{State: "ZZ"}, nil
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", path, nil)
	if sec := section(body, "state-law"); !strings.Contains(sec, "no citations") {
		t.Errorf("a file without citations: %q", sec)
	}
}
