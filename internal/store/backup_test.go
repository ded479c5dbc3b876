package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// writeCase is one request with a document and a packet, all in the
// store.
func writeCase(ctx context.Context, s *Store, pid roi.PatientID, i int) (roi.RequestID, error) {
	r := &roi.DeskRequest{PatientID: pid, Request: roi.Request{Type: roi.RequestRecords, Received: day,
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "Test Patient"}, Basis: roi.BasisAccess,
		Scope: roi.Coverage{From: roi.NoDate, To: roi.NoDate}},
		Delivery: roi.DeliveryPortal, Status: roi.StatusReceived, Due: day.AddDays(30)}
	if err := s.CreateRequest(ctx, r, roi.Event{Kind: "intake", Actor: "clerk"}); err != nil {
		return 0, err
	}
	doc := make([]byte, 2048+i)
	rand.Read(doc)
	pkt := make([]byte, 4096)
	rand.Read(pkt)
	_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
		d := &roi.DocumentRecord{Name: "scan.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
		if err := tx.AddDocument(d, doc); err != nil {
			return err
		}
		p := &roi.PacketRecord{PacketID: "PKT-" + r.Number, SHA256: r.Number, PlainSHA256: r.Number, Pages: 1, Manifest: []byte(`{}`), CreatedBy: "clerk"}
		if err := tx.AddPacket(p, pkt); err != nil {
			return err
		}
		return tx.Append(roi.Event{Kind: "document", Actor: "clerk", Body: map[string]any{"document_id": d.ID, "packet": p.ID}})
	})
	return r.ID, err
}

// TestBackupWhileWriting backs up while writers commit, restores into a
// fresh directory, and compares: the copy is one consistent moment of
// the original, with every request, document and packet byte for byte.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "custodian.db")
	s := mustOpen(t, path)
	pid := mustPatient(t, s)
	for i := 0; i < 20; i++ {
		if _, err := writeCase(ctx, s, pid, i); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := s.Requests(ctx, RequestFilter{})

	var wg sync.WaitGroup
	var written atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for w := 0; w < 3; w++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := writeCase(ctx, s, pid, i); err != nil {
					errs <- err
					return
				}
				written.Add(1)
			}
		})
	}
	// The copy starts while the writers are in full flow.
	for written.Load() < 15 {
		time.Sleep(time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	info, err := Backup(ctx, path, out)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	after, _ := s.Requests(ctx, RequestFilter{})
	t.Logf("backup: %d bytes, %d ledger entries; %d requests before, %d after the writers stopped", info.Size, info.Entries, len(before), len(after))
	if sum, err := os.ReadFile(out + ".sha256"); err != nil || !strings.HasPrefix(string(sum), info.SHA256+"  backup.db") {
		t.Errorf("checksum file: %q %v", sum, err)
	}
	if _, err := Backup(ctx, path, out); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a second backup onto the same file: %v", err)
	}

	restored := filepath.Join(t.TempDir(), "data", "custodian.db")
	if _, err := Restore(ctx, out, restored, RestoreOptions{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	r := mustOpen(t, restored)
	n, err := r.VerifyLedger(ctx)
	if err != nil || n != info.Entries {
		t.Fatalf("restored ledger: %d entries (backup said %d), %v", n, info.Entries, err)
	}
	// The restored ledger is a prefix of the original's: the same
	// entries, hash for hash, up to the moment of the copy.
	orig, _ := s.Ledger(ctx, LedgerFilter{})
	copied, _ := r.Ledger(ctx, LedgerFilter{})
	for i, e := range copied {
		if e.Hash != orig[i].Hash {
			t.Fatalf("ledger entry %d differs", e.Seq)
		}
	}
	rs, _ := r.Requests(ctx, RequestFilter{})
	if len(rs) < len(before) || len(rs) > len(after) {
		t.Errorf("restored %d requests; %d existed before the backup and %d after", len(rs), len(before), len(after))
	}
	for _, rr := range rs {
		o, err := s.Request(ctx, rr.ID)
		docs, _ := r.Documents(ctx, rr.ID)
		pkts, _ := r.Packets(ctx, rr.ID)
		switch {
		case err != nil || o.Number != rr.Number || !o.CreatedAt.Equal(rr.CreatedAt):
			t.Errorf("request %s differs: %+v %+v %v", rr.Number, o, rr, err)
		case o.Version == rr.Version && !o.UpdatedAt.Equal(rr.UpdatedAt):
			t.Errorf("request %s differs at the same version: %+v %+v", rr.Number, o, rr)
		case o.Version != rr.Version && (rr.Version != 1 || len(docs) != 0):
			// Copied between its intake and its document: version 1 and
			// nothing attached, or not copied at all.
			t.Errorf("request %s copied half-updated: version %d with %d documents (now version %d)", rr.Number, rr.Version, len(docs), o.Version)
		}
		// A request is copied with its document and packet or, if the
		// copy began between its two transactions, without both.
		if len(docs) != len(pkts) || len(docs) > 1 {
			t.Errorf("request %s restored with %d documents and %d packets", rr.Number, len(docs), len(pkts))
		}
		for _, d := range docs {
			_, want, err1 := s.DocumentContent(ctx, rr.ID, d.ID)
			_, got, err2 := r.DocumentContent(ctx, rr.ID, d.ID)
			if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Errorf("document %d of %s differs: %v %v", d.ID, rr.Number, err1, err2)
			}
		}
		for _, p := range pkts {
			_, want, err1 := s.PacketContent(ctx, p.ID)
			_, got, err2 := r.PacketContent(ctx, p.ID)
			if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Errorf("packet %d of %s differs: %v %v", p.ID, rr.Number, err1, err2)
			}
		}
	}
}

// TestRestoreRefuses: an existing database is not replaced without
// Force, and a damaged backup is never put in place.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "custodian.db")
	s := mustOpen(t, src)
	pid := mustPatient(t, s)
	for i := 0; i < 5; i++ {
		if _, err := writeCase(ctx, s, pid, i); err != nil {
			t.Fatal(err)
		}
	}
	bdir := t.TempDir()
	good := filepath.Join(bdir, "good.db")
	if _, err := Backup(ctx, src, good); err != nil {
		t.Fatal(err)
	}
	content, _ := os.ReadFile(good)

	// The target already holds a database.
	target := filepath.Join(t.TempDir(), "custodian.db")
	other := mustOpen(t, target)
	mustPatient(t, other)
	other.Close()
	targetBytes, _ := os.ReadFile(target)
	if _, err := Restore(ctx, good, target, RestoreOptions{}); roi.CodeOf(err) != roi.CodeConflict || !strings.Contains(roi.PublicMessage(err), "--force") {
		t.Errorf("restore over an existing database: %v", err)
	}

	write := func(name string, b []byte, withSum bool) string {
		p := filepath.Join(bdir, name)
		os.WriteFile(p, b, 0o600)
		if withSum {
			sum, _ := os.ReadFile(good + ".sha256")
			os.WriteFile(p+".sha256", sum, 0o600)
		}
		return p
	}
	flipped := bytes.Clone(content)
	flipped[len(flipped)/2] ^= 0xff
	notCustodian := filepath.Join(bdir, "other.db")
	db, _ := sql.Open("sqlite", notCustodian)
	db.Exec(`CREATE TABLE notes (body TEXT)`)
	db.Close()
	tampered := write("tampered.db", content, false)
	db, _ = sql.Open("sqlite", tampered)
	db.Exec(`DROP TRIGGER ledger_no_update`)
	if _, err := db.Exec(`UPDATE ledger SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cases := []struct {
		name, file, want string
	}{
		{"not a database", write("junk.db", bytes.Repeat([]byte("junk"), 4096), false), "not a SQLite database file"},
		{"a byte flipped (checksum)", write("flipped.db", flipped, true), "its SHA-256 is not the one"},
		{"truncated", write("truncated.db", content[:len(content)/3], false), "The backup is damaged"},
		{"not Custodian's", notCustodian, "not a Custodian database"},
		{"ledger tampered with", tampered, "its ledger is broken at entry 2"},
		{"missing", filepath.Join(bdir, "nothing.db"), "Cannot read the backup"},
	}
	for _, c := range cases {
		for _, force := range []bool{false, true} {
			fresh := filepath.Join(t.TempDir(), "custodian.db")
			dest := map[bool]string{false: fresh, true: target}[force]
			_, err := Restore(ctx, c.file, dest, RestoreOptions{Force: force})
			if err == nil || !strings.Contains(roi.PublicMessage(err), c.want) {
				t.Errorf("%s (force %v): %v; want a message with %q", c.name, force, err, c.want)
			}
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(target), "custodian.db")); err != nil {
			t.Fatal(err)
		}
		if now, _ := os.ReadFile(target); !bytes.Equal(now, targetBytes) {
			t.Fatalf("%s: the existing database changed", c.name)
		}
	}
	// Nothing left behind beside the target.
	entries, _ := os.ReadDir(filepath.Dir(target))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// With Force, a good backup replaces the database whole.
	info, err := Restore(ctx, good, target, RestoreOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, target)
	if n, err := r.VerifyLedger(ctx); err != nil || n != info.Entries {
		t.Errorf("restored with force: %d %v", n, err)
	}
	if rs, _ := r.Requests(ctx, RequestFilter{}); len(rs) != 5 {
		t.Errorf("restored with force: %d requests, want 5", len(rs))
	}
	// PostgreSQL is pg_dump's job.
	if _, err := Backup(ctx, "postgres://localhost/x", good+"2"); err != ErrPostgresBackup {
		t.Errorf("postgres backup: %v", err)
	}
}
