// Package vault seals what the desk keeps at rest: AES-256-GCM envelope
// encryption with the standard library only.
//
// Every blob gets its own random 256-bit data key. The content is sealed
// with the data key (a random 96-bit nonce; the additional data binds the
// blob to its kind, "document" say, so a blob moved to another column does
// not open). The data key is wrapped with a master key (AES-256-GCM under a
// key derived from the master with HKDF-SHA-256) and kept in the blob's
// header with the master key's ID. Rotating the master key re-wraps the
// 48-byte data key and leaves the content as it is (Ring.Rewrap).
//
// A sealed blob starts with a magic prefix and a version, so content
// written before encryption was configured (legacy plaintext) is told
// apart and passes through Open unchanged. Any change to a sealed blob
// makes Open fail; it never returns altered content.
//
// The format, versions 1 and 2 (97 bytes more than the content); version 2
// also binds the content to the ID of the row it is stored in (SealRow):
//
//	0   5   magic "\x00CVT" and version 0x01 (kind) or 0x02 (kind and row)
//	5   4   master key ID (the first 4 bytes of SHA-256 of the master key)
//	9   12  nonce of the wrapped data key
//	21  48  data key wrapped with the master key (32 bytes + 16-byte tag)
//	69  12  nonce of the content
//	81  …   content sealed with the data key, with its 16-byte tag
package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"strings"
)

// KeySize is the size of a master key and of a data key, in bytes.
const KeySize = 32

const (
	version1 = 0x01
	// version2 is version1's layout with the content also bound to the
	// row it is stored in (SealRow): a blob copied to another row of the
	// same kind does not open. The version is covered by the wrapped data
	// key's tag, so a version-2 blob cannot pass for a version-1 one.
	version2   = 0x02
	idSize     = 4
	nonceSize  = 12
	tagSize    = 16
	wrappedLen = KeySize + tagSize
	offID      = 5
	offWNonce  = offID + idSize
	offWrapped = offWNonce + nonceSize
	offCNonce  = offWrapped + wrappedLen
	headerSize = offCNonce + nonceSize
	// Overhead is how many bytes sealing adds to the content.
	Overhead = headerSize + tagSize
)

// magic starts every sealed blob; the NUL first byte keeps it apart from
// text and from the file formats the desk stores (PDF, images).
var magic = []byte("\x00CVT")

// textPrefix starts a sealed blob stored in a text column (base64).
const textPrefix = "vault1:"

// The errors Open and Rewrap return. None of them carries content.
var (
	// ErrNoKey: the blob was sealed under a master key the ring does not
	// hold (or there is no ring at all).
	ErrNoKey = errors.New("vault: the blob is sealed under a master key that is not configured")
	// ErrCorrupt: the blob is damaged, was changed, or is of another kind.
	ErrCorrupt = errors.New("vault: the blob does not authenticate (changed, damaged, of another kind, or the wrong key)")
	// ErrUnknownVersion: the blob has the magic prefix but a format
	// version this build does not know.
	ErrUnknownVersion = errors.New("vault: unknown sealed-blob version")
)

// Key is a master key: it wraps data keys and never seals content itself.
type Key struct {
	id   [idSize]byte
	wrap cipher.AEAD
}

// NewKey makes a master key of 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("vault: a master key is %d bytes, not %d", KeySize, len(raw))
	}
	k := &Key{}
	sum := sha256.Sum256(raw)
	copy(k.id[:], sum[:idSize])
	wk, err := hkdf.Key(sha256.New, raw, nil, "custodian vault v1: wrap data keys", KeySize)
	if err != nil {
		return nil, err
	}
	if k.wrap, err = newGCM(wk); err != nil {
		return nil, err
	}
	return k, nil
}

// ID names the key: the first 8 hex digits of the SHA-256 of its 32 raw
// bytes (so `base64 -d KEYFILE | sha256sum` shows it too).
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

// GenerateKey returns 32 fresh random bytes for a master key.
func GenerateKey() []byte {
	b := make([]byte, KeySize)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return b
}

// EncodeKey is how a master key is written down: standard base64.
func EncodeKey(raw []byte) string { return base64.StdEncoding.EncodeToString(raw) }

// ParseKey reads a master key written as base64 (standard or URL
// alphabet, padded or not; surrounding space ignored).
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil {
			if len(raw) != KeySize {
				return nil, fmt.Errorf("vault: the key decodes to %d bytes; a master key is %d (custodian keys generate makes one)", len(raw), KeySize)
			}
			return NewKey(raw)
		}
	}
	return nil, errors.New("vault: the key is not base64 (custodian keys generate makes one)")
}

// LoadKeyFile reads a master key from a file holding either its base64
// form or its 32 raw bytes. The file must not be readable or writable by
// the group or others: such a file is refused, and the error names it.
func LoadKeyFile(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: key file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("vault: key file %s has mode %04o: group or others may access it; chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	if len(data) == KeySize && !isBase64(data) {
		return NewKey(data)
	}
	k, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %s", path, strings.TrimPrefix(err.Error(), "vault: "))
	}
	return k, nil
}

func isBase64(b []byte) bool {
	for _, c := range bytes.TrimSpace(b) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("+/=-_", c) >= 0) {
			return false
		}
	}
	return true
}

// Ring holds the master keys a process knows: Current seals and wraps;
// Previous keys only open and are re-wrapped away from (during a
// rotation). A nil *Ring is valid: it seals nothing (content is stored as
// it is, for development only) and opens only legacy plaintext.
type Ring struct {
	Current  *Key
	Previous []*Key
}

// NewRing returns a ring sealing with current and opening with current
// and previous too. Nil keys and repeats of a key are dropped.
func NewRing(current *Key, previous ...*Key) *Ring {
	r := &Ring{Current: current}
	seen := map[[idSize]byte]bool{current.id: true}
	for _, k := range previous {
		if k != nil && !seen[k.id] {
			seen[k.id] = true
			r.Previous = append(r.Previous, k)
		}
	}
	return r
}

// IDs lists the ring's key IDs, current first.
func (r *Ring) IDs() []string {
	if r == nil {
		return nil
	}
	out := []string{r.Current.ID()}
	for _, k := range r.Previous {
		out = append(out, k.ID())
	}
	return out
}

func (r *Ring) key(id []byte) *Key {
	if r == nil {
		return nil
	}
	if bytes.Equal(r.Current.id[:], id) {
		return r.Current
	}
	for _, k := range r.Previous {
		if bytes.Equal(k.id[:], id) {
			return k
		}
	}
	return nil
}

// IsSealed reports whether blob is in the sealed format (of any version);
// anything else is legacy plaintext.
func IsSealed(blob []byte) bool {
	return len(blob) > len(magic) && bytes.Equal(blob[:len(magic)], magic)
}

// damaged reports whether blob is not sealed but starts within a few bits
// of the sealed prefix: a sealed blob whose prefix was changed, which must
// fail rather than pass through as plaintext. No plaintext the desk keeps
// starts like that (a NUL, then "CVT", then 0x01, give or take 4 bits).
func damaged(blob []byte, prefix string) bool {
	if len(blob) < len(prefix) {
		// A sealed blob cut short: nothing else is that short and so alike.
		return len(blob) > 0 && bytes.HasPrefix([]byte(prefix), blob)
	}
	if bytes.Equal(blob[:len(magic)], magic) {
		return false // sealed (perhaps in a later version)
	}
	d := 0
	for i := range len(prefix) {
		d += bits.OnesCount8(blob[i] ^ prefix[i])
	}
	return d > 0 && d <= 4
}

const sealedPrefix = "\x00CVT\x01"

// KeyID returns the ID of the master key blob's data key is wrapped with,
// and false for plaintext or a format this build does not know.
func KeyID(blob []byte) (string, bool) {
	if !IsSealed(blob) || !knownVersion(blob[len(magic)]) || len(blob) < headerSize+tagSize {
		return "", false
	}
	return hex.EncodeToString(blob[offID : offID+idSize]), true
}

// Seal encrypts plain under a fresh data key wrapped with the current
// master key, bound to kind. With a nil ring it returns plain unchanged.
// SealRow binds it to its row as well; prefer it wherever the row is known.
func (r *Ring) Seal(kind string, plain []byte) ([]byte, error) {
	return r.seal(version1, contentAAD(kind), plain)
}

// SealRow is Seal bound to kind and to row, the ID of the row the blob is
// stored in: OpenRow with another row fails.
func (r *Ring) SealRow(kind string, row int64, plain []byte) ([]byte, error) {
	return r.seal(version2, rowAAD(kind, row), plain)
}

func (r *Ring) seal(version byte, aad, plain []byte) ([]byte, error) {
	if r == nil {
		return plain, nil
	}
	dk := GenerateKey()
	out := make([]byte, headerSize, headerSize+len(plain)+tagSize)
	copy(out, magic)
	out[len(magic)] = version
	k := r.Current
	copy(out[offID:], k.id[:])
	rand.Read(out[offWNonce:offWrapped])
	k.wrap.Seal(out[offWrapped:offWrapped], out[offWNonce:offWrapped], dk, wrapAAD(out))
	rand.Read(out[offCNonce:headerSize])
	c, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	return c.Seal(out, out[offCNonce:headerSize], plain, aad), nil
}

// Open decrypts a blob Seal made with the same kind, under any key of the
// ring. Legacy plaintext (no magic prefix) is returned as it is. A sealed
// blob under a key the ring lacks is ErrNoKey; a changed or misplaced one
// ErrCorrupt (a row-bound blob, from SealRow, only opens with OpenRow).
// Open never returns content that did not authenticate.
func (r *Ring) Open(kind string, blob []byte) ([]byte, error) {
	return r.open(kind, -1, blob)
}

// OpenRow opens what SealRow made for kind and row, and also a blob Seal
// made for kind (sealed before rows were bound; RowBound tells them apart
// so a rotation can bind it). Legacy plaintext is returned as it is.
func (r *Ring) OpenRow(kind string, row int64, blob []byte) ([]byte, error) {
	return r.open(kind, row, blob)
}

// RowBound reports whether blob was sealed by SealRow.
func RowBound(blob []byte) bool {
	return IsSealed(blob) && blob[len(magic)] == version2
}

func (r *Ring) open(kind string, row int64, blob []byte) ([]byte, error) {
	if damaged(blob, sealedPrefix) {
		return nil, ErrCorrupt
	}
	if !IsSealed(blob) {
		return blob, nil
	}
	aad := contentAAD(kind)
	if blob[len(magic)] == version2 {
		if row < 0 {
			return nil, ErrCorrupt
		}
		aad = rowAAD(kind, row)
	}
	dk, err := r.unwrap(blob)
	if err != nil {
		return nil, err
	}
	c, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	plain, err := c.Open(nil, blob[offCNonce:headerSize], blob[headerSize:], aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

func (r *Ring) unwrap(blob []byte) ([]byte, error) {
	if !knownVersion(blob[len(magic)]) {
		return nil, ErrUnknownVersion
	}
	if len(blob) < headerSize+tagSize {
		return nil, ErrCorrupt
	}
	k := r.key(blob[offID : offID+idSize])
	if k == nil {
		return nil, fmt.Errorf("%w (key %s)", ErrNoKey, hex.EncodeToString(blob[offID:offID+idSize]))
	}
	dk, err := k.wrap.Open(nil, blob[offWNonce:offWrapped], blob[offWrapped:offCNonce], wrapAAD(blob))
	if err != nil {
		return nil, ErrCorrupt
	}
	return dk, nil
}

// Rewrap re-wraps blob's data key with the current master key, leaving
// the sealed content untouched: the cheap half of a key rotation. It
// returns the blob unchanged and false when it is already under the
// current key, and a legacy plaintext blob unchanged and false (Seal it
// to encrypt it). The content is not decrypted, so a damaged content part
// is not noticed here; Open notices it.
func (r *Ring) Rewrap(blob []byte) ([]byte, bool, error) {
	if damaged(blob, sealedPrefix) {
		return nil, false, ErrCorrupt
	}
	if !IsSealed(blob) {
		return blob, false, nil
	}
	if r == nil {
		return nil, false, ErrNoKey
	}
	dk, err := r.unwrap(blob)
	if err != nil {
		return nil, false, err
	}
	if bytes.Equal(blob[offID:offID+idSize], r.Current.id[:]) {
		return blob, false, nil
	}
	out := bytes.Clone(blob)
	copy(out[offID:], r.Current.id[:])
	rand.Read(out[offWNonce:offWrapped])
	r.Current.wrap.Seal(out[offWrapped:offWrapped], out[offWNonce:offWrapped], dk, wrapAAD(out))
	return out, true, nil
}

// SealText is Seal for a text column: "vault1:" and the blob in base64.
// With a nil ring, and for the empty string, it returns s unchanged.
func (r *Ring) SealText(kind, s string) (string, error) {
	return r.sealText(s, func(p []byte) ([]byte, error) { return r.Seal(kind, p) })
}

// SealTextRow is SealRow for a text column.
func (r *Ring) SealTextRow(kind string, row int64, s string) (string, error) {
	return r.sealText(s, func(p []byte) ([]byte, error) { return r.SealRow(kind, row, p) })
}

func (r *Ring) sealText(s string, seal func([]byte) ([]byte, error)) (string, error) {
	if r == nil || s == "" {
		return s, nil
	}
	b, err := seal([]byte(s))
	if err != nil {
		return "", err
	}
	return textPrefix + base64.RawStdEncoding.EncodeToString(b), nil
}

// OpenText is Open for what SealText made. Text without the prefix is
// legacy plaintext and is returned as it is.
func (r *Ring) OpenText(kind, s string) (string, error) {
	return r.openText(kind, -1, s)
}

// OpenTextRow is OpenRow for what SealTextRow (or SealText) made.
func (r *Ring) OpenTextRow(kind string, row int64, s string) (string, error) {
	return r.openText(kind, row, s)
}

func (r *Ring) openText(kind string, row int64, s string) (string, error) {
	b, ok, err := decodeText(s)
	if !ok {
		return s, nil
	}
	if err != nil {
		return "", err
	}
	p, err := r.open(kind, row, b)
	return string(p), err
}

// RowBoundText is RowBound for what SealTextRow made.
func RowBoundText(s string) bool {
	b, ok, err := decodeText(s)
	return ok && err == nil && RowBound(b)
}

// RewrapText is Rewrap for what SealText made.
func (r *Ring) RewrapText(s string) (string, bool, error) {
	b, ok, err := decodeText(s)
	if !ok {
		return s, false, nil
	}
	if err != nil {
		return "", false, err
	}
	nb, changed, err := r.Rewrap(b)
	if err != nil || !changed {
		return s, false, err
	}
	return textPrefix + base64.RawStdEncoding.EncodeToString(nb), true, nil
}

// TextKeyID is KeyID for what SealText made.
func TextKeyID(s string) (string, bool) {
	b, ok, err := decodeText(s)
	if !ok || err != nil {
		return "", false
	}
	return KeyID(b)
}

// IsSealedText reports whether s is in SealText's format.
func IsSealedText(s string) bool { return strings.HasPrefix(s, textPrefix) }

func decodeText(s string) ([]byte, bool, error) {
	if damaged([]byte(s), textPrefix) {
		return nil, true, ErrCorrupt
	}
	if !strings.HasPrefix(s, textPrefix) {
		return nil, false, nil
	}
	// Strict: the unused low bits of the last character must be zero, so
	// no two texts decode to the same bytes and any changed character is
	// caught.
	b, err := base64.RawStdEncoding.Strict().DecodeString(s[len(textPrefix):])
	if err != nil || !IsSealed(b) {
		return nil, true, ErrCorrupt
	}
	return b, true, nil
}

// wrapAAD binds a wrapped data key to the format version and to the ID of
// the key that wrapped it.
func wrapAAD(blob []byte) []byte {
	return append([]byte("custodian vault v1 data key\x00"), blob[:offWNonce]...)
}

func knownVersion(v byte) bool { return v == version1 || v == version2 }

// rowAAD binds sealed content to its kind and the ID of its row.
func rowAAD(kind string, row int64) []byte {
	return fmt.Appendf([]byte("custodian vault v2 content\x00"), "%s\x00%d", kind, row)
}

// contentAAD binds sealed content to the format version and its kind.
func contentAAD(kind string) []byte {
	return append([]byte("custodian vault v1 content\x00"), kind...)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
