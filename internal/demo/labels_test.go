package demo

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// TestLabelsBothWays labels every item of the embedded Synthea patients and
// checks both ways: an item with a code in a sensitive value set carries
// that value set's label (with provenance naming the code and a resource
// behind the item), and an item without one carries no label — so a
// patient with sensitive records keeps ordinary ones ordinary.
func TestLabelsBothWays(t *testing.T) {
	sets, err := label.ValueSets()
	if err != nil {
		t.Fatal(err)
	}
	l, err := label.New(label.Config{})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(Bundles, "bundles/*.json")
	perLabel := map[string]int{}
	for _, name := range names {
		data, _ := Bundles.ReadFile(name)
		charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range charts {
			labeled, ordinary := 0, 0
			for i, it := range c.Items {
				det := c.Details[i]
				in := label.Item{Resources: det.Resources, Org: det.Org, AgeAtDate: roi.YearsOld(c.Patient.BirthDate, it.Date)}
				var want roi.Labels
				for _, x := range det.Codes {
					cd := label.Coding{System: x.System, Code: x.Code}
					in.Codes = append(in.Codes, cd)
					for _, v := range sets {
						if v.Contains(cd) {
							lb, _ := roi.ParseLabel(v.Label)
							want = want.With(lb)
						}
					}
				}
				in.Raw = [][]byte{det.Raw}
				for _, k := range det.Resources[1:] {
					in.Raw = append(in.Raw, c.FoldedRaw[k])
				}
				got, why := l.Label(in)
				// Codes are one signal of several (words, local codes, source
				// labels): every value-set code still gives its label.
				if !got.HasAll(want) {
					t.Errorf("%s %s: labels %v, want at least %v", filepath.Base(name), it.Key, got.Strings(), want.Strings())
				}
				for _, w := range why {
					if w.Rule == "" || (w.Code == "" && w.Term == "") || !slices.Contains(det.Resources, w.Resource) {
						t.Errorf("%s %s: provenance %+v", filepath.Base(name), it.Key, w)
					}
				}
				if got == 0 {
					ordinary++
				} else {
					labeled++
					for _, lb := range got.Strings() {
						perLabel[lb]++
					}
				}
			}
			if labeled > 0 && ordinary == 0 {
				t.Errorf("%s: every item labeled; ordinary records must stay ordinary", filepath.Base(name))
			}
		}
	}
	// The shared synthetic data holds each of these; the value sets must
	// find them (a value set that matched nothing would pass the loop above).
	for _, lb := range []string{"behavioral-health", "substance-use", "reproductive", "genetic"} {
		if perLabel[lb] == 0 {
			t.Errorf("no item labeled %s in the demo patients", lb)
		}
	}
	t.Logf("labeled items by label: %v", perLabel)
}

// TestImportKeepsLabelsAndRaw imports through the desk and reads back the
// labels, their provenance and the raw resources.
func TestImportKeepsLabelsAndRaw(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d := workflow.New(s)
	names, _ := fs.Glob(Bundles, "bundles/Milan_*.json")
	data, _ := Bundles.ReadFile(names[0])
	charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	pid, _, err := d.Import(ctx, "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.ChartItems(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	bh := 0
	for i, it := range items {
		if it.Labels.Has(roi.LabelBehavioralHealth) {
			bh++
			if len(it.Why) == 0 || it.Why[0].Rule == "" || it.Why[0].Resource == "" {
				t.Errorf("%s: stored without provenance", it.Key)
			}
		}
		if i < 5 {
			raw, err := s.RawResource(ctx, pid, it.Key)
			if err != nil || !bytes.Contains(data, raw) || len(raw) < 20 {
				t.Errorf("%s: raw resource not kept byte for byte (%v)", it.Key, err)
			}
		}
	}
	if bh == 0 {
		t.Error("no behavioral-health item stored for the patient with a major depression diagnosis")
	}
}
