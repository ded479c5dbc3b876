package workflow

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
)

// approved takes a patient's access request to approved, with one
// psychotherapy note the decision withholds.
func approved(t *testing.T, via roi.Delivery, contact string) (*fixture, *roi.DeskRequest) {
	t.Helper()
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Condition/2", "2025-03-14", "problem"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	r, err := f.desk.Intake(f.ctx, "clerk", Intake{PatientID: f.pid, Request: roi.Request{Received: today,
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "Pat Example"}, Basis: roi.BasisAccess}, Contact: contact, Delivery: via})
	if err != nil {
		t.Fatal(err)
	}
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _, err = f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPartial})
	if err != nil {
		t.Fatal(err)
	}
	return f, f.review(r)
}

func ledgerKinds(t *testing.T, f *fixture, id roi.RequestID) []string {
	t.Helper()
	return ledgerKindsOf(t, f, store.LedgerFilter{RequestID: id})
}

func ledgerKindsOf(t *testing.T, f *fixture, filter store.LedgerFilter) []string {
	t.Helper()
	es, err := f.desk.store.Ledger(f.ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, string(e.Kind))
	}
	return kinds
}

func TestRelease_PortalPacketCodeDownload(t *testing.T) {
	f, r := approved(t, roi.DeliveryPortal, "555-0199")
	r, dis, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != roi.StatusPartiallyReleased || iss.Password == "" || !strings.Contains(iss.Link, "/portal/download#") {
		t.Fatalf("release: status %s, issued %+v", r.Status, iss)
	}
	// The packet holds exactly what was released, and the disclosure
	// entry binds the packet's hash and every item's hash.
	p, content, err := f.desk.store.PacketContent(f.ctx, iss.Packet.ID)
	if err != nil {
		t.Fatal(err)
	}
	var m packet.Manifest
	if err := json.Unmarshal(p.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range m.Items {
		keys = append(keys, it.Key)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"Condition/2", "Encounter/1"}) {
		t.Errorf("packet items %v; the withheld note must never be in it", keys)
	}
	if dis.Packet == nil || dis.Packet.SHA256 != p.SHA256 || len(dis.Packet.Items) != 2 {
		t.Fatalf("disclosure packet %+v", dis.Packet)
	}
	if bytes.Contains(content, []byte("Pat Example")) || !bytes.HasPrefix(content, []byte("%PDF")) {
		t.Error("the stored packet is not an encrypted PDF")
	}
	if _, err := packet.Decrypt(content, "wrong-password"); err == nil {
		t.Error("the packet opened with a wrong password")
	}
	if _, err := packet.Decrypt(content, iss.Password); err != nil {
		t.Errorf("the packet does not open with its password: %v", err)
	}
	jobs := must[[]*roi.DeliveryRecord](t)(f.desk.Deliveries(f.ctx, r.ID))
	if len(jobs) != 1 || jobs[0].State != roi.DeliveryWaiting {
		t.Fatalf("portal job %+v", jobs)
	}

	token := iss.Link[strings.Index(iss.Link, "#")+1:]
	if _, _, err := f.desk.Download(f.ctx, token, "12345678"); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("download before any code: %v", err)
	}
	// No mailer: the requester cannot ask for a code by e-mail; staff
	// give one by telephone.
	if err := f.desk.SendCode(f.ctx, token); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("code by e-mail without a mailer: %v", err)
	}
	code := must[string](t)(f.desk.IssueCode(f.ctx, "clerk", r.ID))
	wrong := "00000000"
	if wrong == code {
		wrong = "11111111"
	}
	if _, _, err := f.desk.Download(f.ctx, token, wrong); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("wrong code: %v", err)
	}
	if _, _, err := f.desk.Download(f.ctx, "not-a-token", code); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("unknown token: %v", err)
	}
	got, file, err := f.desk.Download(f.ctx, token, code)
	if err != nil || got.ID != p.ID || !bytes.Equal(file, content) {
		t.Fatalf("download: %v", err)
	}
	if _, _, err := f.desk.Download(f.ctx, token, code); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("a code worked twice: %v", err)
	}
	jobs = must[[]*roi.DeliveryRecord](t)(f.desk.Deliveries(f.ctx, r.ID))
	if jobs[0].State != roi.DeliveryDone {
		t.Errorf("after the download the portal job is %s", jobs[0].State)
	}
	kinds := ledgerKinds(t, f, r.ID)
	for _, want := range []string{"disclosure", "delivery-queued", "portal-code", "portal-code-failed", "download", "delivery"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("ledger %v lacks %s", kinds, want)
		}
	}
	// Every entry about the request names its patient, the portal's and
	// the staff code's too, so the patient's audit trail finds them.
	es, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.PatientID != f.pid {
			t.Errorf("ledger entry %d (%s) names patient %d, not the request's %d", e.Seq, e.Kind, e.PatientID, f.pid)
		}
	}
	byPatient := ledgerKindsOf(t, f, store.LedgerFilter{PatientID: f.pid})
	for _, want := range []string{"portal-code", "portal-code-failed", "download", "delivery"} {
		if !slices.Contains(byPatient, want) {
			t.Errorf("the patient's ledger %v lacks %s", byPatient, want)
		}
	}
	if other := ledgerKindsOf(t, f, store.LedgerFilter{PatientID: f.pid + 1}); len(other) != 0 {
		t.Errorf("another patient's ledger holds %v", other)
	}

	// verify-packet: the file as sent verifies; one changed byte does not.
	check, err := f.desk.VerifyPacket(f.ctx, file)
	if err != nil || check.PacketID != p.PacketID || !check.LedgerOK || len(check.ChangedItems) != 0 || check.Items != 2 {
		t.Fatalf("verify: %+v %v", check, err)
	}
	altered := bytes.Clone(file)
	altered[len(altered)/2] ^= 1
	if _, err := f.desk.VerifyPacket(f.ctx, altered); err != ErrUnknownPacket {
		t.Errorf("an altered packet verified: %v", err)
	}
}

func TestDownload_LocksAfterWrongCodes(t *testing.T) {
	f, r := approved(t, roi.DeliveryPortal, "555-0199")
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	token := iss.Link[strings.Index(iss.Link, "#")+1:]
	code := must[string](t)(f.desk.IssueCode(f.ctx, "clerk", r.ID))
	for i := 0; i < MaxCodeAttempts; i++ {
		f.desk.Download(f.ctx, token, "x")
	}
	if _, _, err := f.desk.Download(f.ctx, token, code); err != errLinkClosed {
		t.Errorf("after %d wrong codes the right one still worked: %v", MaxCodeAttempts, err)
	}
	// Expired links are closed too.
	f2, r2 := approved(t, roi.DeliveryPortal, "555-0199")
	_, _, iss2, _ := f2.desk.Release(f2.ctx, "specialist", r2.ID, r2.Version)
	code2 := must[string](t)(f2.desk.IssueCode(f2.ctx, "clerk", r2.ID))
	now := f2.desk.Now()
	f2.desk.SetClock(func() time.Time { return now.Add(LinkLifetime + time.Minute) })
	if _, _, err := f2.desk.Download(f2.ctx, iss2.Link[strings.Index(iss2.Link, "#")+1:], code2); err != errLinkClosed {
		t.Errorf("an expired link worked: %v", err)
	}
}

func TestRelease_EmailNotificationHasNoPHI(t *testing.T) {
	srv := sendtest.StartSMTP(t)
	f, r := approved(t, roi.DeliveryEmail, "pat@example.org")
	f.desk.Mail = srv.Client()
	f.desk.Org.PortalURL = "https://records.example.org"
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Link != "" || iss.Delivery.State != roi.DeliveryQueued {
		t.Fatalf("an e-mail release is queued, its link sent by the worker: %+v", iss)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || !slices.Equal(msgs[0].To, []string{"pat@example.org"}) {
		t.Fatalf("messages %+v", msgs)
	}
	body := mailBody(t, msgs[0])
	for _, phi := range []string{"Pat Example", "Encounter", "1980", r.Number, "psychotherapy"} {
		if strings.Contains(body, phi) {
			t.Errorf("the notification contains %q", phi)
		}
	}
	link := regexp.MustCompile(`https://records\.example\.org/portal/download#([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no link in the notification:\n%s", body)
	}
	jobs := must[[]*roi.DeliveryRecord](t)(f.desk.Deliveries(f.ctx, r.ID))
	if jobs[0].State != roi.DeliveryDone || !bytes.Contains(jobs[0].Receipt, []byte(`"Channel":"email"`)) {
		t.Errorf("job %+v receipt %s", jobs[0], jobs[0].Receipt)
	}
	// The requester asks for a code; it arrives by e-mail and opens the
	// download once.
	if err := f.desk.SendCode(f.ctx, link[1]); err != nil {
		t.Fatal(err)
	}
	msgs = srv.Messages()
	code := regexp.MustCompile(`\b(\d{8})\b`).FindStringSubmatch(mailBody(t, msgs[len(msgs)-1]))
	if code == nil {
		t.Fatal("no code in the code e-mail")
	}
	if _, _, err := f.desk.Download(f.ctx, link[1], code[1]); err != nil {
		t.Fatalf("download with the e-mailed code: %v", err)
	}
	if worked, _ := f.desk.Deliver(f.ctx, "w1"); worked {
		t.Error("the queue delivered something twice")
	}
}

func TestRelease_SFTPRetriesAndNeverTwice(t *testing.T) {
	srv := sendtest.StartSFTP(t)
	f, r := approved(t, roi.DeliverySFTP, "acme-law")
	// An unconfigured destination is refused before anything is recorded.
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("release to an unconfigured destination: %v", err)
	}
	if ps, _ := f.desk.store.Packets(f.ctx, r.ID); len(ps) != 0 {
		t.Fatal("a refused release left a packet")
	}
	// First the destination is down (a closed port: connection refused).
	f.desk.SFTP = map[string]Pusher{"acme-law": &send.SFTP{Addr: "127.0.0.1:1", User: srv.User, Password: srv.Password, HostKey: srv.HostKey}}
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID))
	if job.State != roi.DeliveryQueued || job.Attempts != 1 || job.LastError == "" {
		t.Fatalf("after a refused connection: %+v", job)
	}
	// Back up; not retried before its backoff, then delivered once.
	f.desk.SFTP["acme-law"] = &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: srv.HostKey}
	if worked, _ := f.desk.Deliver(f.ctx, "w1"); worked {
		t.Error("retried before the backoff")
	}
	now := f.desk.Now()
	f.desk.SetClock(func() time.Time { return now.Add(time.Minute) })
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	_, content, _ := f.desk.store.PacketContent(f.ctx, iss.Packet.ID)
	got, err := os.ReadFile(filepath.Join(srv.Dir, iss.Packet.PacketID+".pdf"))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the file on the server is not the packet: %v", err)
	}
	job = must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID))
	if job.State != roi.DeliveryDone || job.Attempts != 2 {
		t.Fatalf("job %+v", job)
	}
	// A worker that died after uploading but before recording it: the job
	// is claimed again after the lease, and the push finds the file there
	// instead of sending it twice.
	receipt, err := f.desk.SFTP["acme-law"].Push(f.ctx, iss.Packet.PacketID+".pdf", content)
	if err != nil || !receipt.AlreadyPresent {
		t.Errorf("a second push of the same packet: %+v %v", receipt, err)
	}
	entries, _ := os.ReadDir(srv.Dir)
	if len(entries) != 1 {
		t.Errorf("server holds %d files, want 1", len(entries))
	}
}

func mailBody(t *testing.T, m sendtest.ReceivedMail) string {
	t.Helper()
	body, err := m.Body()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestCompleteDelivery_MailNeedsTracking(t *testing.T) {
	f, r := approved(t, roi.DeliveryMail, "1 Main St, Springfield")
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Delivery.State != roi.DeliveryWaiting {
		t.Fatalf("mail job %s", iss.Delivery.State)
	}
	if worked, _ := f.desk.Deliver(f.ctx, "w1"); worked {
		t.Error("a worker took a mail job")
	}
	if _, err := f.desk.CompleteDelivery(f.ctx, "clerk", iss.Delivery.ID, Complete{Carrier: "USPS"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("mail without a tracking number: %v", err)
	}
	d, err := f.desk.CompleteDelivery(f.ctx, "clerk", iss.Delivery.ID, Complete{Carrier: "USPS", Tracking: "9400 1000 0000 0000 0000 00"})
	if err != nil || d.State != roi.DeliveryDone || !bytes.Contains(d.Receipt, []byte("9400 1000")) {
		t.Fatalf("complete: %+v %v", d, err)
	}
	if _, err := f.desk.CompleteDelivery(f.ctx, "clerk", iss.Delivery.ID, Complete{Tracking: "x"}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("completed twice: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	if got := backoff(30); got != time.Hour {
		t.Errorf("backoff(30) = %s, want the cap of an hour", got)
	}
}
