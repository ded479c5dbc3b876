package caseformat

import (
	"errors"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// base is a minimal valid case; tests replace one part of it.
const base = `{
  "name": "t",
  "now": "2026-03-02",
  "patient": {"birth_date": "1980-06-15", "death_date": null},
  "items": [{"id": "G1", "date": "2025-03-14", "labels": []}],
  "request": {"received": "2026-03-02", "requester": {"kind": "patient", "name": "Pat Doe"}, "basis": "access"},
  "evidence": [{"type": "identity", "verified": true}]
}`

func TestDecodeValid(t *testing.T) {
	c, err := Decode(strings.NewReader(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "t" || len(c.Facts.Items) != 1 || len(c.Facts.Evidence.Identity) != 1 {
		t.Errorf("decoded %+v", c)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		member         string // the member the error must name
		reason         string // a fragment of the reason
	}{
		{"malformed", `"name": "t",`, `"name": "t",,`, "", "malformed JSON at line 2"},
		{"truncated", `}]` + "\n}", `}]`, "", "ends too early"},
		{"trailing", "\n}", "\n} {}", "", "more than one value"},
		{"missing name", `"name": "t",`, ``, "name", "required member is missing"},
		{"missing now", `"now": "2026-03-02",`, ``, "now", "required member is missing"},
		{"missing items", `"items": [{"id": "G1", "date": "2025-03-14", "labels": []}],`, ``, "items", "required"},
		{"missing request", `"request": {"received": "2026-03-02", "requester": {"kind": "patient", "name": "Pat Doe"}, "basis": "access"},`, ``, "request", "required"},
		{"missing basis", `, "basis": "access"`, ``, "request.basis", "required"},
		{"missing received", `"received": "2026-03-02", `, ``, "request.received", "required"},
		{"impossible date", `"date": "2025-03-14"`, `"date": "2025-02-29"`, "items[0].date", "not a real calendar date"},
		{"impossible birth date", `"1980-06-15"`, `"1980-06-31"`, "patient.birth_date", "not a real calendar date"},
		{"unknown label", `"labels": []`, `"labels": ["psychotherapy"]`, "items[0].labels[0]", `unknown label`},
		{"general on item", `"labels": []`, `"labels": ["general"]`, "items[0].labels[0]", "unknown label"},
		{"counseling note without part2", `"labels": []`, `"labels": ["sud-counseling-note"]`, "items[0].labels", "always with part2"},
		{"unknown basis", `"basis": "access"`, `"basis": "curiosity"`, "request.basis", "unknown basis"},
		{"unknown kind", `"kind": "patient"`, `"kind": "neighbour"`, "request.requester.kind", "unknown requester kind"},
		{"unknown evidence type", `"type": "identity"`, `"type": "fingerprint"`, "evidence[0].type", "unknown evidence type"},
		{"verified not bool", `"verified": true`, `"verified": "yes"`, "evidence[0].verified", "expected bool"},
		{"duplicate item", `"items": [{"id": "G1", "date": "2025-03-14", "labels": []}]`, `"items": [{"id": "G1", "date": "2025-03-14"}, {"id": "G1", "date": "2025-03-15"}]`, "items[1].id", "duplicate item id"},
		{"received after now", `"received": "2026-03-02"`, `"received": "2026-03-03"`, "request.received", "after now"},
		{"wrong type", `"items": [`, `"items": {"a": [`, "", "malformed JSON"},
		{"items not a list", `"items": [{"id": "G1", "date": "2025-03-14", "labels": []}]`, `"items": 3`, "items", "expected"},
		{"unknown expect code", "\n}", `, "expect": {"withhold": {"G1": "because"}}` + "\n}", "expect.withhold.G1", "unknown item-level code"},
		{"unknown expect member", "\n}", `, "expect": {"verdict": "release"}` + "\n}", "expect.verdict", "not a member of a decision"},
		{"unknown exception", "\n}", `, "expect": {"info_blocking": {"G1": "privacy"}}` + "\n}", "expect.info_blocking.G1", "unknown information-blocking exception"},
		{"info_blocking not an object", "\n}", `, "expect": {"info_blocking": ["G1"]}` + "\n}", "expect.info_blocking", "expected"},
		{"unknown request code", "\n}", `, "expect": {"reasons": ["too-late"]}` + "\n}", "expect.reasons[0]", "unknown request-level code"},
		{"unknown authority", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "representative", "authority": "uncle", "verified": true}`, "evidence[1].authority", "unknown authority"},
		{"authorization without forms", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "authorization", "id": "A1"}`, "evidence[1].forms", "required"},
		{"unknown statement", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "authorization", "forms": ["hipaa"], "statements": ["revoke"]}`, "evidence[1].statements[0]", "unknown statement"},
		{"harm names unknown item", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "harm-determination", "items": ["X9"]}`, "evidence[1].items[0]", "names no item"},
		{"extension without new_due", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "extension-notice", "sent": "2026-03-05"}`, "evidence[1].new_due", "required"},
		{"subpoena issuer", `{"type": "identity", "verified": true}`, `{"type": "identity", "verified": true}, {"type": "subpoena", "issued_by": "clerk"}`, "evidence[1].issued_by", "unknown issuer"},
		{"scope from after to", `"basis": "access"`, `"basis": "access", "scope": {"from": "2025-01-01", "to": "2024-01-01"}`, "request.scope", "from is after to"},
		{"accounting basis", `"basis": "access"`, `"basis": "authorization", "type": "accounting"`, "request.basis", "accounting"},
		{"minor consent access", "\n}", `, "jurisdiction": {"minor_consent": [{"label": "hiv", "parent_access": "maybe"}]}` + "\n}", "jurisdiction.minor_consent[0].parent_access", "unknown value"},
		{"disclosure basis", "\n}", `, "disclosures": [{"id": "a", "date": "2025-01-01", "recipient": "x", "basis": "gossip"}]` + "\n}", "disclosures[0].basis", "unknown basis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.from) {
				t.Fatalf("test bug: base lacks %q", tc.from)
			}
			in := strings.Replace(base, tc.from, tc.to, 1)
			c, err := Decode(strings.NewReader(in))
			if err == nil {
				t.Fatalf("Decode succeeded (%+v), want an error", c)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v, want *InputError", err, err)
			}
			if ie.Member != tc.member {
				t.Errorf("Member=%q, want %q (error: %v)", ie.Member, tc.member, err)
			}
			if !strings.Contains(ie.Reason, tc.reason) {
				t.Errorf("Reason=%q, want it to contain %q", ie.Reason, tc.reason)
			}
			// The value typed is never repeated, enumerations included
			// (issue #15): a value in the wrong place may be PHI.
			if v := strings.Trim(strings.TrimPrefix(tc.to, tc.from[:strings.IndexByte(tc.from, ':')+1]), ` "[]`); strings.HasPrefix(tc.reason, "unknown") && len(v) > 3 && strings.Contains(err.Error(), v) {
				t.Errorf("the error %q repeats the value %q", err, v)
			}
		})
	}
}

// TestDecodeErrorsLeakNothing: a mistyped date or name must not be echoed
// back; both may be PHI.
func TestDecodeErrorsLeakNothing(t *testing.T) {
	in := strings.Replace(base, `"1980-06-15"`, `"1980-06-31"`, 1)
	_, err := Decode(strings.NewReader(in))
	if err == nil || strings.Contains(err.Error(), "1980") {
		t.Errorf("error %v echoes the birth date", err)
	}
	in = strings.Replace(base, `"kind": "patient", "name": "Pat Doe"`, `"kind": "Pat Doe"`, 1)
	_, err = Decode(strings.NewReader(in))
	if err == nil {
		t.Fatal("want error")
	}
	// An unknown enumeration value is not repeated either (issue #15): a
	// name put in the wrong member would show.
	for _, v := range []string{"Pat Doe 1980-06-15", strings.Repeat("x", 100), "psychotherapy"} {
		in = strings.Replace(base, `"basis": "access"`, `"basis": "`+v+`"`, 1)
		_, err = Decode(strings.NewReader(in))
		if err == nil || strings.Contains(err.Error(), v) || strings.Contains(err.Error(), v[:5]) {
			t.Errorf("error %v repeats the value %q", err, v)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name":"x","now":"2026-02-29"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(strings.NewReader(string(data)))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an InputError", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil case without error")
		}
		// Whatever decodes must decide without panicking, twice the same.
		d1, d2 := policy.Evaluate(&c.Facts), policy.Evaluate(&c.Facts)
		if d1.Outcome != d2.Outcome || len(d1.Items) != len(d2.Items) {
			t.Fatal("two evaluations of one case differ")
		}
	})
}

// TestDecodeExpectInfoBlocking: a case may expect info_blocking as an
// object of exceptions or as null.
func TestDecodeExpectInfoBlocking(t *testing.T) {
	for _, x := range []string{`{"G1": "not-ehi", "request": "privacy-precondition"}`, `{}`, `null`} {
		in := strings.Replace(base, "\n}", `, "expect": {"info_blocking": `+x+`}`+"\n}", 1)
		c, err := Decode(strings.NewReader(in))
		if err != nil {
			t.Errorf("%s: %v", x, err)
			continue
		}
		if _, ok := c.Expect["info_blocking"]; !ok {
			t.Errorf("%s: expect lost info_blocking", x)
		}
	}
}

// TestDecodeUnclear: the jurisdiction's unclear labels (Custodian's
// extension) decode into roi.Jurisdiction.Unclear, sti and violence
// included; an unknown label there is an error like anywhere else.
func TestDecodeUnclear(t *testing.T) {
	in := strings.Replace(base, "\n}", `, "jurisdiction": {"specific_authorization": ["sti"], "unclear": ["violence", "hiv"]}`+"\n}", 1)
	c, err := Decode(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	j := c.Facts.Jurisdiction
	if !j.Unclear.Has(roi.LabelViolence) || !j.Unclear.Has(roi.LabelHIV) || j.Unclear.Len() != 2 {
		t.Errorf("unclear = %v", j.Unclear.Strings())
	}
	if !j.SpecificAuthorization.Has(roi.LabelSTI) {
		t.Errorf("specific_authorization = %v", j.SpecificAuthorization.Strings())
	}
	bad := strings.Replace(base, "\n}", `, "jurisdiction": {"unclear": ["general"]}`+"\n}", 1)
	if _, err := Decode(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "jurisdiction.unclear[0]") {
		t.Errorf("unclear general: %v, want an error naming jurisdiction.unclear[0]", err)
	}
}
