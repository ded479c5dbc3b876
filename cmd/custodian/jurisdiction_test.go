package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

func schedule(t *testing.T, state string) *fee.Schedule {
	t.Helper()
	s, ok := fee.ScheduleFor(state)
	if !ok {
		t.Fatalf("no %s fee schedule", state)
	}
	return s
}

// TestUseJurisdiction: a code picks a built-in pack and its fee schedule;
// an organization's own fee choice stands; a file in the conformance
// vocabulary still loads, without citations; a site's own pack loads with
// them; an unknown code says which packs there are.
func TestUseJurisdiction(t *testing.T) {
	desk := workflow.New(nil)
	if err := useJurisdiction(desk, "ny"); err != nil {
		t.Fatal(err)
	}
	if desk.JurisdictionPack == nil || desk.JurisdictionPack.State != "NY" || !desk.Jurisdiction.SpecificAuthorization.Has(roi.LabelHIV) ||
		desk.Jurisdiction.AccessDeadline.Days != 10 {
		t.Errorf("--jurisdiction ny: pack %v, rules %+v", desk.JurisdictionPack, desk.Jurisdiction)
	}
	if desk.Fees.Schedule != schedule(t, "NY") {
		t.Errorf("the NY pack did not bring the NY fee schedule: %v", desk.Fees.Schedule)
	}

	// The configuration: fees.state is the organization's choice and
	// stands; without it the pack's state schedule applies, and a flag
	// naming another pack moves it along.
	own := workflow.New(nil)
	if err := configure(own, writeConfig(t, `{"organization":{"name":"X"},"fees":{"state":"TX"},"jurisdiction":"NY"}`), configEnv); err != nil {
		t.Fatal(err)
	}
	if own.JurisdictionPack == nil || own.JurisdictionPack.State != "NY" || own.Fees.Schedule != schedule(t, "TX") {
		t.Errorf("fees.state TX with jurisdiction NY: pack %v, schedule %v", own.JurisdictionPack, own.Fees.Schedule)
	}
	follow := workflow.New(nil)
	if err := configure(follow, writeConfig(t, `{"organization":{"name":"X"},"jurisdiction":"CA"}`), configEnv); err != nil {
		t.Fatal(err)
	}
	if follow.Fees.Schedule != schedule(t, "CA") {
		t.Errorf("jurisdiction CA alone: schedule %v, want CA's", follow.Fees.Schedule)
	}
	if err := useJurisdiction(follow, "WA"); err != nil || follow.JurisdictionPack.State != "WA" || follow.Fees.Schedule != schedule(t, "WA") {
		t.Errorf("flag WA over configuration CA: %v, pack %v, schedule %v", err, follow.JurisdictionPack, follow.Fees.Schedule)
	}

	// A hand-written file in the conformance vocabulary, as before packs.
	dir := t.TempDir()
	plain := filepath.Join(dir, "state.json")
	os.WriteFile(plain, []byte(`{"state":"ZZ","specific_authorization":["hiv"],"access_deadline":{"days":7}}`), 0o600)
	old := workflow.New(nil)
	if err := useJurisdiction(old, plain); err != nil {
		t.Fatal(err)
	}
	if old.JurisdictionPack != nil || old.Jurisdiction.State != "ZZ" || !old.Jurisdiction.SpecificAuthorization.Has(roi.LabelHIV) ||
		old.Jurisdiction.AccessDeadline.Days != 7 || old.Fees.Schedule != nil {
		t.Errorf("conformance-vocabulary file: pack %v, rules %+v, schedule %v", old.JurisdictionPack, old.Jurisdiction, old.Fees.Schedule)
	}
	// A site's own pack: the NY pack with genetic records moved to unclear.
	ny, err := os.ReadFile("../../internal/jurisdiction/packs/NY.json")
	if err != nil {
		t.Fatal(err)
	}
	site := strings.Replace(string(ny), `"name": "New York"`, `"name": "New York (Riverbend counsel's reading)"`, 1)
	sitePath := filepath.Join(dir, "ny-site.json")
	os.WriteFile(sitePath, []byte(site), 0o600)
	mine := workflow.New(nil)
	if err := useJurisdiction(mine, sitePath); err != nil {
		t.Fatal(err)
	}
	if mine.JurisdictionPack == nil || !strings.Contains(mine.JurisdictionPack.Name, "Riverbend") || mine.Fees.Schedule != schedule(t, "NY") {
		t.Errorf("site pack: %v, schedule %v", mine.JurisdictionPack, mine.Fees.Schedule)
	}
	// A broken site pack is refused with the member named.
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(strings.Replace(site, `"parent_access": "silent"`, `"parent_access": "sometimes"`, 1)), 0o600)
	if err := useJurisdiction(workflow.New(nil), broken); err == nil || !strings.Contains(err.Error(), "parent_access") {
		t.Errorf("broken site pack: %v", err)
	}
	if err := useJurisdiction(workflow.New(nil), "ZZ"); err == nil || !strings.Contains(err.Error(), "NY") {
		t.Errorf("unknown code: %v, want the list of packs", err)
	}
	if err := configure(workflow.New(nil), writeConfig(t, `{"organization":{"name":"X"},"jurisdiction":"ZZ"}`), configEnv); err == nil ||
		!strings.Contains(err.Error(), "jurisdiction") {
		t.Errorf("configuration naming no pack: %v", err)
	}
}

// TestServeJurisdictionNY: `serve --jurisdiction NY` applies the New York
// pack and says so at start-up; a code naming no pack stops serve before
// it listens; the demo, whose samples are decided under federal law, is
// not combined with a pack.
func TestServeJurisdictionNY(t *testing.T) {
	good := writeConfig(t, validConfig(t))
	var zout, zerr syncBuffer
	code := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", good, "--jurisdiction", "ZZ"},
		nil, &zout, &zerr, configEnv)
	out, errs := zout.String(), zerr.String()
	if code != 2 || !strings.Contains(errs, "--jurisdiction ZZ") || !strings.Contains(errs, "CA, FL") || strings.Contains(out, "listening") {
		t.Errorf("--jurisdiction ZZ: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCmd(t, "", "serve", "--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--jurisdiction", "NY")
	if code != 2 || !strings.Contains(errs, "federal law only") || strings.Contains(out, "Listening") {
		t.Errorf("--demo --jurisdiction NY: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var outb, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", good, "--jurisdiction", "NY"}, nil, &outb, &errb, configEnv)
	}()
	started := false
	for i := 0; i < 200 && !started; i++ {
		select {
		case code := <-done:
			t.Fatalf("serve --jurisdiction NY exited %d: %s %s", code, outb.String(), errb.String())
		case <-time.After(25 * time.Millisecond):
		}
		started = strings.Contains(outb.String(), "State law:")
	}
	cancel()
	if !started {
		t.Fatalf("serve --jurisdiction NY did not start:\n%s\n%s", outb.String(), errb.String())
	}
	if !strings.Contains(outb.String(), "State law: the New York jurisdiction pack (NY, checked 2026-12-06") {
		t.Errorf("start-up does not name the New York pack:\n%s", outb.String())
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
