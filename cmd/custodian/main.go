// Command custodian is Custodian's one binary: the release-of-information
// desk's server and its command-line tools.
//
//	custodian evaluate FILE|-      decide one case, print the decision as JSON
//	custodian conformance DIR      decide every case in DIR and compare with its expect
//	custodian serve [--demo]       the request desk: JSON API under /api/v1
//	custodian migrate              apply database migrations
//	custodian ledger verify        walk the ledger's hash chain, seals, checkpoints and tables
//	custodian ledger checkpoint    write a signed checkpoint of the ledger's head
//	custodian import FILE...       import FHIR R4 bundles (patients and charts), labeling them
//	custodian chart --patient ID --json   a patient's chart with labels and why
//	custodian pull --patient ID ...       fetch a patient's record from an EHR (SMART Backend Services)
//	custodian verify-packet FILE          check a released packet against the ledger
//	custodian keys generate|rotate        master keys for encryption at rest
//	custodian backup --out FILE           a consistent copy of the SQLite database, online
//	custodian restore --from FILE         put a checked backup in place
//	custodian version
//
// Exit status: 0 success, 1 a conformance failure or a command that cannot
// run, 2 bad input or bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/conformance"
	"github.com/custodian-roi/custodian/internal/policy"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: custodian <command> [arguments]

commands:
  evaluate FILE|-   decide one conformance case (FILE, or - for standard input)
                    and print the decision as JSON with its explanation
  conformance DIR   decide every *.json case under DIR, compare each with its
                    expect member, print one line per failure and a summary
  serve [--demo]    run the request desk (JSON API under /api/v1); --demo seeds
                    a fresh database with synthetic Synthea patients
  migrate           apply the database migrations
  ledger verify     walk the ledger's hash chain, check every entry's seal with
                    the ledger key, the ledger against every checkpoint, and the
                    tables against what the ledger recorded; name the first break
  ledger checkpoint write a signed checkpoint of the ledger's head into
                    --checkpoint-dir (serve writes them too)
  import FILE...    import FHIR R4 bundles (patients and their charts), labeling
                    every item once with the reasons
  pull --fhir-base URL --client-id ID --key FILE --kid KID --patient ID
                    fetch one patient's record from an EHR over FHIR
                    (SMART Backend Services) and import it
  chart --patient ID --json
                    a patient's chart (ID: FHIR Patient id or MRN) with each
                    item's labels and why it carries them
  verify-packet FILE
                    check a release packet file against the ledger: which
                    disclosure sent it, and whether every item still matches
  backup --out FILE
                    write a consistent copy of the SQLite database while the
                    server runs, with FILE.sha256 (PostgreSQL: use pg_dump)
  restore --from FILE [--force]
                    check a backup (checksum, integrity, ledger) and put it
                    in place as the database; --force replaces an existing one
  user add|list|disable
                    staff accounts; add reads the password from standard input
  totp SECRET       print the current authenticator code for a TOTP secret
                    (the demo's accounts; checking an enrolment)
  keys generate [--out FILE]
                    make a master key for encryption at rest
  keys rotate --new-key-file NEW [--key-file OLD]
                    re-wrap every sealed row under NEW, online and resumable
                    (docs/ENCRYPTION.md)
  version           print the version and the rule-set version

serve, migrate, ledger, import, verify-packet, backup and restore take --data DIR (SQLite file DIR/custodian.db;
env CUSTODIAN_DATA) or --db URL (a postgres:// URL or SQLite path; env
CUSTODIAN_DB); serve also --addr HOST:PORT (env CUSTODIAN_ADDR) and
--jurisdiction FILE (state rules as JSON; env CUSTODIAN_JURISDICTION); serve and
import take --labels FILE (labeling configuration; env CUSTODIAN_LABELS); serve
takes --config FILE (organization, SMTP, SFTP destinations, fees; env
CUSTODIAN_CONFIG), see docs/DELIVERY.md. Every database command takes
--key-file FILE (env CUSTODIAN_KEY_FILE, or CUSTODIAN_KEY in base64) and
--previous-key-file FILE (env CUSTODIAN_PREVIOUS_KEY_FILE, during a rotation):
documents, packets, submission documents and TOTP secrets are sealed at rest
with them (AES-256-GCM), see docs/ENCRYPTION.md. Every database command also takes
--ledger-key-file FILE (env CUSTODIAN_LEDGER_KEY_FILE, or CUSTODIAN_LEDGER_KEY):
ledger entries are sealed and checked with it, and --checkpoint-dir DIR (env
CUSTODIAN_CHECKPOINT_DIR) for checkpoints of the ledger outside the database;
migrate takes --runtime-role ROLE (PostgreSQL), see docs/DEPLOYMENT.md.
`

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// run is the whole program; main only wires it to the process. Tests call
// it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "evaluate":
		return cmdEvaluate(rest, stdin, stdout, stderr)
	case "conformance":
		return cmdConformance(rest, stdout, stderr)
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr, getenv)
	case "ledger":
		return cmdLedger(ctx, rest, stdout, stderr, getenv)
	case "import":
		return cmdImport(ctx, rest, stdout, stderr, getenv)
	case "chart":
		return cmdChart(ctx, rest, stdout, stderr, getenv)
	case "totp":
		return cmdTOTP(rest, stdout, stderr)
	case "verify-packet":
		return cmdVerifyPacket(ctx, rest, stdout, stderr, getenv)
	case "pull":
		return cmdPull(ctx, rest, stdout, stderr, getenv)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout, stderr, getenv)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr, getenv)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr, getenv)
	case "restore":
		return cmdRestore(ctx, rest, stdout, stderr, getenv)
	case "version", "--version":
		fmt.Fprintf(stdout, "custodian %s (rules %s)\n", version, policy.RuleSetVersion)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "custodian: unknown command %q\n%s", cmd, usage)
	return exitUsage
}

func cmdEvaluate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: custodian evaluate FILE|-")
		return exitUsage
	}
	name := fs.Arg(0)
	var c *caseformat.Case
	var err error
	if name == "-" {
		name = "(stdin)"
		c, err = caseformat.Decode(stdin)
	} else {
		c, err = caseformat.DecodeFile(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s: %s\n", name, describe(err))
		return exitUsage
	}
	d := policy.Evaluate(&c.Facts)
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s: cannot encode the decision: %v\n", name, err)
		return exitFailure
	}
	stdout.Write(append(out, '\n'))
	return exitOK
}

// describe says what is wrong with an input without echoing its content.
func describe(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func cmdConformance(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: custodian conformance DIR")
		return exitUsage
	}
	results, err := conformance.RunDir(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s: %s\n", fs.Arg(0), describe(err))
		return exitUsage
	}
	passed, failed, invalid := 0, 0, 0
	for _, r := range results {
		switch {
		case r.Err != nil:
			invalid++
			fmt.Fprintf(stdout, "FAIL %s: invalid case: %s\n", r.File, describe(r.Err))
		case len(r.Mismatches) > 0:
			failed++
			fmt.Fprintf(stdout, "FAIL %s:", r.File)
			for i, m := range r.Mismatches {
				if i > 0 {
					fmt.Fprint(stdout, ";")
				}
				fmt.Fprintf(stdout, " %s", m)
			}
			fmt.Fprintln(stdout)
		default:
			passed++
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed+invalid)
	switch {
	case invalid > 0:
		return exitUsage
	case failed > 0:
		return exitFailure
	case passed == 0:
		fmt.Fprintf(stderr, "custodian: %s: no cases found\n", fs.Arg(0))
		return exitFailure
	}
	return exitOK
}
