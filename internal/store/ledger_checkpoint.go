package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Checkpoints of the ledger's head live outside the database, one file
// each, in s.CheckpointDir: a directory on other storage (another disk,
// a mounted share, a directory an off-host job copies away), which the
// database's administrator cannot reach. Each names the number of entries
// and the hash of the last, signed with the ledger key. VerifyLedgerReport
// checks the ledger against every one of them.

// ErrNoCheckpointSetup: a checkpoint needs both a ledger key and a
// checkpoint directory.
var ErrNoCheckpointSetup = roi.Errorf(roi.CodeInvalid, "A checkpoint needs a ledger key (--ledger-key-file) and a checkpoint directory (--checkpoint-dir).")

type checkpointFile struct {
	name          string
	cp            *ledger.Checkpoint
	authenticated bool
}

// readCheckpoints reads every checkpoint-*.json file in s.CheckpointDir,
// authenticating each with the ledger keys when there are keys. A file
// that is not a checkpoint, or does not authenticate, is a break: someone
// wrote into the checkpoint store.
func (s *Store) readCheckpoints() ([]checkpointFile, error) {
	if s.CheckpointDir == "" {
		return nil, nil
	}
	names, err := filepath.Glob(filepath.Join(s.CheckpointDir, "checkpoint-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []checkpointFile
	for _, path := range names {
		name := filepath.Base(path)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("store: checkpoint %s: %w", name, err)
		}
		cp, err := ledger.ParseCheckpoint(b)
		if err != nil {
			return nil, &ledger.BrokenError{Reason: fmt.Sprintf("checkpoint file %s is not a checkpoint", name)}
		}
		f := checkpointFile{name: name, cp: cp}
		if s.LedgerKeys != nil {
			if err := s.LedgerKeys.CheckCheckpoint(cp); err != nil {
				return nil, &ledger.BrokenError{Seq: cp.Seq, Reason: fmt.Sprintf("checkpoint file %s: %s", name, strings.TrimPrefix(err.Error(), "ledger: "))}
			}
			f.authenticated = true
		}
		out = append(out, f)
	}
	return out, nil
}

// WriteCheckpoint checks the ledger from the newest checkpoint on (the
// whole ledger when there is none) and, if it is intact and has grown,
// writes a signed checkpoint of its head. It returns the checkpoint of
// the head and whether a file was written. A broken ledger gets no
// checkpoint: it would vouch for the break.
func (s *Store) WriteCheckpoint(ctx context.Context) (*ledger.Checkpoint, bool, error) {
	if s.LedgerKeys == nil || s.CheckpointDir == "" {
		return nil, false, ErrNoCheckpointSetup
	}
	cps, err := s.readCheckpoints()
	if err != nil {
		return nil, false, err
	}
	var from *ledger.Checkpoint
	for _, c := range cps {
		if from == nil || c.cp.Seq > from.Seq {
			from = c.cp
		}
	}
	v := ledger.NewKeyedVerifier(s.LedgerKeys)
	start := int64(1)
	if from != nil && from.Seq > 0 {
		// Resume at the checkpointed entry: it must still be the one
		// recorded; the chain after it is checked entry by entry.
		start = from.Seq
	}
	first := true
	err = scanLedgerOn(ctx, s.read, `SELECT `+s.ledgerSelect()+` FROM ledger WHERE seq >= $1 ORDER BY seq`, []any{start}, func(e *roi.LedgerEntry) error {
		if first && from != nil && from.Seq > 0 {
			first = false
			if e.Seq != from.Seq || e.Hash != from.Head {
				return &ledger.BrokenError{Seq: from.Seq, Reason: "it is not the entry the newest checkpoint recorded: the ledger was rewritten"}
			}
			v = ledger.ResumeVerifier(s.LedgerKeys, e)
			return nil
		}
		first = false
		return v.Check(e)
	})
	if err != nil {
		return nil, false, err
	}
	if from != nil && from.Seq > 0 && first {
		return nil, false, &ledger.BrokenError{Seq: from.Seq, Reason: "the newest checkpoint records this entry but the ledger no longer has it: entries were removed"}
	}
	var seq int64
	var head string
	if err := s.read.QueryRowContext(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&seq, &head); err != nil {
		return nil, false, classify(err)
	}
	if seq != v.Count() || head != v.Head() {
		return nil, false, &ledger.BrokenError{Seq: v.Count() + 1, Reason: fmt.Sprintf("the ledger head says %d entries; entries after %d are missing", seq, v.Count())}
	}
	if from != nil && from.Seq == seq {
		return from, false, nil
	}
	at := s.Now().UTC().Truncate(1000)
	cp := &ledger.Checkpoint{Seq: seq, Head: head, At: at.Format(ledger.TimeFormat)}
	s.LedgerKeys.Current().SignCheckpoint(cp)
	if err := os.MkdirAll(s.CheckpointDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("store: checkpoint directory: %w", err)
	}
	name := fmt.Sprintf("checkpoint-%012d-%s.json", seq, at.Format("20060102T150405.000000Z"))
	// Written under a hidden name and renamed into place, so that a crash
	// mid-write never leaves a half checkpoint that verify would call
	// forged.
	final := filepath.Join(s.CheckpointDir, name)
	if _, err := os.Lstat(final); err == nil {
		return cp, false, nil // another instance wrote the same head at the same microsecond
	}
	f, err := os.CreateTemp(s.CheckpointDir, ".checkpoint-*.tmp")
	if err != nil {
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	if _, err := f.Write(ledger.MarshalCheckpoint(cp)); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, false, fmt.Errorf("store: checkpoint: %w", err)
	}
	syncDir(s.CheckpointDir)
	return cp, true, nil
}

// SealLedgerKey writes the ledger-key entry now if the last entry is not
// sealed with the current ledger key (append would write it before the
// next entry anyway), so that a desk started with a key seals its ledger's
// tail at once: from then on a ledger whose last entry is unsealed was
// rewritten. It reports whether it wrote an entry.
func (s *Store) SealLedgerKey(ctx context.Context) (bool, error) {
	if s.LedgerKeys == nil {
		return false, nil
	}
	wrote := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var last string
		err := tx.QueryRowContext(ctx, `SELECT key_id FROM ledger WHERE seq = (SELECT seq FROM ledger_head WHERE id = 1)`).Scan(&last)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		cur := s.LedgerKeys.Current().ID()
		if last == cur {
			return nil
		}
		wrote = true
		return s.append(ctx, tx, roi.Event{Kind: ledger.EventKey, Actor: "custodian", Body: ledger.KeyBody{From: last, To: cur}})
	})
	return wrote, err
}
