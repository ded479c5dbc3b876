// Package demo seeds a fresh desk for `custodian serve --demo`: a few
// synthetic Synthea patients (no real PHI) and a handful of requests in
// different states, so that every part of the desk has something to show.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// Bundles are Synthea FHIR R4 bundles, copied byte for byte from the
// project's shared test data (synthetic patients).
//
//go:embed bundles/*.json
var Bundles embed.FS

// Labels is the demo's labeling configuration: the worked example of an
// organization's local codes, the OpenMRS/CIEL concept ids the Synthea-HIV
// bundle (Bob Keeling) files under the LOINC and SNOMED CT systems. The
// text rules find these records by their displays as well; a real desk
// maps its own lab and order codes the same way (docs/CHARTS.md).
//
//go:embed labels.json
var Labels []byte

// The demo's staff, one per role (Users creates their accounts): the
// clerk takes requests in, the specialist decides and releases, the QA
// reviewer is the second pair of eyes.
const (
	Actor      = "demo.clerk"
	Specialist = "demo.specialist"
	QA         = "demo.qa"
)

// Summary is what Seed created.
type Summary struct {
	Patients []*roi.PatientRecord
	Items    int
	Requests []*roi.DeskRequest
	// Released is the demo's released request and what its release
	// issued: in a real release the password is shown once to staff; the
	// demo prints it so its packet can be opened.
	Released *roi.DeskRequest
	Issued   *workflow.Issued
	// Logins are the demo's staff accounts (Users), one per role.
	Logins []Login
}

// Seed imports the demo patients and creates the demo requests.
func Seed(ctx context.Context, d *workflow.Desk) (*Summary, error) {
	sum := &Summary{}
	names, err := fs.Glob(Bundles, "bundles/*.json")
	if err != nil {
		return nil, err
	}
	byFirst := map[string]*roi.PatientRecord{}
	for _, name := range names {
		data, err := Bundles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", path.Base(name), err)
		}
		for _, c := range charts {
			id, _, err := d.Import(ctx, Actor, c)
			if err != nil {
				return nil, err
			}
			p, _, err := d.Chart(ctx, Actor, id)
			if err != nil {
				return nil, err
			}
			sum.Patients = append(sum.Patients, p)
			sum.Items += len(c.Items)
			first := p.Name
			for i, r := range p.Name {
				if r == ' ' {
					first = p.Name[:i]
					break
				}
			}
			byFirst[first] = p
		}
	}
	today := d.Today()
	s := &seeder{ctx: ctx, d: d, today: today}

	// Synthea has no separately kept notes; the demo marks two by hand, as
	// staff would, with the reason in the ledger.
	if p := byFirst["Bob"]; p != nil {
		s.label(p.ID, 0, roi.LabelsOf(roi.LabelPsychotherapyNote))
	}
	if p := byFirst["Gerardo"]; p != nil {
		s.label(p.ID, 1, roi.LabelsOf(roi.LabelBehavioralHealth, roi.LabelMinorConsented))
	}

	if p := byFirst["Clemente"]; p != nil {
		// A patient's own request, identity checked: ready to evaluate.
		r := s.intake(p, roi.KindPatient, p.Name, roi.BasisAccess, roi.DeliveryPortal, -3)
		r = s.evidence(r, `{"type":"identity","verified":true,"method":"government photo ID checked at the front desk"}`)
		sum.Requests = append(sum.Requests, r)
		// A second request the next day from the same person: linked as a
		// possible duplicate, not merged.
		sum.Requests = append(sum.Requests, s.intake(p, roi.KindPatient, p.Name, roi.BasisAccess, roi.DeliveryEmail, -2))
	}
	if p := byFirst["Laurie"]; p != nil {
		// An attorney's subpoena without assurances: pending.
		r := s.intake(p, roi.KindAttorney, "Harper & Vance LLP", roi.BasisSubpoena, roi.DeliverySFTP, -10)
		r = s.evidence(r, `{"type":"identity","verified":true,"method":"attorney bar number verified"}`)
		r = s.evidence(r, `{"type":"subpoena","issued_by":"attorney","covers":{"labels":["general"]}}`)
		r = s.evaluate(r)
		r = s.decide(r, workflow.ActPending)
		sum.Requests = append(sum.Requests, r)
	}
	if p := byFirst["Bob"]; p != nil {
		// A law firm with a valid authorization: released, in the ledger.
		r := s.intake(p, roi.KindAttorney, "Smith & Jones LLP", roi.BasisAuthorization, roi.DeliveryMail, -20)
		r = s.evidence(r, `{"type":"identity","verified":true,"method":"firm letterhead and bar number verified"}`)
		r = s.evidence(r, fmt.Sprintf(`{"type":"authorization","id":"A1","forms":["hipaa"],"signed_by":"patient","signed":%q,
			"expires":%q,"discloser":"Custodian Demo Hospital","recipient":"Smith & Jones LLP","purpose":"at the request of the individual",
			"description":"all records","covers":{"labels":["general"]},"statements":["revocation","conditioning","redisclosure"]}`,
			today.AddDays(-30), today.AddDays(300)))
		r = s.evaluate(r)
		r = s.decide(r, "")
		// A partial release: a second person (the QA reviewer) looks
		// before anything goes.
		r = s.review(r, QA)
		r = s.release(r)
		sum.Requests = append(sum.Requests, r)
		sum.Released, sum.Issued = r, s.issued
		// An employer with nothing: denied.
		r = s.intake(p, roi.KindEmployer, "Northside Logistics HR", roi.BasisNone, roi.DeliveryEmail, -5)
		r = s.evidence(r, `{"type":"identity","verified":true,"method":"company letterhead"}`)
		r = s.evaluate(r)
		r = s.decide(r, workflow.ActDeny)
		sum.Requests = append(sum.Requests, r)
	}
	if p := byFirst["Gerardo"]; p != nil {
		// A father asks for his 16-year-old's records; the minor consented
		// alone to counseling and the state is silent: escalated.
		r := s.intake(p, roi.KindRepresentative, "Luis Botello (father)", roi.BasisAccess, roi.DeliveryPortal, -27)
		r = s.evidence(r, `{"type":"identity","verified":true,"method":"driver's license"}`)
		r = s.evidence(r, `{"type":"representative","authority":"parent","verified":true}`)
		r = s.evaluate(r)
		r = s.escalate(r, "Minor consented alone to counseling; state law silent on parental access.")
		sum.Requests = append(sum.Requests, r)
	}
	return sum, s.err
}

type seeder struct {
	ctx    context.Context
	d      *workflow.Desk
	today  roi.Date
	err    error
	issued *workflow.Issued
}

func (s *seeder) label(pid roi.PatientID, nth int, labels roi.Labels) {
	if s.err != nil {
		return
	}
	_, items, err := s.d.Chart(s.ctx, Actor, pid)
	if err != nil {
		s.err = err
		return
	}
	n := 0
	for _, it := range items {
		if it.Type != "document" {
			continue
		}
		if n == nth {
			for _, lb := range labels.List() {
				if _, err := s.d.SetLabel(s.ctx, Actor, pid, it.Key, lb.String(), "add", "demo data: a note marked by hand to show segmentation"); err != nil {
					s.err = err
					return
				}
			}
			return
		}
		n++
	}
}

func (s *seeder) intake(p *roi.PatientRecord, kind roi.Kind, name string, basis roi.Basis, via roi.Delivery, daysAgo int) *roi.DeskRequest {
	if s.err != nil {
		return nil
	}
	r, err := s.d.Intake(s.ctx, Actor, workflow.Intake{PatientID: p.ID, Request: roi.Request{Type: roi.RequestRecords,
		Received: s.today.AddDays(daysAgo), Requester: roi.Requester{Kind: kind, Name: name}, Basis: basis},
		Contact: "requests@example.org", Delivery: via})
	s.err = err
	return r
}

func (s *seeder) evidence(r *roi.DeskRequest, body string) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	r, _, s.err = s.d.AttachEvidence(s.ctx, Actor, r.ID, r.Version, []byte(body))
	return r
}

func (s *seeder) evaluate(r *roi.DeskRequest) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	r, _, s.err = s.d.Evaluate(s.ctx, Specialist, r.ID, r.Version)
	return r
}

// decide takes action want, or when want is empty whichever of approve
// and partial agrees with the engine.
func (s *seeder) decide(r *roi.DeskRequest, want string) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	actions := []string{want}
	if want == "" {
		actions = []string{workflow.ActApprove, workflow.ActPartial}
	}
	var err error
	for _, action := range actions {
		var out *roi.DeskRequest
		if out, _, err = s.d.Decide(s.ctx, Specialist, r.ID, r.Version, workflow.Decide{Action: action}); err == nil {
			return out
		}
	}
	s.err = err
	return r
}

func (s *seeder) escalate(r *roi.DeskRequest, note string) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	r, _, s.err = s.d.Decide(s.ctx, Specialist, r.ID, r.Version, workflow.Decide{Action: workflow.ActEscalate, Note: note})
	return r
}

func (s *seeder) review(r *roi.DeskRequest, by string) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	r, s.err = s.d.Review(s.ctx, by, r.ID, r.Version, true, "checked against the authorization")
	return r
}

func (s *seeder) release(r *roi.DeskRequest) *roi.DeskRequest {
	if s.err != nil {
		return r
	}
	r, _, s.issued, s.err = s.d.Release(s.ctx, Specialist, r.ID, r.Version)
	return r
}
