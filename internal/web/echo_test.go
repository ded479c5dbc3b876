package web

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/echocheck"
)

// TestErrorsEchoNoInput (issue #15): a 4xx answer repeats nothing sent —
// not an unknown member's name, not an enumeration value — since either
// may be PHI typed in the wrong place.
func TestErrorsEchoNoInput(t *testing.T) {
	a := newAPI(t)
	const phi = "Bob Keeling 1991-07-08"
	known := []string{"patient", "patient_id", "received", "requester", "kind", "name", "basis", "contact", "delivery", "type", "scope", "labels", "evidence", "version", "verified", "method"}
	for _, tc := range []struct{ name, path, body string }{
		{"unknown member", "/api/v1/requests", `{"patient_id":1,"` + phi + `":"x"}`},
		{"unknown nested member", "/api/v1/requests", `{"patient":"MRN-77","requester":{"kind":"patient","name":"x","` + phi + `":1}}`},
		{"unknown basis", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02","requester":{"kind":"patient","name":"Pat"},"basis":"` + phi + `","contact":"a@example.org","delivery":"email"}`},
		{"unknown requester kind", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02","requester":{"kind":"` + phi + `","name":"Pat"},"basis":"access","contact":"a@example.org","delivery":"email"}`},
		{"unknown request type", "/api/v1/requests", `{"patient":"MRN-77","type":"` + phi + `","received":"2026-03-02","requester":{"kind":"patient","name":"Pat"},"basis":"access","contact":"a@example.org","delivery":"email"}`},
		{"unknown scope label", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02","requester":{"kind":"patient","name":"Pat"},"basis":"access","contact":"a@example.org","delivery":"email","scope":{"labels":["` + phi + `"]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := a.do("POST", tc.path, tc.body)
			if status != 400 {
				t.Fatalf("status %d, want 400: %v", status, out)
			}
			e, _ := out["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if msg == "" {
				t.Fatalf("no message: %v", out)
			}
			if w := echocheck.InJSONAll(msg, []byte(tc.body), known...); w != "" {
				t.Errorf("the error repeats %q: %s", w, msg)
			}
		})
	}
}
