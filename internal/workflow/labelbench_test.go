package workflow

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
)

// BenchmarkLabelResources labels real charts with every rule (value sets,
// C2S, text rules over displays, notes and decoded attachments, references)
// and reports resources labeled per second: the Synthea patients of
// ../shared/data plus the labeled corpus, every resource read whole.
func BenchmarkLabelResources(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/data/synthea/*.json")
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "p*.json"))
	files = append(files, corpus...)
	var charts [][]label.Item
	resources := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		cs, err := fhir.ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cs {
			ins := LabelInputs(c)
			for _, in := range ins {
				resources += len(in.Raw)
			}
			charts = append(charts, ins)
		}
	}
	l, err := label.New(label.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range charts {
			l.Chart(c)
		}
	}
	b.ReportMetric(float64(resources*b.N)/b.Elapsed().Seconds(), "resources/s")
	b.ReportMetric(0, "ns/op")
}
