package ledger

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// KeySize is the size of a ledger key, in bytes.
const KeySize = 32

// EventKey is the kind of the entry written when the desk starts sealing
// with a ledger key it had not sealed with before (the first key, or a
// rotation): its body names the key before and the key after, and it is
// itself sealed with the new key.
const EventKey roi.EventKind = "ledger-key"

// KeyBody is an EventKey entry's body. From is "" when the entries before
// were not keyed.
type KeyBody struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Domain-separation prefixes: an entry's MAC can never be taken for a
// checkpoint's, and neither for anything else the key might be used for.
const (
	macEntry      = "custodian ledger v1 entry\x00"
	macCheckpoint = "custodian ledger v1 checkpoint\x00"
)

// Key is a ledger key: 32 random bytes kept outside the database. The
// MAC key is derived from them with HKDF-SHA-256, so the same raw bytes
// used elsewhere by mistake (say, as a vault master key) still give a key
// of its own here.
type Key struct {
	id  string
	mac []byte
}

// NewKey makes a ledger key of 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("ledger: a ledger key is %d bytes, not %d", KeySize, len(raw))
	}
	mk, err := hkdf.Key(sha256.New, raw, nil, "custodian ledger v1: seal entries and checkpoints", KeySize)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return &Key{id: hex.EncodeToString(sum[:4]), mac: mk}, nil
}

// ParseKey reads a ledger key written as base64 (standard or URL
// alphabet, padded or not; surrounding space ignored). custodian keys
// generate writes one.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			if len(raw) != KeySize {
				return nil, fmt.Errorf("ledger: the key decodes to %d bytes; a ledger key is %d (custodian keys generate makes one)", len(raw), KeySize)
			}
			return NewKey(raw)
		}
	}
	return nil, errors.New("ledger: the key is not base64 (custodian keys generate makes one)")
}

// ID names the key: the first 8 hex digits of the SHA-256 of its 32 raw
// bytes (`base64 -d FILE | sha256sum` shows it), as the vault names its
// keys. It is stored with every entry the key seals.
func (k *Key) ID() string { return k.id }

func (k *Key) sum(prefix string, parts ...string) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(prefix))
	for _, p := range parts {
		m.Write([]byte(strconv.Quote(p)))
	}
	return m.Sum(nil)
}

// entryMAC covers the entry's hash (which covers the chain before it, the
// entry's fields and its row digests) and the key's ID.
func (k *Key) entryMAC(e *roi.LedgerEntry) string {
	return hex.EncodeToString(k.sum(macEntry, k.id, strconv.FormatInt(e.Seq, 10), e.Hash))
}

// SealEntry fills in e's KeyID and MAC; e.Hash must be set (Seal).
func (k *Key) SealEntry(e *roi.LedgerEntry) {
	e.KeyID, e.MAC = k.id, k.entryMAC(e)
}

// CheckEntry reports whether e's MAC is the one k gives it.
func (k *Key) CheckEntry(e *roi.LedgerEntry) bool {
	want, err := hex.DecodeString(e.MAC)
	if err != nil {
		return false
	}
	got, _ := hex.DecodeString(k.entryMAC(e))
	return e.KeyID == k.id && hmac.Equal(want, got)
}

// Keyring holds the ledger key that seals new entries and the retired
// keys that older entries were sealed with (rotation: a retired key only
// verifies).
type Keyring struct {
	current *Key
	byID    map[string]*Key
}

// NewKeyring returns a ring sealing with current; retired keys verify the
// entries they sealed. Nil keys are skipped; a nil current gives a nil
// ring (no ledger key).
func NewKeyring(current *Key, retired ...*Key) *Keyring {
	if current == nil {
		return nil
	}
	r := &Keyring{current: current, byID: map[string]*Key{current.id: current}}
	for _, k := range retired {
		if k != nil {
			if _, dup := r.byID[k.id]; !dup {
				r.byID[k.id] = k
			}
		}
	}
	return r
}

// Current is the key that seals new entries and checkpoints.
func (r *Keyring) Current() *Key { return r.current }

// Key returns the key with id, or nil.
func (r *Keyring) Key(id string) *Key { return r.byID[id] }

// Len is the number of keys in the ring.
func (r *Keyring) Len() int { return len(r.byID) }
