package workflow

import (
	"sync"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestQueueSensitive: the queue says "sensitive in scope" right on the
// first look at a new request, after a label correction, and to many
// people looking at once; the sensitive filter finds exactly those.
func TestQueueSensitive(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 2),
		roi.ChartItem{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"},
		roi.ChartItem{Key: "Observation/hiv", Date: roi.MakeDate(2025, 2, 1), Type: "observation", Title: "HIV viral load", Labels: roi.LabelsOf(roi.LabelHIV)})
	a := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	queue := func(filter RequestFilter) map[roi.RequestID]bool {
		t.Helper()
		filter.Open = true
		p, err := f.desk.Queue(f.ctx, "clerk", filter)
		if err != nil {
			t.Fatal(err)
		}
		out := map[roi.RequestID]bool{}
		for _, row := range p.Rows {
			out[row.R.ID] = row.R.Sensitive
		}
		return out
	}
	// Many at once on a stale request: every one of them sees it sensitive.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrong := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.desk.Queue(f.ctx, "clerk", RequestFilter{Open: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil || len(p.Rows) != 1 || !p.Rows[0].R.Sensitive {
				wrong++
			}
		}()
	}
	wg.Wait()
	if wrong > 0 {
		t.Errorf("%d of 16 concurrent queue views did not show the HIV result as sensitive", wrong)
	}
	if got := queue(RequestFilter{Sensitive: true}); !got[a.ID] {
		t.Errorf("the sensitive filter missed the request: %v", got)
	}
	// A privacy officer proposes removing the label: until a second person
	// approves, nothing changes; then the request is no longer sensitive.
	c, err := f.desk.ChangeLabel(f.ctx, "privacy", f.pid, "Observation/hiv", "hiv", "remove", "a screening code, not a result")
	if err != nil || c.Proposal == nil {
		t.Fatalf("proposal: %v %+v", err, c)
	}
	if got := queue(RequestFilter{Sensitive: true}); !got[a.ID] {
		t.Errorf("no longer sensitive on a mere proposal: %v", got)
	}
	if _, err := f.desk.DecideLabelProposal(f.ctx, "privacy2", f.pid, c.Proposal.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := queue(RequestFilter{}); got[a.ID] {
		t.Error("still sensitive after the label was removed")
	}
	if got := queue(RequestFilter{Sensitive: true}); len(got) != 0 {
		t.Errorf("the sensitive filter after the label was removed: %v", got)
	}
	// A new request after the label is back in place is sensitive on first look.
	if _, err := f.desk.SetLabel(f.ctx, "privacy", f.pid, "Observation/hiv", "hiv", "add", "a confirmed result"); err != nil {
		t.Fatal(err)
	}
	b := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	if got := queue(RequestFilter{}); !got[a.ID] || !got[b.ID] {
		t.Errorf("after the label was added back: %v", got)
	}
}
