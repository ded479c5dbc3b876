package policy_test

import (
	"math/rand/v2"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
)

// InScope is the engine's own scope rule: over generated requests, the
// items a decision covers (when it decides items at all) are exactly the
// items InScope reports, so pages showing "items in scope" never differ
// from what the engine decided.
func TestInScopeMatchesTheEngine(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(3, 4))}
	checked := 0
	for i := 0; i < 5000; i++ {
		f := g.facts(1 + g.r.IntN(8))
		d := policy.Evaluate(&f)
		if len(d.Items) == 0 {
			continue // stopped before deciding items (pending, deny, whole-request escalation)
		}
		decided := map[string]bool{}
		for _, it := range d.Items {
			decided[it.ID] = true
		}
		for _, it := range f.Items {
			if got := policy.InScope(f.Jurisdiction, f.Request.Scope, it); got != decided[it.ID] {
				t.Fatalf("case %d: item %s InScope %v, decided %v (scope %+v, labels %v)", i, it.ID, got, decided[it.ID], f.Request.Scope, it.Labels.Strings())
			}
		}
		checked++
	}
	if checked < 500 {
		t.Fatalf("only %d cases decided items", checked)
	}
}
