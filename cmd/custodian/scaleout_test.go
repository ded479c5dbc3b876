package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// scaleoutBinary builds this command into a temporary directory, with
// the go of `go env GOROOT`.
func scaleoutBinary(t *testing.T) string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "custodian")
	out, err := exec.Command(filepath.Join(strings.TrimSpace(string(root)), "bin", "go"), "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// scaleoutDB is a fresh database on the test PostgreSQL server, dropped
// afterwards: the instances migrate and share a whole database, as in
// production. Skipped without CUSTODIAN_TEST_POSTGRES_URL, failed under
// CI=true.
func scaleoutDB(t *testing.T) string {
	t.Helper()
	return testdsn.PostgresDatabase(t)
}

// scaleInstance is one custodian serve process.
type scaleInstance struct {
	cmd    *exec.Cmd
	base   string
	worker string // its delivery worker's lease owner
	out    *syncBuffer
	done   chan struct{}
}

func startScaleInstance(t *testing.T, bin string, args []string, env []string) *scaleInstance {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	inst := &scaleInstance{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = inst.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	inst.worker = fmt.Sprintf("%s-%d", host, cmd.Process.Pid)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`listening on (http://\S+)`)
		for sc.Scan() {
			inst.out.Write(append(sc.Bytes(), '\n'))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(inst.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-inst.done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	select {
	case inst.base = <-ready:
	case <-inst.done:
		t.Fatalf("instance exited:\n%s", inst.out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("instance did not start:\n%s", inst.out.String())
	}
	return inst
}

// scaleClient calls the JSON API with a session token.
type scaleClient struct {
	t     *testing.T
	token string
}

func (c *scaleClient) call(base, method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func scaleSignIn(t *testing.T, base, username, password, secret string) *scaleClient {
	t.Helper()
	c := &scaleClient{t: t}
	_, v := c.call(base, "POST", "/api/v1/session", map[string]string{"username": username, "password": password})
	pending, _ := v["pending"].(string)
	code, err := auth.TOTPCode(secret, time.Now())
	if pending == "" || err != nil {
		t.Fatalf("sign-in of %s: %v %v", username, v, err)
	}
	_, v = c.call(base, "POST", "/api/v1/session/code", map[string]string{"pending": pending, "code": code})
	if c.token, _ = v["token"].(string); c.token == "" {
		t.Fatalf("no session for %s: %v", username, v)
	}
	return c
}

// scaleVersion returns the request's id and version from an API answer.
func scaleVersion(v map[string]any) (int64, int) {
	r, _ := v["request"].(map[string]any)
	id, _ := r["id"].(float64)
	ver, _ := r["version"].(float64)
	return int64(id), int(ver)
}

// scaleRelease takes a new patient's access request from intake to release
// over the API, each step on the instance next in turn, and returns the
// released packet's ID.
func scaleRelease(t *testing.T, spec, qa *scaleClient, bases []string, n int, patient string) string {
	at := func(step int) string { return bases[(n+step)%len(bases)] }
	st, v := spec.call(at(0), "POST", "/api/v1/requests", map[string]any{"patient": patient, "type": "records",
		"received": time.Now().UTC().Format("2006-01-02"), "requester": map[string]string{"kind": "patient", "name": "Scale Out"},
		"basis": "access", "contact": "vendor", "delivery": "sftp"})
	id, ver := scaleVersion(v)
	if st != http.StatusCreated {
		t.Errorf("intake: %d %v", st, v)
		return ""
	}
	path := fmt.Sprintf("/api/v1/requests/%d", id)
	steps := []struct {
		c      *scaleClient
		suffix string
		body   map[string]any
	}{
		{spec, "/evidence", map[string]any{"evidence": json.RawMessage(`{"type":"identity","verified":true,"method":"photo ID"}`)}},
		{spec, "/evaluate", map[string]any{}},
	}
	for i, s := range steps {
		s.body["version"] = ver
		st, v = s.c.call(at(i+1), "POST", path+s.suffix, s.body)
		if st != http.StatusOK {
			t.Errorf("%s: %d %v", s.suffix, st, v)
			return ""
		}
		_, ver = scaleVersion(v)
	}
	for _, action := range []string{"approve", "partial"} {
		if st, v = spec.call(at(3), "POST", path+"/decide", map[string]any{"version": ver, "action": action}); st == http.StatusOK {
			break
		}
	}
	if st != http.StatusOK {
		t.Errorf("decide: %d %v", st, v)
		return ""
	}
	_, ver = scaleVersion(v)
	st, v = spec.call(at(4), "POST", path+"/release", map[string]any{"version": ver})
	if st == http.StatusConflict { // the decision needs a second person first
		if st, v = qa.call(at(5), "POST", path+"/review", map[string]any{"version": ver, "approve": true}); st != http.StatusOK {
			t.Errorf("review: %d %v", st, v)
			return ""
		}
		_, ver = scaleVersion(v)
		st, v = spec.call(at(6), "POST", path+"/release", map[string]any{"version": ver})
	}
	if st != http.StatusOK {
		t.Errorf("release: %d %v", st, v)
		return ""
	}
	p, _ := v["packet"].(map[string]any)
	pid, _ := p["packet_id"].(string)
	if pid == "" {
		t.Errorf("release without a packet id: %v", v)
	}
	return pid
}

// TestScaleOut runs three custodian serve processes on one PostgreSQL
// database with an SFTP destination. Releases made through the API on all
// three fill the shared delivery queue, which the three workers drain;
// one instance is killed (SIGKILL) half-way. Every packet arrives exactly
// once (one file per packet, none found already present, one "delivery"
// ledger entry per job), a job the dead instance held is taken over after
// its lease (with the clock moved past it, not five real minutes), and
// the three reminder loops, racing at start, remind each request due soon
// exactly once.
func TestScaleOut(t *testing.T) {
	dsn := scaleoutDB(t)
	ctx := context.Background()
	releases, remindable := 30, 12
	if testing.Short() {
		releases, remindable = 9, 4
	}

	// The database before any instance starts: schema, one patient, two
	// staff accounts, and requests due within the reminder window.
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	desk := workflow.New(s)
	bundle, _ := filepath.Glob("../../internal/demo/bundles/Clemente_*.json")
	data, err := os.ReadFile(bundle[0])
	if err != nil {
		t.Fatal(err)
	}
	charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	pid, _, err := desk.Import(ctx, "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	patient, _ := s.Patient(ctx, pid)
	svc := &auth.Service{Store: s}
	secrets := map[string]string{}
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"scale.specialist", auth.RoleSpecialist}, {"scale.qa", auth.RoleQAReviewer}} {
		acct, _, err := svc.AddUser(ctx, u.name, u.name, u.role, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		secrets[u.name] = acct.TOTPSecret
	}
	var dueIDs []roi.RequestID
	for i := range remindable {
		r, err := desk.Intake(ctx, "clerk", workflow.Intake{PatientID: pid, Request: roi.Request{Received: desk.Today().AddDays(-25 - i%10),
			Requester: roi.Requester{Kind: roi.KindPatient, Name: "Due Soon"}, Basis: roi.BasisAccess}, Contact: "x@example.org", Delivery: roi.DeliveryPortal})
		if err != nil {
			t.Fatal(err)
		}
		dueIDs = append(dueIDs, r.ID)
	}

	sftp := sendtest.StartSFTP(t)
	cfg := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(cfg, fmt.Appendf(nil, `{"organization":{"name":"Scale-out Hospital","public_url":"https://records.example.org"},
		"sftp":{"vendor":{"addr":%q,"user":%q,"password_env":"SCALEOUT_SFTP_PASSWORD","host_key":%q,"dir":"/"}}}`,
		sftp.Addr, sftp.User, strings.TrimSpace(sftp.HostKey)), 0o600)
	env := []string{"SCALEOUT_SFTP_PASSWORD=" + sftp.Password}
	bin := scaleoutBinary(t)
	var insts []*scaleInstance
	for range 3 {
		insts = append(insts, startScaleInstance(t, bin, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--config", cfg}, env))
	}
	bases := func(live []*scaleInstance) []string {
		var out []string
		for _, in := range live {
			out = append(out, in.base)
		}
		return out
	}
	spec := scaleSignIn(t, insts[0].base, "scale.specialist", demo.Password, secrets["scale.specialist"])
	qa := scaleSignIn(t, insts[1].base, "scale.qa", demo.Password, secrets["scale.qa"])

	// Releases through all three instances, four at a time; instance 2 is
	// killed half-way, and the rest go through the two that remain.
	var mu sync.Mutex
	packets := map[string]bool{}
	work := func(from, to int, live []string) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for n := from; n < to; n++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if p := scaleRelease(t, spec, qa, live, n, patient.FHIRID); p != "" {
					mu.Lock()
					packets[p] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	work(0, releases/2, bases(insts))
	insts[2].cmd.Process.Kill()
	<-insts[2].done
	work(releases/2, releases, bases(insts[:2]))
	if t.Failed() {
		t.FailNow()
	}
	if len(packets) != releases {
		t.Fatalf("%d packets released, want %d", len(packets), releases)
	}

	// The two live workers drain the queue. A job the dead instance held
	// stays running under its lease.
	// Done when nothing is queued and nothing is running, or when what
	// still runs has run for 5 s (a live push takes well under a second).
	deadline := time.Now().Add(60 * time.Second)
	var jobs []*roi.DeliveryRecord
	var stuckSince time.Time
	for {
		jobs = jobs[:0]
		queued, running := 0, 0
		rs, err := s.Requests(ctx, store.RequestFilter{PatientID: pid})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			ds, err := s.Deliveries(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				jobs = append(jobs, d)
				switch d.State {
				case roi.DeliveryQueued:
					queued++
				case roi.DeliveryRunning:
					running++
				}
			}
		}
		if running == 0 || queued > 0 {
			stuckSince = time.Time{}
		} else if stuckSince.IsZero() {
			stuckSince = time.Now()
		}
		if len(jobs) == releases && queued == 0 && (running == 0 || time.Since(stuckSince) > 5*time.Second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue did not drain: %d jobs, %d queued, %d running", len(jobs), queued, running)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Take over what the dead worker held, as a live instance would once
	// the lease ran out: a desk whose clock is past the lease.
	later := func() time.Time { return time.Now().Add(6 * time.Minute) }
	s2, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	takeover := workflow.New(s2)
	takeover.SetClock(later)
	takeover.SFTP = map[string]workflow.Pusher{"vendor": sftp.Client()}
	took := 0
	for {
		worked, err := takeover.Deliver(ctx, "takeover")
		if err != nil {
			t.Fatal(err)
		}
		if !worked {
			break
		}
		took++
	}
	t.Logf("%d releases, %d deliveries taken over from the killed instance after its lease", releases, took)

	// Exactly once: one file per packet on the SFTP server, every job done
	// with an upload (not found already there), one ledger entry per job.
	files, err := os.ReadDir(sftp.Dir)
	if err != nil {
		t.Fatal(err)
	}
	// A worker killed mid-upload leaves its temporary file (".NAME.RANDOM.part",
	// renamed into place only when complete); it is never a packet.
	delivered, partial := 0, 0
	for _, f := range files {
		switch name := f.Name(); {
		case strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".part"):
			partial++
		case packets[strings.TrimSuffix(name, ".pdf")] && strings.HasSuffix(name, ".pdf"):
			delivered++
		default:
			t.Errorf("unexpected file %s", name)
		}
	}
	if delivered != releases {
		t.Errorf("%d packets on the SFTP server, want %d", delivered, releases)
	}
	t.Logf("%d partial uploads left by the killed instance", partial)
	entries, err := s.Ledger(ctx, store.LedgerFilter{Kind: "delivery"})
	if err != nil {
		t.Fatal(err)
	}
	perJob := map[int64]int{}
	workers := map[string]int{}
	for _, e := range entries {
		var b struct {
			DeliveryID int64 `json:"delivery_id"`
			Receipt    struct{ AlreadyPresent bool }
		}
		json.Unmarshal(e.Body, &b)
		perJob[b.DeliveryID]++
		workers[e.Actor]++
		if b.Receipt.AlreadyPresent {
			t.Errorf("delivery %d found its file already there: sent twice", b.DeliveryID)
		}
	}
	for _, d := range jobs {
		d, _ = s.Delivery(ctx, d.ID)
		if d.State != roi.DeliveryDone || perJob[d.ID] != 1 {
			t.Errorf("delivery %d: %s with %d ledger entries, want done with 1", d.ID, d.State, perJob[d.ID])
		}
	}
	if len(entries) != releases {
		t.Errorf("%d delivery ledger entries, want %d", len(entries), releases)
	}
	t.Logf("deliveries by worker: %v", workers)

	// Reminders: the three loops raced at start; one each, all told.
	rems, err := s.RemindersOn(ctx, desk.Today())
	if err != nil {
		t.Fatal(err)
	}
	byReq := map[roi.RequestID]int{}
	remWorkers := map[string]int{}
	for _, r := range rems {
		byReq[r.RequestID]++
		remWorkers[r.Worker]++
	}
	for _, id := range dueIDs {
		if byReq[id] != 1 {
			t.Errorf("request %d: %d reminders today, want 1", id, byReq[id])
		}
	}
	if len(rems) != len(dueIDs) {
		t.Errorf("%d reminders today, want %d", len(rems), len(dueIDs))
	}
	if es, _ := s.Ledger(ctx, store.LedgerFilter{Kind: "reminder"}); len(es) != len(dueIDs) {
		t.Errorf("%d reminder ledger entries, want %d", len(es), len(dueIDs))
	}
	t.Logf("reminders by instance: %v", remWorkers)
	if n, err := s.VerifyLedger(ctx); err != nil {
		t.Errorf("ledger (%d entries): %v", n, err)
	}
}
