package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"aftersales"
	"aftersales/internal/analytics"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Rollup maintenance. Triggers mark every changed ticket in kpi_dirty;
// RefreshRollups withdraws each dirty ticket's stored fact from kpi_daily
// and adds its new one. When more tickets are dirty than an incremental
// pass handles well (an import), the rollups are rebuilt from scratch.

// markTicketConflict ends an INSERT INTO kpi_dirty of tickets that may be
// marked already: it locks an existing mark until the write commits, as
// the triggers do (migration 0051, claimDirty).
const markTicketConflict = `ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = excluded.ticket_id WHERE false`

// rebuildAbove is the dirty-queue length from which a refresh rebuilds
// every rollup instead of applying deltas row by row.
const rebuildAbove = 20000

var dimNames = func() []string {
	out := make([]string, len(aftersales.Dimensions))
	for i, d := range aftersales.Dimensions {
		out[i] = string(d)
	}
	return out
}()

// kpiCols are kpi_daily's value columns: measures, then histograms.
var kpiCols = append(slices.Clone(analytics.MeasureNames[:]), analytics.HistNames[:]...)

// recordSQL loads what analytics.Contribute needs. Arrival and "ever
// waited for the customer" come from the timeline, a repeat from the
// asset's other tickets of the previous 30 days.
const recordSQL = `SELECT t.id, t.status, t.nature, t.created_at, t.first_response_at, t.accepted_at, t.resolved_at,
	t.closed_at, t.cancelled_at, t.target_at, t.reopen_count, t.assign_count, t.asset_id IS NOT NULL,
	t.asset_id IS NOT NULL AND EXISTS (SELECT 1 FROM tickets p WHERE p.asset_id = t.asset_id AND p.id <> t.id
		AND p.created_at < t.created_at AND p.created_at >= t.created_at - 2592000000),
	s.fr_met, s.fr_breached_at, s.res_met, s.res_breached_at, s.arr_met, s.arr_due_at,
	f.csat, f.nps,
	t.team_id, t.assignee_id, t.service_unit_id, t.category_id, t.product_id, t.channel, t.urgency, c.tier, a.warranty_ends,
	x.polarity
FROM tickets t
LEFT JOIN ticket_text x ON x.ticket_id = t.id
LEFT JOIN ticket_sla s ON s.ticket_id = t.id
LEFT JOIN ticket_feedback f ON f.ticket_id = t.id
LEFT JOIN customers c ON c.id = t.customer_id
LEFT JOIN assets a ON a.id = t.asset_id`

// timelineSQL reads status changes, from which come the first arrival
// on site, whether the ticket ever waited for the customer, and the time
// spent in each stage.
const timelineSQL = `SELECT ticket_id, at, from_value, to_value FROM ticket_events WHERE kind = 'status_changed'`

type timeline struct {
	arrived *time.Time
	awaited bool
	stages  [analytics.StageCount]int64
	since   time.Time
	cur     string
	// The stage before the first change, which began at creation.
	firstAt   time.Time
	firstFrom string
}

// metricsEnv is what turns rows into records: the region above each
// service unit and the deployment's zone.
type metricsEnv struct {
	region map[int64]int64
	loc    *time.Location
}

func (db *DB) metricsEnv(ctx context.Context, b bulkReader) (*metricsEnv, error) {
	parent := map[int64]sql.NullInt64{}
	err := b.query(ctx, `SELECT id, parent_id FROM service_units`, nil, func(scan func(...any) error) error {
		var id int64
		var p sql.NullInt64
		if err := scan(&id, &p); err != nil {
			return err
		}
		parent[id] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	env := &metricsEnv{region: map[int64]int64{}, loc: db.location()}
	for id := range parent {
		r := id
		for i := 0; i < 8 && parent[r].Valid; i++ { // the network has four levels
			r = parent[r].Int64
		}
		env.region[id] = r
	}
	return env, nil
}

// loadRecords reads the records of the tickets matched by where (a
// condition on t, or "" for every ticket) and calls each for every one.
func (env *metricsEnv) loadRecords(ctx context.Context, b bulkReader, where, timelineWhere string, args []any, each func(*analytics.TicketRecord) error) error {
	tl := map[int64]*timeline{}
	err := b.query(ctx, timelineSQL+timelineWhere+` ORDER BY ticket_id, at, id`, args, func(scan func(...any) error) error {
		var id, at int64
		var from, to string
		if err := scan(&id, &at, &from, &to); err != nil {
			return err
		}
		x := tl[id]
		if x == nil {
			x = &timeline{cur: string(aftersales.StatusNew)}
			tl[id] = x
		}
		t := fromMS(at)
		if x.since.IsZero() {
			x.firstAt, x.firstFrom = t, cmp.Or(from, x.cur)
		} else if i := analytics.StageIndex(aftersales.Status(cmp.Or(from, x.cur))); i >= 0 {
			x.stages[i] += int64(t.Sub(x.since) / time.Second)
		}
		x.since, x.cur = t, to
		switch aftersales.Status(to) {
		case aftersales.StatusInService:
			if x.arrived == nil {
				x.arrived = &t
			}
		case aftersales.StatusAwaitingCustomer:
			x.awaited = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	costs, err := loadCosts(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	visits, err := loadVisitFacts(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	followups, err := loadFollowups(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	reservations, err := loadReservationFacts(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	complaints, err := loadComplaintFacts(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	ces, err := loadCES(ctx, b, timelineWhere, args)
	if err != nil {
		return err
	}
	q := recordSQL + where + ` ORDER BY t.id`
	return b.query(ctx, q, args, func(scan func(...any) error) error {
		var (
			r                                       analytics.TicketRecord
			status, nature, channel, urgency        string
			created                                 int64
			fr, acc, res, closed, canc, target      sql.NullInt64
			frMet, resMet, arrMet                   sql.NullBool
			frBr, resBr, arrDue                     sql.NullInt64
			csat, nps                               sql.NullInt64
			team, assignee, unit, category, product sql.NullInt64
			tier, warranty                          sql.NullString
			polarity                                sql.NullInt64
		)
		if err := scan(&r.ID, &status, &nature, &created, &fr, &acc, &res, &closed, &canc, &target,
			&r.ReopenCount, &r.AssignCount, &r.HasAsset, &r.Repeat,
			&frMet, &frBr, &resMet, &resBr, &arrMet, &arrDue, &csat, &nps,
			&team, &assignee, &unit, &category, &product, &channel, &urgency, &tier, &warranty, &polarity); err != nil {
			return err
		}
		r.Status, r.Nature, r.Created, r.WarrantyEnds = aftersales.Status(status), aftersales.Nature(nature), fromMS(created), warranty.String
		r.Costs, r.Visits, r.Followups, r.Reservations = costs[r.ID], visits[r.ID], followups[r.ID], reservations[r.ID]
		if f, ok := complaints[r.ID]; ok {
			r.Closure, r.RepeatComplaint = f.closure, f.repeat
		}
		if v, ok := ces[r.ID]; ok {
			r.CES = &v
		}
		r.FirstResponse, r.Accepted, r.Resolved = timePtr(fr), timePtr(acc), timePtr(res)
		r.Closed, r.Cancelled, r.Target = timePtr(closed), timePtr(canc), timePtr(target)
		// First-response clock: stopped at the first response, or breached.
		switch {
		case frMet.Valid && r.FirstResponse != nil:
			r.FRMet, r.FRDone = &frMet.Bool, r.FirstResponse
		case frBr.Valid:
			f := false
			r.FRMet, r.FRDone = &f, timePtr(frBr)
		}
		if resMet.Valid {
			r.ResMet = &resMet.Bool
		}
		r.ResBreached = timePtr(resBr)
		if x, ok := tl[r.ID]; ok {
			r.Arrived, r.AwaitedCustomer, r.Stages = x.arrived, x.awaited, x.stages
			// The first stage runs from creation to the first change.
			if i := analytics.StageIndex(aftersales.Status(x.firstFrom)); i >= 0 {
				r.Stages[i] += max(0, int64(x.firstAt.Sub(r.Created)/time.Second))
			}
		}
		// The SLA engine sets met = false the moment a clock breaches, with
		// the due time as the breach time.
		if arrMet.Valid {
			if r.Arrived != nil {
				r.ArrMet = &arrMet.Bool
			} else if !arrMet.Bool {
				r.ArrBreached = timePtr(arrDue)
			}
		}
		if csat.Valid {
			v := int(csat.Int64)
			r.CSAT = &v
		}
		if polarity.Valid {
			v := int(polarity.Int64)
			r.TextPolarity = &v
		}
		if nps.Valid {
			v := int(nps.Int64)
			r.NPS = &v
		}
		id := func(n sql.NullInt64) string {
			if !n.Valid {
				return ""
			}
			return strconv.FormatInt(n.Int64, 10)
		}
		region := ""
		if unit.Valid {
			region = strconv.FormatInt(env.region[unit.Int64], 10)
		}
		r.Dims = []string{id(team), id(assignee), id(unit), region, id(category), id(product), channel, nature, urgency, tier.String}
		return each(&r)
	})
}

func (db *DB) lockRollups(ctx context.Context, b bulkWriter) error {
	if db.d.engine != Postgres {
		return nil // SQLite has one writer
	}
	return b.exec(ctx, `SELECT pg_advisory_xact_lock(7283010)`)
}

func idList(ids []int64) string {
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatInt(id, 10))
	}
	return sb.String()
}

// RefreshRollups folds up to limit dirty tickets into the rollups, or
// rebuilds them all when more than rebuildAbove are dirty, and as many
// dirty visits into technician utilisation's (utildaily.go). It returns
// how many it folded in. Without a ticket rebuild both rollups are folded
// in by one writer transaction, which the desk's writes wait for once per
// refresh instead of twice.
func (db *DB) RefreshRollups(ctx context.Context, limit int) (int, error) {
	db.rollupMu.Lock()
	defer db.rollupMu.Unlock()
	n, u, rebuild := 0, 0, false
	err := db.withBulk(ctx, func(b bulkWriter) error {
		if err := db.lockRollups(ctx, b); err != nil {
			return err
		}
		var err error
		if n, rebuild, err = db.refreshKPI(ctx, b, limit); err != nil {
			return fmt.Errorf("sqlstore: refresh rollups: %w", err)
		}
		if u, err = db.refreshUtil(ctx, b, limit); err != nil {
			return fmt.Errorf("sqlstore: refresh utilisation rollup: %w", err)
		}
		return nil
	})
	if err == nil && rebuild {
		if _, err = db.rebuildRollups(ctx, false); err != nil {
			err = fmt.Errorf("sqlstore: refresh rollups: %w", err)
		}
	}
	if err != nil {
		return 0, err
	}
	return n + u, nil
}

// refreshKPI folds up to limit dirty tickets into the rollups within b's
// transaction, or reports that a rebuild is needed (which the caller runs
// after that transaction).
func (db *DB) refreshKPI(ctx context.Context, b bulkWriter, limit int) (n int, rebuild bool, err error) {
	dirty, held, need, err := needRebuild(ctx, b)
	if err != nil || dirty+held == 0 {
		return 0, false, err
	}
	if need {
		return dirty + held, true, nil
	}
	ids, err := db.claimDirty(ctx, b, `SELECT ticket_id FROM kpi_dirty WHERE ticket_id > 0 ORDER BY ticket_id LIMIT $1`, limit)
	if err != nil || len(ids) == 0 {
		return 0, false, err
	}
	return len(ids), false, db.applyDeltas(ctx, b, ids)
}

// rollupGen names the counters row that every transaction holding dirty
// marks or changing kpi_facts and the rollups advances (a delta refresh,
// a hold, a rebuild's replace). A rebuild that read its snapshot beside
// the writer replaces only while the row still has the value it read:
// otherwise another process (the rollups command beside serve) changed
// them meanwhile, and its snapshot may be older than what is stored.
const rollupGen = "rollups:kpi"

// errRollupsMoved says that the rollups changed after a rebuild read them.
var errRollupsMoved = errors.New("the rollups changed while the rebuild read the tickets")

func bumpRollupGen(ctx context.Context, b bulkWriter) error {
	return b.exec(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`, rollupGen)
}

func readRollupGen(ctx context.Context, b bulkReader) (int64, error) {
	var g int64
	err := b.query(ctx, `SELECT COALESCE((SELECT value FROM counters WHERE name = $1), 0)`, []any{rollupGen},
		func(scan func(...any) error) error { return scan(&g) })
	return g, err
}

func checkRollupGen(ctx context.Context, b bulkReader, want int64) error {
	g, err := readRollupGen(ctx, b)
	if err == nil && g != want {
		err = errRollupsMoved
	}
	return err
}

// holdForRebuild hands the dirty marks to a rebuild, in a short
// transaction of its own: mark K becomes -K. The rebuild reads the
// tickets after this commits and removes the held marks when it commits.
// A ticket written meanwhile gets a new mark K at once: its write never
// waits for the rebuild (which takes seconds, minutes at a million
// tickets), as it did while the rebuild deleted the marks in its own
// transaction, and the next refresh folds the change in. A rebuild that
// fails leaves its held marks, and the next refresh rebuilds again.
//
// Unless forced, it holds nothing and reports false when no rebuild is
// needed any more (another refresh rebuilt since the caller looked).
func (db *DB) holdForRebuild(ctx context.Context, force bool) (bool, error) {
	need := true
	err := db.withBulk(ctx, func(b bulkWriter) error {
		if err := db.lockRollups(ctx, b); err != nil {
			return err
		}
		if !force {
			var err error
			if _, _, need, err = needRebuild(ctx, b); err != nil || !need {
				return err
			}
		}
		if err := b.exec(ctx, `DELETE FROM kpi_dirty WHERE ticket_id < 0 AND -ticket_id IN (SELECT ticket_id FROM kpi_dirty WHERE ticket_id > 0)`); err != nil {
			return err
		}
		hold := `UPDATE kpi_dirty SET ticket_id = -ticket_id WHERE ticket_id > 0`
		if db.d.engine == Postgres {
			// Passing over the marks of writes still open (claimDirty).
			hold = `UPDATE kpi_dirty SET ticket_id = -ticket_id WHERE ticket_id IN (SELECT ticket_id FROM kpi_dirty WHERE ticket_id > 0` + db.d.skipLocked + `)`
		}
		if err := b.exec(ctx, hold); err != nil {
			return err
		}
		return bumpRollupGen(ctx, b)
	})
	return need, err
}

// needRebuild counts the dirty and held marks and says whether a refresh
// rebuilds: when more than rebuildAbove tickets are dirty (after an
// import, or a rescoring of every text), or marks held by a rebuild that
// did not commit (held) ask for another. Rebuilding reads every ticket
// once and deltas cost several times more per ticket, but a rebuild
// rewrites every fact and rollup row, while deltas go in batches that
// let the desk's writes through between them; so a busy desk on a small
// database (8,000 creates between two refreshes of 30,000 tickets) folds
// its changes in by deltas.
func needRebuild(ctx context.Context, b bulkReader) (dirty, held int, need bool, err error) {
	if err := b.query(ctx, `SELECT COUNT(CASE WHEN ticket_id > 0 THEN 1 END), COUNT(CASE WHEN ticket_id < 0 THEN 1 END) FROM kpi_dirty`, nil,
		func(scan func(...any) error) error { return scan(&dirty, &held) }); err != nil {
		return 0, 0, false, err
	}
	if dirty+held == 0 {
		return 0, 0, false, nil
	}
	return dirty, held, held > 0 || dirty > rebuildAbove, nil
}

// rebuildRollups recomputes the ticket rollups from the tickets and
// replaces them (holdForRebuild says what happens to the dirty marks);
// unless forced, only while a rebuild is still needed. The caller holds
// rollupMu; on PostgreSQL the rebuild also holds the rebuild lock
// (lockRebuild), so that two instances never rebuild at once. The
// tickets are read beside the writer (rebuildBeside) on either engine.
func (db *DB) rebuildRollups(ctx context.Context, force bool) (*aftersales.RollupCheck, error) {
	release, err := db.lockRebuild(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	need, err := db.holdForRebuild(ctx, force)
	if err != nil || !need {
		return nil, err
	}
	check, err := db.rebuildBeside(ctx)
	if !errors.Is(err, errRollupsMoved) {
		return check, err
	}
	// Another process folded changes in while this one read (a forced
	// rebuild with nothing held lets other instances' delta refreshes
	// run): rebuild again inside the writer, which nothing can move.
	err = db.withBulk(ctx, func(b bulkWriter) error {
		if err := db.lockRollups(ctx, b); err != nil {
			return err
		}
		check, err = db.rebuild(ctx, b)
		return err
	})
	return check, err
}

// rebuildLockKey is the PostgreSQL advisory lock a rollup rebuild holds
// from its hold to its last write. Not the rollups' lock (lockRollups),
// which each of the rebuild's short writer transactions takes, and which
// delta refreshes take between them.
const rebuildLockKey = 7283011

// lockRebuild takes the rebuild lock on PostgreSQL, in a transaction of
// its own connection that reads nothing (no snapshot holds back vacuum)
// and ends with release: another instance's rebuild waits for this one,
// then finds nothing held any more (holdForRebuild). A connection lost
// ends the transaction and with it the lock. SQLite: nothing to lock, the
// process that writes is the one that rebuilds at a time (rollupMu), and
// another process moves the rollup generation (errRollupsMoved).
func (db *DB) lockRebuild(ctx context.Context) (release func(), err error) {
	if db.d.engine != Postgres {
		return func() {}, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, rebuildLockKey); err != nil {
		tx.Rollback()
		return nil, err
	}
	return func() { tx.Rollback() }, nil
}

// readSnapshot runs fn with a reader of one read-only snapshot beside the
// writer: a read transaction of SQLite's reader pool (a WAL snapshot), or
// a REPEATABLE READ READ ONLY transaction on PostgreSQL. Its first read
// begins the snapshot. It holds no lock a write waits for.
func (db *DB) readSnapshot(ctx context.Context, fn func(r bulkReader) error) error {
	if db.d.engine == SQLite {
		tx, err := db.r.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		return fn(sqliteBulk{tx})
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		tx, err := dc.(*stdlib.Conn).Conn().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		return fn(pgBulk{tx, &pgFlight{}})
	})
}

// rebuildWriteBatch is how many tickets' facts one writer transaction of
// a rebuild beside the writer replaces at most.
const rebuildWriteBatch = 2000

// rebuildBeside rebuilds the ticket rollups reading every ticket through
// one read-only snapshot (readSnapshot), so that the writer is taken only
// to write, and only what differs from the stored rows, in short
// transactions: the facts of each chunk in transactions of at most
// rebuildWriteBatch tickets while the reading goes on, then the rows of
// kpi_daily and kpi_monthly in transactions of rebuildRowBatch rows
// (SQLite) or rebuildWriteBatch (PostgreSQL, whose desk writes never wait
// for them), the last of which deletes the held marks. Replacing every
// row of kpi_daily (64,000 on the demo) and every fact in the rebuild's
// transaction held SQLite's writer for seconds, and on PostgreSQL wrote
// every row again (WAL, dead rows, the rollups' lock held throughout)
// where a rebuild after a burst of creates changes the rows of the days
// it touched.
//
// Why the snapshot may be older than what the writer replaces: the marks
// were held (holdForRebuild) before the snapshot began, so every held
// change is in it (on PostgreSQL the hold passes over the marks of writes
// still open, which stay queued). A ticket changed after the hold has a
// new mark K > 0, which the replace leaves in place, whether or not the
// snapshot saw the change: the next delta refresh withdraws the fact
// stored for K (from this snapshot, or none for a ticket created after
// it) and adds the one recomputed from the ticket then, which is exact
// either way. Nothing else changes kpi_facts or the rollups meanwhile, so
// the stored rows the snapshot compares with are the rows the writer
// changes: this process's refreshes wait for rollupMu, another process's
// rebuild for the rebuild lock (PostgreSQL), and any other change would
// advance the rollup generation, which every writer transaction here
// checks under the rollups' lock (errRollupsMoved: the caller rebuilds
// inside the writer instead).
func (db *DB) rebuildBeside(ctx context.Context) (*aftersales.RollupCheck, error) {
	factBatch, rowBatch := rebuildWriteBatch, rebuildRowBatch
	if db.d.engine == Postgres {
		rowBatch = rebuildWriteBatch
	}
	if db.rebuildBatch > 0 {
		factBatch, rowBatch = db.rebuildBatch, db.rebuildBatch
	}
	var (
		gen     int64
		res     *rebuilt
		gone    []int64
		ops     []rollupOp
		written int // facts and rows, for PostgreSQL's statistics
	)
	err := db.readSnapshot(ctx, func(rd bulkReader) error {
		var err error
		if gen, err = readRollupGen(ctx, rd); err != nil {
			return err
		}
		var done int64 // facts compared for every ticket id up to done
		res, err = db.rebuildRead(ctx, rd, func(hi int64, facts [][]any) error {
			gone, changed, err := diffFacts(ctx, rd, done, hi, facts)
			if err != nil {
				return err
			}
			for len(gone) > 0 || len(changed) > 0 {
				g, c := gone[:min(len(gone), factBatch)], changed[:min(len(changed), factBatch)]
				gone, changed = gone[len(g):], changed[len(c):]
				written += len(g) + len(c)
				err := db.rebuildWrite(ctx, gen, func(b bulkWriter) error {
					ids := slices.Clone(g)
					for _, r := range c {
						ids = append(ids, r[0].(int64))
					}
					if err := b.exec(ctx, `DELETE FROM kpi_facts WHERE ticket_id IN (`+idList(ids)+`)`); err != nil {
						return err
					}
					return b.copy(ctx, "kpi_facts", factCols, c)
				})
				if err != nil {
					return err
				}
			}
			done = hi
			return nil
		}, nil)
		if err != nil {
			return err
		}
		// Facts of tickets beyond the last chunk: none unless deleted ones.
		if gone, _, err = diffFacts(ctx, rd, done, math.MaxInt64, nil); err != nil {
			return err
		}
		for _, t := range []struct {
			table string
			rows  analytics.Rollup
		}{{"kpi_daily", res.full}, {"kpi_monthly", res.months}} {
			o, err := diffRollup(ctx, rd, t.table, t.rows)
			if err != nil {
				return err
			}
			ops = append(ops, o...)
		}
		if db.rebuildHeld != nil {
			db.rebuildHeld()
		}
		return nil // the snapshot is no longer needed
	})
	if err != nil {
		return nil, err
	}
	written += len(gone) + len(ops)
	// The rollup rows in transactions of rowBatch rows, a row's delete
	// and insert in the same one (a reader never misses a row that
	// changes): readers may see old and new rows side by side until the
	// last one commits, as they see rows not yet folded in while marks
	// wait, which RollupLag counts (the held marks go last).
	for len(ops) > rowBatch {
		batch := ops[:rowBatch]
		ops = ops[rowBatch:]
		if err := db.rebuildWrite(ctx, gen, func(b bulkWriter) error { return db.applyRollupOps(ctx, b, batch) }); err != nil {
			return nil, err
		}
	}
	err = db.rebuildWrite(ctx, gen, func(b bulkWriter) error {
		if len(gone) > 0 {
			if err := b.exec(ctx, `DELETE FROM kpi_facts WHERE ticket_id IN (`+idList(gone)+`)`); err != nil {
				return err
			}
		}
		if err := db.applyRollupOps(ctx, b, ops); err != nil {
			return err
		}
		if err := bumpRollupGen(ctx, b); err != nil {
			return err
		}
		return b.exec(ctx, `DELETE FROM kpi_dirty WHERE ticket_id < 0`)
	})
	if err != nil {
		return nil, err
	}
	// PostgreSQL's statistics after a large rewrite (analyzeAfter), in a
	// transaction of their own: sampling the rollups' histograms took
	// seconds, for which the last write held the rollups' lock. ANALYZE
	// never blocks a write of the rows it samples.
	if db.d.engine == Postgres && written >= 5000 {
		if err := db.withBulk(ctx, func(b bulkWriter) error {
			b.analyze("kpi_daily", "kpi_monthly", "kpi_facts")
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return res.check, nil
}

// rebuildWrite runs fn in one short writer transaction of a rebuild
// beside the writer, under the rollups' lock and only while the rollup
// generation is still gen, the one the rebuild's snapshot read.
func (db *DB) rebuildWrite(ctx context.Context, gen int64, fn func(b bulkWriter) error) error {
	return db.withBulk(ctx, func(b bulkWriter) error {
		if err := db.lockRollups(ctx, b); err != nil {
			return err
		}
		if err := checkRollupGen(ctx, b, gen); err != nil {
			return err
		}
		return fn(b)
	})
}

// diffFacts compares the facts computed for the tickets with ids in (lo,
// hi] (rows of ticket id and fact, in id order) with the stored ones read
// through r: gone are the ids stored and not computed, changed the rows
// not stored or stored with another fact.
func diffFacts(ctx context.Context, r bulkReader, lo, hi int64, facts [][]any) (gone []int64, changed [][]any, err error) {
	stored := map[int64][]byte{}
	err = r.query(ctx, `SELECT ticket_id, fact FROM kpi_facts WHERE ticket_id > $1 AND ticket_id <= $2`, []any{lo, hi}, func(scan func(...any) error) error {
		var id int64
		var f []byte
		if err := scan(&id, &f); err != nil {
			return err
		}
		stored[id] = f
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, row := range facts {
		id := row[0].(int64)
		if f, ok := stored[id]; !ok || !bytes.Equal(f, row[1].([]byte)) {
			changed = append(changed, row)
		}
		delete(stored, id)
	}
	for id := range stored {
		gone = append(gone, id)
	}
	slices.Sort(gone)
	return gone, changed, nil
}

// rebuildRowBatch is how many rollup rows one writer transaction of a
// rebuild beside the writer changes at most. The desk's creates take the
// writer between two of them: with 2,000 rows (300-900 ms on a loaded
// machine) a single client made one create per transaction, 0.7/s.
const rebuildRowBatch = 250

// rollupOp replaces a row of a rollup table: deletes the stored row of
// key, and inserts row unless it is nil.
type rollupOp struct {
	table string
	key   analytics.Key
	row   []any
}

// diffRollup compares the computed rows of a rollup table with the stored
// ones read through r and returns what turns the stored rows into the
// computed ones.
func diffRollup(ctx context.Context, r bulkReader, table string, computed analytics.Rollup) ([]rollupOp, error) {
	var ops []rollupOp
	same := map[analytics.Key]bool{}
	err := r.query(ctx, kpiSelectCols(table), nil, func(scan func(...any) error) error {
		k, a, err := scanAgg(scan)
		if err != nil {
			return err
		}
		if want, ok := computed[k]; ok && aggEqual(a, want) {
			same[k] = true
		} else if !ok {
			ops = append(ops, rollupOp{table: table, key: k})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, a := range computed {
		if !same[k] {
			ops = append(ops, rollupOp{table: table, key: k, row: aggRow(k, a)})
		}
	}
	return ops, nil
}

// applyRollupOps carries ops out, a few statements per thousand rows.
func (db *DB) applyRollupOps(ctx context.Context, b bulkWriter, ops []rollupOp) error {
	for _, table := range []string{"kpi_daily", "kpi_monthly"} {
		var keys []analytics.Key
		var rows [][]any
		for _, o := range ops {
			if o.table != table {
				continue
			}
			keys = append(keys, o.key)
			if o.row != nil {
				rows = append(rows, o.row)
			}
		}
		for chunk := range slices.Chunk(keys, 1000) {
			match, args := db.keyMatch(chunk)
			if err := b.exec(ctx, `DELETE FROM `+table+match, args...); err != nil {
				return err
			}
		}
		if err := b.copy(ctx, table, append([]string{"dim", "val", "day"}, kpiCols...), rows); err != nil {
			return err
		}
	}
	return nil
}

// claimDirty reads up to limit ids of a dirty queue with query (its one
// parameter is the limit). On PostgreSQL it locks them, so that two
// instances' refreshes never fold the same id in, and passes over the
// marks locked by a write still open: the write that marks a ticket locks
// its mark (migration 0051) even when it was marked already, so a mark
// claimed here belongs to writes that committed before this statement,
// which the refresh's reads (later statements) see, and one set by a
// write committing after it stays queued for the next refresh. With ON
// CONFLICT DO NOTHING such a write left the mark unlocked: the refresh
// read the ticket before the write committed and then deleted its mark.
// A write that tries to mark a ticket claimed here waits for this
// transaction, finds the mark deleted and marks the ticket again.
//
// SQLite needs none of it: the refresh runs in one transaction of the
// one writer, so no write commits between its reads and its deletes.
func (db *DB) claimDirty(ctx context.Context, b bulkWriter, query string, limit int) ([]int64, error) {
	query += db.d.skipLocked
	var ids []int64
	err := b.query(ctx, query, []any{limit}, func(scan func(...any) error) error {
		var id int64
		if err := scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

func (db *DB) applyDeltas(ctx context.Context, b bulkWriter, ids []int64) error {
	list := idList(ids)
	delta := analytics.Rollup{}
	err := b.query(ctx, `SELECT fact FROM kpi_facts WHERE ticket_id IN (`+list+`)`, nil, func(scan func(...any) error) error {
		var p []byte
		if err := scan(&p); err != nil {
			return err
		}
		f, err := analytics.DecodeFact(p)
		if err != nil {
			return err
		}
		delta.Apply(&f, dimNames, -1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("old facts: %w", err)
	}
	env, err := db.metricsEnv(ctx, b)
	if err != nil {
		return err
	}
	var facts [][]any
	err = env.loadRecords(ctx, b, ` WHERE t.id IN (`+list+`)`, ` AND ticket_id IN (`+list+`)`, nil, func(r *analytics.TicketRecord) error {
		f := analytics.Contribute(r, env.loc)
		delta.Apply(&f, dimNames, 1)
		facts = append(facts, []any{r.ID, f.Encode()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("records: %w", err)
	}
	if err := db.writeDeltas(ctx, b, delta); err != nil {
		return err
	}
	if err := b.exec(ctx, `DELETE FROM kpi_facts WHERE ticket_id IN (`+list+`)`); err != nil {
		return err
	}
	if err := b.copy(ctx, "kpi_facts", factCols, facts); err != nil {
		return err
	}
	if err := bumpRollupGen(ctx, b); err != nil {
		return err
	}
	return b.exec(ctx, `DELETE FROM kpi_dirty WHERE ticket_id IN (`+list+`)`)
}

// factCols are kpi_facts' columns.
var factCols = []string{"ticket_id", "fact"}

const kpiSelect = `SELECT dim, val, day, `

// kpiSelectCols selects every column of a rollup table (kpi_daily or
// kpi_monthly) for scanAgg.
func kpiSelectCols(table string) string {
	return kpiSelect + strings.Join(kpiCols, ", ") + ` FROM ` + table
}

// scanAgg reads a kpi_daily row selected with kpiSelectCols.
func scanAgg(scan func(...any) error) (analytics.Key, *analytics.Agg, error) {
	var k analytics.Key
	var day int64
	a := new(analytics.Agg)
	var blobs [analytics.NumHists][]byte
	dest := []any{&k.Dim, &k.Val, &day}
	for i := range a.V {
		dest = append(dest, &a.V[i])
	}
	for i := range blobs {
		dest = append(dest, &blobs[i])
	}
	if err := scan(dest...); err != nil {
		return k, nil, err
	}
	k.Day = analytics.Day(day)
	for i, p := range blobs {
		h, err := analytics.DecodeHist(p)
		if err != nil {
			return k, nil, err
		}
		a.H[i] = h
	}
	return k, a, nil
}

func aggRow(k analytics.Key, a *analytics.Agg) []any {
	row := make([]any, 0, 3+len(kpiCols))
	row = append(row, k.Dim, k.Val, int64(k.Day))
	for _, v := range a.V {
		row = append(row, v)
	}
	for _, h := range a.H {
		row = append(row, h.Encode())
	}
	return row
}

func aggEmpty(a *analytics.Agg) bool {
	if !a.V.Zero() {
		return false
	}
	for _, h := range a.H {
		if len(h) > 0 {
			return false
		}
	}
	return true
}

// writeDeltas adds delta to the stored rows of kpi_daily, and its sums by
// month to kpi_monthly.
func (db *DB) writeDeltas(ctx context.Context, b bulkWriter, delta analytics.Rollup) error {
	if err := db.writeDeltasTo(ctx, b, "kpi_daily", delta); err != nil {
		return err
	}
	return db.writeDeltasTo(ctx, b, "kpi_monthly", delta.Monthly())
}

// writeDeltasTo adds delta to the stored rows of table: it reads the
// touched rows, deletes them and writes back the sums that are not empty,
// a few statements per thousand rows on either engine.
func (db *DB) writeDeltasTo(ctx context.Context, b bulkWriter, table string, delta analytics.Rollup) error {
	keys := make([]analytics.Key, 0, len(delta))
	for k, a := range delta {
		if !aggEmpty(a) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y analytics.Key) int {
		return cmp.Or(strings.Compare(x.Dim, y.Dim), strings.Compare(x.Val, y.Val), cmp.Compare(x.Day, y.Day))
	})
	const per = 1000
	var rows [][]any
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		match, args := db.keyMatch(chunk)
		cur := map[analytics.Key]*analytics.Agg{}
		err := b.query(ctx, kpiSelectCols(table)+match, args, func(scan func(...any) error) error {
			k, a, err := scanAgg(scan)
			cur[k] = a
			return err
		})
		if err != nil {
			return fmt.Errorf("read rollups: %w", err)
		}
		if err := b.exec(ctx, `DELETE FROM `+table+match, args...); err != nil {
			return fmt.Errorf("delete rollups: %w", err)
		}
		for _, k := range chunk {
			a := cur[k]
			if a == nil {
				a = new(analytics.Agg)
			}
			a.Merge(delta[k], 1)
			if !aggEmpty(a) {
				rows = append(rows, aggRow(k, a))
			}
		}
	}
	if err := b.copy(ctx, table, append([]string{"dim", "val", "day"}, kpiCols...), rows); err != nil {
		return err
	}
	return db.analyzeAfter(ctx, b, table, len(rows))
}

// analyzeAfter has PostgreSQL's statistics refreshed after a large write
// to the rollups (once per transaction: bulkWriter.analyze). Without them
// the planner keeps estimating the empty table it last saw and joins the
// next refresh's keys by scanning kpi_daily once per key, seconds instead
// of milliseconds.
func (db *DB) analyzeAfter(_ context.Context, b bulkWriter, table string, rows int) error {
	if rows >= 5000 {
		b.analyze(table, "kpi_facts")
	}
	return nil
}

// keyMatch is a WHERE clause matching exactly the given rollup rows. On
// PostgreSQL the keys travel as three arrays joined with unnest, which
// plans as a hash join; a long row-value IN list planned as nested loops
// took seconds per thousand keys there.
func (db *DB) keyMatch(keys []analytics.Key) (string, []any) {
	if db.d.engine == Postgres {
		dims, vals, days := make([]string, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
		for i, k := range keys {
			dims[i], vals[i], days[i] = k.Dim, k.Val, int64(k.Day)
		}
		return ` WHERE (dim, val, day) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]))`, []any{dims, vals, days}
	}
	var in strings.Builder
	args := make([]any, 0, 3*len(keys))
	for i, k := range keys {
		if i > 0 {
			in.WriteString(", ")
		}
		fmt.Fprintf(&in, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, k.Dim, k.Val, int64(k.Day))
	}
	return ` WHERE (dim, val, day) IN (VALUES ` + in.String() + `)`, args
}

// rebuildChunk is how many ticket ids one pass of a rebuild reads.
const rebuildChunk = 50000

// rebuilt is every rollup row computed from the tickets: daily rows and
// monthly pair rows (full), and whole months (months).
type rebuilt struct {
	check        *aftersales.RollupCheck
	full, months analytics.Rollup
}

// rebuild computes every rollup row from the tickets inside b's
// transaction and swaps the stored rollups and facts for the computation.
func (db *DB) rebuild(ctx context.Context, b bulkWriter) (*aftersales.RollupCheck, error) {
	if err := b.exec(ctx, `DELETE FROM kpi_facts`); err != nil {
		return nil, err
	}
	res, err := db.rebuildRead(ctx, b, func(_ int64, facts [][]any) error { return b.copy(ctx, "kpi_facts", factCols, facts) }, nil)
	if err != nil {
		return nil, err
	}
	if db.rebuildHeld != nil {
		db.rebuildHeld()
	}
	if err := db.storeRebuild(ctx, b, res); err != nil {
		return nil, err
	}
	return res.check, nil
}

// checkRollups computes every rollup row from the tickets and compares
// it with the stored rows, all read through r (one snapshot). A ticket
// waiting in kpi_dirty (marked, or held by a rebuild) counts as the
// rollups hold it until a refresh folds it in: by its stored fact, none
// for a ticket not folded in yet. Every fact in kpi_facts is in the
// rollups (a refresh changes both in one transaction), so the snapshot
// compares equal while tickets wait; the caller keeps a rebuild beside
// the writer, which writes facts before rows, from running while the
// snapshot begins.
func (db *DB) checkRollups(ctx context.Context, r bulkReader) (*aftersales.RollupCheck, error) {
	waiting := map[int64]*analytics.Fact{}
	err := r.query(ctx, `SELECT d.id, f.fact FROM (SELECT DISTINCT ABS(ticket_id) AS id FROM kpi_dirty) d LEFT JOIN kpi_facts f ON f.ticket_id = d.id`, nil,
		func(scan func(...any) error) error {
			var id int64
			var p []byte
			if err := scan(&id, &p); err != nil {
				return err
			}
			waiting[id] = nil
			if p != nil {
				f, err := analytics.DecodeFact(p)
				if err != nil {
					return err
				}
				waiting[id] = &f
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("waiting tickets: %w", err)
	}
	res, err := db.rebuildRead(ctx, r, nil, waiting)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		table string
		rows  analytics.Rollup
	}{{"kpi_daily", res.full}, {"kpi_monthly", res.months}} {
		if err := compareRebuilt(ctx, r, res.check, t.table, t.rows); err != nil {
			return nil, err
		}
	}
	return res.check, nil
}

// rebuildRead computes every rollup row from the tickets read through r.
// Unless facts is nil it hands each chunk's facts to it, in ticket order:
// those of the tickets with ids up to hi, after the previous chunk's.
// The tickets of waiting (a check: checkRollups) count by the fact given,
// or not at all for nil, instead of the one computed from the ticket.
func (db *DB) rebuildRead(ctx context.Context, r bulkReader, facts func(hi int64, facts [][]any) error, waiting map[int64]*analytics.Fact) (*rebuilt, error) {
	waiting = maps.Clone(waiting) // the tickets read leave it
	check := &aftersales.RollupCheck{Repaired: facts != nil}
	env, err := db.metricsEnv(ctx, r)
	if err != nil {
		return nil, err
	}
	var maxID int64
	if err := r.query(ctx, `SELECT COALESCE(MAX(id), 0) FROM tickets`, nil, func(scan func(...any) error) error { return scan(&maxID) }); err != nil {
		return nil, err
	}
	full, pairs := analytics.Rollup{}, analytics.Rollup{}
	for lo := int64(0); lo < maxID; lo += rebuildChunk {
		hi := lo + rebuildChunk
		// Reading rows (the driver's work), the daily rows and the
		// monthly pair rows overlap on three goroutines.
		var rows [][]any
		recs := make(chan *analytics.TicketRecord, 1024)
		paired := make(chan []analytics.Fact, 16)
		done, pairsDone := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(pairsDone)
			for batch := range paired {
				for i := range batch {
					pairs.ApplyPairs(&batch[i], 1)
				}
			}
		}()
		go func() {
			defer close(done)
			defer close(paired)
			batch := make([]analytics.Fact, 0, 256)
			for r := range recs {
				check.Tickets++
				var f analytics.Fact
				if w, ok := waiting[r.ID]; !ok {
					f = analytics.Contribute(r, env.loc)
				} else if delete(waiting, r.ID); w != nil {
					f = *w
				} else {
					continue
				}
				full.ApplyDays(&f, dimNames, 1)
				if batch = append(batch, f); len(batch) == cap(batch) {
					paired <- batch
					batch = make([]analytics.Fact, 0, 256)
				}
				if facts != nil {
					rows = append(rows, []any{r.ID, f.Encode()})
				}
			}
			paired <- batch
		}()
		err := env.loadRecords(ctx, r, ` WHERE t.id > $1 AND t.id <= $2`, ` AND ticket_id > $1 AND ticket_id <= $2`, []any{lo, hi},
			func(r *analytics.TicketRecord) error {
				recs <- r
				return nil
			})
		close(recs)
		<-done
		<-pairsDone
		if err != nil {
			return nil, fmt.Errorf("records: %w", err)
		}
		if facts != nil {
			if err := facts(hi, rows); err != nil {
				return nil, err
			}
		}
	}
	for _, w := range waiting { // facts of tickets no longer there
		if w != nil {
			full.ApplyDays(w, dimNames, 1)
			pairs.ApplyPairs(w, 1)
		}
	}
	months := full.Monthly()
	for k, a := range pairs {
		full[k] = a // pair keys never collide with daily ones
	}
	for _, r := range []analytics.Rollup{full, months} {
		for k, a := range r {
			if aggEmpty(a) {
				delete(r, k)
			}
		}
	}
	check.Rows = len(full)
	return &rebuilt{check: check, full: full, months: months}, nil
}

// storeRebuild replaces the rollup tables with res and deletes the
// marks held for the rebuild.
func (db *DB) storeRebuild(ctx context.Context, b bulkWriter, res *rebuilt) error {
	for _, t := range []struct {
		table string
		rows  analytics.Rollup
	}{{"kpi_daily", res.full}, {"kpi_monthly", res.months}} {
		if err := b.exec(ctx, `DELETE FROM `+t.table); err != nil {
			return err
		}
		rows := make([][]any, 0, len(t.rows))
		for k, a := range t.rows {
			rows = append(rows, aggRow(k, a))
		}
		if err := b.copy(ctx, t.table, append([]string{"dim", "val", "day"}, kpiCols...), rows); err != nil {
			return err
		}
		if err := db.analyzeAfter(ctx, b, t.table, len(rows)+res.check.Tickets); err != nil {
			return err
		}
	}
	if err := bumpRollupGen(ctx, b); err != nil {
		return err
	}
	// The marks held for this rebuild (holdForRebuild); a ticket
	// written since has a new mark and stays queued.
	return b.exec(ctx, `DELETE FROM kpi_dirty WHERE ticket_id < 0`)
}

// compareRebuilt compares table's rows, read through r, with the
// computed ones and notes every difference in check.
func compareRebuilt(ctx context.Context, r bulkReader, check *aftersales.RollupCheck, table string, full analytics.Rollup) error {
	err := r.query(ctx, kpiSelectCols(table), nil, func(scan func(...any) error) error {
		k, a, err := scanAgg(scan)
		if err != nil {
			return err
		}
		want, ok := full[k]
		switch {
		case !ok:
			mismatch(check, fmt.Sprintf("%s %s=%s day %d: stored but not computed", table, k.Dim, k.Val, k.Day))
		case !aggEqual(a, want):
			mismatch(check, fmt.Sprintf("%s %s=%s day %d: stored %v, computed %v", table, k.Dim, k.Val, k.Day, a.V, want.V))
		}
		delete(full, k)
		return nil
	})
	if err != nil {
		return err
	}
	for k := range full {
		mismatch(check, fmt.Sprintf("%s %s=%s day %d: computed but not stored", table, k.Dim, k.Val, k.Day))
	}
	return nil
}

func aggEqual(a, b *analytics.Agg) bool {
	if a.V != b.V {
		return false
	}
	for i := range a.H {
		if !slices.Equal(a.H[i], b.H[i]) {
			return false
		}
	}
	return true
}

// refreshAll folds in every pending change, for computations that must
// see all of them (baselines, alert sweeps, recompute checks).
func (db *DB) refreshAll(ctx context.Context) error {
	for {
		n, err := db.RefreshRollups(ctx, 5000)
		if err != nil || n == 0 {
			return err
		}
	}
}

// RecomputeRollups computes every rollup from the tickets and compares it
// with the maintained rollups (after folding in pending changes); with
// repair it replaces them.
//
// The comparison reads one snapshot beside the writer (checkRollups,
// checkUtil), so that the desk's writes and the rollup job go on while
// it reads: it holds this process's rollupMu and PostgreSQL's rebuild
// lock only until the snapshot began, so that no rebuild beside the
// writer is between its first and last write then.
func (db *DB) RecomputeRollups(ctx context.Context, repair bool) (*aftersales.RollupCheck, error) {
	if !repair {
		if err := db.refreshAll(ctx); err != nil {
			return nil, err
		}
		check, err := db.checkBeside(ctx)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: recompute rollups: %w", err)
		}
		return check, nil
	}
	db.rollupMu.Lock()
	defer db.rollupMu.Unlock()
	check, err := db.rebuildRollups(ctx, true)
	if err == nil {
		err = db.withBulk(ctx, func(b bulkWriter) error {
			if err := db.lockRollups(ctx, b); err != nil {
				return err
			}
			return db.rebuildUtil(ctx, b)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recompute rollups: %w", err)
	}
	return check, nil
}

// checkBeside compares the ticket and utilisation rollups with the
// tickets and visits in one read-only snapshot (RecomputeRollups).
func (db *DB) checkBeside(ctx context.Context) (*aftersales.RollupCheck, error) {
	db.rollupMu.Lock()
	release, err := db.lockRebuild(ctx)
	if err != nil {
		db.rollupMu.Unlock()
		return nil, err
	}
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			release()
			db.rollupMu.Unlock()
		})
	}
	defer unlock()
	var check *aftersales.RollupCheck
	err = db.readSnapshot(ctx, func(r bulkReader) error {
		// The first read begins the snapshot.
		if _, err := readRollupGen(ctx, r); err != nil {
			return err
		}
		unlock()
		var err error
		if check, err = db.checkRollups(ctx, r); err != nil {
			return err
		}
		if err := db.checkUtil(ctx, r, check); err != nil {
			return err
		}
		if db.checkHeld != nil {
			db.checkHeld()
		}
		return nil
	})
	return check, err
}

// mismatch records a difference, keeping the first 20 descriptions.
func mismatch(c *aftersales.RollupCheck, s string) {
	c.Differences++
	if len(c.Mismatches) < 20 {
		c.Mismatches = append(c.Mismatches, s)
	}
}
