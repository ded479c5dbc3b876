package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// RecordEvidence records the evidence a person filled in on the form of
// type typ (see EvidenceFromForm). A form that cannot be recorded returns
// an error wrapping a *FormError that names each field to fix; nothing is
// stored then. It returns the request and the new entry's ID.
func (d *Desk) RecordEvidence(ctx context.Context, actor string, id roi.RequestID, version int, typ string, v url.Values) (*roi.DeskRequest, int64, error) {
	return d.saveEvidence(ctx, actor, id, version, typ, v, 0, "")
}

// CorrectEvidence records a corrected version of entry evID from its form
// filled in again (v): the new entry is in force, the old one stays on
// record struck through, superseded by the new one, and the ledger says so
// (EventEvidenceCorrected, with the reason).
func (d *Desk) CorrectEvidence(ctx context.Context, actor string, id roi.RequestID, version int, evID int64, v url.Values, reason string) (*roi.DeskRequest, int64, error) {
	old, err := d.evidenceEntry(ctx, id, evID)
	if err != nil {
		return nil, 0, err
	}
	if strings.TrimSpace(reason) == "" {
		reason = "corrected"
	}
	return d.saveEvidence(ctx, actor, id, version, old.Type, v, evID, reason)
}

// WithdrawEvidence takes entry evID back, with the person's reason: it
// stays on record (struck through, with who, when and why) and no longer
// counts for the engine; the ledger holds an EventEvidenceWithdrawn. The
// request's evaluation is then out of date: evaluate again.
func (d *Desk) WithdrawEvidence(ctx context.Context, actor string, id roi.RequestID, version int, evID int64, reason string) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, (&FormError{Fields: map[string]string{"reason": "Say why the entry is withdrawn (for example: entered on the wrong request)."}}).asRoi()
	}
	if len(reason) > 500 {
		return nil, (&FormError{Fields: map[string]string{"reason": "Shorten the reason to 500 characters."}}).asRoi()
	}
	old, err := d.evidenceEntry(ctx, id, evID)
	if err != nil {
		return nil, err
	}
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if err := evidenceMayChange(r, "withdrawn"); err != nil {
			return err
		}
		if err := tx.WithdrawEvidence(evID, actor, reason, 0); err != nil {
			return err
		}
		return tx.Append(roi.Event{Kind: roi.EventEvidenceWithdrawn, Actor: actor,
			Body: roi.EvidenceWithdrawalBody{EvidenceID: evID, Type: old.Type, Reason: reason}})
	})
}

// EvidenceEntry returns entry evID of request id, for a correction's form.
func (d *Desk) EvidenceEntry(ctx context.Context, id roi.RequestID, evID int64) (*roi.EvidenceRecord, error) {
	return d.evidenceEntry(ctx, id, evID)
}

func (d *Desk) evidenceEntry(ctx context.Context, id roi.RequestID, evID int64) (*roi.EvidenceRecord, error) {
	es, err := d.store.Evidence(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range es {
		if es[i].ID == evID {
			return &es[i], nil
		}
	}
	return nil, roi.Errorf(roi.CodeNotFound, "That evidence entry is not on this request.")
}

// evidenceMayChange refuses a change of evidence once the request is past
// the point where evidence matters (approved, released, closed...).
func evidenceMayChange(r *roi.DeskRequest, verb string) error {
	switch r.Status {
	case roi.StatusReceived, roi.StatusAwaitingRequester, roi.StatusVerifying, roi.StatusInReview, roi.StatusEscalated:
		return nil
	}
	return roi.Errorf(roi.CodeConflict, "Request %s is %s; its evidence can no longer be %s.", r.Number, statusWords(r.Status), verb)
}

func statusWords(s roi.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

func (d *Desk) saveEvidence(ctx context.Context, actor string, id roi.RequestID, version int, typ string, v url.Values, supersedes int64, reason string) (*roi.DeskRequest, int64, error) {
	if err := requireActor(actor); err != nil {
		return nil, 0, err
	}
	items, err := d.chartKeys(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	existing, err := d.store.Evidence(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if typ == "authorization" {
		v = authorizationRef(v, existing, supersedes)
		if err := uniqueAuthorizationRef(v.Get("id"), existing, supersedes); err != nil {
			return nil, 0, err
		}
	}
	body, extra, err := EvidenceFromForm(typ, v, items, d.Today())
	if err != nil {
		var fe *FormError
		if errors.As(err, &fe) {
			return nil, 0, fe.asRoi()
		}
		return nil, 0, err
	}
	var evID int64
	r, err := d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		verb := "added"
		if supersedes != 0 {
			verb = "corrected"
		}
		if err := evidenceMayChange(r, verb); err != nil {
			return err
		}
		var err error
		if evID, err = attachTx(r, tx, actor, typ, body); err != nil {
			return err
		}
		for _, e := range extra {
			if _, err := attachTx(r, tx, actor, caseformat.EvidenceType(e), e); err != nil {
				return err
			}
		}
		if supersedes == 0 {
			return nil
		}
		if err := tx.WithdrawEvidence(supersedes, actor, reason, evID); err != nil {
			return err
		}
		return tx.Append(roi.Event{Kind: roi.EventEvidenceCorrected, Actor: actor,
			Body: roi.EvidenceWithdrawalBody{EvidenceID: supersedes, Type: typ, SupersededBy: evID, Reason: reason}})
	})
	return r, evID, err
}

// attachTx stores one checked entry in the request's transaction: a
// request received or awaiting the requester moves to verifying, and the
// ledger records the entry (identity as a verification, apart from what
// entitles the requester).
func attachTx(r *roi.DeskRequest, tx *store.Tx, actor, typ string, body []byte) (int64, error) {
	switch r.Status {
	case roi.StatusReceived, roi.StatusAwaitingRequester:
		ev, err := move(r, roi.StatusVerifying, actor, "evidence received")
		if err != nil {
			return 0, err
		}
		if err := tx.Append(ev); err != nil {
			return 0, err
		}
	case roi.StatusVerifying, roi.StatusInReview, roi.StatusEscalated:
	default:
		return 0, roi.Errorf(roi.CodeConflict, "Request %s is %s; evidence can no longer be added.", r.Number, statusWords(r.Status))
	}
	evID, err := tx.AddEvidence(typ, body, actor)
	if err != nil {
		return 0, err
	}
	kind := roi.EventEvidence
	if typ == roi.EvidenceIdentity {
		kind = roi.EventVerification
	}
	return evID, tx.Append(roi.Event{Kind: kind, Actor: actor, Body: roi.EvidenceBody{EvidenceID: evID, Type: typ}})
}

// authorizationRef gives an authorization without a reference one (A1,
// A2, ...), so the engine's verdict on it can name it; a correction keeps
// the reference of the entry it corrects when none is typed.
func authorizationRef(v url.Values, existing []roi.EvidenceRecord, supersedes int64) url.Values {
	if strings.TrimSpace(v.Get("id")) != "" {
		return v
	}
	out := url.Values{}
	for k, x := range v {
		out[k] = x
	}
	refs := map[string]bool{}
	for _, e := range existing {
		if e.Type != "authorization" {
			continue
		}
		ref := authorizationID(e.Body)
		if e.ID == supersedes && ref != "" {
			out.Set("id", ref)
			return out
		}
		refs[ref] = true
	}
	for n := 1; ; n++ {
		if ref := fmt.Sprintf("A%d", n); !refs[ref] {
			out.Set("id", ref)
			return out
		}
	}
}

// uniqueAuthorizationRef refuses a reference another authorization in
// force already has: the verdicts name authorizations by it.
func uniqueAuthorizationRef(ref string, existing []roi.EvidenceRecord, supersedes int64) error {
	ref = strings.TrimSpace(ref)
	for _, e := range existing {
		if e.Type == "authorization" && e.Active() && e.ID != supersedes && strings.EqualFold(authorizationID(e.Body), ref) {
			return (&FormError{Fields: map[string]string{"id": "Another authorization on this request is already called " + ref + "; give this one its own reference, or correct that one instead."}}).asRoi()
		}
	}
	return nil
}

func authorizationID(body []byte) string {
	var a struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &a)
	return strings.TrimSpace(a.ID)
}

// withAuthorizationFindings adds the engine's finding on each authorization
// in force to an evaluation's stored body, so the request page shows the
// verdict the engine reached, never one of its own.
func withAuthorizationFindings(body []byte, f *roi.Facts) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	fs, err := json.Marshal(policy.AuthorizationFindings(f))
	if err != nil {
		return nil, err
	}
	m["authorizations"] = fs
	return json.Marshal(m)
}
