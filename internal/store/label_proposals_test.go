package store

import (
	"context"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// A proposed removal leaves the labels alone; an approval removes the
// label in the same transaction as its ledger entries; a decided proposal
// is not decided again; the check refuses inside the transaction. On
// SQLite and PostgreSQL (migration 0018 on both).
func TestStore_LabelProposals(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		const key = "DocumentReference/d1"
		labelsOf := func() roi.Labels {
			items, err := s.ChartItems(ctx, pid)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.Key == key {
					return it.Labels
				}
			}
			t.Fatal("no item")
			return 0
		}
		if _, err := s.ProposeLabelRemoval(ctx, pid, "Encounter/none", roi.LabelHIV, "r", "sam"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("an unknown item: %v", err)
		}
		p, err := s.ProposeLabelRemoval(ctx, pid, key, roi.LabelHIV, "a screening code", "sam")
		if err != nil || p.State != roi.ProposalPending || p.ProposedBy != "sam" || p.ProposedAt.IsZero() {
			t.Fatalf("propose: %+v %v", p, err)
		}
		if _, err := s.ProposeLabelRemoval(ctx, pid, key, roi.LabelHIV, "again", "pat"); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("a second open proposal: %v", err)
		}
		if !labelsOf().Has(roi.LabelHIV) {
			t.Fatal("a proposal removed the label")
		}
		refuse := func(*roi.LabelProposal) error { return roi.Errorf(roi.CodeForbidden, "no") }
		if _, _, err := s.DecideLabelProposal(ctx, pid, p.ID, true, "sam", "", refuse); roi.CodeOf(err) != roi.CodeForbidden || !labelsOf().Has(roi.LabelHIV) {
			t.Fatalf("a refused approval: %v", err)
		}
		ok := func(*roi.LabelProposal) error { return nil }
		got, l, err := s.DecideLabelProposal(ctx, pid, p.ID, true, "pat", "checked", ok)
		if err != nil || l.Has(roi.LabelHIV) || labelsOf().Has(roi.LabelHIV) || got.State != roi.ProposalApproved || got.DecidedBy != "pat" {
			t.Fatalf("approve: %+v %v %v", got, l, err)
		}
		if _, _, err := s.DecideLabelProposal(ctx, pid, p.ID, false, "lee", "no", ok); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("decided twice: %v", err)
		}
		if _, _, err := s.DecideLabelProposal(ctx, pid+1, p.ID, true, "lee", "", ok); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("under another patient: %v", err)
		}
		for kind, n := range map[roi.EventKind]int{roi.EventLabelProposed: 1, roi.EventLabelApproved: 1, roi.EventLabel: 1} {
			es, err := s.Ledger(ctx, LedgerFilter{PatientID: pid, Kind: kind})
			if err != nil || len(es) != n {
				t.Errorf("%s entries: %d %v", kind, len(es), err)
			}
		}
		if ps, err := s.LabelProposals(ctx, pid, true); err != nil || len(ps) != 0 {
			t.Errorf("pending: %+v %v", ps, err)
		}
		if ps, err := s.LabelProposals(ctx, pid, false); err != nil || len(ps) != 1 {
			t.Errorf("all: %+v %v", ps, err)
		}
		if _, err := s.VerifyLedger(ctx); err != nil {
			t.Errorf("ledger: %v", err)
		}
	})
}
