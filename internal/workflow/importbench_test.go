package workflow

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/store"
)

// BenchmarkImportLarge imports the largest shared Synthea bundle (3.9 MB,
// 1,111 resources) into a fresh SQLite database each time, as `custodian
// import` does: read one patient at a time, label, store every resource;
// MB/s is of the file.
func BenchmarkImportLarge(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/data/synthea-large/*.json")
	if len(files) == 0 {
		b.Skip("../shared/data/synthea-large not found")
	}
	f, err := os.Open(files[0])
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ctx := context.Background()
	b.SetBytes(st.Size())
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		s, err := store.Open(ctx, filepath.Join(b.TempDir(), "d.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		d := New(s)
		b.StartTimer()
		if _, err := fhir.ReadByPatient(f, st.Size(), false, "", func(c fhir.Chart) error {
			_, _, err := d.Import(ctx, "import", c)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
