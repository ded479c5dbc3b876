package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/custodian-roi/custodian/internal/roi"
)

// argonParams are argon2id's costs: memory in KiB, passes, lanes.
type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

// params are the costs of new hashes: 64 MiB, 3 passes, 2 lanes. Tests
// lower them; a hash records its own costs, so old hashes keep checking.
var params = argonParams{memory: 64 * 1024, time: 3, threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen is the shortest password the policy accepts.
	MinPasswordLen = 12
)

// hashSlots bounds the hashes computed at once: each takes 64 MiB.
var hashSlots = make(chan struct{}, 2)

func idKey(pw, salt []byte, p argonParams, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(pw, salt, p.time, p.memory, p.threads, n)
}

var b64 = base64.RawStdEncoding

// HashPassword returns pw hashed with argon2id and a random salt, as a PHC
// string: $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	p := params
	key := idKey([]byte(pw), salt, p, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: not an argon2id PHC string")

// CheckPassword reports whether pw matches the PHC string phc, comparing
// in constant time. An error means phc itself is unusable.
func CheckPassword(phc, pw string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return false, errBadHash
	}
	// Refuse costs no hash of ours has, so a doctored row cannot make
	// a sign-in take gigabytes.
	if p.memory < 8 || p.memory > 1<<20 || p.time < 1 || p.time > 10 || p.threads < 1 || p.threads > 16 {
		return false, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errBadHash
	}
	got := idKey([]byte(pw), salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// CheckPolicy returns CodeInvalid naming the rule pw breaks: at least
// MinPasswordLen characters, and not containing the user name. The message
// never repeats the password.
func CheckPolicy(pw, username string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return roi.Errorf(roi.CodeInvalid, "The password must be at least %d characters long; it has %d.", MinPasswordLen, n)
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return roi.Errorf(roi.CodeInvalid, "The password must not contain the user name.")
	}
	return nil
}
