package ledger

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Checkpoint is a signed statement of the ledger's head at a moment: the
// number of entries and the hash of the last. It is written outside the
// database (a file on other storage), so that whoever controls the
// database cannot take it back: a ledger whose entry Seq no longer has
// hash Head, or that has fewer than Seq entries, was rewritten or cut.
type Checkpoint struct {
	Seq   int64  `json:"seq"`
	Head  string `json:"head"`
	At    string `json:"at"` // TimeFormat
	KeyID string `json:"key_id"`
	MAC   string `json:"mac"`
}

func (k *Key) checkpointMAC(c *Checkpoint) string {
	return hex.EncodeToString(k.sum(macCheckpoint, k.id, strconv.FormatInt(c.Seq, 10), c.Head, c.At))
}

// SignCheckpoint fills in c's KeyID and MAC.
func (k *Key) SignCheckpoint(c *Checkpoint) {
	c.KeyID, c.MAC = k.id, k.checkpointMAC(c)
}

// ErrCheckpointForged: the checkpoint's MAC does not verify under the key
// it names; someone wrote or changed it without the key.
var ErrCheckpointForged = errors.New("ledger: the checkpoint does not authenticate under its ledger key: it was written or changed without the key")

// ErrCheckpointKey: the checkpoint names a ledger key the ring does not
// hold.
var ErrCheckpointKey = errors.New("ledger: the checkpoint is signed with a ledger key that is not configured")

// CheckCheckpoint checks c's MAC under the ring.
func (r *Keyring) CheckCheckpoint(c *Checkpoint) error {
	k := r.Key(c.KeyID)
	if k == nil {
		return ErrCheckpointKey
	}
	want, err := hex.DecodeString(c.MAC)
	got, _ := hex.DecodeString(k.checkpointMAC(c))
	if err != nil || !hmac.Equal(want, got) {
		return ErrCheckpointForged
	}
	return nil
}

// MarshalCheckpoint is a checkpoint file's content: indented JSON and a
// newline, so that a person can read it.
func MarshalCheckpoint(c *Checkpoint) []byte {
	b, _ := json.MarshalIndent(c, "", "  ")
	return append(b, '\n')
}

// ParseCheckpoint reads a checkpoint file's content.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("ledger: not a checkpoint: %w", err)
	}
	if c.Seq < 0 || len(c.Head) != 64 || c.KeyID == "" || c.MAC == "" {
		return nil, errors.New("ledger: not a checkpoint: seq, head, key_id and mac are required")
	}
	return &c, nil
}
