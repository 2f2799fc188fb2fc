package sqlstore

import (
	"context"

	"aftersales"
)

// ExecRaw runs raw SQL on the writer, for tests that prove database-level
// invariants (append-only tables, constraints).
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := db.w.ExecContext(ctx, q, args...)
	return err
}

// UpdateTeamCapacityForTest lifts a team's capacity limit.
func (db *DB) UpdateTeamCapacityForTest(ctx context.Context, teamID int64, capacity int) error {
	return db.ExecRaw(ctx, `UPDATE teams SET capacity = $1 WHERE id = $2`, capacity, teamID)
}

// CountForTest runs a query that returns one integer.
func (db *DB) CountForTest(ctx context.Context, q string, args ...any) int64 {
	var n int64
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		panic(err)
	}
	return n
}

// FindTicketByExternalIDForTest finds a ticket by its external id.
func (db *DB) FindTicketByExternalIDForTest(ctx context.Context, ext string) (*aftersales.Ticket, error) {
	return scanTicket(db.r.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM `+ticketFrom+` WHERE t.external_id = $1`, ext))
}

// SchemaForTest lists the indexes, foreign keys and triggers (with their
// enabled state) of the tables an import fills, one line each, sorted.
func (db *DB) SchemaForTest(ctx context.Context) []string {
	q := `SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master
		WHERE tbl_name IN ('tickets', 'ticket_events', 'import_issues', 'ticket_tags') AND type IN ('index', 'trigger')
		UNION ALL SELECT 'fk ' || m.name || ' ' || f."from" || ' ' || f."table" || ' ' || f.on_delete
		FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.name IN ('tickets', 'ticket_events', 'import_issues', 'ticket_tags')
		ORDER BY 1`
	if db.d.engine == Postgres {
		q = `SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'import_issues'::regclass, 'ticket_tags'::regclass)
			UNION ALL SELECT 'fk ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
				WHERE conrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'import_issues'::regclass, 'ticket_tags'::regclass) AND contype = 'f' AND convalidated
			UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger
				WHERE tgrelid IN ('tickets'::regclass, 'ticket_events'::regclass, 'import_issues'::regclass, 'ticket_tags'::regclass) AND NOT tgisinternal
			ORDER BY 1`
	}
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		panic(err)
	}
	lines, err := collect(rows, func(r interface{ Scan(...any) error }) (*string, error) {
		var s string
		return &s, r.Scan(&s)
	})
	if err != nil {
		panic(err)
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = *l
	}
	return out
}

// LinesForTest runs a query whose one column is text and returns its rows.
func (db *DB) LinesForTest(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EscalateLateItemsTwiceForTest reads the late improvement items once and
// escalates each twice from that list, as two instances that both read
// before either wrote; it returns the notifications each pass sent.
func (db *DB) EscalateLateItemsTwiceForTest(ctx context.Context) (first, second int, err error) {
	ls, err := db.lateItems(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, l := range ls {
		n, err := db.escalateItem(ctx, l)
		if err != nil {
			return first, second, err
		}
		first += n
	}
	for _, l := range ls {
		n, err := db.escalateItem(ctx, l)
		if err != nil {
			return first, second, err
		}
		second += n
	}
	return first, second, nil
}

// HoldJobForTest runs fn while this instance holds job's lock, as a
// long-running sweep would; it reports whether the lock was taken.
func (db *DB) HoldJobForTest(ctx context.Context, job string, fn func()) (bool, error) {
	_, ran, err := db.exclusive(ctx, job, func() (int, error) { fn(); return 0, nil })
	return ran, err
}

// HoldWriterForTest opens what an import holds: a write transaction on
// the writer that has changed every ticket (marking them for the
// rollups) and, on PostgreSQL, the rollup lock. release rolls it back.
func (db *DB) HoldWriterForTest(ctx context.Context) (release func(), err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	qs := []string{`UPDATE tickets SET updated_at = updated_at + 1`}
	if db.d.engine == Postgres {
		qs = append(qs, `SELECT pg_advisory_xact_lock(7283010)`)
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return func() { tx.Rollback() }, nil
}

// WatchGroupForTest tells queued the length of the group commit's queue at
// each arrival and ran the size of each shared batch.
func (db *DB) WatchGroupForTest(queued, ran func(n int)) {
	db.group.mu.Lock()
	db.group.queued, db.group.ran = queued, ran
	db.group.mu.Unlock()
}

// GroupExecForTest runs statements as one request of the group commit.
func (db *DB) GroupExecForTest(ctx context.Context, before func(), stmts ...string) error {
	return db.groupTx(ctx, func(ctx context.Context, tx *Tx) error {
		if before != nil {
			before()
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// GroupLanesForTest is how many shared transactions run at once.
func (db *DB) GroupLanesForTest() int { return db.groupLanes() }

// ReadDailyOnlyForTest makes the KPI reads take every day from
// kpi_daily (on) or whole months from kpi_monthly where they can (off).
func (db *DB) ReadDailyOnlyForTest(on bool) { db.dailyOnly = on }

// MetricsReadsForTest answers qs as Metrics does and counts its reads of
// kpi_daily through aggregate (shared scopes and reads of their own).
func (db *DB) MetricsReadsForTest(ctx context.Context, qs []aftersales.MetricQuery) (int, error) {
	b := &readBatch{labels: map[string]map[string]string{}}
	_, err := db.metricsIn(ctx, qs, b)
	return b.reads, err
}

// TraceForTest calls fn with every statement a write transaction runs;
// nil stops it. Set it while nothing else runs on db.
func (db *DB) TraceForTest(fn func(query string)) { db.trace = fn }

// RecomputeUtilisationForTest marks ctx so that technician_utilisation
// is evaluated from the visits themselves, not from util_daily.
func RecomputeUtilisationForTest(ctx context.Context) context.Context {
	return context.WithValue(ctx, utilRecomputeKey{}, true)
}

// HoldRebuildForTest runs f in every rollup rebuild after it read the
// tickets and before it stores the rollups: on SQLite in its read
// transaction beside the writer, on PostgreSQL inside its transaction.
func (db *DB) HoldRebuildForTest(f func()) { db.rebuildHeld = f }

// RebuildBatchForTest makes a SQLite rebuild write n facts or rollup rows
// per transaction (0: as usual).
func (db *DB) RebuildBatchForTest(n int) { db.rebuildBatch = n }

// HoldCheckpointsForTest makes the SQLite checkpointer tell held that a
// checkpoint is due, wait for hold, then tell ran what it did (all nil:
// as usual).
func (db *DB) HoldCheckpointsForTest(held func(), hold chan struct{}, ran func(log, done int, err error)) {
	if held == nil && hold == nil && ran == nil {
		db.ckpt.hooks.Store(nil)
		return
	}
	db.ckpt.hooks.Store(&checkpointHooks{held: held, hold: hold, ran: ran})
}

// CheckpointForTest makes the SQLite checkpointer run, as a commit
// does when one is due.
func (db *DB) CheckpointForTest() {
	select {
	case db.ckpt.wake <- struct{}{}:
	default:
	}
}

// OpenWriteForTest runs q in a write transaction on the writer and leaves
// it open, as a request between its statements and its commit; commit
// ends it.
func (db *DB) OpenWriteForTest(ctx context.Context, q string, args ...any) (commit func() error, err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx.Commit, nil
}
