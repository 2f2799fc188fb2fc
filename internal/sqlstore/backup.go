package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"

	"aftersales"
)

// ErrBackupEngine refuses a SQLite backup or restore of a PostgreSQL store.
var ErrBackupEngine = errors.New("the database is PostgreSQL: back it up with pg_dump and restore it with pg_restore, " +
	"and copy the attachments directory alongside (see docs/OPERATIONS.md)")

// BackupTo writes a consistent copy of a SQLite database to path (which
// must not exist) with VACUUM INTO: one read transaction, so the copy is
// the database as of one instant while the server keeps writing (WAL lets
// a reader and the writer run side by side). The copy is compact and
// needs no WAL file.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if db.d.engine != SQLite {
		return ErrBackupEngine
	}
	if _, err := os.Stat(path); err == nil {
		return aftersales.Errorf(aftersales.EINVALID, "%s already exists", path)
	}
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("sqlstore: backup into %s: %w", path, err)
	}
	return nil
}

// CheckIntegrity runs SQLite's quick_check (on PostgreSQL it only pings).
func (db *DB) CheckIntegrity(ctx context.Context) error {
	if db.d.engine != SQLite {
		return db.Ping(ctx)
	}
	var res string
	if err := db.r.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("sqlstore: integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("sqlstore: integrity check: %s", res)
	}
	return nil
}
