package jurisdiction

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// FuzzLoad: whatever a site's file holds, Load either refuses it with a
// typed error or returns a pack whose compiled rules keep the decoder's
// promises — ages in range, no category both specific and unclear, and no
// release to a parent or a workers' compensation carrier on memory — and
// which loads again the same after a round trip through JSON.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("packs/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"state":"NY","checked":"2026-12-06"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(bytes.NewReader(data))
		if err != nil {
			var re *roi.Error
			if !errors.As(err, &re) || (re.Code != roi.CodeInvalid && re.Code != roi.CodeTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		j := p.Rules()
		if j.SpecificAuthorization&j.Unclear != 0 {
			t.Errorf("a category is both specific and unclear: %+v", j)
		}
		if j.Majority() < 1 || j.Majority() > 30 || j.AccessDeadline.Days < 0 || j.AccessDeadline.Days > 365 {
			t.Errorf("out of range: %+v", j)
		}
		for i, r := range p.MinorConsent {
			if r.ParentAccess == string(roi.ParentAccessAllowed) && r.Confidence == ConfidenceMemory {
				t.Errorf("minor_consent[%d]: allowed on memory", i)
			}
		}
		if j.WorkersComp && p.WorkersComp.Confidence == ConfidenceMemory {
			t.Error("workers' compensation permitted on memory")
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Load(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("a loaded pack does not load again: %v\n%s", err, b)
		}
		k := q.Rules()
		if k.State != j.State || k.SpecificAuthorization != j.SpecificAuthorization || k.Unclear != j.Unclear ||
			k.AccessDeadline != j.AccessDeadline || k.WorkersComp != j.WorkersComp || k.Majority() != j.Majority() || len(k.MinorConsent) != len(j.MinorConsent) {
			t.Errorf("round trip changed the rules: %+v, then %+v", j, k)
		}
	})
}
