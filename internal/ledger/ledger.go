// Package ledger seals and checks Custodian's append-only ledger: every
// event and every disclosure, each entry bound to the one before it by a
// SHA-256 hash chain, so that a changed, removed or reordered entry is
// found by walking the chain.
//
// The chain alone is public arithmetic: whoever can write the table can
// recompute every hash. So, when a ledger key is configured (keys.go),
// each entry also carries an HMAC-SHA256 of its hash under a key kept
// outside the database, and checkpoints of the head (checkpoint.go) are
// written outside it too, signed the same way: a rewrite then needs the
// key, and a truncation below a checkpoint is found.
//
// It is pure: the store appends and reads rows, this package computes and
// checks their hashes.
package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is how ledger times are written: UTC with microseconds and a
// fixed width, so that text order is time order and both databases round
// trip it exactly.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Canonical returns the bytes an entry's hash covers: every field but the
// hashes and the seal, in a fixed order, as a JSON array. The body is
// included as the exact bytes stored. The row digests (Refs) are appended
// only when present, so entries written before they existed hash as they
// always did.
func Canonical(e *roi.LedgerEntry) []byte {
	b := make([]byte, 0, 128+len(e.Body))
	b = append(b, '[')
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, ',')
	b = strconv.AppendQuote(b, e.At.UTC().Format(TimeFormat))
	b = append(b, ',')
	b = strconv.AppendQuote(b, string(e.Kind))
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(e.RequestID), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(e.PatientID), 10)
	b = append(b, ',')
	b = strconv.AppendQuote(b, e.Actor)
	b = append(b, ',')
	b = append(b, e.Body...)
	if e.Refs != "" {
		b = append(b, ',')
		b = strconv.AppendQuote(b, e.Refs)
	}
	b = append(b, ']')
	return b
}

// Hash returns the hash of e chained to prev: SHA-256 over prev and the
// canonical entry.
func Hash(prev string, e *roi.LedgerEntry) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(Canonical(e))
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills in e's PrevHash and Hash after prev.
func Seal(prev string, e *roi.LedgerEntry) {
	e.PrevHash = prev
	e.Hash = Hash(prev, e)
}

// Body marshals an event body for the ledger. A nil body is {}.
func Body(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage(`{}`), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("ledger: encode body: %w", err)
	}
	return b, nil
}

// BrokenError names the first entry that does not verify.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("ledger entry %d: %s", e.Seq, e.Reason)
}

// Verifier checks entries one at a time, in order, without holding them.
type Verifier struct {
	prev string
	next int64
	n    int64
	keys *Keyring
	// keyed counts entries sealed with a ledger key; sealedSince is the
	// first of them (0: none yet).
	keyed, sealedSince int64
}

// NewVerifier starts a check at the first entry, without ledger keys:
// the seals of keyed entries are not checked (see Keyed).
func NewVerifier() *Verifier { return &Verifier{prev: Genesis, next: 1} }

// NewKeyedVerifier starts a check that also checks every keyed entry's
// MAC under keys (nil: none configured, as NewVerifier).
func NewKeyedVerifier(keys *Keyring) *Verifier {
	v := NewVerifier()
	v.keys = keys
	return v
}

// ResumeVerifier continues a check after e, an entry already known good
// (the one a checkpoint records): the next entry must follow it.
func ResumeVerifier(keys *Keyring, e *roi.LedgerEntry) *Verifier {
	v := &Verifier{prev: e.Hash, next: e.Seq + 1, n: e.Seq, keys: keys}
	if e.KeyID != "" {
		v.sealedSince, v.keyed = e.Seq, 1
	}
	return v
}

// Check verifies the next entry: it must follow the previous one without a
// gap, point at its hash, and hash to what it says. With keys, a keyed
// entry's MAC must verify under the key it names, and no entry after a
// keyed one may be unkeyed: stripping the seals off a rewritten tail is
// itself a break.
func (v *Verifier) Check(e *roi.LedgerEntry) error {
	switch {
	case e.Seq != v.next:
		return &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("expected entry %d here: an entry is missing or out of order", v.next)}
	case e.PrevHash != v.prev:
		return &BrokenError{Seq: e.Seq, Reason: "its previous-hash does not match the entry before it"}
	case Hash(e.PrevHash, e) != e.Hash:
		return &BrokenError{Seq: e.Seq, Reason: "its content does not match its hash: the entry was changed"}
	case e.KeyID == "" && v.sealedSince != 0:
		return &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("it carries no ledger-key seal though every entry from %d on must: the entries were rewritten without the key", v.sealedSince)}
	}
	if e.KeyID != "" {
		if v.keys != nil {
			k := v.keys.Key(e.KeyID)
			if k == nil {
				return &BrokenError{Seq: e.Seq, Reason: fmt.Sprintf("it is sealed with ledger key %s, which is not configured (give every retired key in the ledger key file)", e.KeyID)}
			}
			if !k.CheckEntry(e) {
				return &BrokenError{Seq: e.Seq, Reason: "its seal does not match: the entry was written or rewritten without the ledger key"}
			}
		}
		if v.sealedSince == 0 {
			v.sealedSince = e.Seq
		}
		v.keyed++
	}
	v.prev, v.next = e.Hash, e.Seq+1
	v.n++
	return nil
}

// Count returns the number of entries checked so far.
func (v *Verifier) Count() int64 { return v.n }

// Keyed returns how many entries checked carry a ledger-key seal, and the
// first of them (0 when none does). Their seals were checked only if the
// verifier has keys.
func (v *Verifier) Keyed() (n, since int64) { return v.keyed, v.sealedSince }

// Head returns the hash of the last entry checked.
func (v *Verifier) Head() string { return v.prev }

// ParseTime reads a ledger time.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeFormat, s) }
