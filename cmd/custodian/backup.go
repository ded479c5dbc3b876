package main

import (
	"context"
	"fmt"
	"io"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// pgBackupAdvice is what backup and restore say for a PostgreSQL database.
const pgBackupAdvice = `custodian: backup and restore copy SQLite databases only. For PostgreSQL use its own tools,
which take a consistent snapshot while the desk runs:
  pg_dump --format=custom --file=custodian.dump "$CUSTODIAN_DB"
  pg_restore --clean --if-exists --no-owner --dbname="$NEW_DB" custodian.dump
then run custodian ledger verify --db "$NEW_DB" before pointing the desk at it (docs/OPERATIONS.md).
`

// cmdBackup writes a consistent copy of the SQLite database while the
// server may be running.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("backup", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	out := fs.String("out", "", "the backup file to write (must not exist); its SHA-256 goes to FILE.sha256")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 || *out == "" {
		fmt.Fprintln(stderr, "usage: custodian backup [--data DIR | --db URL] --out FILE")
		return exitUsage
	}
	dsn := dbf.dsn()
	if store.IsPostgres(dsn) {
		fmt.Fprint(stderr, pgBackupAdvice)
		return exitFailure
	}
	info, err := store.Backup(ctx, dsn, *out)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: backup: %s\n", roi.PublicMessage(err))
		return exitFor(err)
	}
	fmt.Fprintf(stdout, "Backed up to %s: %d bytes, SHA-256 %s (also in %s.sha256); its ledger verifies (%d entries).\n",
		info.Path, info.Size, info.SHA256, info.Path, info.Entries)
	fmt.Fprintln(stdout, "Keep the encryption key file separately: the backup holds ciphertext that only the key opens.")
	return exitOK
}

// cmdRestore puts a backup in place after checking it whole.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("restore", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	from := fs.String("from", "", "the backup file written by custodian backup")
	force := fs.Bool("force", false, "replace an existing database (stop the server first)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 || *from == "" {
		fmt.Fprintln(stderr, "usage: custodian restore --from FILE [--data DIR | --db PATH] [--force]")
		return exitUsage
	}
	dsn := dbf.dsn()
	if store.IsPostgres(dsn) {
		fmt.Fprint(stderr, pgBackupAdvice)
		return exitFailure
	}
	// With a ledger key, the backup's ledger seals are checked too: a
	// backup whose ledger was rewritten with recomputed hashes is refused.
	keys, err := dbf.ledger.ring()
	if err != nil {
		fmt.Fprintf(stderr, "custodian: restore: %s\n", err)
		return exitUsage
	}
	info, err := store.Restore(ctx, *from, dsn, store.RestoreOptions{Force: *force, LedgerKeys: keys})
	if err != nil {
		fmt.Fprintf(stderr, "custodian: restore: %s\n", roi.PublicMessage(err))
		return exitFor(err)
	}
	fmt.Fprintf(stdout, "Restored %s to %s: %d bytes, SHA-256 %s; its ledger verifies (%d entries).\n",
		*from, info.Path, info.Size, info.SHA256, info.Entries)
	return exitOK
}
