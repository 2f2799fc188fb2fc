package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ValidateConstraints validates, on PostgreSQL, every foreign key and
// check of the schema that is NOT VALID: a first load adds its foreign
// keys back that way (deferUpkeep) and commits without reading the table
// once per key. A NOT VALID key guards every write from then on, as a
// valid one does; only the rows already there are unproven until this
// runs. The background job "constraint-check" calls it every minute.
//
// Each key is validated in its own short transaction (ALTER TABLE ...
// VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE: the desk reads and
// writes on). A key whose table is locked (an import still running)
// waits for the next call. A key that rows violate stays NOT VALID, is
// recorded in constraint_checks with the database's message (the first
// time also in the audit log, action "constraint_invalid") and makes the
// call fail, so the job logs an error every time until an administrator
// repairs the rows; a later success removes the record. It returns how
// many keys it validated. SQLite never leaves a key unchecked.
func (db *DB) ValidateConstraints(ctx context.Context) (int, error) {
	if db.d.engine != Postgres {
		return 0, nil
	}
	type pending struct{ table, name, stmt string }
	var todo []pending
	err := db.each(ctx, `SELECT t.relname, k.conname, format('ALTER TABLE %I VALIDATE CONSTRAINT %I', t.relname, k.conname)
		FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
		WHERE NOT k.convalidated AND k.contype IN ('f', 'c') AND t.relnamespace = to_regnamespace(current_schema())
		ORDER BY t.relname, k.conname`, nil, func(scan func(...any) error) error {
		var p pending
		if err := scan(&p.table, &p.name, &p.stmt); err != nil {
			return err
		}
		todo = append(todo, p)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: constraints to validate: %w", err)
	}
	n := 0
	var failed []string
	for _, p := range todo {
		err := db.validate(ctx, p.table, p.name, p.stmt)
		var pe *pgconn.PgError
		switch {
		case err == nil:
			n++
		case errors.As(err, &pe) && pe.Code == "55P03": // lock_not_available: next time
		case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "23"):
			msg := pe.Message
			if pe.Detail != "" {
				msg += ": " + pe.Detail
			}
			if err := db.recordInvalid(ctx, p.table, p.name, msg); err != nil {
				return n, err
			}
			failed = append(failed, p.table+"."+p.name+" ("+msg+")")
		default:
			return n, fmt.Errorf("sqlstore: validate %s.%s: %w", p.table, p.name, err)
		}
	}
	if len(failed) > 0 {
		return n, fmt.Errorf("sqlstore: %d constraints left NOT VALID by rows that violate them (see constraint_checks): %s",
			len(failed), strings.Join(failed, "; "))
	}
	return n, nil
}

// validate runs one VALIDATE CONSTRAINT and clears the key's failure
// record in the same transaction.
func (db *DB) validate(ctx context.Context, table, name, stmt string) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM constraint_checks WHERE table_name = $1 AND constraint_name = $2`, table, name); err != nil {
		return err
	}
	return tx.Commit()
}

// recordInvalid stores a failed validation: checked_at and the message
// follow every attempt, failed_at and the audit entry only the first (a
// new row: xmax = 0).
func (db *DB) recordInvalid(ctx context.Context, table, name, msg string) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := ms(db.Now())
	var first bool
	err = tx.QueryRowContext(ctx, `INSERT INTO constraint_checks (table_name, constraint_name, failed_at, checked_at, error)
		VALUES ($1, $2, $3, $3, $4)
		ON CONFLICT (table_name, constraint_name) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error
		RETURNING xmax = 0`, table, name, now, msg).Scan(&first)
	if err != nil {
		return fmt.Errorf("sqlstore: record invalid constraint: %w", err)
	}
	if first {
		detail := map[string]any{"table": table, "constraint": name, "error": msg}
		if _, err := tx.ExecContext(ctx, auditInsert, auditArgs(ctx, db.Now(), "constraint_invalid", "constraint", 0, detail)...); err != nil {
			return fmt.Errorf("sqlstore: audit invalid constraint: %w", err)
		}
	}
	return tx.Commit()
}
