package demo

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/workflow"
)

var update = flag.Bool("update", false, "rewrite testdata/labels.golden (then read the diff line by line before committing)")

// TestPinnedLabels pins the labels of every item of every bundled Synthea
// patient, as a privacy officer checked them by hand (docs/CHARTS.md,
// "The bundled patients"): a change to a value set, a term list or a rule
// that moves one label shows here, item by item, and must be read and
// agreed to before the golden file is rewritten with -update.
func TestPinnedLabels(t *testing.T) {
	cfg, err := label.DecodeConfig(Labels)
	if err != nil {
		t.Fatal(err)
	}
	l, err := label.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(Bundles, "bundles/*.json")
	var b strings.Builder
	for _, name := range names {
		data, _ := Bundles.ReadFile(name)
		charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			out := l.Chart(workflow.LabelInputs(c))
			labeled := 0
			for _, o := range out {
				if o.Labels != 0 {
					labeled++
				}
			}
			fmt.Fprintf(&b, "# %s: %d items, %d labeled\n", strings.Split(filepath.Base(name), "_")[0], len(c.Items), labeled)
			for i, it := range c.Items {
				if out[i].Labels == 0 {
					continue
				}
				fmt.Fprintf(&b, "%s\t%s\t%s\n", it.Key, strings.Join(out[i].Labels.Strings(), ","), it.Title)
			}
		}
	}
	golden := filepath.Join("testdata", "labels.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("labels differ from the pinned ones at line %d:\n got  %s\n want %s\n(read every change; -update rewrites the file)", i+1, g, w)
			}
		}
	}
}
