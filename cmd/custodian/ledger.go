package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/vault"
)

// ledgerFlags name the ledger key ring and the checkpoint directory every
// database command takes (docs/THREAT-MODEL.md, M3; docs/DEPLOYMENT.md).
type ledgerFlags struct {
	keyFile, keyEnv string // CUSTODIAN_LEDGER_KEY_FILE, CUSTODIAN_LEDGER_KEY
	checkpointDir   string
}

func (l *ledgerFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&l.keyFile, "ledger-key-file", getenv("CUSTODIAN_LEDGER_KEY_FILE"),
		"the ledger keys, one base64 key a line (mode 0600): the first seals new ledger entries and checkpoints, the others are retired keys that verify older entries")
	fs.StringVar(&l.checkpointDir, "checkpoint-dir", getenv("CUSTODIAN_CHECKPOINT_DIR"),
		"a directory outside the database (other storage) for signed checkpoints of the ledger's head")
	l.keyEnv = getenv("CUSTODIAN_LEDGER_KEY")
}

// ring returns the ledger keys configured, or nil when none is.
func (l *ledgerFlags) ring() (*ledger.Keyring, error) {
	var text string
	switch {
	case l.keyFile != "" && l.keyEnv != "":
		return nil, errors.New("both --ledger-key-file (CUSTODIAN_LEDGER_KEY_FILE) and CUSTODIAN_LEDGER_KEY are set; set one")
	case l.keyFile != "":
		b, err := readKeyFile(l.keyFile)
		if err != nil {
			return nil, err
		}
		text = string(b)
	case l.keyEnv != "":
		// Several keys in the variable are separated by spaces or commas.
		text = strings.NewReplacer(",", "\n", " ", "\n").Replace(l.keyEnv)
	default:
		return nil, nil
	}
	var keys []*ledger.Key
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, err := ledger.ParseKey(t)
		if err != nil {
			return nil, fmt.Errorf("ledger key, line %d: %w", line, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("the ledger key file holds no key (custodian keys generate makes one)")
	}
	return ledger.NewKeyring(keys[0], keys[1:]...), nil
}

// readKeyFile reads a key file that only its owner may read or write, as
// the vault's master key file (vault.LoadKeyFile).
func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ledger key file %s: %w", path, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("ledger key file %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ledger key file %s is readable or writable by others (mode %04o); chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ledger key file %s: %w", path, errors.Unwrap(err))
	}
	// A key written as 32 raw bytes is taken as it is.
	if len(b) == vault.KeySize && !isText(b) {
		return []byte(vault.EncodeKey(b)), nil
	}
	return b, nil
}

func isText(b []byte) bool {
	return !bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' })
}

// apply configures s with the ledger keys and the checkpoint directory.
func (l *ledgerFlags) apply(s *store.Store) error {
	ring, err := l.ring()
	if err != nil {
		return err
	}
	s.LedgerKeys, s.CheckpointDir = ring, l.checkpointDir
	return nil
}

const ledgerUsage = `usage:
  custodian ledger verify [--data DIR | --db URL] [--ledger-key-file FILE] [--checkpoint-dir DIR] [--entry N]
      walk the ledger's hash chain, check every entry's seal with the ledger
      keys, check the ledger against every checkpoint in DIR, and check the
      requests, decisions, evidence, documents, packets and deliveries
      against what the ledger recorded; name the first problem. With
      --entry, print entry N's hash once all that passes (to compare with
      the hash an AuditEvent of entry N carries; docs/INTEGRATION.md)
  custodian ledger checkpoint [--data DIR | --db URL] --ledger-key-file FILE --checkpoint-dir DIR
      check the ledger since the newest checkpoint and write a signed
      checkpoint of its head into DIR (serve writes one periodically and
      at shutdown)
`

func cmdLedger(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		fmt.Fprint(stderr, ledgerUsage)
		return exitUsage
	}
	fs := newFlagSet("ledger "+args[0], stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	var entry *int64
	if args[0] == "verify" {
		entry = fs.Int64("entry", 0, "after verifying, print this entry's number, kind, time and hash (an AuditEvent's id is its entry's number)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	if args[0] == "checkpoint" {
		if _, err := s.SealLedgerKey(ctx); err != nil {
			fmt.Fprintf(stderr, "custodian: ledger checkpoint: %s\n", roi.PublicMessage(err))
			return exitFailure
		}
		return ledgerCheckpoint(ctx, s, stdout, stderr)
	}
	rep, err := s.VerifyLedgerReport(ctx)
	var b *ledger.BrokenError
	switch {
	case errors.As(err, &b):
		fmt.Fprintf(stdout, "ledger BROKEN at entry %d: %s (%d entries before it verify)\n", b.Seq, b.Reason, rep.Entries)
		return exitFailure
	case err != nil:
		fmt.Fprintf(stderr, "custodian: ledger verify: %s\n", describe(err))
		return exitFailure
	}
	fmt.Fprintf(stdout, "ledger intact: %d entries verify\n", rep.Entries)
	printLedgerReport(stdout, rep)
	if rep.KeysChecked && rep.Keyed == 0 && rep.Entries > 0 {
		return exitFailure // see NOT SEALED: the key vouches for nothing here
	}
	if entry != nil && *entry != 0 {
		e, err := s.LedgerEntry(ctx, *entry)
		if err != nil || e.Seq > rep.Entries {
			fmt.Fprintf(stderr, "custodian: ledger verify: no entry %d among the %d verified\n", *entry, rep.Entries)
			return exitFailure
		}
		fmt.Fprintf(stdout, "entry %d (%s, recorded %s): hash %s, previous %s\n", e.Seq, e.Kind, e.At.UTC().Format(time.RFC3339Nano), e.Hash, e.PrevHash)
	}
	return exitOK
}

// printLedgerReport says in plain words what an intact ledger's check
// covered, and what it could not.
func printLedgerReport(w io.Writer, rep *store.LedgerReport) {
	switch {
	case !rep.KeysChecked && rep.Keyed > 0:
		fmt.Fprintf(w, "NOT KEY-CHECKED: %d entries carry ledger-key seals, but no ledger key is configured (--ledger-key-file), so their seals were not checked.\n", rep.Keyed)
	case !rep.KeysChecked:
		fmt.Fprintln(w, "NOT KEYED: no ledger key is configured (--ledger-key-file) and no entry is sealed; whoever can write the database can rewrite the ledger and recompute its hashes. See docs/DEPLOYMENT.md.")
	case rep.Keyed == 0 && rep.Entries > 0:
		fmt.Fprintf(w, "NOT SEALED: a ledger key is configured but none of the %d entries is sealed. A desk started with the key seals the ledger's tail at once, "+
			"so if one has run with it, the ledger was rewritten without the key; if none has yet, start it (or run custodian ledger checkpoint) and check again.\n", rep.Entries)
	default:
		fmt.Fprintf(w, "%s sealed with the ledger key (from entry %d on); the seals verify.\n", count(rep.Keyed, "entry is", "entries are"), rep.KeyedSince)
		if rep.KeyedSince > 1 {
			fmt.Fprintf(w, "%s written before a ledger key was configured and not sealed; checkpoints taken since are what vouch for them.\n",
				count(rep.KeyedSince-1, "entry (the first) was", fmt.Sprintf("entries (1 to %d) were", rep.KeyedSince-1)))
		}
	}
	if rep.Checkpoints == 0 {
		fmt.Fprintln(w, "No checkpoints checked (--checkpoint-dir): a ledger cut short with its head row fixed would not be found.")
	} else {
		fmt.Fprintf(w, "%s with the ledger (the newest: %s, taken %s).\n", count(int64(rep.Checkpoints), "checkpoint agrees", "checkpoints agree"),
			count(rep.Newest.Seq, "entry", "entries"), rep.Newest.At)
		if rep.Unauthenticated > 0 {
			fmt.Fprintf(w, "%d of them could not be authenticated: no ledger key is configured.\n", rep.Unauthenticated)
		}
	}
	var parts []string
	for _, t := range []string{"requests", "decisions", "evidence", "documents", "packets", "deliveries"} {
		parts = append(parts, fmt.Sprintf("%d %s", rep.Rows[t], t))
	}
	fmt.Fprintf(w, "Tables agree with what the ledger recorded: %s (rows written before migration 0017 are not covered).\n", strings.Join(parts, ", "))
}

// count is n and the noun for n.
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func ledgerCheckpoint(ctx context.Context, s *store.Store, stdout, stderr io.Writer) int {
	cp, wrote, err := s.WriteCheckpoint(ctx)
	var b *ledger.BrokenError
	switch {
	case errors.As(err, &b):
		fmt.Fprintf(stdout, "ledger BROKEN at entry %d: %s; no checkpoint written\n", b.Seq, b.Reason)
		return exitFailure
	case err != nil:
		fmt.Fprintf(stderr, "custodian: ledger checkpoint: %s\n", roi.PublicMessage(err))
		return exitFor(err)
	case wrote:
		fmt.Fprintf(stdout, "checkpoint written: %d entries, head %s, signed with ledger key %s\n", cp.Seq, cp.Head, cp.KeyID)
	default:
		fmt.Fprintf(stdout, "the newest checkpoint already records the head (%d entries); nothing written\n", cp.Seq)
	}
	return exitOK
}

// serveLedger sets up serve's ledger: a warning without a ledger key (the
// demo gets a key of its own that dies with it, as its vault key), and a
// checkpoint every interval and at shutdown when a checkpoint directory
// is configured. The returned function writes the last checkpoint.
func serveLedger(ctx context.Context, s *store.Store, demoMode bool, every time.Duration, stderr io.Writer) (final func()) {
	switch {
	case s.LedgerKeys == nil && demoMode:
		k, _ := ledger.NewKey(vault.GenerateKey())
		s.LedgerKeys = ledger.NewKeyring(k)
	case s.LedgerKeys == nil:
		fmt.Fprintln(stderr, "custodian: WARNING: no ledger key configured (--ledger-key-file, CUSTODIAN_LEDGER_KEY_FILE or CUSTODIAN_LEDGER_KEY): "+
			"ledger entries are not sealed, and whoever can write the database can rewrite the ledger undetected. See docs/DEPLOYMENT.md.")
	}
	if s.LedgerKeys != nil {
		if _, err := s.SealLedgerKey(ctx); err != nil {
			fmt.Fprintf(stderr, "custodian: sealing the ledger with its key: %s\n", roi.PublicMessage(err))
		}
	}
	if s.LedgerKeys != nil && s.CheckpointDir == "" && !demoMode {
		fmt.Fprintln(stderr, "custodian: WARNING: no checkpoint directory configured (--checkpoint-dir, CUSTODIAN_CHECKPOINT_DIR): "+
			"a ledger cut short with its head row fixed would not be found. See docs/DEPLOYMENT.md.")
	}
	if s.LedgerKeys == nil || s.CheckpointDir == "" {
		return func() {}
	}
	write := func(c context.Context) {
		if _, _, err := s.WriteCheckpoint(c); err != nil {
			var b *ledger.BrokenError
			if errors.As(err, &b) {
				fmt.Fprintf(stderr, "custodian: ALERT: ledger broken at entry %d: %s; no checkpoint written\n", b.Seq, b.Reason)
				return
			}
			fmt.Fprintf(stderr, "custodian: ledger checkpoint: %s\n", roi.PublicMessage(err))
		}
	}
	go func() {
		// The first checkpoint walks the whole ledger when there is none
		// yet: in the background, so that a large ledger does not hold up
		// the start.
		write(ctx)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				write(ctx)
			}
		}
	}()
	return func() { write(context.Background()) }
}
