package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/jsonscan"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestCorpusReleasedToAttorney imports every patient of the labeled
// corpus through the desk and releases their records to an attorney
// holding a general-only authorization, in a state that requires specific
// authorization for every sensitive category. Both ways, on the packet's
// own text (pdftotext): no resource the corpus calls sensitive is among
// the released ones and none of its words (its code texts and displays,
// where no released resource shares them) is in the packet; every
// released item's title is.
func TestCorpusReleasedToAttorney(t *testing.T) {
	for _, dir := range []string{corpusDir, holdoutDir, redteamDir, redteam2Dir} {
		var cfg label.Config
		if data, err := os.ReadFile(filepath.Join(dir, "local-codes.json")); err == nil {
			if cfg, err = label.DecodeConfig(data); err != nil {
				t.Fatal(err)
			}
		}
		_, want := labelCorpusIn(t, dir)
		known := knownMisses(t, dir)
		for _, file := range corpusBundles(dir) {
			t.Run(filepath.Base(dir)+"/"+filepath.Base(file), func(t *testing.T) {
				releaseCorpusPatient(t, file, cfg, want, known)
			})
		}
	}
}

func releaseCorpusPatient(t *testing.T, file string, cfg label.Config, want map[string]corpusExpect, known map[string]string) {
	ctx := context.Background()
	d, s := newTestDesk(t)
	var err error
	if d.Labeler, err = label.New(cfg); err != nil {
		t.Fatal(err)
	}
	d.Jurisdiction = roi.Jurisdiction{State: "ZZ", SpecificAuthorization: roi.LabelsOf(roi.LabelBehavioralHealth,
		roi.LabelSubstanceUse, roi.LabelHIV, roi.LabelSTI, roi.LabelReproductive, roi.LabelGenetic, roi.LabelViolence)}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
	if err != nil || len(charts) != 1 {
		t.Fatalf("%d charts, %v", len(charts), err)
	}
	pid, _, err := d.Import(ctx, "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, desk: d, ctx: ctx, pid: pid}
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"authorization","id":"A1","forms":["hipaa"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Example Hospital","recipient":"Okafor Legal Group","purpose":"litigation","description":"all records",
		"covers":{"labels":["general"]},"statements":["revocation","conditioning","redisclosure"]}`)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomePartial {
		t.Fatalf("outcome %s, want partial: the corpus patient has general and sensitive records", ev.Decision.Outcome)
	}
	r, _, err = d.Decide(ctx, "specialist", r.ID, r.Version, Decide{Action: ActPartial})
	if err != nil {
		t.Fatal(err)
	}
	r = f.review(r)
	_, dis, iss, err := d.Release(ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	// The resources that went: each released item's own and those folded in.
	items, err := s.ChartItems(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]roi.ChartItem{}
	for _, it := range items {
		byKey[it.Key] = it
	}
	det := map[string][]string{}
	for i, it := range charts[0].Items {
		det[it.Key] = charts[0].Details[i].Resources
	}
	var released []string
	for _, k := range dis.Items {
		released = append(released, det[k]...)
	}
	if len(dis.Items) == 0 {
		t.Fatal("nothing released: the ordinary records must go")
	}
	raw := resourcesOf(data)
	text := packetText(t, f, iss)
	releasedWords := map[string]bool{}
	for _, k := range released {
		for _, w := range words(raw[k]) {
			releasedWords[w] = true
		}
	}
	for key, w := range want {
		if len(w.Labels) == 0 {
			continue
		}
		if why, ok := known[key]; ok {
			t.Logf("known miss, released: %s — %s", key, why)
			continue
		}
		if slices.Contains(released, key) {
			t.Errorf("%s (%v) was released: %s", key, w.Labels, w.Why)
			continue
		}
		for _, s := range words(raw[key]) {
			if !releasedWords[s] && strings.Contains(text, s) {
				t.Errorf("the packet prints %q from %s (%v)", s, key, w.Labels)
			}
		}
	}
	for _, k := range dis.Items {
		title := strings.Join(strings.Fields(byKey[k].Title), " ")
		if len(title) > 40 {
			title = title[:40]
		}
		if !strings.Contains(text, title) {
			t.Errorf("released %s, but its title %q is not in the packet", k, title)
		}
	}
	t.Logf("released %d of %d items", len(dis.Items), len(items))
}

// resourcesOf maps each resource of a bundle to its bytes, by Type/id.
func resourcesOf(data []byte) map[string][]byte {
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	_ = json.Unmarshal(data, &b)
	out := map[string][]byte{}
	for _, e := range b.Entry {
		var id struct{ ResourceType, ID string }
		_ = json.Unmarshal(e.Resource, &id)
		out[id.ResourceType+"/"+id.ID] = e.Resource
	}
	return out
}

// namesAuthorOrPlace reports whether path is inside a member naming who
// or where (a clinic's name is the same on sensitive and ordinary records,
// and the packet prints it as an item's source).
func namesAuthorOrPlace(path []string) bool {
	for _, p := range path {
		switch p {
		case "serviceProvider", "performer", "author", "custodian", "requester", "participant", "individual", "actor",
			"location", "provider", "organization", "insurer", "recorder", "asserter", "payor", "insurance", "coverage", "facility":
			return true
		}
	}
	return false
}

// words are the texts a resource names itself by: code texts and displays,
// as a reader would find them in a packet (whitespace collapsed), long
// enough to mean something.
func words(raw []byte) []string {
	var out []string
	_ = jsonscan.Walk(raw, func(path []string, v string) {
		if k := path[len(path)-1]; (k == "display" || k == "text") && len(v) >= 8 && !slices.Contains(path, "meta") && !namesAuthorOrPlace(path) {
			out = append(out, strings.Join(strings.Fields(v), " "))
		}
	}, nil)
	return out
}
