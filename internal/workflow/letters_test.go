package workflow

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
)

func letterText(t *testing.T, f *fixture, id roi.RequestID, kind string) string {
	t.Helper()
	l, err := f.desk.Letter(f.ctx, "specialist", id, kind)
	if err != nil {
		t.Fatalf("letter %s: %v", kind, err)
	}
	return l.Text()
}

// Letters come from the stored decision: what each says follows what was
// decided, and reading one is a logged view of PHI.
func TestLetters_FromStoredDecision(t *testing.T) {
	f, r := approved(t, roi.DeliveryMail, "1 Main St")
	f.desk.Org.Name, f.desk.Org.PrivacyContact, f.desk.Org.PrivacyPhone = "Example Hospital", "Privacy Officer", "555-0101"

	partial := letterText(t, f, r.ID, "partial-denial")
	for _, want := range []string{r.Number, "Privacy Officer", "555-0101", "1-800-368-1019", "does not provide for a review"} {
		if !strings.Contains(partial, want) {
			t.Errorf("partial denial lacks %q:\n%s", want, partial)
		}
	}
	cover := letterText(t, f, r.ID, "cover")
	if !strings.Contains(cover, "index") || strings.Contains(cover, "42 CFR part 2") {
		t.Errorf("cover letter:\n%s", cover)
	}
	// A denial of a request that releases something is refused: the
	// letter must match the decision.
	if _, err := f.desk.Letter(f.ctx, "specialist", r.ID, "denial"); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("denial letter for a partial release: %v", err)
	}
	if _, err := f.desk.Letter(f.ctx, "specialist", r.ID, "extension"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("extension letter without an extension: %v", err)
	}
	if _, err := f.desk.Letter(f.ctx, "", r.ID, "cover"); roi.CodeOf(err) != roi.CodeUnauthenticated {
		t.Errorf("letter without an actor: %v", err)
	}
	es, _ := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID, Kind: "view"})
	if len(es) < 2 {
		t.Errorf("letter views in the ledger: %d", len(es))
	}
}

func TestLetters_DenialPendingExtensionEscalation(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	// An employer with no permission: denied.
	r := f.intake(roi.KindEmployer, "Acme HR", roi.BasisNone)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActDeny})
	if err != nil {
		t.Fatal(err)
	}
	r = f.review(r)
	denial := letterText(t, f, r.ID, "denial")
	if !strings.Contains(denial, "authorization") || !strings.Contains(denial, "1-800-368-1019") {
		t.Errorf("denial:\n%s", denial)
	}

	// A patient without verified identity: pending, saying what is missing.
	p := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	p, _ = f.evaluate(p)
	p, _, err = f.desk.Decide(f.ctx, "specialist", p.ID, p.Version, Decide{Action: ActPending})
	if err != nil {
		t.Fatal(err)
	}
	pending := letterText(t, f, p.ID, "pending")
	if !strings.Contains(strings.ToLower(pending), "identity") || !strings.Contains(pending, p.Due.String()) && !strings.Contains(pending, "2026") {
		t.Errorf("pending letter:\n%s", pending)
	}

	// The extension notice gives the reasons and the new date.
	newDue := p.Due.AddDays(20)
	p, err = f.desk.Extend(f.ctx, "specialist", p.ID, p.Version, Extend{NewDue: newDue, Reason: "records are held in an off-site archive", Exception: roi.ExceptionInfeasibility})
	if err != nil {
		t.Fatal(err)
	}
	ext := letterText(t, f, p.ID, "extension")
	y, m, d := newDue.Civil()
	long := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Format("January 2, 2006")
	if !strings.Contains(ext, "off-site archive") || !(strings.Contains(ext, newDue.String()) || strings.Contains(ext, long)) {
		t.Errorf("extension notice lacks the reason or the new date %s:\n%s", long, ext)
	}

	// The escalation summary is internal and names the rule that waits.
	q := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	q = f.evidence(q, identity)
	q, _ = f.evaluate(q)
	q, _, err = f.desk.Decide(f.ctx, "specialist", q.ID, q.Version, Decide{Action: ActEscalate, Note: "ask the privacy officer"})
	if err != nil {
		t.Fatal(err)
	}
	esc := letterText(t, f, q.ID, "escalation")
	if !strings.Contains(esc, "ask the privacy officer") {
		t.Errorf("escalation summary lacks the staff note:\n%s", esc)
	}
	if _, err := f.desk.Letter(f.ctx, "specialist", q.ID, "sonnet"); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestAccountingLetter(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1986, 10, 15), item("Encounter/1", "2025-06-18", "encounter"))
	r := f.intake(roi.KindAttorney, "Harper & Vance LLP", roi.BasisSubpoena)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"subpoena","issued_by":"attorney","assurances":"notice","covers":{"labels":["general"]}}`)
	r, _ = f.evaluate(r)
	r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	l, err := f.desk.AccountingLetter(f.ctx, "privacy", f.pid, roi.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, want := range []string{"Harper & Vance LLP", "requester@example.org", "1 encounter", "subpoena"} {
		if !strings.Contains(text, want) {
			t.Errorf("accounting report lacks %q:\n%s", want, text)
		}
	}
	var table bool
	for _, b := range l.Blocks {
		table = table || b.Kind == doc.Table
	}
	if !table {
		t.Error("the accounting report has no table of disclosures")
	}
}

// A worker that uploaded a packet and died before recording it: after its
// lease runs out another worker takes the job, finds the identical file
// already there, and records the delivery once — the recipient holds one
// copy.
func TestDeliver_AfterWorkerDiedMidPush(t *testing.T) {
	srv := sendtest.StartSFTP(t)
	f, r := approved(t, roi.DeliverySFTP, "acme-law")
	f.desk.SFTP = map[string]Pusher{"acme-law": srv.Client()}
	_, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	// The dying worker: claims, pushes, never finishes.
	job, err := f.desk.store.ClaimDelivery(f.ctx, "dead", leaseTime)
	if err != nil || job == nil {
		t.Fatalf("claim: %v %v", job, err)
	}
	rec, content, _ := f.desk.store.PacketContent(f.ctx, job.Packet)
	if _, err := f.desk.SFTP["acme-law"].Push(f.ctx, rec.PacketID+".pdf", content); err != nil {
		t.Fatal(err)
	}
	// Before the lease runs out nobody else touches the job.
	if worked, _ := f.desk.Deliver(f.ctx, "w2"); worked {
		t.Fatal("a job under a live lease was taken")
	}
	now := f.desk.Now()
	f.desk.SetClock(func() time.Time { return now.Add(leaseTime + time.Second) })
	if worked, err := f.desk.Deliver(f.ctx, "w2"); !worked || err != nil {
		t.Fatalf("deliver after the lease: %v %v", worked, err)
	}
	d, _ := f.desk.store.Delivery(f.ctx, iss.Delivery.ID)
	if d.State != roi.DeliveryDone || !strings.Contains(string(d.Receipt), `"AlreadyPresent":true`) {
		t.Errorf("delivery %+v receipt %s", d, d.Receipt)
	}
	es, _ := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID, Kind: "delivery"})
	if len(es) != 1 {
		t.Errorf("%d delivery entries in the ledger, want 1", len(es))
	}
}
