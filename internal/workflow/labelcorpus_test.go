package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The labeled corpus (internal/label/testdata/corpus) was written apart
// from the labeler, from docs/LABELING.md and the codes' meaning: every
// clinical resource with the labels a privacy officer expects. The test
// imports it as a file would be imported and reports recall and precision
// per label. A report's result Observations are scored on their own
// resource as well as through the report.
const corpusDir = "../label/testdata/corpus"

type corpusExpect struct {
	Labels []string `json:"labels"`
	Kind   []string `json:"kind"`
	Why    string   `json:"why"`
}

// scored are the content labels the corpus measures.
var scored = []roi.Label{roi.LabelBehavioralHealth, roi.LabelSubstanceUse, roi.LabelHIV, roi.LabelSTI,
	roi.LabelReproductive, roi.LabelGenetic, roi.LabelViolence}

// holdoutDir holds a second corpus by another author, written from the
// policy alone, never tuned to: its figures are the labeler's honest ones.
const holdoutDir = "../label/testdata/holdout"

// redteamDir holds records written to slip sensitive words past the
// labeler into a packet: unusual members, contained resources, extensions,
// spelling and layout tricks.
const redteamDir = "../label/testdata/redteam"

// redteam2Dir holds a second red team's records, realistic ones as EHRs
// write them, by an author who did not see the first's.
const redteam2Dir = "../label/testdata/redteam2"

func labelCorpusIn(t testing.TB, dir string) (got map[string]label.Labeled, want map[string]corpusExpect) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("corpus %s: %v", dir, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Resources map[string]corpusExpect `json:"resources"`
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	var cfg label.Config
	if cfgData, err := os.ReadFile(filepath.Join(dir, "local-codes.json")); err == nil {
		if cfg, err = label.DecodeConfig(cfgData); err != nil {
			t.Fatal(err)
		}
	}
	l, err := label.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l = l.WithPDFReader(packet.PDFText) // as Desk.Import reads them
	files := corpusBundles(dir)
	if len(files) == 0 {
		t.Fatal("no corpus bundles")
	}
	got = map[string]label.Labeled{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		charts, err := fhir.ReadBundle(bytes.NewReader(b), "")
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		for _, c := range charts {
			ins := LabelInputs(c)
			for i, lb := range l.Chart(ins) {
				got[c.Items[i].Key] = lb
				// A folded resource is scored alone too: labeled on its own bytes.
				for k, key := range ins[i].Resources[1:] {
					if _, ok := exp.Resources[key]; ok {
						alone := l.Chart([]label.Item{{Resources: []string{key}, Raw: [][]byte{ins[i].Raw[k+1]}, AgeAtDate: -1}})
						got[key] = alone[0]
					}
				}
			}
		}
	}
	return got, exp.Resources
}

// knownMisses are a corpus's records the labeler is known to miss, with
// why (known-misses.json, red team only): reported, not failed, and
// failed once caught so that the list stays true.
func knownMisses(t testing.TB, dir string) map[string]string {
	data, err := os.ReadFile(filepath.Join(dir, "known-misses.json"))
	if os.IsNotExist(err) {
		return nil
	}
	var k struct {
		Misses map[string]string `json:"misses"`
	}
	if err == nil {
		err = json.Unmarshal(data, &k)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k.Misses
}

// corpusBundles are a corpus directory's patient bundles: every JSON file
// but its expectations and configuration.
func corpusBundles(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return slices.DeleteFunc(files, func(f string) bool {
		switch filepath.Base(f) {
		case "expected.json", "local-codes.json", "known-misses.json":
			return true
		}
		return false
	})
}

type score struct{ tp, fp, fn, confirm int }

func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestLabelCorpus reports recall and precision per label over the corpus,
// lists every miss and every false label with the corpus's reason, and
// holds the labeler to recall 100 % and precision 95 % per label.
func TestLabelCorpus(t *testing.T) {
	// The holdout's floor is lower: two of its expectations are ones the
	// policy decides the other way (docs/CHARTS.md, "Measured"), and its
	// figures are kept as measured rather than tuned to.
	for dir, floor := range map[string]float64{corpusDir: 0.95, holdoutDir: 0.90, redteamDir: 0.90, redteam2Dir: 0.90} {
		t.Run(filepath.Base(dir), func(t *testing.T) { scoreCorpus(t, dir, floor) })
	}
}

func scoreCorpus(t *testing.T, dir string, floor float64) {
	got, want := labelCorpusIn(t, dir)
	scores := map[roi.Label]*score{}
	for _, lb := range scored {
		scores[lb] = &score{}
	}
	var misses, extras []string
	known := knownMisses(t, dir)
	stillMissed := map[string]bool{}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		w := want[key]
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: in the corpus but not imported as a chart item", key)
			continue
		}
		var wl roi.Labels
		for _, n := range w.Labels {
			lb, ok := roi.ParseLabel(n)
			if !ok {
				t.Fatalf("%s: unknown label %q in expected.json", key, n)
			}
			wl = wl.With(lb)
		}
		for _, lb := range scored {
			s := scores[lb]
			switch has, exp := g.Labels.Has(lb), wl.Has(lb); {
			case has && exp:
				s.tp++
				if confirmOnly(g, lb) {
					s.confirm++
				}
			case has:
				s.fp++
				extras = append(extras, fmt.Sprintf("%s %s (%s) — %s", key, lb, why(g, lb), w.Why))
			case exp:
				s.fn++
				if why, ok := known[key]; ok {
					stillMissed[key] = true
					t.Logf("known miss: %s %s — %s", key, lb, why)
					continue
				}
				misses = append(misses, fmt.Sprintf("%s %s — %s", key, lb, w.Why))
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: a chart item the corpus has no expectation for", k)
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%-18s %5s %5s %5s %8s %9s %8s\n", "label", "tp", "fp", "fn", "recall", "precision", "confirm")
	for _, lb := range scored {
		s := scores[lb]
		fmt.Fprintf(&report, "%-18s %5d %5d %5d %7.1f%% %8.1f%% %8d\n", lb, s.tp, s.fp, s.fn, 100*s.recall(), 100*s.precision(), s.confirm)
	}
	t.Logf("labeled corpus, %d resources:\n%s", len(want), report.String())
	for _, m := range misses {
		t.Errorf("missed: %s", m)
	}
	for key := range known {
		if !stillMissed[key] {
			t.Errorf("%s is caught now: take it out of known-misses.json", key)
		}
	}
	for _, e := range extras {
		t.Logf("extra: %s", e)
	}
	for _, lb := range scored {
		if s := scores[lb]; s.precision() < floor {
			t.Errorf("%s: precision %.1f%% below %.0f%%", lb, 100*s.precision(), 100*floor)
		}
	}
}

func confirmOnly(g label.Labeled, lb roi.Label) bool {
	for _, w := range g.Why {
		if w.Label == lb.String() && !w.Confirm {
			return false
		}
	}
	return true
}

func why(g label.Labeled, lb roi.Label) string {
	var out []string
	for _, w := range g.Why {
		if w.Label == lb.String() {
			out = append(out, strings.TrimSpace(w.Rule+" "+w.System+" "+w.Code+" "+w.Term))
		}
	}
	return strings.Join(slices.Compact(out), "; ")
}
