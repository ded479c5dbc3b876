package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
)

// cmdTOTP prints the current authenticator code for a secret: for the
// demo's accounts and for testing an enrolment, where no phone is at hand.
func cmdTOTP(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: custodian totp SECRET")
		return exitUsage
	}
	code, err := auth.TOTPCode(args[0], time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "custodian: that is not a TOTP secret (base32)")
		return exitUsage
	}
	fmt.Fprintln(stdout, code)
	return exitOK
}
