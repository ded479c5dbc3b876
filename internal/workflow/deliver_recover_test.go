package workflow

import (
	"bytes"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
)

// failedSFTP releases an access request by SFTP to a destination whose
// pinned host key is wrong, so that the first attempt fails for good
// against the real test server.
func failedSFTP(t *testing.T) (*fixture, *roi.DeskRequest, *Issued, *sendtest.SFTPServer) {
	t.Helper()
	srv := sendtest.StartSFTP(t)
	f, r := approved(t, roi.DeliverySFTP, "acme-law")
	f.desk.SFTP = map[string]Pusher{"acme-law": &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: sendtest.OtherHostKey(t)}}
	r, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID))
	if job.State != roi.DeliveryFailed || !strings.Contains(job.LastError, "retry") {
		t.Fatalf("a wrong host key must fail the delivery for good: %+v", job)
	}
	if entries, _ := os.ReadDir(srv.Dir); len(entries) != 0 {
		t.Fatalf("a push refused at the key exchange left %d files", len(entries))
	}
	return f, r, iss, srv
}

func TestRetryDelivery_AfterTheHostKeyIsFixed(t *testing.T) {
	f, r, iss, srv := failedSFTP(t)
	// Retried before the cause is fixed: it fails again, for good.
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, "first try"); err != nil {
		t.Fatal(err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID)); job.State != roi.DeliveryFailed {
		t.Fatalf("the host key is still wrong, yet: %+v", job)
	}
	// The administrator pins the right key; the retry succeeds, once.
	f.desk.SFTP["acme-law"] = &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: srv.HostKey}
	job, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, "host key corrected")
	if err != nil {
		t.Fatal(err)
	}
	if job.State != roi.DeliveryQueued || job.Attempts != 0 || job.LastError != "" {
		t.Fatalf("a retried delivery starts again: %+v", job)
	}
	// A second retry of a delivery no longer failed is refused.
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, ""); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("retry of a queued delivery: %v", err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	_, content, _ := f.desk.store.PacketContent(f.ctx, iss.Packet.ID)
	got, err := os.ReadFile(filepath.Join(srv.Dir, iss.Packet.PacketID+".pdf"))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the file on the server is not the released packet: %v", err)
	}
	job = must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID))
	if job.State != roi.DeliveryDone {
		t.Fatalf("job %+v", job)
	}
	// The same packet, no second release: one packet, one disclosure.
	if ps, _ := f.desk.store.Packets(f.ctx, r.ID); len(ps) != 1 {
		t.Errorf("%d packets, want the one released", len(ps))
	}
	kinds := ledgerKinds(t, f, r.ID)
	if n := count(kinds, string(roi.EventDisclosure)); n != 1 {
		t.Errorf("%d disclosures in the ledger, want 1: %v", n, kinds)
	}
	if n := count(kinds, string(roi.EventDeliveryRetried)); n != 2 {
		t.Errorf("%d retries in the ledger, want 2: %v", n, kinds)
	}
	if n := count(kinds, string(roi.EventDeliveryFailed)); n != 2 {
		t.Errorf("%d failures in the ledger, want 2: %v", n, kinds)
	}
	if _, err := f.desk.VerifyLedger(f.ctx); err != nil {
		t.Errorf("ledger verify after retries: %v", err)
	}
	// A delivery named under another request is not found.
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID+1, iss.Delivery.ID, ""); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("retry under another request: %v", err)
	}
}

func TestRetryDelivery_FileAlreadyThere(t *testing.T) {
	srv := sendtest.StartSFTP(t)
	f, r := approved(t, roi.DeliverySFTP, "acme-law")
	f.desk.SFTP = map[string]Pusher{"acme-law": &send.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKey: srv.HostKey}}
	r, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	// Another file under the packet's name is already on the server.
	stale := filepath.Join(srv.Dir, iss.Packet.PacketID+".pdf")
	if err := os.WriteFile(stale, []byte("someone else's file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID)); job.State != roi.DeliveryFailed {
		t.Fatalf("a different file already there must fail for good: %+v", job)
	}
	if got, _ := os.ReadFile(stale); string(got) != "someone else's file" {
		t.Fatal("the file already there was overwritten")
	}
	// The recipient's IT removes it; the retry delivers.
	if err := os.Remove(stale); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, "old file removed"); err != nil {
		t.Fatal(err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID)); job.State != roi.DeliveryDone {
		t.Fatalf("job %+v", job)
	}
}

func TestRerouteDelivery_ToEmailThenOnlyOnce(t *testing.T) {
	f, r, iss, _ := failedSFTP(t)
	smtp := sendtest.StartSMTP(t)
	f.desk.Mail = smtp.Client()
	f.desk.Org.PortalURL = "https://records.example.org"
	// A channel the desk cannot use is refused as at release.
	if _, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, Reroute{Channel: roi.DeliverySFTP, Target: "nowhere"}); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("re-route to an unconfigured SFTP destination: %v", err)
	}
	if _, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, Reroute{Channel: "pigeon"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Fatalf("re-route by an unknown channel: %v", err)
	}
	out, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID,
		Reroute{Channel: roi.DeliveryEmail, Target: "records@acme-law.example", Reason: "the firm asked for e-mail"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Delivery.ID == iss.Delivery.ID || out.Delivery.Packet != iss.Packet.ID || out.Delivery.State != roi.DeliveryQueued {
		t.Fatalf("re-routed delivery %+v", out.Delivery)
	}
	// The failure stays failed, and cannot be recovered a second time
	// while the packet travels by e-mail.
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, iss.Delivery.ID)); job.State != roi.DeliveryFailed {
		t.Errorf("the failed delivery became %s", job.State)
	}
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, ""); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("retry after a re-route: %v", err)
	}
	if _, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, Reroute{Channel: roi.DeliveryPickup}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a second re-route: %v", err)
	}
	if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"records@acme-law.example"}) {
		t.Fatalf("messages %+v", msgs)
	}
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, out.Delivery.ID)); job.State != roi.DeliveryDone {
		t.Fatalf("re-routed job %+v", job)
	}
	if ps, _ := f.desk.store.Packets(f.ctx, r.ID); len(ps) != 1 {
		t.Errorf("%d packets, want the one released", len(ps))
	}
	if n := count(ledgerKinds(t, f, r.ID), string(roi.EventDeliveryRerouted)); n != 1 {
		t.Errorf("%d re-routes in the ledger, want 1", n)
	}
	// The ledger and the tables it vouches for still agree after a
	// re-route (ledger verify checks deliveries against their entries).
	if _, err := f.desk.VerifyLedger(f.ctx); err != nil {
		t.Errorf("ledger verify after a re-route: %v", err)
	}
}

func TestRerouteDelivery_ToThePortalGivesALink(t *testing.T) {
	f, r, iss, _ := failedSFTP(t)
	f.desk.Org.PortalURL = "https://records.example.org"
	out, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, Reroute{Channel: roi.DeliveryPortal, Reason: "requester will download"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.Link, "https://records.example.org/portal/download#") || out.Delivery.State != roi.DeliveryWaiting {
		t.Fatalf("portal re-route: %+v", out)
	}
	token := out.Link[strings.IndexByte(out.Link, '#')+1:]
	code, err := f.desk.IssueCode(f.ctx, "specialist", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := f.desk.Download(f.ctx, token, code)
	if err != nil || p.ID != iss.Packet.ID {
		t.Fatalf("download through the new link: %v", err)
	}
	if job := must[*roi.DeliveryRecord](t)(f.desk.store.Delivery(f.ctx, out.Delivery.ID)); job.State != roi.DeliveryDone {
		t.Fatalf("the download completes the re-routed delivery: %+v", job)
	}
}

func TestRecoverDelivery_OnlyAFailedOne(t *testing.T) {
	f, r := approved(t, roi.DeliveryMail, "1 Main St\nSpringfield")
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.RetryDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, ""); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("retry of a waiting delivery: %v", err)
	}
	if _, err := f.desk.RerouteDelivery(f.ctx, "specialist", r.ID, iss.Delivery.ID, Reroute{Channel: roi.DeliveryPickup}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("re-route of a waiting delivery: %v", err)
	}
}

// TestMessageIDs_DifferAcrossDesks: two desks, each sending its delivery
// number 1, must not both say <delivery-1@custodian>.
func TestMessageIDs_DifferAcrossDesks(t *testing.T) {
	var ids []string
	for _, host := range []string{"records.example.org", "records.example.org"} {
		srv := sendtest.StartSMTP(t)
		f, r := approved(t, roi.DeliveryEmail, "pat@example.org")
		f.desk.Mail = srv.Client()
		f.desk.Org.PortalURL = "https://" + host + "/"
		if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		if worked, err := f.desk.Deliver(f.ctx, "w1"); !worked || err != nil {
			t.Fatalf("deliver: %v %v", worked, err)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		id := m.Header.Get("Message-Id")
		if !strings.HasSuffix(id, "@"+host+">") || strings.Contains(id, "delivery-1@") {
			t.Errorf("Message-ID %q: want a random part at the desk's host", id)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Errorf("two desks sent the same Message-ID %q", ids[0])
	}
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
