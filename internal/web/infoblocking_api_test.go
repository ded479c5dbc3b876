package web

import (
	"strconv"
	"testing"
)

// The API names exceptions on decide, refuses one not on the list, shows a
// request's standing, and the desk refuses a reason from anyone not in the
// privacy officer's role even where the route lets them through (the
// trusted actor header has every permission).
func TestInfoBlockingAPI(t *testing.T) {
	a := newAPI(t)
	out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"patient","name":"The Patient"},"basis":"access","contact":"p@example.org","delivery":"portal"}`)
	base := "/api/v1/requests/" + strconv.Itoa(int(out["request"].(map[string]any)["id"].(float64)))
	v := version(out)
	out = a.want(200, "POST", base+"/evidence", `{"version":`+strconv.Itoa(v)+`,"evidence":{"type":"identity","verified":true,"method":"photo ID"}}`)
	v = version(a.want(200, "POST", base+"/evaluate", `{"version":`+strconv.Itoa(version(out))+`}`))

	if code, out := a.do("POST", base+"/decide", `{"version":`+strconv.Itoa(v)+`,"action":"escalate","note":"odd","exception":"because"}`); code != 400 || errCode(out) != "invalid" {
		t.Errorf("an exception not on the list: %d %v", code, out)
	}
	out = a.want(200, "POST", base+"/decide", `{"version":`+strconv.Itoa(v)+`,"action":"escalate","note":"odd","exception":"security"}`)
	if ib, _ := out["decision"].(map[string]any)["info_blocking"].(map[string]any); ib["request"] != "security" || ib["DocumentReference/pn"] != "not-ehi" {
		t.Errorf("decision's info_blocking %v", ib)
	}
	st := a.want(200, "GET", base+"/info-blocking", "")
	if st["applies"] != true || st["unexplained"].(float64) != 0 || len(st["entries"].([]any)) != 2 {
		t.Errorf("standing %v", st)
	}
	if code, out := a.do("POST", base+"/info-blocking/reason", `{"reason":"x"}`); code != 403 || errCode(out) != "forbidden" {
		t.Errorf("a reason from an actor with no privacy officer's account: %d %v", code, out)
	}
	if risks := a.want(200, "GET", "/api/v1/info-blocking/risks", ""); risks["risks"] == nil {
		t.Errorf("risks %v", risks)
	}
}
