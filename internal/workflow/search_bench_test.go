package workflow

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/store"
)

// BenchmarkSearchSeededDesk times Desk.Search, one caller at a time, on a
// desk seeded by `custodian-load --seed-desk --seed-only --db FILE`:
// CUSTODIAN_BENCH_DESK=FILE go test -run '^$' -bench SearchSeededDesk ./internal/workflow
// Each term is a seeded patient's full name, one word of it, or a request
// number, as a clerk types them; p50 and p99 are reported beside ns/op.
// It adds search views to the desk's ledger, as the product does.
func BenchmarkSearchSeededDesk(b *testing.B) {
	path := os.Getenv("CUSTODIAN_BENCH_DESK")
	if path == "" {
		b.Skip("set CUSTODIAN_BENCH_DESK to a SQLite file or postgres:// URL seeded by custodian-load --seed-desk")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d := New(s)
	defer d.Shutdown(ctx)
	ps, err := s.Patients(ctx)
	if err != nil || len(ps) == 0 {
		b.Fatalf("no patients in %s: %v", path, err)
	}
	rs, err := s.Requests(ctx, store.RequestFilter{Limit: 200})
	if err != nil || len(rs) == 0 {
		b.Fatalf("no requests: %v", err)
	}
	var names, words, numbers []string
	for i := 0; i < len(ps) && len(names) < 500; i += len(ps)/500 + 1 {
		names = append(names, ps[i].Name)
		if w := store.SearchWords(ps[i].Name); len(w) > 0 {
			words = append(words, w[len(w)-1])
		}
	}
	for _, r := range rs {
		numbers = append(numbers, r.Number)
	}
	// The first search indexes what a bulk seed wrote around the store;
	// that is not what a search costs.
	if _, err := d.Search(ctx, "bench", names[0]); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		terms []string
	}{{"full-name", names}, {"last-name", words}, {"number", numbers}} {
		b.Run(c.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			rows := 0
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				out, err := d.Search(ctx, "bench", c.terms[i%len(c.terms)])
				took = append(took, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				rows += len(out)
			}
			slices.Sort(took)
			at := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / 1e6 }
			b.ReportMetric(at(0.5), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(float64(rows)/float64(len(took)), "rows/op")
		})
	}
}
