package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed migrations
var migrationFS embed.FS

// Migrate applies the embedded migrations of the store's engine that have
// not run yet, each in its own transaction, in file-name order. On
// PostgreSQL an advisory lock keeps two starting instances from racing.
func (db *DB) Migrate(ctx context.Context) error {
	dir := "migrations/" + string(db.d.engine)
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// dataRepair is the repair of stored data that SQL cannot make which
// runs in the transaction of migration name, so once, over the rows
// there are when it is applied.
func (db *DB) dataRepair(name string) func(ctx context.Context, tx *Tx) error {
	switch name {
	case "0054_verification_sizes.sql":
		return db.repairVerificationSizes
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if db.d.engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7283001)`); err != nil {
				return fmt.Errorf("sqlstore: migration lock: %w", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: read schema_migrations: %w", err)
		}
		if n > 0 {
			return nil
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", name, err)
		}
		if repair := db.dataRepair(path.Base(name)); repair != nil {
			if err := repair(ctx, tx); err != nil {
				return fmt.Errorf("sqlstore: migration %s: %w", name, err)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, name, ms(tx.now))
		return err
	})
}
