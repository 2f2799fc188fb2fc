package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/sla"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// bulkReader reads rows within one transaction: a bulk writer's, or a
// read-only snapshot of SQLite's reader pool (a rollup rebuild's reads).
type bulkReader interface {
	// query calls each for every row; scan reads the row's columns.
	query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error
}

// bulkWriter copies rows into a table: prepared INSERTs in one SQLite
// transaction, COPY on PostgreSQL.
type bulkWriter interface {
	bulkReader
	copy(ctx context.Context, table string, cols []string, rows [][]any) error
	exec(ctx context.Context, q string, args ...any) error
	// analyze refreshes PostgreSQL's statistics of tables once, just
	// before the transaction commits, however often they are named (a
	// refresh writes kpi_facts for the daily and the monthly rollups, and
	// utilisation's tables in the same transaction). SQLite: nothing.
	analyze(tables ...string)
}

type sqliteBulk struct{ tx *sql.Tx }

func (b sqliteBulk) copy(ctx context.Context, table string, cols []string, rows [][]any) error {
	// Multi-row INSERTs: one statement step per 64 rows costs far less than
	// one per row in the pure-Go driver.
	const per = 64
	prefix := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		st, ok := stmts[len(chunk)]
		if !ok {
			var q strings.Builder
			q.WriteString(prefix)
			for i := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteByte('(')
				for j := range cols {
					if j > 0 {
						q.WriteString(", ")
					}
					q.WriteByte('?') // positional: the driver looks "$N" names up one by one
				}
				q.WriteByte(')')
			}
			var err error
			if st, err = b.tx.PrepareContext(ctx, q.String()); err != nil {
				return err
			}
			stmts[len(chunk)] = st
		}
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("rows %d-%d: %w", start, start+len(chunk)-1, mapErr(err))
		}
	}
	return nil
}

func (sqliteBulk) analyze(...string) {}

func (b sqliteBulk) exec(ctx context.Context, q string, args ...any) error {
	_, err := b.tx.ExecContext(ctx, q, args...)
	return err
}

func (b sqliteBulk) query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := b.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanEach(rows, each)
}

// scanEach calls each for every row of database/sql or pgx rows.
func scanEach(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, each func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pgBulk plans every statement at each run for its own arguments, never
// from pgx's statement cache: PostgreSQL adopts a generic plan after five
// runs of a prepared statement, and in a bulk transaction the tables
// change size under it. A lookup by external id planned while the
// tickets table was still empty kept its sequential scan as an import
// filled the table: minutes instead of seconds for 121,000 rows.
//
// send lets statements run on the server while the caller goes on: the
// next call of any method first reads their results (settle), so the
// connection is never used twice at once and an error is never lost.
type pgBulk struct {
	tx     pgx.Tx
	flight *pgFlight
}

// pgFlight holds the statements sent and not yet settled (or the copies
// started: copying reports their end), and the tables to analyze before
// the commit.
type pgFlight struct {
	mrr     *pgconn.MultiResultReader
	copying chan error
	analyze []string
	types   map[string][]uint32 // copyBinary: column type oids by "table(cols)"
	buf     []byte              // copyBinary: the stream, kept for the next job
}

// copyJob is one table's rows for copyAsync.
type copyJob struct {
	table string
	cols  []string
	rows  [][]any
}

// copyAsync starts COPYing the jobs' rows, one table after the other, and
// returns at once: the server stores them while the caller reads and
// builds the next ones. The caller must leave the rows alone afterwards.
// Like send, the next use of the connection waits for the copies and
// reports their error.
func (b pgBulk) copyAsync(ctx context.Context, jobs []copyJob) error {
	if err := b.settle(); err != nil {
		return err
	}
	done := make(chan error, 1)
	b.flight.copying = done
	go func() {
		for _, j := range jobs {
			if len(j.rows) == 0 {
				continue
			}
			if err := b.copyBinary(ctx, j); err != nil {
				done <- fmt.Errorf("%s: %w", j.table, err)
				return
			}
		}
		done <- nil
	}()
	return nil
}

// copyBinary COPYs a job's rows as a binary stream it encodes itself
// (copyBinary in copybin.go), or through pgx when a value or a column
// type is not one it knows. It reads the column types of a table once
// per transaction.
func (b pgBulk) copyBinary(ctx context.Context, j copyJob) error {
	f := b.flight
	key := j.table + "(" + strings.Join(j.cols, ",") + ")"
	types, ok := f.types[key]
	if !ok {
		types = make([]uint32, len(j.cols))
		err := scanQuery(ctx, b.tx, `SELECT a.attname, a.atttypid FROM pg_attribute a
			WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, []any{quoteIdent(j.table)},
			func(scan func(...any) error) error {
				var name string
				var oid uint32
				if err := scan(&name, &oid); err != nil {
					return err
				}
				if i := slices.Index(j.cols, name); i >= 0 {
					types[i] = oid
				}
				return nil
			})
		if err != nil {
			return err
		}
		if f.types == nil {
			f.types = map[string][]uint32{}
		}
		f.types[key] = types
	}
	buf, err := copyBinary(f.buf[:0], types, j.rows)
	f.buf = buf[:0]
	if err != nil {
		_, err := b.tx.CopyFrom(ctx, pgx.Identifier{j.table}, j.cols, pgx.CopyFromRows(j.rows))
		return err
	}
	_, err = b.tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf), copyStatement(j.table, j.cols))
	return err
}

// scanQuery runs q on tx and hands each row to each, without waiting for
// a copy in flight (the copy goroutine itself reads through it).
func scanQuery(ctx context.Context, tx pgx.Tx, q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := tx.Query(ctx, q, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanEach(rows, each)
}

func (b pgBulk) analyze(tables ...string) {
	for _, t := range tables {
		if !slices.Contains(b.flight.analyze, t) {
			b.flight.analyze = append(b.flight.analyze, t)
		}
	}
}

// send starts q (simple protocol, no arguments) and returns at once.
func (b pgBulk) send(ctx context.Context, q string) error {
	if err := b.settle(); err != nil {
		return err
	}
	b.flight.mrr = b.tx.Conn().PgConn().Exec(ctx, q)
	return nil
}

// settle waits for the statements sent last and returns their error.
func (b pgBulk) settle() error {
	if c := b.flight.copying; c != nil {
		b.flight.copying = nil
		if err := <-c; err != nil {
			return fmt.Errorf("rows copied before: %w", mapErr(err))
		}
	}
	mrr := b.flight.mrr
	if mrr == nil {
		return nil
	}
	b.flight.mrr = nil
	if err := mrr.Close(); err != nil {
		return fmt.Errorf("statements sent before: %w", mapErr(err))
	}
	return nil
}

func (b pgBulk) query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error {
	if err := b.settle(); err != nil {
		return err
	}
	return scanQuery(ctx, b.tx, q, args, each)
}

func (b pgBulk) copy(ctx context.Context, table string, cols []string, rows [][]any) error {
	if err := b.settle(); err != nil {
		return err
	}
	_, err := b.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return mapErr(err)
}

func (b pgBulk) exec(ctx context.Context, q string, args ...any) error {
	if err := b.settle(); err != nil {
		return err
	}
	_, err := b.tx.Exec(ctx, q, append([]any{pgx.QueryExecModeExec}, args...)...)
	return err
}

// withBulk runs fn with a bulk writer inside one transaction.
func (db *DB) withBulk(ctx context.Context, fn func(bulkWriter) error) error {
	if db.d.engine == SQLite {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(sqliteBulk{tx}); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		db.ckpt.committed()
		return nil
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		b := pgBulk{tx, &pgFlight{}}
		err = fn(b)
		if err == nil && len(b.flight.analyze) > 0 {
			err = b.exec(ctx, `ANALYZE `+strings.Join(b.flight.analyze, ", "))
		}
		if serr := b.settle(); err == nil {
			err = serr
		}
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// MaxIDs returns the largest ids in use, so bulk callers can number new rows.
func (db *DB) MaxIDs(ctx context.Context) (customer, asset, ticket int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT COALESCE(max(id), 0) FROM customers), (SELECT COALESCE(max(id), 0) FROM assets),
		(SELECT COALESCE(max(id), 0) FROM tickets)`).Scan(&customer, &asset, &ticket)
	return
}

// BulkLoad writes customers, assets, tickets and events in one transaction.
func (db *DB) BulkLoad(ctx context.Context, b *aftersales.Bulk) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	// Read before the bulk transaction: on SQLite it holds the only writer
	// connection, and the reference data is already committed.
	env, err := db.loadSLAEnv(ctx, db.r)
	if err != nil {
		return err
	}
	return db.withBulk(ctx, func(w bulkWriter) error {
		rows := make([][]any, 0, len(b.Customers))
		for _, c := range b.Customers {
			rows = append(rows, []any{c.ID, string(c.Kind), c.Name, c.Phone, c.Email, mustJSON(c.Address), c.Address.Province, c.Address.City,
				c.Address.Lat, c.Address.Lng, c.Tier, mustJSON(orEmpty(c.Tags)), c.Notes, mustJSON(contactsOrEmpty(c.Contacts)),
				nullStr(c.ExternalID), ms(c.CreatedAt), ms(c.CreatedAt)})
		}
		if err := w.copy(ctx, "customers", []string{"id", "kind", "name", "phone", "email", "address", "province", "city", "lat", "lng",
			"tier", "tags", "notes", "contacts", "external_id", "created_at", "updated_at"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk customers: %w", err)
		}
		rows = rows[:0]
		for _, a := range b.Assets {
			rows = append(rows, []any{a.ID, a.ProductID, a.CustomerID, a.SerialNo, nullStr(string(a.PurchasedOn)), nullStr(string(a.InstalledOn)),
				nullStr(string(a.WarrantyEnds)), mustJSON(a.Address), a.Address.Lat, a.Address.Lng, ms(a.CreatedAt), ms(a.CreatedAt)})
		}
		if err := w.copy(ctx, "assets", []string{"id", "product_id", "customer_id", "serial_no", "purchased_on", "installed_on",
			"warranty_ends", "address", "lat", "lng", "created_at", "updated_at"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk assets: %w", err)
		}
		rows = rows[:0]
		var tagRows [][]any
		months := map[string]int64{}
		for _, t := range b.Tickets {
			rows = append(rows, []any{t.ID, t.Number, string(t.Channel), string(t.Nature), string(t.Urgency), t.Urgency.Rank(), string(t.Status),
				t.Title, t.Description, nullMS(t.OccurredAt), t.Impact, nullInt(t.CustomerID), nullInt(t.CategoryID), nullInt(t.ProductID),
				nullInt(t.AssetID), nullInt(t.ServiceUnitID), nullInt(t.TeamID), nullInt(t.AssigneeID), nullInt(t.DepartmentID),
				mustJSON(orEmpty(t.Tags)), mustJSON(orEmptyMap(t.Custom)), nullStr(t.ExternalID), nullInt(t.CreatedBy), ms(t.CreatedAt),
				ms(t.UpdatedAt), nullMS(t.FirstResponseAt), nullMS(t.AcceptedAt), nullMS(t.ResolvedAt), nullMS(t.ClosedAt),
				nullMS(t.CancelledAt), ms(t.StatusChangedAt), t.ReopenCount, t.AssignCount, int64(1)})
			for _, tag := range t.Tags {
				tagRows = append(tagRows, []any{t.ID, tag})
			}
			if m, seq, ok := splitNumber(t.Number); ok && seq > months[m] {
				months[m] = seq
			}
		}
		if err := w.copy(ctx, "tickets", []string{"id", "number", "channel", "nature", "urgency", "urgency_rank", "status", "title",
			"description", "occurred_at", "impact", "customer_id", "category_id", "product_id", "asset_id", "service_unit_id", "team_id",
			"assignee_id", "department_id", "tags", "custom", "external_id", "created_by", "created_at", "updated_at", "first_response_at",
			"accepted_at", "resolved_at", "closed_at", "cancelled_at", "status_changed_at", "reopen_count", "assign_count", "version"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk tickets: %w", err)
		}
		if err := w.copy(ctx, "ticket_tags", []string{"ticket_id", "tag"}, tagRows); err != nil {
			return fmt.Errorf("sqlstore: bulk tags: %w", err)
		}
		rows = rows[:0]
		for _, e := range b.Events {
			rows = append(rows, []any{e.TicketID, ms(e.At), nullInt(e.ActorID), string(e.Kind), e.Field, e.From, e.To, e.Body, e.Public, string(e.Channel)})
		}
		if err := w.copy(ctx, "ticket_events", []string{"ticket_id", "at", "actor_id", "kind", "field", "from_value", "to_value", "body", "public", "channel"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk events: %w", err)
		}
		if err := bulkSLA(ctx, w, env, b); err != nil {
			return err
		}
		rows = rows[:0]
		for _, f := range b.Feedback {
			if err := f.Validate(); err != nil {
				return err
			}
			rows = append(rows, []any{f.TicketID, intPtr(f.CSAT), intPtr(f.NPS), f.Comment, string(f.Channel), nullInt(f.RecordedBy), ms(f.At)})
		}
		if err := w.copy(ctx, "ticket_feedback", []string{"ticket_id", "csat", "nps", "comment", "channel", "recorded_by", "at"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk feedback: %w", err)
		}
		rows = rows[:0]
		for _, c := range b.Costs {
			rows = append(rows, []any{c.TicketID, string(c.Kind), c.Description, int64(c.Amount), string(c.IncurredOn), nullInt(c.CreatedBy), ms(c.CreatedAt)})
		}
		if err := w.copy(ctx, "ticket_costs", []string{"ticket_id", "kind", "description", "amount", "incurred_on", "created_by", "created_at"}, rows); err != nil {
			return fmt.Errorf("sqlstore: bulk costs: %w", err)
		}
		if err := bulkSurveys(ctx, w, db, b); err != nil {
			return err
		}
		if err := bulkField(ctx, w, &b.Field); err != nil {
			return err
		}
		for m, seq := range months {
			if err := w.exec(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET value = CASE WHEN counters.value > excluded.value THEN counters.value ELSE excluded.value END`,
				"ticket:"+m, seq); err != nil {
				return err
			}
		}
		// Fresh statistics, so the planner picks the right index for the
		// list filters right after a large load.
		if err := w.exec(ctx, `ANALYZE`); err != nil {
			return fmt.Errorf("sqlstore: analyze: %w", err)
		}
		if db.d.engine == Postgres {
			for _, t := range []string{"customers", "assets", "tickets", "ticket_costs", "survey_invitations",
				"visits", "stock_reservations", "stock_movements"} {
				if err := w.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM `+t+`), 1))`); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func splitNumber(n string) (month string, seq int64, ok bool) {
	if len(n) != len("AS202611-000123") || !strings.HasPrefix(n, "AS") || n[8] != '-' {
		return "", 0, false
	}
	seq, err := strconv.ParseInt(n[9:], 10, 64)
	return n[2:8], seq, err == nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// RecordDemo marks that the demo data set name was loaded; false if it was already.
func (db *DB) RecordDemo(ctx context.Context, name string, seed int64) (bool, error) {
	var n int64
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO demo_runs (name, seed, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, name, seed, ms(tx.now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// DemoLoaded reports whether the demo data set name was loaded.
func (db *DB) DemoLoaded(ctx context.Context, name string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM demo_runs WHERE name = $1`, name).Scan(&n)
	return n > 0, err
}

// bulkSLA evaluates every loaded ticket's clocks from the batch's own
// history, as of the latest event in the batch.
func bulkSLA(ctx context.Context, w bulkWriter, env *slaEnv, b *aftersales.Bulk) error {
	if len(env.policies) == 0 || len(b.Tickets) == 0 {
		return nil
	}
	tiers := map[int64]string{}
	for _, c := range b.Customers {
		tiers[c.ID] = c.Tier
	}
	changes := map[int64][]sla.StatusChange{}
	messages := map[int64][]sla.Message{}
	var now time.Time
	for _, e := range b.Events {
		switch e.Kind {
		case aftersales.EventStatusChanged:
			changes[e.TicketID] = append(changes[e.TicketID], sla.StatusChange{At: e.At, To: aftersales.Status(e.To)})
		case aftersales.EventReply, aftersales.EventCustomerMessage:
			messages[e.TicketID] = append(messages[e.TicketID], sla.Message{At: e.At, FromCustomer: e.Kind == aftersales.EventCustomerMessage})
		}
		if e.At.After(now) {
			now = e.At
		}
	}
	rows := make([][]any, 0, len(b.Tickets))
	var stepRows [][]any
	for _, t := range b.Tickets {
		tier := ""
		if t.CustomerID != nil {
			tier = tiers[*t.CustomerID]
		}
		s, _, steps := env.plan(t, tier, sla.Input{Created: t.CreatedAt, Changes: changes[t.ID], Messages: messages[t.ID], FirstResponseAt: t.FirstResponseAt, Now: now})
		// Steps already in the past belong to history: record them as
		// fired then, so that the first sweep does not replay them.
		fired := map[string]bool{}
		for _, st := range steps {
			if !st.At.After(now) {
				fired[st.Key] = true
				stepRows = append(stepRows, []any{t.ID, st.Key, ms(st.At), ms(st.At)})
			}
		}
		rows = append(rows, slaRow(s, nextStep(steps, fired)))
	}
	if err := w.copy(ctx, "ticket_sla", slaColumns, rows); err != nil {
		return fmt.Errorf("sqlstore: bulk ticket SLA: %w", err)
	}
	if err := w.copy(ctx, "sla_steps", []string{"ticket_id", "step", "due_at", "fired_at"}, stepRows); err != nil {
		return fmt.Errorf("sqlstore: bulk SLA steps: %w", err)
	}
	return nil
}
