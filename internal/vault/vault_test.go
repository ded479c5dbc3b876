package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewKey(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var secret = []byte("%PDF-1.7 Progress note: Ada Lovelace, MRN 000123, diagnosis …")

func TestSealOpen_RoundTrip(t *testing.T) {
	r := NewRing(mustKey(t))
	for _, plain := range [][]byte{secret, {}, bytes.Repeat([]byte{0}, 1<<16)} {
		blob, err := r.Seal("document", plain)
		if err != nil {
			t.Fatal(err)
		}
		if !IsSealed(blob) || len(blob) != len(plain)+Overhead {
			t.Fatalf("sealed %d bytes into %d; IsSealed %v", len(plain), len(blob), IsSealed(blob))
		}
		if len(plain) > 8 && bytes.Contains(blob, plain[:8]) {
			t.Error("the sealed blob contains the plaintext")
		}
		got, err := r.Open("document", blob)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("open: %v (equal %v)", err, bytes.Equal(got, plain))
		}
		if id, ok := KeyID(blob); !ok || id != r.Current.ID() {
			t.Errorf("KeyID %q %v, want %s", id, ok, r.Current.ID())
		}
	}
	// Each blob its own data key and nonces: the same content twice differs.
	a, _ := r.Seal("document", secret)
	b, _ := r.Seal("document", secret)
	if bytes.Equal(a[offWrapped:], b[offWrapped:]) {
		t.Error("two seals of the same content are equal")
	}
}

func TestKeyID_IsSHA256Prefix(t *testing.T) {
	raw := GenerateKey()
	k, _ := NewKey(raw)
	sum := sha256.Sum256(raw)
	if k.ID() != hex.EncodeToString(sum[:4]) || len(k.ID()) != 8 {
		t.Errorf("ID %s", k.ID())
	}
}

func TestOpen_WrongKeyFails(t *testing.T) {
	blob, _ := NewRing(mustKey(t)).Seal("document", secret)
	got, err := NewRing(mustKey(t)).Open("document", blob)
	if !errors.Is(err, ErrNoKey) || got != nil {
		t.Errorf("open with another key: %q %v", got, err)
	}
	var none *Ring
	if _, err := none.Open("document", blob); !errors.Is(err, ErrNoKey) {
		t.Errorf("open with no ring: %v", err)
	}
	// A key that claims the right ID but is not the key: the wrap fails.
	k := mustKey(t)
	r := NewRing(k)
	blob, _ = r.Seal("document", secret)
	impostor := mustKey(t)
	impostor.id = k.id
	if _, err := NewRing(impostor).Open("document", blob); !errors.Is(err, ErrCorrupt) {
		t.Errorf("open with an impostor key: %v", err)
	}
}

func TestOpen_TamperFails(t *testing.T) {
	r := NewRing(mustKey(t))
	blob, _ := r.Seal("document", secret)
	for i := range len(blob) {
		for bit := range 8 {
			c := bytes.Clone(blob)
			c[i] ^= 1 << bit
			got, err := r.Open("document", c)
			if err == nil {
				t.Fatalf("byte %d bit %d flipped: opened to %q", i, bit, got)
			}
			if got != nil {
				t.Fatalf("byte %d bit %d flipped: content returned with the error", i, bit)
			}
		}
	}
	for _, n := range []int{0, 1, 5, headerSize, len(blob) - 1} {
		if _, err := r.Open("document", blob[:n]); err == nil && n > 0 {
			t.Errorf("truncated to %d bytes: opened", n)
		}
	}
	if _, err := r.Open("document", append(bytes.Clone(blob), 0)); err == nil {
		t.Error("a byte appended: opened")
	}
}

func TestOpen_KindMismatchFails(t *testing.T) {
	r := NewRing(mustKey(t))
	blob, _ := r.Seal("document", secret)
	if _, err := r.Open("packet", blob); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a document opened as a packet: %v", err)
	}
	text, _ := r.SealText("totp", "JBSWY3DPEHPK3PXP")
	if _, err := r.OpenText("document", text); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a TOTP secret opened as a document: %v", err)
	}
}

func TestOpen_LegacyPlaintextPassesThrough(t *testing.T) {
	r := NewRing(mustKey(t))
	var none *Ring
	for _, plain := range [][]byte{secret, []byte("\x89PNG\r\n"), []byte("\xff\xd8\xff\xe0JFIF"), {}, []byte("\x00\x00\x00\x18ftypheic")} {
		for _, ring := range []*Ring{r, none} {
			got, err := ring.Open("document", plain)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("legacy %q: %q %v", plain, got, err)
			}
		}
	}
	if got, err := r.OpenText("totp", "JBSWY3DPEHPK3PXP"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("legacy TOTP secret: %q %v", got, err)
	}
	// With no ring nothing is sealed.
	if got, _ := none.Seal("document", secret); !bytes.Equal(got, secret) {
		t.Error("a nil ring sealed")
	}
}

func TestText_RoundTripAndTamper(t *testing.T) {
	r := NewRing(mustKey(t))
	s, err := r.SealText("totp", "JBSWY3DPEHPK3PXP")
	if err != nil || !IsSealedText(s) || strings.Contains(s, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("%q %v", s, err)
	}
	if got, err := r.OpenText("totp", s); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("%q %v", got, err)
	}
	for i := range len(s) {
		c := []byte(s)
		c[i] ^= 1
		if got, err := r.OpenText("totp", string(c)); err == nil {
			t.Fatalf("char %d changed: opened to %q", i, got)
		}
	}
	if got, _ := r.SealText("totp", ""); got != "" {
		t.Errorf("empty sealed to %q", got)
	}
}

func TestRewrap_KeepsContentChangesOnlyTheWrappedKey(t *testing.T) {
	old, cur := mustKey(t), mustKey(t)
	blob, _ := NewRing(old).Seal("document", secret)
	r := NewRing(cur, old)
	nb, changed, err := r.Rewrap(blob)
	if err != nil || !changed {
		t.Fatalf("rewrap: %v %v", changed, err)
	}
	if !bytes.Equal(nb[offCNonce:], blob[offCNonce:]) || !bytes.Equal(nb[:offID], blob[:offID]) {
		t.Error("rewrap changed the sealed content")
	}
	if bytes.Equal(nb[offID:offCNonce], blob[offID:offCNonce]) {
		t.Error("rewrap left the wrapped key")
	}
	if id, _ := KeyID(nb); id != cur.ID() {
		t.Errorf("key %s, want %s", id, cur.ID())
	}
	// The new key alone opens it; the old alone no longer does.
	if got, err := NewRing(cur).Open("document", nb); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("open with the new key: %v", err)
	}
	if _, err := NewRing(old).Open("document", nb); !errors.Is(err, ErrNoKey) {
		t.Errorf("open with the old key: %v", err)
	}
	// Again: nothing to do.
	if again, changed, err := r.Rewrap(nb); err != nil || changed || !bytes.Equal(again, nb) {
		t.Errorf("second rewrap: %v %v", changed, err)
	}
	// Plaintext is left alone; a blob under an unknown key is an error.
	if got, changed, err := r.Rewrap(secret); err != nil || changed || !bytes.Equal(got, secret) {
		t.Errorf("plaintext rewrap: %v %v", changed, err)
	}
	stranger, _ := NewRing(mustKey(t)).Seal("document", secret)
	if _, _, err := r.Rewrap(stranger); !errors.Is(err, ErrNoKey) {
		t.Errorf("unknown key: %v", err)
	}
	// Text too.
	s, _ := NewRing(old).SealText("totp", "JBSWY3DPEHPK3PXP")
	ns, changed, err := r.RewrapText(s)
	if got, err2 := NewRing(cur).OpenText("totp", ns); err != nil || !changed || err2 != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("text rewrap: %v %v %v %q", changed, err, err2, got)
	}
}

func TestLoadKeyFile(t *testing.T) {
	dir := t.TempDir()
	raw := GenerateKey()
	want, _ := NewKey(raw)
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	for name, data := range map[string][]byte{"b64": []byte(EncodeKey(raw) + "\n"), "raw": raw} {
		k, err := LoadKeyFile(write(name, data, 0o600))
		if err != nil || k.ID() != want.ID() {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644} {
		p := write("loose", []byte(EncodeKey(raw)), mode)
		if _, err := LoadKeyFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("mode %o: %v", mode, err)
		}
	}
	for name, data := range map[string][]byte{"short": []byte(EncodeKey(raw[:16])), "junk": []byte("not a key at all!")} {
		if _, err := LoadKeyFile(write(name, data, 0o600)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
	if _, err := ParseKey(EncodeKey(raw)); err != nil {
		t.Error(err)
	}
}

// TestSealRow_BoundToItsRow: a row-bound blob opens only for its kind and
// row; copied to another row, read without a row, or with its version byte
// set back to the kind-only format, it fails. A kind-only blob still opens
// with OpenRow (sealed before rows were bound) and says so.
func TestSealRow_BoundToItsRow(t *testing.T) {
	r := NewRing(mustKey(t))
	plain := []byte("scan of a signed authorization")
	b, err := r.SealRow("document", 7, plain)
	if err != nil {
		t.Fatal(err)
	}
	if !RowBound(b) {
		t.Fatal("SealRow's blob is not row-bound")
	}
	if got, err := r.OpenRow("document", 7, b); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("own row: %q %v", got, err)
	}
	for _, bad := range []struct {
		name string
		open func() ([]byte, error)
	}{
		{"another row", func() ([]byte, error) { return r.OpenRow("document", 8, b) }},
		{"another kind", func() ([]byte, error) { return r.OpenRow("packet", 7, b) }},
		{"no row", func() ([]byte, error) { return r.Open("document", b) }},
		{"downgraded to version 1", func() ([]byte, error) {
			d := bytes.Clone(b)
			d[len(magic)] = version1
			return r.OpenRow("document", 7, d)
		}},
	} {
		if got, err := bad.open(); err == nil || got != nil {
			t.Errorf("%s: opened %q", bad.name, got)
		}
	}
	old, err := r.Seal("document", plain)
	if err != nil {
		t.Fatal(err)
	}
	if RowBound(old) {
		t.Error("Seal's blob claims to be row-bound")
	}
	if got, err := r.OpenRow("document", 7, old); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("a kind-only blob through OpenRow: %q %v", got, err)
	}
	// Rotation keeps the binding.
	r2 := NewRing(mustKey(t), r.Current)
	nb, changed, err := r2.Rewrap(b)
	if err != nil || !changed || !RowBound(nb) {
		t.Fatalf("rewrap: %v %v", changed, err)
	}
	if _, err := r2.OpenRow("document", 8, nb); err == nil {
		t.Error("re-wrapped blob opened for another row")
	}
	if got, err := r2.OpenRow("document", 7, nb); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("re-wrapped blob: %q %v", got, err)
	}
	// The text form.
	s, err := r.SealTextRow("totp", 3, "JBSWY3DPEHPK3PXP")
	if err != nil || !RowBoundText(s) {
		t.Fatalf("text: %v", err)
	}
	if got, err := r.OpenTextRow("totp", 3, s); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("text own row: %q %v", got, err)
	}
	if _, err := r.OpenTextRow("totp", 4, s); err == nil {
		t.Error("text opened for another row")
	}
}
