package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
)

// On PostgreSQL the role that owns the tables can do anything to them:
// ALTER TABLE ledger DISABLE TRIGGER, then UPDATE or DELETE any entry. So
// the desk runs as a role that owns nothing: `custodian migrate` runs as
// the owner and grants the runtime role what serve needs (GrantRuntime),
// and the ledger gets SELECT and INSERT only. A role that does not own a
// table cannot disable its triggers, alter or drop it (docs/DEPLOYMENT.md).

// roleName is what GrantRuntime accepts: a plain lower-case identifier,
// so that it can be written into the GRANT statements without quoting
// surprises.
var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// GrantRuntime grants role the rights the desk needs at run time on every
// table and sequence of the current schema, and no more: read and write
// rows, except that the ledger takes only SELECT and INSERT (UPDATE on its
// head row, which moves forward) and schema_migrations only SELECT. Run it
// as the owner after every migration; tables a migration adds get their
// grants then. PostgreSQL only.
func (s *Store) GrantRuntime(ctx context.Context, role string) error {
	if s.dialect != Postgres {
		return fmt.Errorf("store: a runtime role is for PostgreSQL; SQLite has no roles (protect the file instead)")
	}
	if !roleName.MatchString(role) {
		return fmt.Errorf("store: the runtime role must be a plain lower-case name (letters, digits, _)")
	}
	var schema string
	if err := s.write.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return classify(err)
	}
	q := func(id string) string { return `"` + id + `"` }
	stmts := []string{
		`GRANT USAGE ON SCHEMA ` + q(schema) + ` TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + q(schema) + ` TO ` + role,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + q(schema) + ` TO ` + role,
		`REVOKE UPDATE, DELETE, TRUNCATE ON ledger FROM ` + role,
		`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM ` + role,
		`REVOKE DELETE, TRUNCATE ON ledger_head FROM ` + role,
		// The runtime role creates nothing: no tables in the schema.
		`REVOKE CREATE ON SCHEMA ` + q(schema) + ` FROM ` + role,
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("store: grant the runtime role: %w", err)
			}
		}
		return nil
	})
}

// PendingMigrations returns how many embedded migrations the database has
// not applied (all of them when it has none). It only reads, so a runtime
// role that may not create tables can ask before opening: Migrate, which
// creates its bookkeeping table first, is for the owner.
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	names, err := fs.Glob(migrations, "migrations/"+string(s.dialect)+"/*.sql")
	if err != nil {
		return 0, err
	}
	applied := map[int]bool{}
	rows, err := s.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return len(names), nil // no bookkeeping table: nothing applied
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, classify(err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return 0, classify(err)
	}
	n := 0
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(filepath.Base(name), "%04d_", &v); err == nil && !applied[v] {
			n++
		}
	}
	return n, nil
}
