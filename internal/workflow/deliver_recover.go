package workflow

import (
	"context"
	"crypto/rand"
	"net/url"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// messageID is a fresh Message-ID for a delivery e-mail: a random part
// (128 bits from crypto/rand) at the host of the desk's public address. A
// delivery number alone (delivery-7@custodian) repeats on every desk and
// after every restore, and mail systems that drop duplicates by
// Message-ID would then drop a different requester's notice.
func (d *Desk) messageID() string {
	host := "custodian.invalid"
	if u, err := url.Parse(d.Org.PortalURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "delivery." + strings.ToLower(rand.Text()) + "@" + host
}

// Reroute says how a failed delivery's packet goes instead: by Channel to
// Target (an e-mail address; the name of an SFTP destination the
// administrator configured; a postal address; a fax number; for pickup,
// how to reach the requester; for the portal, nothing: the link is given
// to staff once, as at release) and why.
type Reroute struct {
	Channel roi.Delivery `json:"channel"`
	Target  string       `json:"target"`
	Reason  string       `json:"reason"`
}

// maxRecoverReason bounds a retry's or re-route's reason: a sentence or
// two for the ledger, not a document.
const maxRecoverReason = 500

func recoverReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxRecoverReason {
		return "", invalid("The reason is too long; say in a sentence or two what was fixed or why the packet goes another way.")
	}
	return s, nil
}

// failedDelivery returns request id's delivery deliveryID, which must
// have failed.
func (d *Desk) failedDelivery(ctx context.Context, id roi.RequestID, deliveryID int64) (*roi.DeliveryRecord, *roi.DeskRequest, error) {
	job, err := d.store.Delivery(ctx, deliveryID)
	if err != nil {
		return nil, nil, err
	}
	if id != 0 && job.RequestID != id {
		return nil, nil, roi.Errorf(roi.CodeNotFound, "Delivery not found.")
	}
	if job.State != roi.DeliveryFailed {
		return nil, nil, roi.Errorf(roi.CodeConflict, "Delivery %d has not failed; only a failed delivery is retried or re-routed.", job.ID)
	}
	r, err := d.store.Request(ctx, job.RequestID)
	if err != nil {
		return nil, nil, err
	}
	return job, r, nil
}

// RetryDelivery queues a failed delivery again by the same channel to the
// same destination, from its first attempt, once staff fixed the cause (a
// pinned host key corrected, a file removed from the far end). The packet
// is the one released: no new release, no new decision. The channel is
// checked as a release checks it. id 0 skips the check that the delivery
// belongs to a request (the API names deliveries alone).
func (d *Desk) RetryDelivery(ctx context.Context, actor string, id roi.RequestID, deliveryID int64, reason string) (*roi.DeliveryRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	reason, err := recoverReason(reason)
	if err != nil {
		return nil, err
	}
	job, r, err := d.failedDelivery(ctx, id, deliveryID)
	if err != nil {
		return nil, err
	}
	next, err := d.jobFor(job.Channel, job.Target)
	if err != nil {
		return nil, err
	}
	ev := roi.Event{Kind: roi.EventDeliveryRetried, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.DeliveryRetriedBody{DeliveryID: job.ID, Packet: job.Packet, Channel: job.Channel,
			FailedAttempts: job.Attempts, State: next.State, Reason: reason}}
	if err := d.store.RequeueFailed(ctx, job.ID, next.State, ev); err != nil {
		return nil, err
	}
	return d.store.Delivery(ctx, job.ID)
}

// Rerouted is what a re-route hands staff: the delivery now carrying the
// packet and, for the portal, the download link, shown once and never
// stored (only its hash is).
type Rerouted struct {
	Delivery *roi.DeliveryRecord
	Link     string
}

// RerouteDelivery sends a failed delivery's packet by another channel or
// to another destination: e-mail, SFTP, the portal, postal mail, fax or
// pickup, each checked as a release checks it. The packet is the one
// released, with the same password; the failed delivery stays failed in
// the history and the ledger links the two. id 0 skips the check that the
// delivery belongs to a request.
func (d *Desk) RerouteDelivery(ctx context.Context, actor string, id roi.RequestID, deliveryID int64, in Reroute) (*Rerouted, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	reason, err := recoverReason(in.Reason)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(roi.Deliveries, in.Channel) {
		return nil, invalid("Choose how the packet goes: email, sftp, portal, mail, fax or pickup.")
	}
	job, r, err := d.failedDelivery(ctx, id, deliveryID)
	if err != nil {
		return nil, err
	}
	target := strings.TrimSpace(in.Target)
	switch in.Channel {
	case roi.DeliveryPortal:
		// The portal's one-time codes go to the request's contact.
		target = r.Contact
	case roi.DeliveryMail, roi.DeliveryFax:
		if target == "" {
			return nil, invalid("Give the mailing address or fax number the packet goes to.")
		}
	case roi.DeliveryPickup:
		if target == "" {
			target = r.Contact
		}
	}
	if len(target) > 1000 {
		return nil, invalid("The destination is too long.")
	}
	if in.Channel == job.Channel && target == job.Target {
		return nil, roi.Errorf(roi.CodeConflict, "That is the channel and destination that failed; retry the delivery instead.")
	}
	next, err := d.jobFor(in.Channel, target)
	if err != nil {
		return nil, err
	}
	out := &Rerouted{Delivery: next}
	var link *roi.PortalLink
	var tokenHash string
	if in.Channel == roi.DeliveryPortal {
		var token string
		if token, tokenHash, err = newToken(); err != nil {
			return nil, err
		}
		link = &roi.PortalLink{ExpiresAt: d.Now().Add(LinkLifetime)}
		out.Link = d.linkURL(token, r.Language)
	}
	err = d.store.RerouteFailed(ctx, job.ID, next, link, tokenHash, func(n *roi.DeliveryRecord) roi.Event {
		return roi.Event{Kind: roi.EventDeliveryRerouted, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
			Body: roi.DeliveryReroutedBody{From: job.ID, DeliveryID: n.ID, Packet: job.Packet, FromChannel: job.Channel,
				Channel: n.Channel, Target: n.Target, State: n.State, Reason: reason}}
	})
	if err != nil {
		return nil, err
	}
	if out.Delivery, err = d.store.Delivery(ctx, next.ID); err != nil {
		return nil, err
	}
	return out, nil
}
