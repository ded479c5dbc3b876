package store

import (
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SafeCause describes one error of a database driver by its code, never by
// its text, for the log: a driver's message can quote a value (PostgreSQL's
// "invalid input syntax for type integer: ...", for one), and a value may
// be PHI. A PostgreSQL error adds its constraint and table names, which are
// the schema's. It reports false for an error that is not the driver's.
// It looks at err itself, not at what err wraps.
func SafeCause(err error) (string, bool) {
	switch e := err.(type) {
	case *sqlite.Error:
		if s, ok := sqlite.ErrorCodeString[e.Code()]; ok {
			return "sqlite: " + s, true
		}
		return fmt.Sprintf("sqlite: code %d", e.Code()), true
	case *pgconn.PgError:
		s := "postgres: SQLSTATE " + e.Code
		if e.ConstraintName != "" {
			s += " constraint " + e.ConstraintName
		}
		if e.TableName != "" {
			s += " table " + e.TableName
		}
		return s, true
	}
	switch err {
	case sql.ErrNoRows, sql.ErrTxDone, sql.ErrConnDone:
		return err.Error(), true
	}
	return "", false
}
