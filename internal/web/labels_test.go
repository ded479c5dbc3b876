package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
)

// jsonAs sends a JSON body to the API as role and decodes the answer.
func (e *staffEnv) jsonAs(role auth.Role, method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// H1 through the server: the specialist's removal of the psychotherapy
// note's label is only proposed (202); the specialist cannot approve it;
// the patient page shows it to the privacy officer, who approves it there;
// only then is the label gone. A role without the label permission cannot
// decide it.
func TestLabelRemovalWaitsForSecondPerson(t *testing.T) {
	e := newStaffEnv(t)
	pid := strconv.FormatInt(int64(e.pid), 10)
	spec, po := auth.RoleSpecialist, auth.RolePrivacyOfficer
	st, out := e.jsonAs(spec, "POST", "/api/v1/patients/"+pid+"/labels",
		`{"item":"DocumentReference/pn","label":"psychotherapy-note","action":"remove","reason":"a progress note"}`)
	if st != http.StatusAccepted {
		t.Fatalf("removal: %d %v", st, out)
	}
	if ls, _ := json.Marshal(out["labels"]); !strings.Contains(string(ls), "psychotherapy-note") {
		t.Errorf("the label went on a proposal: %s", ls)
	}
	prop, _ := out["proposal"].(map[string]any)
	id, _ := prop["id"].(float64)
	if id == 0 || prop["state"] != "pending" {
		t.Fatalf("proposal %v", prop)
	}
	decide := "/api/v1/patients/" + pid + "/label-proposals/" + strconv.Itoa(int(id))
	if st, out := e.jsonAs(spec, "POST", decide, `{"approve":true}`); st != http.StatusForbidden {
		t.Errorf("the proposer approving: %d %v", st, out)
	}
	if st, out := e.jsonAs(auth.RoleAuditor, "POST", decide, `{"approve":true}`); st != http.StatusForbidden {
		t.Errorf("an auditor approving: %d %v", st, out)
	}
	if st, out := e.jsonAs(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/label-proposals", ""); st != 200 || len(out["proposals"].([]any)) != 1 {
		t.Errorf("the list: %d %v", st, out)
	}
	r := e.attorneyRequest()
	_, body, _ := e.page(po, "GET", "/requests/"+strconv.FormatInt(int64(r.ID), 10), nil)
	if sec := body[max(0, strings.Index(body, `id="label-removals"`)):]; !strings.HasPrefix(sec, `id="label-removals"`) || !strings.Contains(sec[:400], "1 label removal on this patient's records waits") {
		t.Errorf("the request page does not say a removal waits")
	}
	page := "/patients/" + pid
	_, body, _ = e.page(po, "GET", page, nil)
	sec := section(body, "h-label-proposals")
	if !strings.Contains(sec, "DocumentReference/pn") || !strings.Contains(sec, "Approve the removal") {
		t.Errorf("the privacy officer's page: %q", sec)
	}
	_, body, _ = e.page(spec, "GET", page, nil)
	if sec := section(body, "h-label-proposals"); strings.Contains(sec, "Approve the removal") || !strings.Contains(sec, "Withdraw") {
		t.Errorf("the proposer's page offers the approval: %q", sec)
	}
	st, _, h := e.page(po, "POST", page+"/label-proposals/"+strconv.Itoa(int(id)), url.Values{"decision": {"approve"}, "note": {"read it"}})
	if st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=label-approved") {
		t.Fatalf("approval on the page: %d %v", st, h)
	}
	st, out = e.jsonAs(po, "GET", "/api/v1/patients/"+pid+"/chart", "")
	if b, _ := json.Marshal(out); st != 200 || strings.Contains(string(b), `"labels":["psychotherapy-note"]`) {
		t.Errorf("after approval: %d %s", st, b)
	}
	if st, out := e.jsonAs(po, "POST", decide, `{"approve":false,"note":"again"}`); st != http.StatusConflict {
		t.Errorf("deciding it twice: %d %v", st, out)
	}
	// An addition takes effect at once.
	if st, out := e.jsonAs(spec, "POST", "/api/v1/patients/"+pid+"/labels",
		`{"item":"Encounter/1","label":"hiv","action":"add","reason":"an HIV result"}`); st != 200 || out["proposal"] != nil {
		t.Errorf("addition: %d %v", st, out)
	}
}
