# Developer commands, in one place. docs/DEVELOPING.md says what each one
# needs (PostgreSQL, Chromium, PDF tools) and how the test helpers are laid
# out. CI is .ci/run; `make ci` runs it here.
#
# PostgreSQL tests run when CUSTODIAN_TEST_POSTGRES_URL is set:
#   export CUSTODIAN_TEST_POSTGRES_URL=$(.ci/postgres | tail -n 1)

GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test test-race test-random-seed lint fuzz ci bench

# The desk on 127.0.0.1:8080 with a fresh demo database; prints the logins.
run:
	$(GO) run ./cmd/custodian serve --demo

# Everything, as CI runs it (the crash tests with their fixed seed).
test:
	$(GO) test ./...

# The race detector over the packages with concurrency (list in .ci/race).
test-race:
	.ci/race

# The crash tests with a new random seed; the log names the seed, and
# -crash.seed=N replays it.
test-random-seed:
	$(GO) test -count=1 -v -run '^TestCrashRecovery(SQLite|Postgres)$$' ./cmd/custodian -crash.seed=random

# gofmt, go vet and staticcheck, as .ci/run checks them.
lint:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Each fuzz target for CUSTODIAN_FUZZTIME (default 8s); see docs/FUZZING.md.
fuzz:
	.ci/fuzz

# The whole CI script in this checkout (installs what is missing; see
# docs/DEVELOPING.md for a run from a clean clone).
ci:
	.ci/run

# The benchmarks; figures and how they were taken in docs/PERFORMANCE.md.
# Narrow with BENCH=regexp and BENCH_PKGS="./internal/policy".
BENCH ?= .
BENCH_PKGS ?= ./internal/policy ./internal/packet ./internal/label ./internal/fhir ./internal/workflow
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(BENCH_PKGS)
