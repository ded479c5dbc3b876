package roi

// A failed delivery recovers without a new release: staff retry it by the
// same channel once the cause is fixed, or re-route the same packet by
// another channel or to another destination. The packet, the disclosure
// and the decision stay as released; only how the packet travels changes,
// and the ledger says who changed it and why.
const (
	// EventDeliveryRetried: a person queued a failed delivery again, same
	// channel and destination: DeliveryRetriedBody.
	EventDeliveryRetried EventKind = "delivery-retried"
	// EventDeliveryRerouted: a person sent a failed delivery's packet by
	// another channel or to another destination: DeliveryReroutedBody.
	EventDeliveryRerouted EventKind = "delivery-rerouted"
)

// DeliveryRetriedBody is an EventDeliveryRetried's body: the delivery,
// its packet and channel, how many attempts had failed, and the person's
// reason (what was fixed). The destination is unchanged, so not repeated.
type DeliveryRetriedBody struct {
	DeliveryID     int64         `json:"delivery_id"`
	Packet         int64         `json:"packet"`
	Channel        Delivery      `json:"channel"`
	FailedAttempts int           `json:"failed_attempts"`
	State          DeliveryState `json:"state"`
	Reason         string        `json:"reason,omitempty"`
}

// DeliveryReroutedBody is an EventDeliveryRerouted's body: the failed
// delivery, the delivery that now carries the same packet, the channels,
// the new destination (an e-mail address, a configured SFTP destination's
// name, a postal address or fax number: where the disclosure now goes, as
// the disclosure entry names its address) and the person's reason.
type DeliveryReroutedBody struct {
	From        int64         `json:"from_delivery_id"`
	DeliveryID  int64         `json:"delivery_id"`
	Packet      int64         `json:"packet"`
	FromChannel Delivery      `json:"from_channel"`
	Channel     Delivery      `json:"channel"`
	Target      string        `json:"target"`
	State       DeliveryState `json:"state"`
	Reason      string        `json:"reason,omitempty"`
}
