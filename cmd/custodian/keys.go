package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/vault"
)

// keyFlags name the master keys a database command holds (see
// docs/ENCRYPTION.md): the current key seals, the previous one only opens,
// during a rotation. Each comes from a file (mode 0600 or stricter) or
// from the environment in base64.
type keyFlags struct {
	file, previousFile string
	env, previousEnv   string // CUSTODIAN_KEY, CUSTODIAN_PREVIOUS_KEY
}

func (k *keyFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&k.file, "key-file", getenv("CUSTODIAN_KEY_FILE"), "the master key sealing documents, packets and TOTP secrets at rest (base64 or 32 raw bytes; mode 0600)")
	fs.StringVar(&k.previousFile, "previous-key-file", getenv("CUSTODIAN_PREVIOUS_KEY_FILE"), "the master key being rotated away from: opens, never seals")
	k.env, k.previousEnv = getenv("CUSTODIAN_KEY"), getenv("CUSTODIAN_PREVIOUS_KEY")
}

// load reads one key from a file or from base64 text; neither is no key.
func loadKey(file, env, what string) (*vault.Key, error) {
	switch {
	case file != "" && env != "":
		return nil, fmt.Errorf("both a %s file and its environment variable are set; set one", what)
	case file != "":
		return vault.LoadKeyFile(file)
	case env != "":
		k, err := vault.ParseKey(env)
		if err != nil {
			return nil, fmt.Errorf("%s from the environment: %w", what, err)
		}
		return k, nil
	}
	return nil, nil
}

// ring returns the keys configured, or nil when none is: the store then
// keeps content as it is (development only).
func (k *keyFlags) ring() (*vault.Ring, error) {
	cur, err := loadKey(k.file, k.env, "key")
	if err != nil {
		return nil, err
	}
	prev, err := loadKey(k.previousFile, k.previousEnv, "previous key")
	if err != nil {
		return nil, err
	}
	switch {
	case cur == nil && prev != nil:
		return nil, errors.New("a previous key is set but no current key (--key-file, CUSTODIAN_KEY_FILE or CUSTODIAN_KEY)")
	case cur == nil:
		return nil, nil
	}
	return vault.NewRing(cur, prev), nil
}

// all returns every key named, current first, skipping those not set.
func (k *keyFlags) all() ([]*vault.Key, error) {
	var out []*vault.Key
	for _, p := range [][3]string{{k.file, k.env, "key"}, {k.previousFile, k.previousEnv, "previous key"}} {
		key, err := loadKey(p[0], p[1], p[2])
		if err != nil {
			return nil, err
		}
		if key != nil {
			out = append(out, key)
		}
	}
	return out, nil
}

const keysUsage = `usage:
  custodian keys generate [--out FILE]
      print a new master key (base64) on standard output, or write it to
      FILE (created with mode 0600; never overwritten); its ID goes to
      standard error
  custodian keys rotate --new-key-file NEW [--key-file OLD] [--previous-key-file OLDER]
                        [--data DIR | --db URL] [--batch N] [--keep-plaintext]
      re-wrap every sealed row's data key from the old master keys to NEW,
      in batches, each its own transaction; safe while servers run holding
      both keys, and resumable. Legacy plaintext rows are sealed under NEW
      unless --keep-plaintext. Exit 1 if a row is under a key not given.
`

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitUsage
	}
	switch args[0] {
	case "generate":
		return cmdKeysGenerate(args[1:], stdout, stderr)
	case "rotate":
		return cmdKeysRotate(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, keysUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "custodian keys: unknown command %q\n%s", args[0], keysUsage)
	return exitUsage
}

func cmdKeysGenerate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keys generate", stderr)
	out := fs.String("out", "", "write the key to this file (mode 0600) instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitUsage
	}
	raw := vault.GenerateKey()
	k, err := vault.NewKey(raw)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: keys generate: %s\n", err)
		return exitFailure
	}
	text := vault.EncodeKey(raw) + "\n"
	if *out == "" {
		fmt.Fprint(stdout, text)
		fmt.Fprintf(stderr, "key ID %s\n", k.ID())
		return exitOK
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: keys generate: %s: %s (an existing key file is never overwritten)\n", *out, describe(err))
		return exitFailure
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(*out)
		fmt.Fprintf(stderr, "custodian: keys generate: %s: %s\n", *out, describe(err))
		return exitFailure
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "custodian: keys generate: %s: %s\n", *out, describe(err))
		return exitFailure
	}
	fmt.Fprintf(stdout, "wrote key %s to %s (mode 0600); keep a copy apart from the database's backups\n", k.ID(), *out)
	return exitOK
}

func cmdKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("keys rotate", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	newFile := fs.String("new-key-file", "", "the key to rotate to (it becomes the current key)")
	batch := fs.Int("batch", 64, "rows per transaction")
	keep := fs.Bool("keep-plaintext", false, "leave rows written before a key was configured unencrypted (default: seal them)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *newFile == "" || fs.NArg() != 0 || *batch <= 0 {
		fmt.Fprint(stderr, keysUsage)
		return exitUsage
	}
	next, err := vault.LoadKeyFile(*newFile)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: keys rotate: %s\n", err)
		return exitUsage
	}
	old, err := dbf.keys.all()
	if err != nil {
		fmt.Fprintf(stderr, "custodian: keys rotate: %s\n", err)
		return exitUsage
	}
	ring := vault.NewRing(next, old...)
	s, ok := dbf.openWith(ctx, ring, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	fmt.Fprintf(stdout, "rotating to key %s (also opening: %v)\n", next.ID(), ring.IDs()[1:])
	stats, err := s.Rotate(ctx, store.RotateOptions{Batch: *batch, KeepPlaintext: *keep})
	for _, st := range stats {
		fmt.Fprintf(stdout, "%-21s %6d rows: %d re-wrapped, %d encrypted, %d already current", st.Table, st.Rows, st.Rewrapped, st.Encrypted, st.Current)
		if st.Bound > 0 {
			fmt.Fprintf(stdout, ", %d bound to their rows", st.Bound)
		}
		if st.Plaintext > 0 {
			fmt.Fprintf(stdout, ", %d left unencrypted (refused on read while a key is configured)", st.Plaintext)
		}
		if st.Unreadable > 0 {
			fmt.Fprintf(stdout, ", %d UNREADABLE (first: id %d)", st.Unreadable, st.FirstUnreadable)
		}
		fmt.Fprintln(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian: keys rotate: %s (rows done so far are committed; run it again to resume)\n", describe(err))
		return exitFailure
	}
	unreadable := 0
	for _, st := range stats {
		unreadable += st.Unreadable
	}
	if unreadable > 0 {
		fmt.Fprintf(stderr, "custodian: keys rotate: %d rows are sealed under a key not given, or damaged; they were left as they are\n", unreadable)
		return exitFailure
	}
	fmt.Fprintf(stdout, "done: every sealed row is under key %s\n", next.ID())
	return exitOK
}
