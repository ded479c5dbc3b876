package workflow

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// released takes an approved request by channel via to release and
// returns its waiting delivery.
func released(t *testing.T, via roi.Delivery, contact string) (*fixture, *roi.DeskRequest, *roi.DeliveryRecord) {
	t.Helper()
	f, r := approved(t, via, contact)
	r, _, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Delivery.State != roi.DeliveryWaiting {
		t.Fatalf("%s delivery %s, want waiting", via, iss.Delivery.State)
	}
	return f, r, iss.Delivery
}

// TestDeliveryPage_Fax: the page shows the fax number, the packet and the
// letters; the confirmation is required, stored typed, and in the ledger.
func TestDeliveryPage_Fax(t *testing.T) {
	f, r, job := released(t, roi.DeliveryFax, "555-0188")
	v, err := f.desk.DeliveryPage(f.ctx, "clerk", r.ID, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Delivery.Target != "555-0188" || v.Packet == nil || v.Packet.ID != job.Packet || v.Receipt != nil ||
		len(v.Letters) == 0 || v.Letters[0] != "cover" || v.Patient == nil || v.Recipient == "" {
		t.Fatalf("view %+v", v)
	}
	if _, err := f.desk.DeliveryPage(f.ctx, "clerk", r.ID+1, job.ID); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("a delivery under another request: %v", err)
	}
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID+1, job.ID, Complete{Confirmation: "X"}); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("completed under another request: %v", err)
	}
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{Pages: 12}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a fax without its confirmation: %v", err)
	}
	future := f.desk.Now().Add(time.Hour)
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{Confirmation: "OK-1", SentAt: &future}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a fax sent in the future: %v", err)
	}
	sent := f.desk.Now().Add(-time.Hour).UTC()
	d, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{Confirmation: " OK-4471 ", Pages: 12, SentAt: &sent})
	if err != nil || d.State != roi.DeliveryDone {
		t.Fatalf("complete: %+v %v", d, err)
	}
	v, err = f.desk.DeliveryPage(f.ctx, "clerk", r.ID, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rc := v.Receipt; rc == nil || rc.Confirmation != "OK-4471" || rc.Pages != 12 || rc.SentAt == nil || !rc.SentAt.Equal(sent) ||
		rc.RecordedBy != "clerk" || rc.Channel != roi.DeliveryFax {
		t.Errorf("receipt %+v", v.Receipt)
	}
	es, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID, Kind: roi.EventDelivery})
	if err != nil || len(es) != 1 {
		t.Fatalf("delivery entries %v %v", es, err)
	}
	var body roi.DeliveryBody
	if err := json.Unmarshal(es[0].Body, &body); err != nil || body.DeliveryID != job.ID || body.Receipt.Confirmation != "OK-4471" || body.Receipt.Pages != 12 {
		t.Errorf("ledger body %s: %v", es[0].Body, err)
	}
	// The page was looked at twice, each a view of the request.
	if err := f.desk.Flush(f.ctx); err != nil {
		t.Fatal(err)
	}
	views, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID, Kind: roi.EventView})
	n := 0
	for _, e := range views {
		var vb roi.ViewBody
		json.Unmarshal(e.Body, &vb)
		if vb.What == "delivery" && vb.PacketID == job.Packet && e.Actor == "clerk" {
			n++
		}
	}
	if err != nil || n != 2 {
		t.Errorf("%d views of the delivery page, want 2 (%v)", n, err)
	}
}

// TestDeliveryPage_MailAndPickup: mail keeps the carrier, tracking number
// and day mailed (today unless given; never in the future); a pickup
// records who took it and how their identity was checked, both or none.
func TestDeliveryPage_MailAndPickup(t *testing.T) {
	f, r, job := released(t, roi.DeliveryMail, "1 Main St, Springfield")
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{Carrier: "USPS", Tracking: "9400", Mailed: f.desk.Today().AddDays(1)}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("mailed tomorrow: %v", err)
	}
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{Carrier: "USPS", Tracking: "9400 1", Mailed: f.desk.Today().AddDays(-1)}); err != nil {
		t.Fatal(err)
	}
	v, err := f.desk.DeliveryPage(f.ctx, "clerk", r.ID, job.ID)
	if err != nil || v.Receipt == nil || v.Receipt.Carrier != "USPS" || v.Receipt.Tracking != "9400 1" || v.Receipt.Mailed != f.desk.Today().AddDays(-1) {
		t.Errorf("mail receipt %+v %v", v, err)
	}

	f, r, job = released(t, roi.DeliveryPickup, "front desk")
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{PickedUpBy: "Pat Example"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a pickup without the identity check: %v", err)
	}
	if _, err := f.desk.CompleteRequestDelivery(f.ctx, "clerk", r.ID, job.ID, Complete{PickedUpBy: "Pat Example", IDChecked: "driver's license"}); err != nil {
		t.Fatal(err)
	}
	v, err = f.desk.DeliveryPage(f.ctx, "clerk", r.ID, job.ID)
	if err != nil || v.Receipt == nil || v.Receipt.PickedUpBy != "Pat Example" || v.Receipt.IDChecked != "driver's license" {
		t.Errorf("pickup receipt %+v %v", v, err)
	}
}
