package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

func testKey(t *testing.T, b byte) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyedChain is chain(n) with entries from `from` on (1-based) sealed by
// key, the key changing to key2 at rotate (0: never).
func keyedChain(n int, from, rotate int, key, key2 *Key) []roi.LedgerEntry {
	es := chain(n)
	for i := range es {
		switch {
		case rotate > 0 && i+1 >= rotate:
			key2.SealEntry(&es[i])
		case from > 0 && i+1 >= from:
			key.SealEntry(&es[i])
		}
	}
	return es
}

func verifyWith(keys *Keyring, es []roi.LedgerEntry) (*Verifier, error) {
	v := NewKeyedVerifier(keys)
	for i := range es {
		if err := v.Check(&es[i]); err != nil {
			return v, err
		}
	}
	return v, nil
}

// TestKeyedRewriteCaught is the M3 attack in miniature: a forger who can
// write the table rewrites an entry and recomputes every hash after it
// with the public Seal. The chain then verifies, but the seals do not.
func TestKeyedRewriteCaught(t *testing.T) {
	k := testKey(t, 1)
	es := keyedChain(10, 1, 0, k, nil)
	if _, err := verifyWith(NewKeyring(k), es); err != nil {
		t.Fatalf("an intact keyed chain: %v", err)
	}
	es[3].Body = json.RawMessage(`{"n":99}`)
	prev := es[3].PrevHash
	for i := 3; i < len(es); i++ {
		Seal(prev, &es[i])
		prev = es[i].Hash
	}
	// Without the key the rewrite passes: what the attack exploited.
	if err := verify(es); err != nil {
		t.Fatalf("the unkeyed check should not see a recomputed chain: %v", err)
	}
	_, err := verifyWith(NewKeyring(k), es)
	var b *BrokenError
	if !errors.As(err, &b) || b.Seq != 4 || !strings.Contains(b.Reason, "seal") {
		t.Fatalf("keyed check of a rewritten chain: %v, want entry 4's seal broken", err)
	}
	// Stripping the seals from the rewritten tail is a break too.
	for i := 3; i < len(es); i++ {
		es[i].KeyID, es[i].MAC = "", ""
	}
	_, err = verifyWith(NewKeyring(k), es)
	if !errors.As(err, &b) || b.Seq != 4 || !strings.Contains(b.Reason, "no ledger-key seal") {
		t.Fatalf("stripped seals: %v, want entry 4 unsealed after sealed ones", err)
	}
	// A forger with another key of their own gets nowhere either.
	es = keyedChain(10, 1, 0, k, nil)
	testKey(t, 9).SealEntry(&es[5])
	if _, err = verifyWith(NewKeyring(k), es); !errors.As(err, &b) || b.Seq != 6 || !strings.Contains(b.Reason, "not configured") {
		t.Fatalf("an entry sealed with an unknown key: %v", err)
	}
}

// TestRotation: entries sealed with a retired key verify while the key is
// kept in the ring, and not once it is dropped.
func TestRotation(t *testing.T) {
	old, cur := testKey(t, 1), testKey(t, 2)
	if old.ID() == cur.ID() || len(old.ID()) != 8 {
		t.Fatalf("key ids %q %q", old.ID(), cur.ID())
	}
	// Entries 1-3 unkeyed (before any key), 4-6 old key, 7-10 new key.
	es := keyedChain(10, 4, 7, old, cur)
	v, err := verifyWith(NewKeyring(cur, old), es)
	if err != nil {
		t.Fatalf("rotated chain with both keys: %v", err)
	}
	if n, since := v.Keyed(); n != 7 || since != 4 {
		t.Errorf("Keyed = %d since %d, want 7 since 4", n, since)
	}
	_, err = verifyWith(NewKeyring(cur), es)
	var b *BrokenError
	if !errors.As(err, &b) || b.Seq != 4 {
		t.Errorf("without the retired key: %v, want entry 4 not verifiable", err)
	}
	// Without any key the chain still verifies (as before keys existed),
	// and the verifier says how many entries carry seals it did not check.
	v, err = verifyWith(nil, es)
	if n, _ := v.Keyed(); err != nil || n != 7 {
		t.Errorf("no keys: %v, %d keyed", err, n)
	}
}

func TestCheckpointSignature(t *testing.T) {
	k := testKey(t, 3)
	ring := NewKeyring(k)
	c := &Checkpoint{Seq: 42, Head: strings.Repeat("ab", 32), At: "2026-03-02T09:00:00.000000Z"}
	k.SignCheckpoint(c)
	back, err := ParseCheckpoint(MarshalCheckpoint(c))
	if err != nil || *back != *c {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	if err := ring.CheckCheckpoint(back); err != nil {
		t.Fatalf("a checkpoint as signed: %v", err)
	}
	for name, mutate := range map[string]func(c *Checkpoint){
		"seq lowered":  func(c *Checkpoint) { c.Seq = 30 },
		"head changed": func(c *Checkpoint) { c.Head = strings.Repeat("cd", 32) },
		"time changed": func(c *Checkpoint) { c.At = "2026-03-03T09:00:00.000000Z" },
	} {
		x := *c
		mutate(&x)
		if err := ring.CheckCheckpoint(&x); !errors.Is(err, ErrCheckpointForged) {
			t.Errorf("%s: %v, want forged", name, err)
		}
	}
	other := testKey(t, 4)
	x := *c
	other.SignCheckpoint(&x)
	if err := ring.CheckCheckpoint(&x); !errors.Is(err, ErrCheckpointKey) {
		t.Errorf("signed with another key: %v", err)
	}
	// An entry's MAC is never a checkpoint's.
	e := chain(1)[0]
	k.SealEntry(&e)
	if e.MAC == c.MAC {
		t.Error("entry and checkpoint MACs coincide")
	}
}

func TestCanonicalWithRefs(t *testing.T) {
	e := chain(1)[0]
	before := Hash(Genesis, &e)
	e.Refs = "v1 request:1:abc"
	if Hash(Genesis, &e) == before {
		t.Error("refs are not covered by the hash")
	}
	want := `[1,"2026-03-02T09:00:00.000000Z","intake",0,7,"clerk",{"n":1},"v1 request:1:abc"]`
	if got := string(Canonical(&e)); got != want {
		t.Errorf("Canonical=%s, want %s", got, want)
	}
}
