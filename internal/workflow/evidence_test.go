package workflow

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// completeAuthorization is the 164.508 checklist of an authorization
// naming "Lee & Park LLP", filled in as a clerk would.
func completeAuthorization() url.Values {
	return url.Values{
		"forms": {"hipaa"}, "signed_by": {"patient"}, "signed": {"2026-02-01"}, "expires": {"2026-12-31"},
		"discloser": {"Mercy General"}, "recipient": {"Lee & Park LLP"}, "purpose": {"litigation"},
		"description": {"all records 2024-2025"}, "covers_labels": {"general"}, "covers_from": {"2024-01-01"}, "covers_to": {"2025-12-31"},
		"statements": {"revocation", "conditioning", "redisclosure"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func fieldErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	var fe *FormError
	if !errors.As(err, &fe) {
		t.Fatalf("want a form error, got %v", err)
	}
	return fe.Fields
}

// TestEvidenceFromForm: each evidence type's form, filled in well, writes
// an entry the engine reads with the facts typed; filled in badly, it names
// the field to fix in words.
func TestEvidenceFromForm(t *testing.T) {
	items := map[string]bool{"Observation/1": true, "Observation/2": true}
	cases := []struct {
		typ   string
		good  url.Values
		check func(t *testing.T, ev *roi.Evidence)
		bad   url.Values
		field string // the field the bad form is faulted on
	}{
		{"identity", url.Values{"method": {"photo ID at the front desk"}},
			func(t *testing.T, ev *roi.Evidence) {
				if len(ev.Identity) != 1 || !ev.Identity[0].Verified || ev.Identity[0].Method != "photo ID at the front desk" {
					t.Errorf("identity %+v", ev.Identity)
				}
			}, url.Values{"method": {"  "}}, "method"},
		{"representative", url.Values{"authority": {"guardian"}, "verified": {"yes"}},
			func(t *testing.T, ev *roi.Evidence) {
				if len(ev.Representatives) != 1 || ev.Representatives[0] != (roi.Representative{Authority: roi.AuthorityGuardian, Verified: true}) {
					t.Errorf("representative %+v", ev.Representatives)
				}
			}, url.Values{"authority": {"uncle"}}, "authority"},
		{"authorization", completeAuthorization(),
			func(t *testing.T, ev *roi.Evidence) {
				a := ev.Authorizations[0]
				if !a.HIPAA || a.Part2 || a.SignedBy != roi.SignerPatient || a.Signed != roi.MakeDate(2026, 2, 1) ||
					a.Expires != roi.MakeDate(2026, 12, 31) || a.Recipient != "Lee & Park LLP" || !a.Covers.Labels.Has(roi.LabelGeneral) ||
					a.Covers.From != roi.MakeDate(2024, 1, 1) || len(a.Statements) != 3 {
					t.Errorf("authorization %+v", a)
				}
			}, with(completeAuthorization(), "signed", "2026-02-30"), "signed"},
		{"directive", url.Values{"recipient": {"Dr. Osei"}, "signed": {"2026-02-20"}},
			func(t *testing.T, ev *roi.Evidence) {
				if ev.Directives[0] != (roi.Directive{Recipient: "Dr. Osei", Signed: roi.MakeDate(2026, 2, 20)}) {
					t.Errorf("directive %+v", ev.Directives)
				}
			}, url.Values{"recipient": {"Dr. Osei"}}, "signed"},
		{"court-order", url.Values{"covers_labels": {"general", "part2"}, "part2_findings": {"yes"}},
			func(t *testing.T, ev *roi.Evidence) {
				o := ev.CourtOrders[0]
				if !o.Part2Findings || !o.Covers.Labels.Has(roi.LabelPart2) || !o.Covers.Labels.Has(roi.LabelGeneral) || o.Covers.From.Known() {
					t.Errorf("court order %+v", o)
				}
			}, url.Values{"part2_findings": {"yes"}}, "covers_labels"},
		{"subpoena", url.Values{"issued_by": {"attorney"}, "assurances": {"protective-order"}, "covers_labels": {"general"}, "covers_to": {"2025-12-31"}},
			func(t *testing.T, ev *roi.Evidence) {
				s := ev.Subpoenas[0]
				if s.IssuedBy != roi.IssuerAttorney || s.Assurances != roi.AssuranceProtectiveOrder || s.Covers.To != roi.MakeDate(2025, 12, 31) {
					t.Errorf("subpoena %+v", s)
				}
			}, url.Values{"issued_by": {"attorney"}, "covers_labels": {"general"}, "covers_from": {"2025-06-01"}, "covers_to": {"2025-01-01"}}, "covers_to"},
		{"warrant", url.Values{"covers_labels": {"hiv"}},
			func(t *testing.T, ev *roi.Evidence) {
				if !ev.Warrants[0].Covers.Labels.Has(roi.LabelHIV) {
					t.Errorf("warrant %+v", ev.Warrants)
				}
			}, url.Values{"covers_labels": {"everything"}}, "covers_labels"},
		{"extension-notice", url.Values{"sent": {"2026-02-25"}, "new_due": {"2026-04-01"}},
			func(t *testing.T, ev *roi.Evidence) {
				if ev.ExtensionNotices[0] != (roi.ExtensionNotice{Sent: roi.MakeDate(2026, 2, 25), NewDue: roi.MakeDate(2026, 4, 1)}) {
					t.Errorf("extension %+v", ev.ExtensionNotices)
				}
			}, url.Values{"sent": {"2026-02-25"}, "new_due": {"2026-02-20"}}, "new_due"},
		{"harm-determination", url.Values{"items": {"Observation/2"}, "professional": {"Dr. Hale, MD"}},
			func(t *testing.T, ev *roi.Evidence) {
				if !ev.HarmItems["Observation/2"] || ev.HarmItems["Observation/1"] {
					t.Errorf("harm %+v", ev.HarmItems)
				}
			}, url.Values{"items": {"Observation/9"}, "professional": {"Dr. Hale"}}, "items"},
		{"endangerment-concern", url.Values{"confirm": {"yes"}},
			func(t *testing.T, ev *roi.Evidence) {
				if !ev.EndangermentConcern {
					t.Error("no endangerment concern")
				}
			}, url.Values{}, "confirm"},
		{"minor-disclosure-consent", url.Values{"confirm": {"yes"}},
			func(t *testing.T, ev *roi.Evidence) {
				if !ev.MinorDisclosureConsent {
					t.Error("no minor's consent")
				}
			}, url.Values{}, "confirm"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			seen[c.typ] = true
			body, _, err := EvidenceFromForm(c.typ, c.good, items, today)
			if err != nil {
				t.Fatalf("good form: %v", err)
			}
			if caseformat.EvidenceType(body) != c.typ {
				t.Errorf("type %s", caseformat.EvidenceType(body))
			}
			var ev roi.Evidence
			if err := caseformat.DecodeEvidence(body, items, &ev); err != nil {
				t.Fatalf("the engine cannot read %s: %v", body, err)
			}
			c.check(t, &ev)
			_, _, err = EvidenceFromForm(c.typ, c.bad, items, today)
			fields := fieldErrors(t, err)
			if fields[c.field] == "" {
				t.Errorf("bad form faulted on %v, want %s", fields, c.field)
			}
			for f, msg := range fields {
				if strings.Contains(msg, "{") || strings.Contains(msg, "json") || msg == "" {
					t.Errorf("%s: message not in words: %q", f, msg)
				}
			}
		})
	}
	for _, typ := range roi.EvidenceTypes {
		if !seen[typ] {
			t.Errorf("evidence type %s has no form test", typ)
		}
		if _, ok := EvidenceFormFor(typ); !ok {
			t.Errorf("evidence type %s has no form", typ)
		}
	}
	if _, _, err := EvidenceFromForm("nonsense", url.Values{}, items, today); err == nil {
		t.Error("an unknown type was accepted")
	}
}

// TestEvidenceFormAuthorizationChecks: the authorization form's own
// checks — a signature in the future, both an expiry date and an event, a
// TPO consent on a HIPAA-only form, no form chosen — and a representative's
// authority recorded with it.
func TestEvidenceFormAuthorizationChecks(t *testing.T) {
	for _, c := range []struct {
		v     url.Values
		field string
	}{
		{with(completeAuthorization(), "signed", "2026-03-03"), "signed"},
		{with(completeAuthorization(), "expiration_event", "end of the lawsuit"), "expires"},
		{with(completeAuthorization(), "tpo", "yes"), "tpo"},
		{with(completeAuthorization(), "forms", ""), "forms"},
		{with(completeAuthorization(), "expires", "2026-01-01"), "expires"},
		{with(completeAuthorization(), "covers_labels", ""), "covers_labels"},
	} {
		_, _, err := EvidenceFromForm("authorization", c.v, nil, today)
		if f := fieldErrors(t, err); f[c.field] == "" {
			t.Errorf("%v: faulted on %v, want %s", c.v, f, c.field)
		}
	}
	body, extra, err := EvidenceFromForm("authorization", with(completeAuthorization(), "signed_by", "representative",
		"rep_authority", "healthcare-poa", "rep_verified", "yes", "forms", "both"), nil, today)
	if err != nil || len(extra) != 1 || caseformat.EvidenceType(extra[0]) != "representative" {
		t.Fatalf("representative's authority with the authorization: %v %s", err, extra)
	}
	var ev roi.Evidence
	for _, b := range append([][]byte{body}, extra...) {
		if err := caseformat.DecodeEvidence(b, nil, &ev); err != nil {
			t.Fatal(err)
		}
	}
	if !ev.Authorizations[0].HIPAA || !ev.Authorizations[0].Part2 || ev.Representatives[0].Authority != roi.AuthorityHealthcarePOA || !ev.Representatives[0].Verified {
		t.Errorf("evidence %+v", ev)
	}
	// Every label of the vocabulary is offered, general included.
	offered := map[string]bool{}
	for _, c := range LabelChoices() {
		offered[c.Value] = true
	}
	for l := roi.Label(0); ; l++ {
		if _, ok := roi.ParseLabel(l.String()); !ok {
			break
		}
		if !offered[l.String()] {
			t.Errorf("label %s not offered", l)
		}
	}
	if !offered["general"] || !offered["psychotherapy-note"] || !offered["sti"] {
		t.Errorf("offered %v", offered)
	}
}

func attorneyRequest(t *testing.T) (*fixture, *roi.DeskRequest) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r := f.intake(roi.KindAttorney, "Lee & Park LLP", roi.BasisAuthorization)
	r = f.evidence(r, identity)
	return f, r
}

// TestEvidenceWithdrawal: an authorization recorded by form makes the
// request releasable; withdrawn (with a reason, in the ledger), it no
// longer counts, the entry stays on record, and the engine denies.
func TestEvidenceWithdrawal(t *testing.T) {
	f, r := attorneyRequest(t)
	r, evID, err := f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "authorization", completeAuthorization())
	if err != nil {
		t.Fatal(err)
	}
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		t.Fatalf("with the authorization: %s %v", ev.Decision.Outcome, ev.Decision.Reasons)
	}
	if _, err := f.desk.WithdrawEvidence(f.ctx, "clerk", r.ID, r.Version, evID, " "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("withdrawal without a reason: %v", err)
	}
	r, err = f.desk.WithdrawEvidence(f.ctx, "clerk", r.ID, r.Version, evID, "scanned for the wrong patient")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.WithdrawEvidence(f.ctx, "clerk", r.ID, r.Version, evID, "again"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("second withdrawal: %v", err)
	}
	r, ev = f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeDeny || !slices.Contains(ev.Decision.Reasons, roi.CodeNoPermission) {
		t.Errorf("after withdrawal: %s %v", ev.Decision.Outcome, ev.Decision.Reasons)
	}
	v, err := f.desk.RequestPage(f.ctx, "clerk", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range v.Evidence {
		if e.Record.ID == evID {
			found = true
			if e.Active || e.WithdrawnReason != "scanned for the wrong patient" || e.WithdrawnBy != "clerk" || e.Corrected {
				t.Errorf("withdrawn entry %+v", e)
			}
		}
	}
	if !found || v.HasAuthority {
		t.Errorf("entry kept %v, authority in force %v", found, v.HasAuthority)
	}
	hist := must[[]roi.LedgerEntry](t)(f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID}))
	var body roi.EvidenceWithdrawalBody
	for _, e := range hist {
		if e.Kind == roi.EventEvidenceWithdrawn {
			if err := json.Unmarshal(e.Body, &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body.EvidenceID != evID || body.Reason != "scanned for the wrong patient" || body.Type != "authorization" {
		t.Errorf("ledger: %+v", body)
	}
}

// TestEvidenceCorrection: a bare authorization is incomplete with its
// missing elements named and nowhere said to have every element; its
// correction supersedes it (both in the ledger) and the engine releases.
func TestEvidenceCorrection(t *testing.T) {
	f, r := attorneyRequest(t)
	bare := url.Values{"forms": {"hipaa"}, "covers_labels": {"general"}, "recipient": {"Lee & Park LLP"}}
	r, oldID, err := f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "authorization", bare)
	if err != nil {
		t.Fatal(err)
	}
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeDeny || !slices.Contains(ev.Decision.Reasons, roi.CodeAuthorizationIncomplete) {
		t.Fatalf("bare: %s %v", ev.Decision.Outcome, ev.Decision.Reasons)
	}
	v := must[*RequestView](t)(f.desk.RequestPage(f.ctx, "clerk", r.ID))
	var verdict *AuthorizationVerdict
	for _, e := range v.Evidence {
		if e.Record.ID == oldID {
			verdict = e.Verdict
		}
	}
	if verdict == nil || verdict.Valid || verdict.Ref != "A1" {
		t.Fatalf("verdict %+v", verdict)
	}
	for _, want := range []string{"the purpose", "the date signed", "who may disclose it", "an expiry date or expiration event",
		"the statement of the right to revoke"} {
		if !slices.Contains(verdict.Missing, want) || !strings.Contains(verdict.Text, want) {
			t.Errorf("missing %q not named: %v / %s", want, verdict.Missing, verdict.Text)
		}
	}
	if slices.Contains(verdict.Missing, "who may receive it") {
		t.Errorf("the recipient was given: %v", verdict.Missing)
	}
	var checks []string
	for _, c := range v.Checks {
		checks = append(checks, c.Text)
	}
	all := strings.Join(checks, "\n")
	if strings.Contains(all, "has every required element") || !strings.Contains(all, "Authorization A1 is not valid: it is incomplete") {
		t.Errorf("checks contradict the engine:\n%s", all)
	}
	r, newID, err := f.desk.CorrectEvidence(f.ctx, "clerk", r.ID, r.Version, oldID, completeAuthorization(), "filled in from the scan")
	if err != nil {
		t.Fatal(err)
	}
	r, ev = f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		t.Fatalf("corrected: %s %v", ev.Decision.Outcome, ev.Decision.Reasons)
	}
	v = must[*RequestView](t)(f.desk.RequestPage(f.ctx, "clerk", r.ID))
	for _, e := range v.Evidence {
		switch e.Record.ID {
		case oldID:
			if e.Active || !e.Corrected || e.Record.SupersededBy != newID {
				t.Errorf("old version %+v", e)
			}
		case newID:
			if !e.Active || e.Verdict == nil || !e.Verdict.Valid || e.Title != "Authorization A1" {
				t.Errorf("new version %+v", e)
			}
		}
	}
	hist := must[[]roi.LedgerEntry](t)(f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID}))
	var body roi.EvidenceWithdrawalBody
	for _, e := range hist {
		if e.Kind == roi.EventEvidenceCorrected {
			_ = json.Unmarshal(e.Body, &body)
		}
	}
	if body.EvidenceID != oldID || body.SupersededBy != newID || body.Reason != "filled in from the scan" {
		t.Errorf("ledger: %+v", body)
	}
	// A second authorization may not take the reference of one in force.
	_, _, err = f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "authorization", with(completeAuthorization(), "id", "a1"))
	if fieldErrors(t, err)["id"] == "" {
		t.Errorf("duplicate reference: %v", err)
	}
	// A form error stores nothing.
	before := len(must[[]roi.EvidenceRecord](t)(f.desk.store.Evidence(f.ctx, r.ID)))
	if _, _, err := f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "identity", url.Values{}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("empty identity form: %v", err)
	}
	if after := len(must[[]roi.EvidenceRecord](t)(f.desk.store.Evidence(f.ctx, r.ID))); after != before {
		t.Errorf("evidence %d -> %d after a refused form", before, after)
	}
}

// TestEvidenceSummaries: entries in words, not JSON.
func TestEvidenceSummaries(t *testing.T) {
	f, r := attorneyRequest(t)
	r, _ = mustEv(t)(f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "subpoena",
		url.Values{"issued_by": {"court"}, "assurances": {"notice"}, "covers_labels": {"general", "hiv"}}))
	v := must[*RequestView](t)(f.desk.RequestPage(f.ctx, "clerk", r.ID))
	if len(v.Evidence) != 2 {
		t.Fatalf("%d entries", len(v.Evidence))
	}
	id, sub := v.Evidence[0], v.Evidence[1]
	if !strings.HasPrefix(id.Summary, "Identity verified by photo ID — clerk, ") || id.Title != "Identity check" {
		t.Errorf("identity: %q %q", id.Title, id.Summary)
	}
	if !strings.Contains(sub.Summary, "issued by a court") || !strings.Contains(sub.Summary, "covers general records (no special category), hiv") ||
		!strings.Contains(sub.Summary, "assurance of notice") {
		t.Errorf("subpoena: %q", sub.Summary)
	}
	for _, e := range v.Evidence {
		if strings.ContainsAny(e.Summary, "{}\"") {
			t.Errorf("raw JSON in %q", e.Summary)
		}
	}
	// The form for a correction reads the stored entry back.
	back := FormValues(v.Evidence[1].Record)
	if back.Get("issued_by") != "court" || back.Get("assurances") != "notice" || !slices.Equal(back["covers_labels"], []string{"general", "hiv"}) {
		t.Errorf("form values %v", back)
	}
	auth := must[*roi.EvidenceRecord](t)(f.desk.EvidenceEntry(f.ctx, r.ID, v.Evidence[0].Record.ID))
	if FormValues(*auth).Get("method") != "photo ID" {
		t.Errorf("identity form values %v", FormValues(*auth))
	}
}

func mustEv(t *testing.T) func(*roi.DeskRequest, int64, error) (*roi.DeskRequest, int64) {
	return func(r *roi.DeskRequest, id int64, err error) (*roi.DeskRequest, int64) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r, id
	}
}

// TestEvidenceDuplicateReference: the case — a request already
// holding a valid authorization A1 given a bare one also called A1 — is
// refused through the API as through the form, so two verdicts never name
// the same document.
func TestEvidenceDuplicateReference(t *testing.T) {
	f, r := attorneyRequest(t)
	r, _ = mustEv(t)(f.desk.RecordEvidence(f.ctx, "clerk", r.ID, r.Version, "authorization", with(completeAuthorization(), "id", "A1")))
	_, _, err := f.desk.AttachEvidence(f.ctx, "clerk", r.ID, r.Version, []byte(`{"type":"authorization","id":"A1","forms":["hipaa"]}`))
	if roi.CodeOf(err) != roi.CodeInvalid || !strings.Contains(err.Error(), "already called A1") {
		t.Errorf("bare A1 beside A1: %v", err)
	}
	r, _ = mustEv(t)(f.desk.AttachEvidence(f.ctx, "clerk", r.ID, r.Version, []byte(`{"type":"authorization","id":"A2","forms":["hipaa"]}`)))
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		t.Fatalf("outcome %s", ev.Decision.Outcome)
	}
	v := must[*RequestView](t)(f.desk.RequestPage(f.ctx, "clerk", r.ID))
	var texts []string
	for _, c := range v.Checks {
		texts = append(texts, c.Text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "Authorization A1 is valid") || !strings.Contains(all, "Authorization A2 is not valid: it is incomplete") {
		t.Errorf("checks:\n%s", all)
	}
	if strings.Count(all, "has every required element") != 1 {
		t.Errorf("the valid-element line must name A1 only:\n%s", all)
	}
}

// TestEvidenceFieldsMatchTheConversion: every form lists its questions,
// every field the conversion faults is one the form asks, and answers a
// machine suggested need a person's confirmation.
func TestEvidenceFieldsMatchTheConversion(t *testing.T) {
	for _, typ := range roi.EvidenceTypes {
		fs := EvidenceFields(typ)
		if len(fs) < 2 {
			t.Errorf("%s: %d fields", typ, len(fs))
		}
		names := map[string]bool{}
		for _, f := range fs {
			names[f.Name] = true
		}
		// An empty form: each field faulted must be on the form.
		_, _, err := EvidenceFromForm(typ, url.Values{}, nil, today)
		var fe *FormError
		if errors.As(err, &fe) {
			for n := range fe.Fields {
				if !names[n] {
					t.Errorf("%s: the conversion faults %s, which the form does not ask", typ, n)
				}
			}
		}
	}
	v := with(completeAuthorization(), "suggested", "recipient")
	_, _, err := EvidenceFromForm("authorization", v, nil, today)
	if fieldErrors(t, err)["suggestions_checked"] == "" {
		t.Errorf("unconfirmed suggestions accepted: %v", err)
	}
	if _, _, err := EvidenceFromForm("authorization", with(v, "suggestions_checked", "yes"), nil, today); err != nil {
		t.Errorf("confirmed suggestions: %v", err)
	}
}
