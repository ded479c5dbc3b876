package demo

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

func TestSeed(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err := Seed(ctx, workflow.New(s))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Patients) != 6 || sum.Items < 1000 {
		t.Errorf("%d patients, %d items", len(sum.Patients), sum.Items)
	}
	statuses := map[roi.Status]bool{}
	linked := 0
	for _, r := range sum.Requests {
		statuses[r.Status] = true
		if r.LinkedTo != 0 {
			linked++
		}
	}
	for _, want := range []roi.Status{roi.StatusVerifying, roi.StatusReceived, roi.StatusAwaitingRequester, roi.StatusPartiallyReleased, roi.StatusDenied, roi.StatusEscalated} {
		if !statuses[want] {
			t.Errorf("no demo request is %s (have %v)", want, statuses)
		}
	}
	if linked != 1 {
		t.Errorf("%d linked duplicates, want 1", linked)
	}
	if n, err := s.VerifyLedger(ctx); err != nil || n == 0 {
		t.Errorf("ledger %d %v", n, err)
	}
}
