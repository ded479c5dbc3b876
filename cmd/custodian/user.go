package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

const userUsage = `usage:
  custodian user add --username U --name "N" --role ROLE [--data DIR | --db URL]
                    the password is read from standard input (one line)
  custodian user list [--data DIR | --db URL]
  custodian user disable --username U [--data DIR | --db URL]
`

// cmdUser manages staff accounts. Every account gets a TOTP second factor
// at creation; the password comes from standard input, never a flag, so
// it stays out of the shell history and the process list.
func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return exitUsage
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "list":
		return cmdUserList(ctx, args[1:], stdout, stderr, getenv)
	case "disable":
		return cmdUserDisable(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, userUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "custodian: unknown user command %q\n%s", args[0], userUsage)
	return exitUsage
}

// exitFor is the exit status for err from package auth or store: bad
// input for what the person typed, failure for anything else.
func exitFor(err error) int {
	switch roi.CodeOf(err) {
	case roi.CodeInvalid, roi.CodeConflict, roi.CodeNotFound:
		return exitUsage
	}
	return exitFailure
}

func cmdUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("user add", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	username := fs.String("username", "", "the account's user name (lower case; letters, digits, . _ - @)")
	name := fs.String("name", "", "the person's name")
	roleName := fs.String("role", "", "one of: "+roleList())
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 || *username == "" || *name == "" || *roleName == "" {
		fmt.Fprint(stderr, "custodian: user add needs --username, --name and --role\n"+userUsage)
		return exitUsage
	}
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", roi.PublicMessage(err))
		return exitUsage
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(stderr, "Password for %s (at least %d characters; it is shown as you type, so prefer a pipe):\n", *username, auth.MinPasswordLen)
		}
	}
	password, err := readLine(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: cannot read the password from standard input: %s\n", describe(err))
		return exitUsage
	}
	// Checked before the database is opened: a weak password changes
	// nothing. The message names the rule, never the password.
	if err := auth.CheckPolicy(password, auth.NormalizeUsername(*username)); err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", roi.PublicMessage(err))
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	svc := &auth.Service{Store: s, Issuer: "Custodian"}
	u, url, err := svc.AddUser(ctx, *username, *name, role, password)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", roi.PublicMessage(err))
		return exitFor(err)
	}
	fmt.Fprintf(stdout, "Added %s (%s, %s).\n\n", u.Username, u.Name, u.Role)
	fmt.Fprintln(stdout, "Enroll the second factor in an authenticator app: open this URL (or make it a QR code)")
	fmt.Fprintf(stdout, "  %s\n", url)
	fmt.Fprintln(stdout, "or type this secret (TOTP, SHA-1, 6 digits, 30 seconds):")
	fmt.Fprintf(stdout, "  %s\n\n", u.TOTPSecret)
	fmt.Fprintf(stdout, "%s must sign in with the password and a code from the app; keep the secret safe.\n", u.Username)
	return exitOK
}

// readLine reads one line, without its line ending.
func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	switch {
	case err == nil, errors.Is(err, io.EOF) && line != "":
		return strings.TrimRight(line, "\r\n"), nil
	case errors.Is(err, io.EOF):
		return "", errors.New("it is empty")
	}
	return "", err
}

func roleList() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func cmdUserList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("user list", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprint(stderr, userUsage)
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	users, err := s.Users(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", roi.PublicMessage(err))
		return exitFailure
	}
	if len(users) == 0 {
		fmt.Fprintln(stdout, "No accounts yet; add one with custodian user add.")
		return exitOK
	}
	// No hashes, no secrets: who, what role, and whether they can sign in.
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tROLE\tSTATE\tNAME")
	for _, u := range users {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case u.LockedUntil.After(now):
			state = "locked until " + u.LockedUntil.UTC().Format(ledger.TimeFormat)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Username, u.Role, state, u.Name)
	}
	w.Flush()
	return exitOK
}

func cmdUserDisable(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("user disable", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	username := fs.String("username", "", "the account to disable")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 || *username == "" {
		fmt.Fprint(stderr, "custodian: user disable needs --username\n"+userUsage)
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	svc := &auth.Service{Store: s}
	if err := svc.Disable(ctx, *username); err != nil {
		if roi.CodeOf(err) == roi.CodeNotFound {
			fmt.Fprintf(stderr, "custodian: there is no account %s\n", auth.NormalizeUsername(*username))
		} else {
			fmt.Fprintf(stderr, "custodian: %s\n", roi.PublicMessage(err))
		}
		return exitFor(err)
	}
	fmt.Fprintf(stdout, "Disabled %s: the account cannot sign in and its sessions have ended.\n", auth.NormalizeUsername(*username))
	return exitOK
}
