package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// releasedPacket builds a database in a temp dir the way an installation
// does (custodian import of a Synthea bundle), takes a patient's access
// request through to a portal release with the workflow, and writes the
// encrypted packet as it left to a file. It returns the data dir, the
// file, the packet record, the request number and the patient's name.
func releasedPacket(t *testing.T) (dir, file string, p *roi.PacketRecord, number, name string) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	if len(bundle) != 1 {
		t.Fatalf("demo bundle: %v", bundle)
	}
	if code, out, errs := runCmd(t, "", append([]string{"import", "--data", dir}, bundle...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	s, err := store.Open(ctx, filepath.Join(dir, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pts, err := s.Patients(ctx)
	if err != nil || len(pts) != 1 {
		t.Fatalf("patients %v %v", pts, err)
	}
	name = pts[0].Name
	if len(name) < 5 {
		t.Fatalf("patient name %q is too short to look for", name)
	}
	desk := workflow.New(s)
	desk.SetClock(func() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) })
	r, err := desk.Intake(ctx, "clerk", workflow.Intake{PatientID: pts[0].ID, Request: roi.Request{Received: roi.MakeDate(2026, 3, 2),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: name}, Basis: roi.BasisAccess}, Contact: "555-0199", Delivery: roi.DeliveryPortal})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, err = desk.AttachEvidence(ctx, "clerk", r.ID, r.Version, []byte(`{"type":"identity","verified":true,"method":"photo ID"}`)); err != nil {
		t.Fatal(err)
	}
	r, ev, err := desk.Evaluate(ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	action := workflow.ActApprove
	switch ev.Decision.Outcome {
	case roi.OutcomeRelease:
	case roi.OutcomePartial:
		action = workflow.ActPartial
	default:
		t.Fatalf("outcome %s: want release or partial", ev.Decision.Outcome)
	}
	if r, _, err = desk.Decide(ctx, "specialist", r.ID, r.Version, workflow.Decide{Action: action}); err != nil {
		t.Fatal(err)
	}
	r, _, iss, err := desk.Release(ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	p, content, err := s.PacketContent(ctx, iss.Packet.ID)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "packet.pdf")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, file, p, r.Number, name
}

func TestVerifyPacket(t *testing.T) {
	dir, file, p, number, name := releasedPacket(t)
	noPHI := func(t *testing.T, out, errs string) {
		t.Helper()
		for _, s := range append([]string{name}, strings.Fields(name)...) {
			if len(s) > 3 && (strings.Contains(out, s) || strings.Contains(errs, s)) {
				t.Errorf("the output names the patient (%q):\n%s\n%s", s, out, errs)
			}
		}
	}

	t.Run("the packet as sent", func(t *testing.T) {
		code, out, errs := runCmd(t, "", "verify-packet", "--data", dir, file)
		if code != 0 {
			t.Fatalf("exit %d: %s %s", code, out, errs)
		}
		for _, want := range []string{p.PacketID, number, p.SHA256, "verifies", "Every item matches"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if errs != "" {
			t.Errorf("stderr %q", errs)
		}
		noPHI(t, out, errs)
	})

	t.Run("a directory holding no database", func(t *testing.T) {
		empty := t.TempDir()
		code, out, errs := runCmd(t, "", "verify-packet", "--data", empty, file)
		if code != 1 || !strings.Contains(errs, "no Custodian database") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("verify-packet created %d files in the wrong directory", len(entries))
		}
	})

	t.Run("json", func(t *testing.T) {
		// The data directory may come from the environment too.
		var out, errb bytes.Buffer
		env := func(k string) string {
			if k == "CUSTODIAN_DATA" {
				return dir
			}
			return ""
		}
		code := run(context.Background(), []string{"verify-packet", "--json", file}, nil, &out, &errb, env)
		if code != 0 {
			t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
		}
		var check workflow.PacketCheck
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&check); err != nil {
			t.Fatalf("not one JSON object: %v", err)
		}
		if !check.LedgerOK || check.PacketID != p.PacketID || check.RequestNumber != number || check.SHA256 != p.SHA256 ||
			check.LedgerSeq <= 0 || check.LedgerHash == "" || check.Items == 0 || len(check.ChangedItems) != 0 || check.Pages != p.Pages {
			t.Errorf("check %+v", check)
		}
		noPHI(t, out.String(), errb.String())
	})

	t.Run("one byte flipped", func(t *testing.T) {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		content[len(content)/2] ^= 0x01
		altered := filepath.Join(t.TempDir(), "altered.pdf")
		os.WriteFile(altered, content, 0o600)
		code, out, errs := runCmd(t, "", "verify-packet", "--data", dir, altered)
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if out != "" || strings.Contains(errs, "verifies") {
			t.Errorf("an altered packet printed a result: %q", out)
		}
		if !strings.Contains(errs, "altered.pdf") || !strings.Contains(errs, "matches no packet") {
			t.Errorf("stderr %q: want the file and a clear reason", errs)
		}
		noPHI(t, out, errs)
	})

	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.pdf")
		code, out, errs := runCmd(t, "", "verify-packet", "--data", dir, missing)
		if code != 2 || out != "" || !strings.Contains(errs, "nope.pdf") || !strings.Contains(errs, "no such file") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{"verify-packet"}, {"verify-packet", "--data", dir}, {"verify-packet", file, file}, {"verify-packet", "--colour", file}} {
			code, out, errs := runCmd(t, "", args...)
			if code != 2 || out != "" || !strings.Contains(strings.ToLower(errs), "usage") {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
			}
		}
	})

	// Last, as it breaks the database: the packet is still recorded, but
	// a ledger whose chain no longer verifies fails the check, loudly.
	t.Run("broken ledger", func(t *testing.T) {
		db, err := sql.Open("sqlite", filepath.Join(dir, "custodian.db"))
		if err != nil {
			t.Fatal(err)
		}
		db.Exec(`DROP TRIGGER ledger_no_update`)
		if _, err := db.Exec(`UPDATE ledger SET actor = 'mallory' WHERE seq = 1`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		code, out, errs := runCmd(t, "", "verify-packet", "--data", dir, file)
		if code != 1 || !strings.Contains(out, p.PacketID) || !strings.Contains(out, "BROKEN") || strings.Contains(out, "verifies") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		noPHI(t, out, errs)
	})
}
