package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

// The fault tests: a full disk and a read-only database give a clear
// error, change nothing half way, and the desk works again once the cause
// is gone.

const (
	fullMessage     = "disk is full"
	readOnlyMessage = "The database is read-only; nothing was changed."
)

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, or skips.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (root and mount(8) are needed; the max_page_count case still runs): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillFile writes incompressible bytes to path until the file system is
// full.
func fillFile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	rand.Read(buf)
	for i := 0; i < 1<<14; i++ {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("ballast: %v", err)
			}
			// Whatever fits of a smaller write, so that not even one
			// page is left.
			small := buf[:512]
			for {
				if _, err := f.Write(small); err != nil {
					return
				}
			}
		}
	}
	t.Fatal("the file system never filled")
}

func TestFullDisk(t *testing.T) {
	t.Run("tmpfs", func(t *testing.T) {
		// A real full disk: ENOSPC from the file system, SQLITE_FULL from
		// SQLite.
		dir := mountTmpfs(t, "8m")
		s := mustOpen(t, filepath.Join(dir, "custodian.db"))
		ballast := filepath.Join(dir, "ballast")
		fullDiskSuite(t, s, func() { fillFile(t, ballast) }, func() {
			if err := os.Remove(ballast); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("max_page_count", func(t *testing.T) {
		// SQLite's own limit: the same SQLITE_FULL without a mount. The
		// writer is one connection, so the pragma holds for every write.
		s := mustOpen(t, filepath.Join(t.TempDir(), "custodian.db"))
		ctx := context.Background()
		fullDiskSuite(t, s, func() {
			var pages int64
			// Checkpoint first, so the limit bites on the database file
			// rather than on what waits in the write-ahead log.
			if _, err := s.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				t.Fatal(err)
			}
			if err := s.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
				t.Fatal(err)
			}
			if _, err := s.write.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.FormatInt(pages+3, 10)); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if _, err := s.write.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("postgres-code", func(t *testing.T) {
		// PostgreSQL's disk_full (53100) cannot be provoked on a shared
		// server; its mapping is checked on the error itself.
		err := classify(&pgconn.PgError{Code: "53100", Message: "could not extend file"})
		if roi.CodeOf(err) != roi.CodeInternal || !strings.Contains(roi.PublicMessage(err), fullMessage) {
			t.Errorf("53100: %v %q", roi.CodeOf(err), roi.PublicMessage(err))
		}
		err = classify(&pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"})
		if roi.CodeOf(err) != roi.CodeInternal || roi.PublicMessage(err) != readOnlyMessage {
			t.Errorf("25006: %v %q", roi.CodeOf(err), roi.PublicMessage(err))
		}
	})
}

// fullDiskSuite fills the disk, writes until a write fails, and checks
// the failure and what is stored; then frees the space and writes again.
func fullDiskSuite(t *testing.T, s *Store, fill, free func()) {
	ctx := context.Background()
	pid := mustPatient(t, s)
	doc := make([]byte, 96<<10)
	// write is one desk change of each kind: a new request, then a
	// document attached to it.
	type outcome struct {
		created, attached int
		failed            error
		lastID            roi.RequestID
		lastVersion       int
		lastAttached      bool
	}
	var o outcome
	write := func() error {
		r := &roi.DeskRequest{PatientID: pid, Request: roi.Request{Type: roi.RequestRecords, Received: day,
			Requester: roi.Requester{Kind: roi.KindPatient, Name: "Test Patient"}, Basis: roi.BasisAccess,
			Scope: roi.Coverage{From: roi.NoDate, To: roi.NoDate}},
			Delivery: roi.DeliveryPortal, Status: roi.StatusReceived, Due: day.AddDays(30)}
		if err := s.CreateRequest(ctx, r, roi.Event{Kind: "intake", Actor: "clerk"}); err != nil {
			return err
		}
		o.created++
		o.lastID, o.lastVersion, o.lastAttached = r.ID, r.Version, false
		rand.Read(doc)
		_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
			d := &roi.DocumentRecord{Name: "scan.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
			if err := tx.AddDocument(d, doc); err != nil {
				return err
			}
			return tx.Append(roi.Event{Kind: "document", Actor: "clerk", Body: map[string]any{"document_id": d.ID}})
		})
		if err == nil {
			o.attached++
			o.lastAttached = true
		}
		return err
	}
	for i := 0; i < 3; i++ {
		if err := write(); err != nil {
			t.Fatalf("write before the disk fills: %v", err)
		}
	}
	fill()
	for i := 0; i < 2000 && o.failed == nil; i++ {
		o.failed = write()
	}
	if o.failed == nil {
		t.Fatal("2000 writes on a full disk all succeeded")
	}
	t.Logf("after %d requests and %d documents: %v", o.created, o.attached, o.failed)
	if roi.CodeOf(o.failed) != roi.CodeInternal || !strings.Contains(roi.PublicMessage(o.failed), fullMessage) {
		t.Errorf("full disk: code %s, message %q; want internal, %q", roi.CodeOf(o.failed), roi.PublicMessage(o.failed), fullMessage)
	}
	// Nothing half-written: every request stored is one the caller was
	// told about, with its intake entry; a document is stored exactly
	// when its attach succeeded, with its ledger entry.
	checkWhole := func(when string) {
		t.Helper()
		rs, err := s.Requests(ctx, RequestFilter{})
		if err != nil {
			t.Fatalf("%s: reading: %v", when, err)
		}
		intakes, _ := s.Ledger(ctx, LedgerFilter{Kind: "intake"})
		docEntries, _ := s.Ledger(ctx, LedgerFilter{Kind: "document"})
		docs := 0
		for _, r := range rs {
			ds, err := s.Documents(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			docs += len(ds)
		}
		if len(rs) != o.created || len(intakes) != o.created || docs != o.attached || len(docEntries) != o.attached {
			t.Errorf("%s: %d requests (%d intake entries), %d documents (%d entries); the writer was told %d and %d",
				when, len(rs), len(intakes), docs, len(docEntries), o.created, o.attached)
		}
		last, err := s.Request(ctx, o.lastID)
		if err != nil || last.Version != o.lastVersion+map[bool]int{true: 1, false: 0}[o.lastAttached] {
			t.Errorf("%s: the last request is not as the writer was told: %+v %v", when, last, err)
		}
		if n, err := s.VerifyLedger(ctx); err != nil {
			t.Errorf("%s: ledger: %d entries, %v", when, n, err)
		}
	}
	checkWhole("disk full")
	free()
	if err := write(); err != nil {
		t.Fatalf("after freeing space the desk still fails: %v", err)
	}
	checkWhole("space freed")
	var ok string
	if err := s.write.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity check after the full disk: %q %v", ok, err)
	}
}

// readOnlyWrites are the store's writes, each of which must be refused
// with the read-only message.
func readOnlyWrites(s *Store, pid roi.PatientID, r *roi.DeskRequest) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"CreateRequest": func(ctx context.Context) error {
			n := *r
			n.ID, n.Number = 0, ""
			return s.CreateRequest(ctx, &n, roi.Event{Kind: "intake", Actor: "clerk"})
		},
		"UpdateRequest": func(ctx context.Context) error {
			_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(x *roi.DeskRequest, tx *Tx) error {
				x.Assignee = "someone"
				return tx.Append(roi.Event{Kind: "assign", Actor: "clerk"})
			})
			return err
		},
		"Append": func(ctx context.Context) error {
			return s.Append(ctx, roi.Event{Kind: "view", Actor: "clerk", RequestID: r.ID})
		},
		"ImportChart": func(ctx context.Context) error {
			_, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p-2", MRN: "MRN2", Name: "Other Patient", BirthDate: roi.MakeDate(1990, 1, 2), DeathDate: roi.NoDate},
				[]roi.ChartItem{{Key: "Encounter/e9", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"}}, nil, "test")
			return err
		},
		"OverrideLabel": func(ctx context.Context) error {
			_, err := s.OverrideLabel(ctx, pid, "Encounter/e1", roi.LabelHIV, true, "test", "clerk")
			return err
		},
		"ClaimDelivery": func(ctx context.Context) error {
			_, err := s.ClaimDelivery(ctx, "worker", time.Minute)
			return err
		},
		"SaveIdempotent": func(ctx context.Context) error {
			return s.SaveIdempotent(ctx, "key-1", IdempotentResponse{Fingerprint: "f", Status: 201, Body: []byte(`{}`)}, time.Hour)
		},
		"AddLink": func(ctx context.Context) error {
			return s.AddLink(ctx, r.ID, &roi.PortalLink{Packet: 1, ExpiresAt: time.Now().Add(time.Hour)}, "hash")
		},
	}
}

// checkReadOnly runs every write against ro and expects the read-only
// refusal; reads must still work and show what was there.
func checkReadOnly(t *testing.T, ro *Store, pid roi.PatientID, r *roi.DeskRequest, entries int64) {
	ctx := context.Background()
	for name, write := range readOnlyWrites(ro, pid, r) {
		err := write(ctx)
		if roi.CodeOf(err) != roi.CodeInternal || roi.PublicMessage(err) != readOnlyMessage {
			t.Errorf("%s on a read-only database: code %s, message %q (%v); want %q", name, roi.CodeOf(err), roi.PublicMessage(err), err, readOnlyMessage)
		}
	}
	got, err := ro.Request(ctx, r.ID)
	if err != nil || got.Version != r.Version || got.Assignee != r.Assignee {
		t.Errorf("reading the request: %+v %v", got, err)
	}
	if rs, err := ro.Requests(ctx, RequestFilter{}); err != nil || len(rs) != 1 {
		t.Errorf("reading the queue: %d %v", len(rs), err)
	}
	if items, err := ro.ChartItems(ctx, pid); err != nil || len(items) != 2 {
		t.Errorf("reading the chart: %d %v", len(items), err)
	}
	if n, err := ro.VerifyLedger(ctx); err != nil || n != entries {
		t.Errorf("verifying the ledger: %d entries (want %d), %v", n, entries, err)
	}
}

func TestReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "custodian.db")
		s := mustOpen(t, path)
		pid := mustPatient(t, s)
		r := mustRequest(t, s, pid, nil)
		n, err := s.VerifyLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		// Opened read-only (mode=ro): the tests run as root, for whom
		// file permissions change nothing. The pragmas are Open's.
		base := "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
		w, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		rd, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			t.Fatal(err)
		}
		ro := &Store{dialect: SQLite, write: w, read: rd, Now: time.Now}
		defer ro.Close()
		checkReadOnly(t, ro, pid, r, n)
		// Nothing changed underneath.
		s2 := mustOpen(t, path)
		if n2, err := s2.VerifyLedger(ctx); err != nil || n2 != n {
			t.Errorf("after the refused writes: %d entries, %v", n2, err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := testdsn.Postgres(t)
		s := mustOpen(t, url)
		pid := mustPatient(t, s)
		r := mustRequest(t, s, pid, nil)
		n, err := s.VerifyLedger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Every transaction of this connection pool is read-only, as on a
		// hot standby or after an administrator set it for the database.
		ro, err := Open(ctx, url+"&default_transaction_read_only=on")
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		checkReadOnly(t, ro, pid, r, n)
		if n2, err := s.VerifyLedger(ctx); err != nil || n2 != n {
			t.Errorf("after the refused writes: %d entries, %v", n2, err)
		}
	})
}
