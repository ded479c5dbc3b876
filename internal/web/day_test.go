package web

// The records team's day in a real browser, through the pages only: a
// mailed request taken in by the clerk, its authorization recorded by
// form, the specialist's evaluation and decision, the QA reviewer's second
// look, the release, the mailing with its tracking number, the disclosure
// in the patient's history and accounting, and the queue's views.
//
// The requester's day (ask in the portal, confirm the e-mail address with
// the mailed code, upload an ID, see the status page, download the
// released packet with a code) is TestBrowserJourney's, in one browser
// run through the portal's pages.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-pdf/fpdf"

	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The firm whose mailed request the clerk takes in.
const (
	firm        = "Harper & Vance LLP"
	firmAddress = "200 Court Street, Suite 4\nSpringfield, IL 62701"
	tracking    = "9400 1118 9922 3344 5566 77"
)

// usDate writes d as MM/DD/YYYY, as a clerk types it.
func usDate(d roi.Date) string {
	y, m, day := d.Civil()
	return fmt.Sprintf("%02d/%02d/%04d", m, day, y)
}

// firmAuthorizationPDF is the signed authorization the firm mailed, as a
// scanner gives it: a letter-size PDF. It is written to a file for the
// browser's file picker.
func firmAuthorizationPDF(t *testing.T, patient *roi.PatientRecord, signed, expires roi.Date) string {
	t.Helper()
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetMargins(54, 54, 54)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 13)
	pdf.CellFormat(0, 20, "AUTHORIZATION FOR RELEASE OF PROTECTED HEALTH INFORMATION", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	for _, l := range []string{
		"",
		"Patient name: " + patient.Name + "    Date of birth: " + usDate(patient.BirthDate),
		"I authorize Custodian Test Hospital to release the information described below to:",
		"Name of person/organization: " + firm,
		"Address: 200 Court Street, Suite 4, Springfield, IL 62701",
		"Information to be released: medical records (general), excluding psychotherapy notes",
		"Purpose of disclosure: legal proceedings (personal injury claim)",
		"This authorization expires on: " + usDate(expires),
		"I understand that I may revoke this authorization at any time by notifying the hospital in writing.",
		"Treatment, payment, enrollment or eligibility for benefits is not conditioned on my signing.",
		"Information disclosed may be redisclosed by the recipient and no longer protected by federal law.",
		"",
		"Signature of patient: " + patient.Name + "    Date: " + usDate(signed),
	} {
		pdf.CellFormat(0, 16, l, "", 1, "L", false, 0, "")
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "harper-vance-authorization.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rowText is the text of the queue table's row that links to reqPath, or
// "" when the table has no such row.
func (p *browserPerson) rowText(reqPath string) string {
	p.e.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => {
		const a = document.querySelector('#queue-table a[href=`+strconv.Quote(reqPath)+`]');
		return a ? a.closest("tr").textContent.replace(/\s+/g, " ").trim() : "";
	})()`))
	if err != nil {
		p.e.t.Fatalf("%s: the queue row of %s: %v", p.name, reqPath, err)
	}
	return s
}

// queueView opens a tab of the queue by its link (tab is its label) and
// checks the page's heading and the tab marked current.
func (p *browserPerson) queueView(link, tab, heading string) {
	p.e.t.Helper()
	p.open("/")
	if !p.has(link) {
		p.e.t.Fatalf("%s: the queue has no tab %s (%s)", p.name, tab, link)
	}
	p.submit(link)
	if h := strings.TrimSpace(p.text("main h1")); h != heading {
		p.e.t.Fatalf("%s: the tab %s is headed %q, want %q", p.name, tab, h, heading)
	}
	cur, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(document.querySelector('nav.tabs a[aria-current="page"]') || {}).textContent || ""`))
	if err != nil || strings.TrimSpace(cur) != tab {
		p.e.t.Errorf("%s: on the tab %s the tab marked current is %q (%v)", p.name, tab, cur, err)
	}
}

// pageShot saves the whole page as docs/screenshots/name, when asked,
// with a scanned PDF drawn in it: the page is scrolled to its top with
// nothing focused (a sticky scan pane sits beside the form's top, not
// where the last typing scrolled it), the tab is made as tall as the page
// so the PDF viewer, which draws only what is on screen, draws it all, and
// the viewer is given a moment to paint.
func (p *browserPerson) pageShot(name string) {
	p.e.t.Helper()
	if p.e.shots == "" {
		return
	}
	p.do("settle the page for "+name, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0)`))
	h, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
	if err != nil {
		p.e.t.Fatalf("screenshot %s: measure: %v", name, err)
	}
	p.do("a tab as tall as the page", chromedp.EmulateViewport(1280, int64(max(h, 900))), chromedp.Sleep(1500*time.Millisecond))
	b, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	p.do("the tab as it was", chromedp.EmulateViewport(1280, 900))
	if err != nil {
		p.e.t.Fatalf("screenshot %s: %v", name, err)
	}
	p.save(name, b)
}

// TestClerkDay is a records team's day with one mailed request, in the
// browser and through the pages only (the store is read only to check):
// the clerk takes in a law firm's mailed request with its scanned
// authorization, finding the patient by birth date; records the
// authorization through its 164.508 form beside the scan; the specialist
// evaluates, sees one verdict and decides as the engine does; the release
// waits for the review it needs; the QA reviewer approves; the specialist
// releases; the clerk records the mailing with its tracking number; the
// privacy officer sees the disclosure in the patient's history and
// accounting; the queue's tabs and search find the request.
func TestClerkDay(t *testing.T) {
	e := newBrowserEnv(t)
	patient := e.journeyPatient()
	today := e.desk.Today()
	signed, expires, due := today.AddDays(-12), today.AddDays(300), today.AddDays(2)
	born := e.desk.FormatDate(patient.BirthDate)
	scan := firmAuthorizationPDF(t, patient, signed, expires)

	// The firm is new to the desk: not in the directory of requesters.
	if dir, err := e.desk.Requesters(e.ctx, ""); err != nil || slicesContainsName(dir, firm) {
		t.Fatalf("the directory holds %s before the clerk adds it (%v)", firm, err)
	}

	// 1. The clerk takes in the mailed request.
	clerk := e.person("clerk")
	clerk.signIn(demo.Actor)
	if !clerk.has(`nav a[href="/requests/new"]`) {
		t.Fatal("the clerk's menu has no New request")
	}
	clerk.submit(`nav a[href="/requests/new"]`)
	clerk.expect("the intake page", "New request", "How it arrived", "Scans")
	clerk.do("the request came by mail; find the patient by birth date",
		chromedp.Click(chromedp.CSS(`input[name="channel"][value="mail"]`)),
		chromedp.SendKeys(chromedp.ID("find"), usDate(patient.BirthDate)))
	clerk.submit("#find-patient")
	pick := `input[name="patient"][value="` + strconv.FormatInt(int64(patient.ID), 10) + `"]`
	if !clerk.has(pick) {
		t.Fatalf("finding %s lists no radio for the patient (id %d):\n%s", usDate(patient.BirthDate), patient.ID, clip(clerk.mainText()))
	}
	clerk.expect("the patient found by birth date", patient.Name, "born "+born)
	clerk.do("fill in the request",
		chromedp.Click(chromedp.CSS(pick)),
		chromedp.SetValue(chromedp.ID("directory"), "new"),
		chromedp.SetValue(chromedp.ID("kind"), string(roi.KindAttorney)),
		chromedp.SendKeys(chromedp.ID("name"), firm),
		chromedp.Click(chromedp.CSS(`input[name="save"]`)),
		chromedp.SendKeys(chromedp.ID("identity"), "attorney letterhead and bar number"),
		chromedp.SetValue(chromedp.ID("basis"), string(roi.BasisAuthorization)),
		chromedp.SetValue(chromedp.ID("delivery"), string(roi.DeliveryMail)),
		chromedp.SendKeys(chromedp.ID("contact"), firmAddress),
		chromedp.SendKeys(chromedp.ID("due"), usDate(due)),
		chromedp.SetValue(chromedp.ID("assignee"), demo.Specialist),
		chromedp.SetValue(chromedp.ID("doc_kind"), string(roi.DocumentAuthorization)),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{scan}))
	// The scan picked is shown beside the form before anything is sent.
	clerk.do("the scan beside the form", chromedp.WaitVisible(chromedp.CSS("#scan-preview .scan-view")))
	if typ, _ := chromedp.Run(clerk.ctx, chromedp.Evaluate[string](`document.querySelector("#scan-preview .scan-view").getAttribute("type") || ""`)); typ != "application/pdf" {
		t.Errorf("the scan beside the intake form is shown as %q, want the PDF", typ)
	}
	clerk.pageShot("intake.png")
	clerk.submit("#record-request")
	m := regexp.MustCompile(`/requests/(\d+)\?done=intake$`).FindStringSubmatch(clerk.location())
	if m == nil {
		t.Fatalf("recording the request landed on %s, not its page; the page says:\n%s", clerk.location(), clip(clerk.mainText()))
	}
	reqPath := "/requests/" + m[1]
	rid, _ := strconv.ParseInt(m[1], 10, 64)
	c, err := e.desk.Get(e.ctx, "test", roi.RequestID(rid))
	if err != nil {
		t.Fatal(err)
	}
	rq := c.Request
	if rq.PatientID != patient.ID || rq.Requester != (roi.Requester{Kind: roi.KindAttorney, Name: firm}) || rq.Basis != roi.BasisAuthorization ||
		rq.Delivery != roi.DeliveryMail || !strings.Contains(rq.Contact, "200 Court Street") || rq.Due != due || rq.Assignee != demo.Specialist {
		t.Fatalf("the request as recorded: patient %d, requester %+v, basis %s, delivery %s, contact %q, due %s, assignee %q; want %s's request from %s by mail, due %s, assigned to %s",
			rq.PatientID, rq.Requester, rq.Basis, rq.Delivery, rq.Contact, rq.Due, rq.Assignee, patient.Name, firm, due, demo.Specialist)
	}
	if len(c.Documents) != 1 || c.Documents[0].Kind != roi.DocumentAuthorization || c.Documents[0].ContentType != "application/pdf" {
		t.Fatalf("the scan as stored: %+v; want one PDF of kind authorization", c.Documents)
	}
	clerk.expect("the request page after intake", "Request "+rq.Number, patient.Name, firm,
		"Identity verified by attorney letterhead and bar number", word(roi.DocumentAuthorization)+" · document")
	if dir, err := e.desk.Requesters(e.ctx, roi.KindAttorney); err != nil || !slicesContainsName(dir, firm) {
		t.Errorf("the firm is not kept in the directory of requesters (%v): %d entries", err, len(dir))
	}
	if clerk.has("#evaluate") || clerk.has("#decide") || clerk.has("#release") {
		t.Error("the clerk is offered to evaluate, decide or release")
	}

	// 2. The clerk records the authorization through its form, the scan
	// beside it.
	clerk.submit("#add-authority")
	if !strings.HasPrefix(clerk.location(), e.srv.URL+reqPath+"/evidence/new?type=authorization") {
		t.Fatalf("Add evidence opened %s, want the authorization form", clerk.location())
	}
	clerk.expect("the authorization form", "Record: Authorization", "Which form it is", "Required statements", "The scan")
	if !clerk.has("iframe#scan") {
		t.Error("the PDF scan is not shown beside the authorization form")
	}
	clerk.do("fill in the 164.508 checklist",
		chromedp.Click(chromedp.ID("f-forms-hipaa")),
		chromedp.Click(chromedp.ID("f-signed_by-patient")),
		chromedp.SetValue(chromedp.ID("f-signed"), signed.String()),
		chromedp.SetValue(chromedp.ID("f-expires"), expires.String()),
		chromedp.SendKeys(chromedp.ID("f-discloser"), "Custodian Test Hospital"),
		chromedp.SendKeys(chromedp.ID("f-recipient"), firm),
		chromedp.SendKeys(chromedp.ID("f-purpose"), "legal proceedings (personal injury claim)"),
		chromedp.SendKeys(chromedp.ID("f-description"), "medical records, excluding psychotherapy notes"),
		chromedp.Click(chromedp.ID("f-covers_labels-general")),
		chromedp.Click(chromedp.ID("f-statements-revocation")),
		chromedp.Click(chromedp.ID("f-statements-conditioning")),
		chromedp.Click(chromedp.ID("f-statements-redisclosure")))
	clerk.pageShot("evidence-form.png")
	clerk.submit("#save-evidence")
	clerk.expect("the authorization recorded", "Evidence recorded.", "Authorization A1", "signed by the patient", "to "+firm, "covers general records")
	if clerk.has(".verdict.bad") {
		t.Errorf("the recorded authorization is judged not valid: %s", clerk.text(".verdict.bad"))
	}

	// 3. The specialist finds it in My work, evaluates and decides as the
	// engine does.
	spec := e.person("specialist")
	spec.signIn(demo.Specialist)
	spec.queueView("#view-mine", "My work", "My work")
	if row := spec.rowText(reqPath); !strings.Contains(row, patient.Name) || !strings.Contains(row, born) || !strings.Contains(row, firm) {
		t.Fatalf("My work: the row of %s is %q; want the patient's name, the birth date %s and the firm", rq.Number, row, born)
	}
	spec.submit(`#queue-table a[href="` + reqPath + `"]`)
	spec.expect("the request page", "Request "+rq.Number, "Not evaluated yet.")
	spec.submit("#evaluate")
	spec.expect("evaluated", "The engine evaluated the request.", "Authorization A1 is valid")
	checks := spec.text("#checks")
	if strings.Contains(checks, "not valid") || strings.Count(checks, "Authorization A1") != 1 {
		t.Errorf("the authorization check contradicts itself or repeats:\n%s", checks)
	}
	if spec.has(".verdict.bad") {
		t.Errorf("the evidence list judges the authorization not valid beside the engine's valid: %s", spec.text(".verdict.bad"))
	}
	if n, _ := chromedp.Run(spec.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".outcome[data-outcome]").length`)); n != 1 {
		t.Fatalf("the page shows %d outcomes of the engine, want one", n)
	}
	outcome, err := chromedp.Run(spec.ctx, chromedp.Evaluate[string](`document.querySelector(".outcome[data-outcome]").dataset.outcome`))
	if err != nil {
		t.Fatal(err)
	}
	action := map[string]string{"release": "approve", "partial": "partial"}[outcome]
	if action == "" {
		t.Fatalf("the engine decided %q on the firm's authorization; the day needs a release:\n%s", outcome, clip(spec.mainText()))
	}
	spec.do("decide as the engine does", chromedp.Click(chromedp.ID("action-"+action)))
	spec.submit("#decide")
	spec.expect("decided", "Decision recorded.", "Decided "+actionWord(action)+" by "+demo.SpecialistName)
	needsReview := spec.has("#needs-review")
	if needsReview {
		if spec.has("#release") {
			t.Error("the release button is offered before the review the decision needs")
		}
		spec.expect("release waits", "Release waits for a second person's review")
	} else if !spec.has("#release") {
		t.Fatalf("the decision needs no review, and no release is offered:\n%s", clip(spec.mainText()))
	}

	// The queue's views: the request is the specialist's work, due within
	// three days and, when it needs one, awaiting review.
	spec.queueView("#view-soon", "Due soon", "Due within three days")
	if row := spec.rowText(reqPath); !strings.Contains(row, patient.Name) || !strings.Contains(row, "due in 2 d") {
		t.Errorf("Due soon: the row of %s is %q; want the patient and \"due in 2 d\"", rq.Number, row)
	}
	spec.queueView("#view-mine", "My work", "My work")
	if spec.rowText(reqPath) == "" {
		t.Errorf("My work after the decision lacks %s", rq.Number)
	}
	spec.open("/")
	if row := spec.rowText(reqPath); !strings.Contains(row, patient.Name) || !strings.Contains(row, "born "+born) {
		t.Errorf("the queue's row of %s is %q; want the patient's name and \"born %s\"", rq.Number, row, born)
	}
	spec.shot("queue.png")

	// 4. The QA reviewer approves, from the Awaiting review tab.
	if needsReview {
		qa := e.person("qa")
		qa.signIn(demo.QA)
		qa.queueView("#view-review", "Awaiting review", "Awaiting review")
		if row := qa.rowText(reqPath); !strings.Contains(row, patient.Name) {
			t.Fatalf("Awaiting review: the row of %s is %q; want it listed with the patient", rq.Number, row)
		}
		qa.submit(`#queue-table a[href="` + reqPath + `"]`)
		qa.expect("QA opens the request", "Second pair of eyes", "Decided "+actionWord(action))
		if qa.has("#release") || qa.has("#decide") || qa.has("#evaluate") {
			t.Error("the QA reviewer is offered to evaluate, decide or release")
		}
		qa.do("approve", chromedp.Click(chromedp.ID("review-approve")))
		qa.submit("#review")
		qa.expect("reviewed", "Review recorded.", "reviewed by a second person")
		qa.queueView("#view-review", "Awaiting review", "Awaiting review")
		if qa.rowText(reqPath) != "" {
			t.Errorf("Awaiting review still lists %s after the review", rq.Number)
		}
	}

	// The specialist releases.
	spec.open(reqPath)
	if !spec.has("#release") {
		t.Fatalf("no release offered after the review:\n%s", clip(spec.mainText()))
	}
	spec.submit("#release")
	spec.do("released", chromedp.WaitVisible(chromedp.ID("packet-password")))
	spec.expect("released", "Released "+rq.Number, "Shown only now.")
	if pw := strings.TrimSpace(spec.text("#packet-password")); len(pw) < 12 {
		t.Fatalf("the packet password %q is too short", pw)
	}
	if spec.has("#portal-link") {
		t.Error("a mailed release shows a portal download link")
	}
	pks, err := e.store.Packets(e.ctx, rq.ID)
	if err != nil || len(pks) != 1 {
		t.Fatalf("packets after the release: %d (%v), want 1", len(pks), err)
	}

	// 5. The clerk prints and mails it, and records the mailing from
	// "Letters and delivery".
	clerk.open(reqPath)
	letters := clerk.text(`section[aria-labelledby="h-letters"]`)
	if !strings.Contains(letters, "Waiting for staff to print and mail it") {
		t.Fatalf("Letters and delivery does not say the mail waits for staff:\n%s", letters)
	}
	clerk.submit(`section[aria-labelledby="h-letters"] a.delivery-link`)
	clerk.expect("the delivery page", "Mail for request "+rq.Number, "Waiting for staff to print and mail it", "200 Court Street, Suite 4",
		"Springfield, IL 62701", firm, pks[0].PacketID, "Record the mailing")
	if !clerk.has("#packet-link") || !clerk.has("a.letter-link") {
		t.Error("the delivery page does not link the packet and the letters to print")
	}
	mailed := today.AddDays(-1)
	if today.Weekday() == 1 { // a Monday: it went out on Saturday's mail
		mailed = today.AddDays(-2)
	}
	clerk.do("record the mailing",
		chromedp.SendKeys(chromedp.ID("carrier"), "USPS"),
		chromedp.SendKeys(chromedp.ID("tracking"), tracking),
		chromedp.SetValue(chromedp.ID("mailed"), mailed.String()))
	clerk.submit("#complete-delivery")
	clerk.do("the receipt", chromedp.WaitVisible(chromedp.ID("receipt")))
	if st := strings.TrimSpace(clerk.text("#delivery-state")); st != "Mailed" {
		t.Errorf("the delivery after recording the mailing says %q, want \"Mailed\"", st)
	}
	receipt := clerk.text("#receipt")
	for _, want := range []string{"USPS", tracking, e.desk.FormatDate(mailed), demo.Actor} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	if clerk.has("#complete-form") {
		t.Error("the mailing form is still offered after the mailing was recorded")
	}
	clerk.shot("delivery-mail.png")

	// The ledger holds the disclosure to the firm and the receipt with the
	// tracking number.
	dis, err := e.store.Ledger(e.ctx, store.LedgerFilter{RequestID: rq.ID, Kind: roi.EventDisclosure})
	if err != nil || len(dis) != 1 {
		t.Fatalf("disclosures in the ledger: %d (%v), want 1", len(dis), err)
	}
	var d workflow.Disclosure
	if err := json.Unmarshal(dis[0].Body, &d); err != nil {
		t.Fatal(err)
	}
	// A disclosure on the patient's authorization is history, but the
	// accounting leaves it out (45 CFR 164.528(a)(1)(iv)).
	if d.Recipient != firm || d.Delivery != roi.DeliveryMail || d.Basis != roi.BasisAuthorization || len(d.ReliedOn) != 1 || d.Accountable {
		t.Errorf("the disclosure in the ledger: recipient %q, delivery %s, basis %s, relied on %v, accountable %v; want to %s by mail on the authorization, not accountable",
			d.Recipient, d.Delivery, d.Basis, d.ReliedOn, d.Accountable, firm)
	}
	dels, err := e.store.Ledger(e.ctx, store.LedgerFilter{RequestID: rq.ID, Kind: roi.EventDelivery})
	if err != nil {
		t.Fatal(err)
	}
	var receipts []roi.DeliveryReceipt
	for _, en := range dels {
		var b roi.DeliveryBody
		if json.Unmarshal(en.Body, &b) == nil && b.Receipt.Tracking != "" {
			receipts = append(receipts, b.Receipt)
		}
	}
	if len(receipts) != 1 || receipts[0].Tracking != tracking || receipts[0].Carrier != "USPS" || receipts[0].Mailed != mailed || receipts[0].Channel != roi.DeliveryMail {
		t.Errorf("the mailing receipts in the ledger: %+v; want one by USPS, tracking %s, mailed %s", receipts, tracking, mailed)
	}

	// 6. The privacy officer opens the patient page from the request and
	// finds the disclosure in the history, marked as left out of the
	// accounting: a disclosure on the patient's own authorization is not
	// accounted for (45 CFR 164.528(a)(1)(iv)).
	po := e.person("privacy")
	po.signIn("demo.privacy")
	po.open(reqPath)
	po.submit("#patient-link")
	if !strings.HasPrefix(po.location(), e.srv.URL+"/patients/") {
		t.Fatalf("the Patient link led to %s", po.location())
	}
	po.expect("the patient page", patient.Name, born, "Disclosure history (1)", "Accounting of disclosures", "0 disclosures listed")
	row, err := chromedp.Run(po.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#disclosures tbody tr")].map(tr => [...tr.cells].map(td => td.textContent.trim()).join(" | "))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(row) != 1 || !strings.Contains(row[0], firm) || !strings.Contains(row[0], "200 Court Street") || !strings.Contains(row[0], rq.Number) ||
		!strings.Contains(row[0], "A signed authorization") || !strings.HasSuffix(row[0], "| no") {
		t.Errorf("the disclosure history: %q; want one row to %s for %s on the authorization, left out of the accounting", row, firm, rq.Number)
	}
	if !po.has("#accounting-letter") || !po.has("#accounting-csv") {
		t.Error("the privacy officer has no accounting letter or CSV on the patient page")
	}
	po.shot("patient.png")

	// 7. Search by the firm finds the request (terms in the body, never in
	// the address).
	clerk.open("/")
	clerk.do("search by the firm", chromedp.SendKeys(chromedp.ID("q"), "Harper & Vance"))
	clerk.submit(`form.search button[type="submit"]`)
	if h := strings.TrimSpace(clerk.text("main h1")); h != "Search" {
		t.Errorf("the search page is headed %q", h)
	}
	if row := clerk.rowText(reqPath); !strings.Contains(row, firm) || !strings.Contains(row, patient.Name) {
		t.Errorf("search for \"Harper & Vance\" does not find %s: row %q\n%s", rq.Number, row, clip(clerk.mainText()))
	}
	clerk.do("search by the birth date", chromedp.SendKeys(chromedp.ID("q"), usDate(patient.BirthDate)))
	clerk.submit(`form.search button[type="submit"]`)
	if clerk.rowText(reqPath) == "" {
		t.Errorf("search by the birth date %s does not find %s", usDate(patient.BirthDate), rq.Number)
	}

	e.checkBrowsing(patient.Name)
	log := e.logs.String()
	for _, phi := range append([]string{patient.Name, patient.MRN, patient.BirthDate.String(), usDate(patient.BirthDate)}, strings.Fields(patient.Name)...) {
		if len(phi) > 3 && strings.Contains(log, phi) {
			t.Errorf("the server log contains %q", phi)
		}
	}
}

func slicesContainsName(dir []*workflow.DirectoryEntry, name string) bool {
	for _, x := range dir {
		if x.Name == name {
			return true
		}
	}
	return false
}
