package workflow

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
)

// Mailer sends e-mail over SMTP with STARTTLS (package send).
type Mailer interface {
	Send(ctx context.Context, m send.Message) (send.Receipt, error)
}

// Pusher uploads a file to one SFTP destination whose host key the
// administrator pinned (package send).
type Pusher interface {
	Push(ctx context.Context, name string, data []byte) (send.Receipt, error)
}

// Delivery timing.
const (
	// LinkLifetime is how long a portal link works.
	LinkLifetime = 14 * 24 * time.Hour
	// CodeLifetime is how long a one-time code works.
	CodeLifetime = 15 * time.Minute
	// MaxCodeAttempts wrong codes lock a link; staff issue a new one.
	MaxCodeAttempts = 5
	// MaxAttempts is how often a delivery is tried before it fails for good.
	MaxAttempts = 8
	// leaseTime bounds one attempt; a worker that dies is replaced after it.
	leaseTime = 5 * time.Minute
)

// backoff is the wait before attempt n+1: 30 s doubling, at most an hour.
func backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// deliveryFor returns the delivery job a release queues for request r's
// channel, checking first that the channel can work: an e-mail needs
// a mailer and an address, an SFTP push a configured destination. A
// portal delivery waits for the requester's download; mail, fax and
// pickup wait for staff to record how the packet left.
func (d *Desk) deliveryFor(r *roi.DeskRequest) (*roi.DeliveryRecord, error) {
	return d.jobFor(r.Delivery, r.Contact)
}

// jobFor is deliveryFor for a channel and destination named apart from
// the request: a retry or a re-route of a failed delivery checks the
// channel it will use exactly as a release does.
func (d *Desk) jobFor(channel roi.Delivery, target string) (*roi.DeliveryRecord, error) {
	job := &roi.DeliveryRecord{Channel: channel, Target: target}
	switch channel {
	case roi.DeliveryEmail:
		if d.Mail == nil {
			return nil, roi.Errorf(roi.CodeConflict, "E-mail delivery is not configured (smtp in the configuration); choose another channel.")
		}
		if _, err := mail.ParseAddress(target); err != nil {
			return nil, invalid("The request's contact is not an e-mail address; correct it before an e-mail delivery.")
		}
		if d.Org.PortalURL == "" {
			return nil, roi.Errorf(roi.CodeConflict, "E-mail delivery needs the desk's public address (organization.public_url in the configuration) to build the download link; choose another channel.")
		}
		job.State = roi.DeliveryQueued
	case roi.DeliverySFTP:
		if d.SFTP[target] == nil {
			return nil, roi.Errorf(roi.CodeConflict, "The request's contact names no SFTP destination the administrator configured; SFTP goes only to configured destinations.")
		}
		job.State = roi.DeliveryQueued
	default: // portal, mail, fax, pickup
		job.State = roi.DeliveryWaiting
	}
	return job, nil
}

// newToken returns a random URL-safe token and the hash that is stored.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte("custodian-portal-link:" + token))
	return hex.EncodeToString(sum[:])
}

// hashCode binds a one-time code to its link, so a code hash copied from
// one link is worthless on another.
func hashCode(linkID int64, code string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("custodian-portal-code:%d:%s", linkID, code)))
	return hex.EncodeToString(sum[:])
}

// newCode returns an 8-digit one-time code.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%08d", n.Int64()), nil
}

// linkURL is the portal address of a link, built from the desk's public
// address (organization.public_url; serve refuses to start without one
// outside the demo). The token is the only thing in the URL: no request
// number, no name. With no public address — a desk built by a test or a
// tool — the link is the path alone, never a guessed host. A request in
// Spanish opens the download page in Spanish (?lang=es: a language, not
// PHI).
func (d *Desk) linkURL(token string, lang roi.Language) string {
	q := ""
	if lang == roi.LanguageSpanish {
		q = "?lang=es"
	}
	return strings.TrimRight(d.Org.PortalURL, "/") + "/portal/download" + q + "#" + token
}

// Deliver claims one delivery job that is due and carries it out. It
// reports whether there was one. A temporary failure goes back in the
// queue with backoff; a permanent one, or the last attempt, fails the job
// and the ledger says so. Errors returned are the store's, not the
// channel's.
func (d *Desk) Deliver(ctx context.Context, worker string) (bool, error) {
	job, err := d.store.ClaimDelivery(ctx, worker, leaseTime)
	if err != nil || job == nil {
		return false, err
	}
	r, err := d.store.Request(ctx, job.RequestID)
	if err != nil {
		return true, err
	}
	receipt, err := d.carryOut(ctx, r, job)
	if err != nil {
		permanent := isPermanent(err) || job.Attempts >= MaxAttempts
		msg := "The delivery failed; it will be tried again."
		var ev *roi.Event
		if permanent {
			msg = fmt.Sprintf("The delivery failed and will not be retried by itself; the delivery worker's log names the cause under delivery %d. Fix the cause and retry it, or re-route the packet by another channel.", job.ID)
			ev = &roi.Event{Kind: roi.EventDeliveryFailed, RequestID: r.ID, PatientID: r.PatientID, Actor: "delivery:" + worker,
				Body: roi.DeliveryFailedBody{DeliveryID: job.ID, Channel: job.Channel, Attempts: job.Attempts}}
		}
		// The cause is logged without PHI: package send's errors name the
		// channel and operation, never addresses or content.
		slog.Warn("delivery attempt failed", "delivery", job.ID, "channel", job.Channel, "attempt", job.Attempts, "permanent", permanent, "err", err)
		return true, d.store.RetryDelivery(ctx, job.ID, worker, d.Now().Add(backoff(job.Attempts)), msg, permanent, ev)
	}
	body, _ := json.Marshal(receipt)
	return true, d.store.FinishDelivery(ctx, job.ID, worker, roi.DeliveryDone, body, roi.Event{Kind: roi.EventDelivery, RequestID: r.ID,
		PatientID: r.PatientID, Actor: "delivery:" + worker,
		Body: roi.DeliverySentBody{DeliveryID: job.ID, Packet: job.Packet, Channel: job.Channel, Attempt: job.Attempts,
			Receipt: (*roi.SentReceipt)(receipt)}})
}

// carryOut performs one attempt of job.
func (d *Desk) carryOut(ctx context.Context, r *roi.DeskRequest, job *roi.DeliveryRecord) (*send.Receipt, error) {
	switch job.Channel {
	case roi.DeliverySFTP:
		p := d.SFTP[job.Target]
		if p == nil {
			return nil, errNotConfigured
		}
		rec, content, err := d.store.PacketContent(ctx, job.Packet)
		if err != nil {
			return nil, err
		}
		// The file name is the packet ID: no name, no PHI, and the same on
		// every attempt, so a retry after a crash finds the file already
		// there instead of sending it twice.
		rc, err := p.Push(ctx, rec.PacketID+".pdf", content)
		return &rc, err
	case roi.DeliveryEmail:
		if d.Mail == nil || d.Org.PortalURL == "" {
			return nil, errNotConfigured
		}
		token, hash, err := newToken()
		if err != nil {
			return nil, err
		}
		link := &roi.PortalLink{Packet: job.Packet, ExpiresAt: d.Now().Add(LinkLifetime)}
		if err := d.store.AddLink(ctx, r.ID, link, hash); err != nil {
			return nil, err
		}
		rc, err := d.Mail.Send(ctx, send.Message{To: job.Target, Subject: notificationSubject(r.Language),
			Text:      notification(d.Org.Name, d.linkURL(token, r.Language), link.ExpiresAt, r.Language),
			MessageID: d.messageID()})
		return &rc, err
	}
	return nil, errNotConfigured
}

// errNotConfigured: the channel a queued job needs is no longer configured
// (the configuration changed after the release). Retrying will not help.
var errNotConfigured = roi.Errorf(roi.CodeConflict, "The delivery channel is not configured.")

// isPermanent reports whether retrying cannot cure err: the channel said
// so (package send classifies its failures), or the job cannot be carried
// out as configured. Anything else — a database hiccup — is retried.
func isPermanent(err error) bool {
	var se *send.Error
	if errors.As(err, &se) {
		return !se.Temporary
	}
	return errors.Is(err, errNotConfigured)
}

// notification is the e-mail that carries a link and nothing else: no
// names, no request details, nothing from the record.
func notification(org, link string, expires time.Time, lang roi.Language) string {
	if lang == roi.LanguageSpanish {
		if org == "" {
			org = "La oficina de registros"
		}
		return "Hola:\n\n" + org + " tiene registros listos para que usted los descargue de forma segura.\n\n" +
			"Abra este enlace: " + link + "\n\n" +
			"Se le pedirá un código de un solo uso, que enviamos a esta dirección cuando usted lo pida. " +
			"El archivo está protegido con una contraseña que la oficina de registros le da por separado.\n\n" +
			"El enlace funciona hasta el " + spanishDate(expires) + ". " +
			"Si usted no pidió registros, avise a la oficina de registros y no abra el enlace.\n"
	}
	if org == "" {
		org = "The records office"
	}
	return "Hello,\n\n" + org + " has records ready for you to download securely.\n\n" +
		"Open this link: " + link + "\n\n" +
		"You will be asked for a one-time code, which we send to this address when you ask for it. " +
		"The file is protected by a password that the records office gives you separately.\n\n" +
		"The link works until " + expires.UTC().Format("January 2, 2006") + ". " +
		"If you did not ask for records, tell the records office and do not open the link.\n"
}

// RunDeliveries works the delivery queue until ctx ends, polling when it
// is empty.
func (d *Desk) RunDeliveries(ctx context.Context, worker string, poll time.Duration) {
	for {
		worked, err := d.Deliver(ctx, worker)
		if err != nil && ctx.Err() == nil {
			slog.Error("delivery queue", "err", err)
		}
		if worked && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(poll):
		}
	}
}

// Complete records how a packet left by a channel staff carry out: for
// postal mail the carrier, the tracking number and the day it was mailed;
// for fax the pages sent, the machine's confirmation and when; for a
// pickup who took it and how their identity was checked. Tracking alone
// is still taken as a fax confirmation (the API's first form). It is the
// receipt's details as typed, before receipt keeps the channel's own.
type Complete = roi.DeliveryDetails

// receipt checks what staff recorded for a delivery by channel and
// returns it as the receipt kept with the delivery and in the ledger.
func (d *Desk) receipt(channel roi.Delivery, actor string, in Complete) (roi.DeliveryReceipt, error) {
	tr := strings.TrimSpace
	rc := roi.DeliveryReceipt{Channel: channel, DeliveryDetails: roi.DeliveryDetails{Note: tr(in.Note)}, RecordedBy: actor}
	switch channel {
	case roi.DeliveryMail:
		rc.Carrier, rc.Tracking, rc.Mailed = tr(in.Carrier), tr(in.Tracking), in.Mailed
		if rc.Tracking == "" {
			return rc, invalid("Record the tracking number of the mailing.")
		}
		if !rc.Mailed.Known() {
			rc.Mailed = d.Today()
		}
		if rc.Mailed > d.Today() {
			return rc, invalid("The day mailed cannot be in the future.")
		}
	case roi.DeliveryFax:
		rc.Confirmation, rc.Pages = tr(in.Confirmation), in.Pages
		if rc.Confirmation == "" {
			rc.Confirmation = tr(in.Tracking)
		}
		if rc.Confirmation == "" {
			return rc, invalid("Record the fax confirmation number from the fax machine's report.")
		}
		if rc.Pages < 0 || rc.Pages > 100_000 {
			return rc, invalid("The pages sent must be a number of pages.")
		}
		now := d.Now()
		if in.SentAt != nil {
			if in.SentAt.After(now.Add(5 * time.Minute)) {
				return rc, invalid("The time the fax was sent cannot be in the future.")
			}
			now = in.SentAt.UTC()
		}
		rc.SentAt = &now
	case roi.DeliveryPickup:
		rc.PickedUpBy, rc.IDChecked = tr(in.PickedUpBy), tr(in.IDChecked)
		// The API's first form named neither; the pages ask for both.
		if (rc.PickedUpBy == "") != (rc.IDChecked == "") {
			return rc, invalid("Record both who picked the records up and how their identity was checked.")
		}
	default:
		return rc, roi.Errorf(roi.CodeConflict, "A %s delivery completes by itself; staff cannot record it.", channel)
	}
	return rc, nil
}

// CompleteDelivery finishes a waiting delivery with the receipt staff
// recorded, in the ledger.
func (d *Desk) CompleteDelivery(ctx context.Context, actor string, deliveryID int64, in Complete) (*roi.DeliveryRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	job, err := d.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	rc, err := d.receipt(job.Channel, actor, in)
	if err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, job.RequestID)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(rc)
	if err := d.store.CompleteWaiting(ctx, job.ID, body, roi.Event{Kind: roi.EventDelivery, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.DeliveryBody{DeliveryID: job.ID, Packet: job.Packet, Channel: job.Channel, Receipt: rc}}); err != nil {
		return nil, err
	}
	return d.store.Delivery(ctx, job.ID)
}

// CompleteRequestDelivery is CompleteDelivery for a delivery named under
// its request (the delivery page): a delivery of another request is not
// found.
func (d *Desk) CompleteRequestDelivery(ctx context.Context, actor string, id roi.RequestID, deliveryID int64, in Complete) (*roi.DeliveryRecord, error) {
	job, err := d.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if job.RequestID != id {
		return nil, roi.Errorf(roi.CodeNotFound, "Delivery not found.")
	}
	return d.CompleteDelivery(ctx, actor, deliveryID, in)
}

// Deliveries returns request id's delivery jobs.
func (d *Desk) Deliveries(ctx context.Context, id roi.RequestID) ([]*roi.DeliveryRecord, error) {
	if _, err := d.store.Request(ctx, id); err != nil {
		return nil, err
	}
	return d.store.Deliveries(ctx, id)
}

// errLinkClosed is what a requester hears about any link that no longer
// works, whatever the reason, so the answer tells an attacker nothing.
var errLinkClosed = roi.Errorf(roi.CodeForbidden, "This download link no longer works. Ask the records office for a new one.")

// SendCode sends a one-time code for the portal link token to the e-mail
// address on file for its request. It never says where it was sent.
func (d *Desk) SendCode(ctx context.Context, token string) error {
	if d.Mail == nil {
		return roi.Errorf(roi.CodeConflict, "Codes by e-mail are not configured here; the records office can give you a code by telephone.")
	}
	var code string
	var to string
	err := d.store.UsePortalLink(ctx, hashToken(token), func(l *roi.PortalLink) ([]roi.Event, error) {
		if !d.linkOpen(l) {
			return nil, errLinkClosed
		}
		r, err := d.store.Request(ctx, l.RequestID)
		if err != nil {
			return nil, err
		}
		if _, err := mail.ParseAddress(r.Contact); err != nil {
			return nil, roi.Errorf(roi.CodeConflict, "There is no e-mail address on file for this link; the records office can give you a code by telephone.")
		}
		if code, err = newCode(); err != nil {
			return nil, err
		}
		to = r.Contact
		l.CodeHash, l.CodeExpires = hashCode(l.ID, code), d.Now().Add(CodeLifetime)
		return []roi.Event{{Kind: roi.EventPortalCode, RequestID: r.ID, PatientID: r.PatientID, Actor: "portal",
			Body: roi.PortalCodeBody{Link: l.ID, SentBy: "email"}}}, nil
	})
	if err != nil {
		return err
	}
	_, err = d.Mail.Send(ctx, send.Message{To: to, Subject: "Your one-time code",
		Text: "Your one-time code is " + code + ". It works for " + CodeLifetime.String() + ". Do not share it.\n"})
	if err != nil {
		return roi.WrapOp("workflow.portal-code-send", roi.CodeInternal, err, "The code could not be sent just now; try again in a few minutes.")
	}
	return nil
}

// IssueCode gives staff a one-time code for request id's newest portal
// link, to read to the requester over the telephone after checking who
// they are. The code is shown once and stored only as a hash.
func (d *Desk) IssueCode(ctx context.Context, actor string, id roi.RequestID) (string, error) {
	if err := requireActor(actor); err != nil {
		return "", err
	}
	var code string
	err := d.store.UseLatestPortalLink(ctx, id, func(l *roi.PortalLink) ([]roi.Event, error) {
		if !d.Now().Before(l.ExpiresAt) {
			return nil, roi.Errorf(roi.CodeConflict, "The request's portal link has expired; release a new packet.")
		}
		var err error
		if code, err = newCode(); err != nil {
			return nil, err
		}
		l.CodeHash, l.CodeExpires, l.CodeAttempts = hashCode(l.ID, code), d.Now().Add(CodeLifetime), 0
		return []roi.Event{{Kind: roi.EventPortalCode, RequestID: l.RequestID, Actor: actor, Body: roi.PortalCodeBody{Link: l.ID, SentBy: "staff"}}}, nil
	})
	if roi.CodeOf(err) == roi.CodeNotFound {
		return "", roi.Errorf(roi.CodeNotFound, "The request has no portal link.")
	}
	return code, err
}

func (d *Desk) linkOpen(l *roi.PortalLink) bool {
	return d.Now().Before(l.ExpiresAt) && l.CodeAttempts < MaxCodeAttempts
}

// Download checks a portal link and its one-time code and returns the
// encrypted packet. Every download is a ledger entry; the first completes
// a portal delivery. A wrong code counts towards locking the link.
func (d *Desk) Download(ctx context.Context, token, code string) (*roi.PacketRecord, []byte, error) {
	var packetID int64
	var rid roi.RequestID
	err := d.store.UsePortalLink(ctx, hashToken(token), func(l *roi.PortalLink) ([]roi.Event, error) {
		if !d.linkOpen(l) {
			return nil, errLinkClosed
		}
		if l.CodeHash == "" || !d.Now().Before(l.CodeExpires) {
			return nil, roi.Errorf(roi.CodeForbidden, "Ask for a new one-time code first.")
		}
		if subtle.ConstantTimeCompare([]byte(hashCode(l.ID, strings.TrimSpace(code))), []byte(l.CodeHash)) != 1 {
			l.CodeAttempts++
			ev := roi.Event{Kind: roi.EventPortalCodeFail, RequestID: l.RequestID, Actor: "portal", Body: roi.PortalCodeFailBody{Link: l.ID, Attempts: l.CodeAttempts}}
			return []roi.Event{ev}, roi.Errorf(roi.CodeForbidden, "That code is not right.")
		}
		// A code works once.
		l.CodeHash, l.CodeExpires = "", time.Time{}
		l.Downloads++
		packetID, rid = l.Packet, l.RequestID
		return []roi.Event{{Kind: roi.EventDownload, RequestID: l.RequestID, Actor: "portal",
			Body: roi.DownloadBody{Link: l.ID, Packet: l.Packet, Download: l.Downloads}}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	rec, content, err := d.store.PacketContent(ctx, packetID)
	if err != nil {
		return nil, nil, err
	}
	// The first download completes a portal delivery.
	jobs, err := d.store.Deliveries(ctx, rid)
	if err != nil {
		return nil, nil, err
	}
	for _, j := range jobs {
		if j.Packet == packetID && j.Channel == roi.DeliveryPortal && j.State == roi.DeliveryWaiting {
			rc := roi.DownloadReceipt{Channel: j.Channel, Downloaded: true, SHA256: rec.SHA256}
			receipt, _ := json.Marshal(rc)
			err := d.store.CompleteWaiting(ctx, j.ID, receipt, roi.Event{Kind: roi.EventDelivery, RequestID: rid, Actor: "portal",
				Body: roi.DeliveryDownloadedBody{DeliveryID: j.ID, Packet: j.Packet, Channel: j.Channel, Receipt: rc}})
			if err != nil && !errors.Is(err, context.Canceled) && roi.CodeOf(err) != roi.CodeConflict {
				return nil, nil, err
			}
		}
	}
	return rec, content, nil
}

// Packets returns request id's packets.
func (d *Desk) Packets(ctx context.Context, id roi.RequestID) ([]*roi.PacketRecord, error) {
	if _, err := d.store.Request(ctx, id); err != nil {
		return nil, err
	}
	return d.store.Packets(ctx, id)
}

// PacketFile returns one of request id's packets, encrypted as it left,
// for staff to print for the mail or to check; the ledger records it.
func (d *Desk) PacketFile(ctx context.Context, actor string, id roi.RequestID, packetID int64) (*roi.PacketRecord, []byte, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	p, content, err := d.store.PacketContent(ctx, packetID)
	if err != nil {
		return nil, nil, err
	}
	if p.RequestID != id {
		return nil, nil, roi.Errorf(roi.CodeNotFound, "Packet not found.")
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventView, RequestID: id, Actor: actor, Body: roi.ViewBody{What: "packet", PacketID: p.ID}})
	return p, content, err
}

// DeliveryView is a delivery page: what staff do to send one packet by
// mail, fax or pickup, or how it went.
type DeliveryView struct {
	Request  *roi.DeskRequest
	Patient  *roi.PatientRecord
	Delivery *roi.DeliveryRecord
	Packet   *roi.PacketRecord
	// Letters are the letters that go with the packet (the cover letter,
	// a partial denial), from the stored decision.
	Letters []string
	// Receipt is what staff recorded when the delivery was completed by
	// hand; nil before, and for deliveries that complete by themselves.
	Receipt *roi.DeliveryReceipt
	// Recipient is who the packet is addressed to.
	Recipient string
}

// DeliveryPage returns the delivery page's view of one of request id's
// deliveries; the look is recorded as a view of the request's PHI.
func (d *Desk) DeliveryPage(ctx context.Context, actor string, id roi.RequestID, deliveryID int64) (*DeliveryView, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	job, err := d.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if job.RequestID != id {
		return nil, roi.Errorf(roi.CodeNotFound, "Delivery not found.")
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &DeliveryView{Request: r, Delivery: job, Recipient: cmp.Or(r.Recipient, r.Requester.Name)}
	if v.Patient, err = d.store.Patient(ctx, r.PatientID); err != nil {
		return nil, err
	}
	packets, err := d.store.Packets(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, p := range packets {
		if p.ID == job.Packet {
			v.Packet = p
		}
	}
	decisions, err := d.store.Decisions(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(decisions) - 1; i >= 0; i-- {
		if decisions[i].Kind == roi.DecisionByPerson {
			var f Final
			if err := json.Unmarshal(decisions[i].Body, &f); err != nil {
				return nil, roi.WrapOp("workflow.decision-read", roi.CodeInternal, err, "A stored decision does not read.")
			}
			v.Letters = LettersFor(r, &f)
			break
		}
	}
	if job.State == roi.DeliveryDone && len(job.Receipt) > 0 {
		switch job.Channel {
		case roi.DeliveryMail, roi.DeliveryFax, roi.DeliveryPickup:
			var rc roi.DeliveryReceipt
			if err := json.Unmarshal(job.Receipt, &rc); err != nil {
				return nil, roi.WrapOp("workflow.receipt-read", roi.CodeInternal, err, "A delivery's receipt does not read.")
			}
			v.Receipt = &rc
		}
	}
	return v, d.viewed(ctx, actor, id, r.PatientID, roi.ViewBody{What: "delivery", PacketID: job.Packet})
}

// notificationSubject is the subject of the download-link e-mail.
func notificationSubject(lang roi.Language) string {
	if lang == roi.LanguageSpanish {
		return "Sus registros están listos para descargar"
	}
	return "Your records are ready to download"
}

var spanishMonths = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

// spanishDate writes a day as a Spanish letter does: 6 de diciembre de 2026.
func spanishDate(t time.Time) string {
	t = t.UTC()
	return strconv.Itoa(t.Day()) + " de " + spanishMonths[t.Month()-1] + " de " + strconv.Itoa(t.Year())
}
