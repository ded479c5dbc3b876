package auth

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP codes: six digits, SHA-1, a new one every 30 seconds, as every
// authenticator app expects.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
)

// NewTOTP enrolls a second factor: a random secret (base32) and the
// otpauth:// URL an authenticator app reads, naming issuer and account.
func NewTOTP(issuer, account string) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("auth: totp: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

func codeAt(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// TOTPCode returns the code for secret at now, as the app would show it.
func TOTPCode(secret string, now time.Time) (string, error) {
	return codeAt(secret, totpStep(now))
}

// CheckTOTP checks code against secret at now, allowing one step of clock
// skew either way. A code is good once: one whose step is at or before
// lastStep (the last one accepted) is refused. On success it returns the
// step to record as the new lastStep.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	if len(code) != int(totpDigits) {
		return 0, false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	cur := totpStep(now)
	for _, s := range []int64{cur, cur - 1, cur + 1} {
		if s <= lastStep {
			continue
		}
		want, err := codeAt(secret, s)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}
