package roi

import (
	"encoding/json"
	"time"
)

// PacketRecord is a stored release packet: the encrypted PDF as it left,
// its hashes and its manifest. The password is never stored.
type PacketRecord struct {
	ID          int64
	RequestID   RequestID
	PacketID    string // printed on every page, e.g. R-2026-000042-P1
	SHA256      string // of the encrypted file as delivered
	PlainSHA256 string // of the PDF before encryption
	Pages       int
	Manifest    json.RawMessage
	CreatedBy   string
	CreatedAt   time.Time
}

// DeliveryState is where a delivery job is.
type DeliveryState string

// The delivery states. A job is queued, claimed (running) by one worker
// under a lease, and ends done or failed; mail and fax wait for staff to
// record the tracking number.
const (
	DeliveryQueued  DeliveryState = "queued"
	DeliveryRunning DeliveryState = "running"
	DeliveryWaiting DeliveryState = "waiting"
	DeliveryDone    DeliveryState = "done"
	DeliveryFailed  DeliveryState = "failed"
)

// DeliveryRecord is one delivery job: a packet going out by one channel.
// Target names where (an email address, a configured SFTP destination, a
// postal address) and is PHI-adjacent: never logged.
type DeliveryRecord struct {
	ID        int64
	RequestID RequestID
	Packet    int64 // PacketRecord.ID
	Channel   Delivery
	Target    string
	State     DeliveryState
	Attempts  int
	NextAt    time.Time
	LastError string // a public message, never PHI
	Receipt   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PortalLink is an expiring download link for a packet. Only the hash of
// its token is stored; the one-time code is sent on demand and also kept
// only as a hash.
type PortalLink struct {
	ID           int64
	RequestID    RequestID
	Packet       int64
	ExpiresAt    time.Time
	CodeHash     string
	CodeExpires  time.Time
	CodeAttempts int
	Downloads    int
	CreatedAt    time.Time
}
