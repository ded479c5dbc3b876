package workflow

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// SuspensionInput is a health oversight agency's or law enforcement
// official's statement that an accounting of disclosures would be
// reasonably likely to impede its activities (45 CFR 164.528(a)(2)), as
// staff record it.
type SuspensionInput struct {
	// Agency is the agency or official as the disclosures to it name their
	// recipient: the suspension covers disclosures whose recipient is the
	// same name, ignoring letter case and spacing.
	Agency string `json:"agency"`
	// AgencyKind is health-oversight or law-enforcement.
	AgencyKind roi.Kind `json:"agency_kind"`
	// Official is who made the statement (name and title); required for an
	// oral statement (164.528(a)(2)(ii)(A)).
	Official string `json:"official"`
	Written  bool   `json:"written"`
	// Statement is what was said, required for an oral statement; for a
	// written one, where the letter is kept.
	Statement string   `json:"statement"`
	Stated    roi.Date `json:"stated"`
	// End is the last day of the suspension: the time a written statement
	// specifies (required), or for an oral one at most 30 days after it
	// (left empty: the full 30 days).
	End roi.Date `json:"end"`
}

// Suspension is a recorded suspension with what it means today.
type Suspension struct {
	roi.AccountingSuspensionBody
	LedgerSeq  int64     `json:"ledger_seq"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	// Until is the last day it is in force: End, capped for an oral
	// statement; InForce says whether today is within it.
	Until   roi.Date `json:"until"`
	InForce bool     `json:"in_force"`
}

const (
	maxAgency    = 200
	maxStatement = 4000
	// oralDays mirrors the engine's cap, to refuse at the desk an end the
	// engine would cut short (164.528(a)(2)(ii)(B)).
	oralDays = 30
)

// SuspendAccounting records a statement suspending patient pid's right to
// an accounting of disclosures to one agency or official. It is written
// to the ledger (EventAccountingSuspension); from then on, until its end,
// an accounting of the patient's disclosures leaves out those made to that
// agency on the grounds it may suspend. A written statement must give its
// end; an oral one is documented with who made it and what was said, and
// lasts at most 30 days unless a written statement is recorded meanwhile.
func (d *Desk) SuspendAccounting(ctx context.Context, actor string, pid roi.PatientID, in SuspensionInput) (*Suspension, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if _, err := d.store.Patient(ctx, pid); err != nil {
		return nil, err
	}
	today := d.Today()
	b := roi.AccountingSuspensionBody{Agency: strings.Join(strings.Fields(in.Agency), " "), AgencyKind: in.AgencyKind,
		Official: strings.TrimSpace(in.Official), Written: in.Written, Statement: strings.TrimSpace(in.Statement),
		Stated: in.Stated, End: in.End}
	switch {
	case b.Agency == "":
		return nil, invalid("Name the agency or official, as the disclosures to it name their recipient.")
	case len(b.Agency) > maxAgency || len(b.Official) > maxAgency:
		return nil, invalid("The agency's or official's name is too long (at most %d characters).", maxAgency)
	case len(b.Statement) > maxStatement:
		return nil, invalid("The statement is too long (at most %d characters).", maxStatement)
	case b.AgencyKind != roi.KindHealthOversight && b.AgencyKind != roi.KindLawEnforcement:
		return nil, invalid("Only a health oversight agency or a law enforcement official may suspend an accounting (45 CFR 164.528(a)(2)).")
	case !b.Stated.Known():
		return nil, invalid("Give the date of the statement.")
	case b.Stated > today:
		return nil, invalid("The statement's date is in the future.")
	case b.Written && !b.End.Known():
		return nil, invalid("A written statement suspends for the time it specifies: give the last day of the suspension.")
	case b.End.Known() && b.End < b.Stated:
		return nil, invalid("The suspension ends before the statement was made.")
	case !b.Written && b.Official == "":
		return nil, invalid("Document who made the oral statement (45 CFR 164.528(a)(2)(ii)(A)).")
	case !b.Written && b.Statement == "":
		return nil, invalid("Document what the oral statement said (45 CFR 164.528(a)(2)(ii)(A)).")
	case !b.Written && b.End.Known() && b.End > b.Stated.AddDays(oralDays):
		return nil, invalid("An oral statement suspends an accounting for no more than 30 days, until %s, unless a written statement is submitted: record the written statement when it arrives.",
			b.Stated.AddDays(oralDays))
	}
	if !b.Written && !b.End.Known() {
		b.End = b.Stated.AddDays(oralDays)
	}
	if err := d.store.Append(ctx, roi.Event{Kind: roi.EventAccountingSuspension, PatientID: pid, Actor: actor, Body: b}); err != nil {
		return nil, err
	}
	ss, err := d.suspensions(ctx, pid)
	if err != nil {
		return nil, err
	}
	// The newest suspension of the patient is the one just written.
	s := ss[len(ss)-1]
	return &s, nil
}

// AccountingSuspensions lists every suspension recorded for patient pid,
// oldest first, each with its end and whether it is in force today.
// Reading them is recorded as a view of the accounting.
func (d *Desk) AccountingSuspensions(ctx context.Context, actor string, pid roi.PatientID) ([]Suspension, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if _, err := d.store.Patient(ctx, pid); err != nil {
		return nil, err
	}
	ss, err := d.suspensions(ctx, pid)
	if err != nil {
		return nil, err
	}
	return ss, d.viewed(ctx, actor, 0, pid, roi.ViewBody{What: "accounting-suspensions", Results: len(ss)})
}

// suspensions reads the patient's suspensions back from the ledger.
func (d *Desk) suspensions(ctx context.Context, pid roi.PatientID) ([]Suspension, error) {
	entries, err := d.store.Ledger(ctx, store.LedgerFilter{PatientID: pid, Kind: roi.EventAccountingSuspension})
	if err != nil {
		return nil, err
	}
	today := d.Today()
	out := make([]Suspension, 0, len(entries))
	for _, e := range entries {
		s := Suspension{LedgerSeq: e.Seq, RecordedBy: e.Actor, RecordedAt: e.At}
		if err := json.Unmarshal(e.Body, &s.AccountingSuspensionBody); err != nil {
			return nil, roi.WrapOp("workflow.suspension-read", roi.CodeInternal, err, "A suspension in the ledger does not read.")
		}
		f := s.facts()
		s.Until, s.InForce = policy.SuspensionEnd(f), policy.SuspensionInForce(f, today)
		out = append(out, s)
	}
	return out, nil
}

// facts is the suspension as the engine sees it.
func (s *Suspension) facts() roi.AccountingSuspension {
	return roi.AccountingSuspension{ID: strconv.FormatInt(s.LedgerSeq, 10), Agency: s.Agency, AgencyKind: s.AgencyKind,
		Written: s.Written, Stated: s.Stated, End: s.End}
}

// suspensionFacts are patient pid's suspensions for the engine's facts.
func (d *Desk) suspensionFacts(ctx context.Context, pid roi.PatientID) ([]roi.AccountingSuspension, error) {
	ss, err := d.suspensions(ctx, pid)
	if err != nil {
		return nil, err
	}
	out := make([]roi.AccountingSuspension, len(ss))
	for i := range ss {
		out[i] = ss[i].facts()
	}
	return out, nil
}
