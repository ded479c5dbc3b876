package workflow

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Disclosure is the ledger's record of one disclosure: everything the
// accounting of disclosures (164.528(b)) needs and everything needed later
// to show what was sent, to whom, how and why.
type Disclosure struct {
	RequestNumber string       `json:"request_number"`
	Date          roi.Date     `json:"date"`
	Recipient     string       `json:"recipient"`
	Address       string       `json:"address"`
	Items         []string     `json:"items"`
	Description   string       `json:"description"`
	Purpose       string       `json:"purpose"`
	Basis         roi.Basis    `json:"basis"`
	Delivery      roi.Delivery `json:"delivery"`
	// ReliedOn lists the evidence (authorization, order, subpoena, warrant,
	// directive) the disclosure rests on.
	ReliedOn    []int64 `json:"relied_on"`
	Accountable bool    `json:"accountable"`
	Part2Notice bool    `json:"part2_notice"`
	DecisionID  int64   `json:"decision_id"`
	// Packet binds the disclosure to the file that carried it.
	Packet *PacketRef `json:"packet,omitempty"`
}

// Issued is what a release hands staff once and never stores: the
// packet's password, which travels to the recipient separately (telephone,
// letter), and the portal link for a portal delivery.
type Issued struct {
	Packet   *roi.PacketRecord
	Password string
	Link     string
	Delivery *roi.DeliveryRecord
}

// purposes say, for each basis, the purpose an accounting shows: a brief
// statement that reasonably informs the individual (164.528(b)(2)(iv)).
var purposes = map[roi.Basis]string{
	roi.BasisAccess:          "Copy provided at the individual's request (right of access)",
	roi.BasisDirective:       "Copy sent to the individual's designee at the individual's written direction",
	roi.BasisAuthorization:   "Disclosure under the individual's written authorization",
	roi.BasisTreatment:       "Treatment by another health care provider",
	roi.BasisPayment:         "Payment",
	roi.BasisOperations:      "Health care operations",
	roi.BasisSubpoena:        "Response to a subpoena in a judicial or administrative proceeding",
	roi.BasisCourtOrder:      "Response to a court order",
	roi.BasisWarrant:         "Response to a warrant",
	roi.BasisLawEnforcement:  "Law enforcement purposes",
	roi.BasisPublicHealth:    "Public health activities required or authorized by law",
	roi.BasisHealthOversight: "Health oversight activities",
	roi.BasisWorkersComp:     "Workers' compensation, as authorized by state law",
	roi.BasisCoroner:         "Coroner or medical examiner duties",
}

var reliedOnTypes = map[string]bool{"authorization": true, "court-order": true, "subpoena": true, "warrant": true, "directive": true}

// Release discloses an approved request: the items its decision released
// (and nothing else) are rendered into an encrypted packet, and the
// packet, the disclosure and the delivery job are stored in the same
// transaction as the status change — there is never a disclosure without
// its delivery, nor a delivery without its disclosure. The ledger's
// disclosure entry carries the hashes of the packet and of every item.
func (d *Desk) Release(ctx context.Context, actor string, id roi.RequestID, version int) (*roi.DeskRequest, *Disclosure, *Issued, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if r.Status != roi.StatusApproved {
		return nil, nil, nil, roi.Errorf(roi.CodeConflict, "Request %s is %s; only an approved request is released.", r.Number, r.Status)
	}
	final, decisionID, err := d.finalDecision(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(final.Release) == 0 {
		return nil, nil, nil, roi.Errorf(roi.CodeConflict, "Request %s has nothing approved for release.", r.Number)
	}
	job, err := d.deliveryFor(r)
	if err != nil {
		return nil, nil, nil, err
	}
	evidence, err := d.store.Evidence(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := d.requireReview(ctx, r, final, chart); err != nil {
		return nil, nil, nil, err
	}
	// The cover letter names what is withheld: nothing resting on no
	// exception goes in it without the privacy officer's reason.
	if err := d.requireExplained(ctx, r, decisionID, false, "the release"); err != nil {
		return nil, nil, nil, err
	}
	f, err := d.factsFrom(ctx, r, chart, evidence)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := d.buildPacket(ctx, r, final, chart, f, actor)
	if err != nil {
		return nil, nil, nil, err
	}
	issued := &Issued{Packet: b.record, Password: b.password, Delivery: job}
	var token, tokenHash string
	if r.Delivery == roi.DeliveryPortal {
		if token, tokenHash, err = newToken(); err != nil {
			return nil, nil, nil, err
		}
		issued.Link = d.linkURL(token, r.Language)
	}
	dis := &Disclosure{RequestNumber: r.Number, Date: d.Today(), Recipient: r.Recipient, Address: r.Contact,
		Items: final.Release, Basis: r.Basis, Delivery: r.Delivery, Accountable: final.Accountable,
		Part2Notice: final.Part2Notice, DecisionID: decisionID, Purpose: purposes[r.Basis]}
	if dis.Recipient == "" {
		dis.Recipient = r.Requester.Name
	}
	dis.Description = describe(chart, final.Release)
	dis.Packet = b.ref
	for _, e := range evidence {
		if reliedOnTypes[e.Type] && e.Active() {
			dis.ReliedOn = append(dis.ReliedOn, e.ID)
		}
	}
	r, err = d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		to := roi.StatusReleased
		if len(final.Withhold) > 0 {
			to = roi.StatusPartiallyReleased
		}
		mv, err := move(r, to, actor, "released")
		if err != nil {
			return err
		}
		if err := tx.SetAwaitingReview(false); err != nil {
			return err
		}
		if err := tx.AddPacket(b.record, b.content); err != nil {
			return err
		}
		job.Packet = b.record.ID
		if err := tx.AddDelivery(job); err != nil {
			return err
		}
		if tokenHash != "" {
			if err := tx.AddPortalLink(&roi.PortalLink{Packet: b.record.ID, ExpiresAt: d.Now().Add(LinkLifetime)}, tokenHash); err != nil {
				return err
			}
		}
		if err := tx.Append(roi.Event{Kind: roi.EventDisclosure, Actor: actor, Body: dis}); err != nil {
			return err
		}
		if err := tx.Append(roi.Event{Kind: roi.EventDeliveryQueued, Actor: actor, Body: roi.DeliveryQueuedBody{
			DeliveryID: job.ID, Packet: b.record.ID, Channel: job.Channel, State: job.State}}); err != nil {
			return err
		}
		return tx.Append(mv)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return r, dis, issued, nil
}

// describe is the brief description of the PHI disclosed: the kinds of
// records and their date range, never their content.
func describe(chart []roi.ChartItem, keys []string) string {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	counts := map[string]int{}
	var order []string
	from, to := roi.NoDate, roi.NoDate
	for _, it := range chart {
		if !want[it.Key] {
			continue
		}
		if counts[it.Type] == 0 {
			order = append(order, it.Type)
		}
		counts[it.Type]++
		if !from.Known() || it.Date < from {
			from = it.Date
		}
		if it.Date > to {
			to = it.Date
		}
	}
	var parts []string
	for _, t := range order {
		parts = append(parts, strconv.Itoa(counts[t])+" "+t+plural(counts[t]))
	}
	s := strings.Join(parts, ", ")
	if from.Known() {
		s += " dated " + from.String() + " to " + to.String()
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// finalDecision returns the latest person's decision of request id.
func (d *Desk) finalDecision(ctx context.Context, id roi.RequestID) (*Final, int64, error) {
	ds, err := d.store.Decisions(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Kind == roi.DecisionByPerson {
			var f Final
			if err := json.Unmarshal(ds[i].Body, &f); err != nil {
				return nil, 0, err
			}
			return &f, ds[i].ID, nil
		}
	}
	return nil, 0, roi.Errorf(roi.CodeConflict, "The request has no decision yet.")
}
