package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// PacketCheck is what verifying a packet file found: which release it is,
// the ledger entry that records it, and whether every item still matches
// the source resources it was rendered from.
type PacketCheck struct {
	SHA256        string   `json:"sha256"`
	PacketID      string   `json:"packet_id"`
	RequestNumber string   `json:"request_number"`
	Pages         int      `json:"pages"`
	Disclosed     roi.Date `json:"disclosed"`
	LedgerSeq     int64    `json:"ledger_seq"`
	LedgerHash    string   `json:"ledger_hash"`
	LedgerOK      bool     `json:"ledger_ok"`
	Items         int      `json:"items"`
	// ChangedItems lists items whose stored source no longer hashes to
	// what was sent (the record was re-imported with other content since).
	ChangedItems []string `json:"changed_items"`
}

// ErrUnknownPacket: the file is not a packet this desk released, or it
// was altered after it left.
var ErrUnknownPacket = roi.Errorf(roi.CodeNotFound, "This file matches no packet this desk released: it is another file, or it was altered after it left.")

// VerifyPacket checks a packet file against the ledger: its SHA-256 must
// be the one a disclosure entry recorded, and the ledger's hash chain must
// verify up to and past that entry.
func (d *Desk) VerifyPacket(ctx context.Context, content []byte) (*PacketCheck, error) {
	sum := sha256.Sum256(content)
	hexsum := hex.EncodeToString(sum[:])
	rec, err := d.store.PacketBySHA256(ctx, hexsum)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return nil, ErrUnknownPacket
	}
	if err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, rec.RequestID)
	if err != nil {
		return nil, err
	}
	out := &PacketCheck{SHA256: hexsum, PacketID: rec.PacketID, RequestNumber: r.Number, Pages: rec.Pages, ChangedItems: []string{}}
	entries, err := d.store.Ledger(ctx, store.LedgerFilter{RequestID: r.ID, Kind: roi.EventDisclosure})
	if err != nil {
		return nil, err
	}
	var dis *Disclosure
	for _, e := range entries {
		var x Disclosure
		if json.Unmarshal(e.Body, &x) == nil && x.Packet != nil && x.Packet.SHA256 == hexsum {
			dis, out.LedgerSeq, out.LedgerHash = &x, e.Seq, e.Hash
		}
	}
	if dis == nil {
		return nil, roi.Errorf(roi.CodeConflict, "Packet %s is stored but no disclosure in the ledger records it.", rec.PacketID)
	}
	out.Disclosed, out.Items = dis.Date, len(dis.Packet.Items)
	_, err = d.store.VerifyLedger(ctx)
	var broken *ledger.BrokenError
	switch {
	case errors.As(err, &broken):
		out.LedgerOK = false
	case err != nil:
		return nil, err
	default:
		out.LedgerOK = true
	}
	for _, it := range dis.Packet.Items {
		raws, err := d.sourceResources(ctx, r.PatientID, it.Key)
		if err != nil || packet.ResourcesSHA256(raws) != it.SHA256 {
			out.ChangedItems = append(out.ChangedItems, it.Key)
		}
	}
	return out, nil
}
