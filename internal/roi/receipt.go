package roi

import "time"

// DeliveryReceipt is how a packet left by a channel staff carry out, as
// they recorded it: postal mail (carrier, tracking number, the day it was
// mailed), fax (pages sent, the machine's confirmation, when), or pickup
// (who took it and how their identity was checked).
//
// The details sit between the channel and who recorded them, so the JSON
// keys and their order are those of the receipts written before the
// details became a type of their own.
type DeliveryReceipt struct {
	Channel Delivery `json:"channel"`
	DeliveryDetails
	RecordedBy string `json:"recorded_by"`
}

// DeliveryDetails is what staff record when they complete a delivery by
// hand (the workflow's Complete): only the channel's own fields are kept
// in the receipt.
type DeliveryDetails struct {
	Carrier      string     `json:"carrier,omitempty"`
	Tracking     string     `json:"tracking,omitempty"`
	Mailed       Date       `json:"mailed,omitempty"`
	Pages        int        `json:"pages,omitempty"`
	Confirmation string     `json:"confirmation,omitempty"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	PickedUpBy   string     `json:"picked_up_by,omitempty"`
	IDChecked    string     `json:"id_checked,omitempty"`
	Note         string     `json:"note,omitempty"`
}

// DeliveryBody is the body of the EventDelivery staff record when they
// complete a mail, fax or pickup delivery.
type DeliveryBody struct {
	DeliveryID int64           `json:"delivery_id"`
	Packet     int64           `json:"packet"`
	Channel    Delivery        `json:"channel"`
	Receipt    DeliveryReceipt `json:"receipt"`
}
