package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// Import runs fn inside one transaction (COPY on PostgreSQL) and stores the
// batch with the summary fn filled. An error from fn, or a failed write,
// rolls everything back: tickets, customers, reference rows and issues.
func (db *DB) Import(ctx context.Context, s *aftersales.ImportSummary, fn func(aftersales.ImportWriter) error) error {
	u, err := aftersales.Require(ctx, aftersales.PermDataImport)
	if err != nil {
		return err
	}
	now := db.Now().UTC().Truncate(time.Millisecond)
	s.StartedAt, s.User = now, u.Email
	return db.withBulk(ctx, func(b bulkWriter) error {
		w := &importWriter{db: db, b: b, now: now, kept: map[string]bool{}, refs: map[string]int64{}, customers: map[string]int64{},
			catPaths: map[string]string{}}
		err := b.query(ctx, `INSERT INTO import_batches (mapping, file, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			[]any{s.Mapping, s.File, u.ID, ms(now)}, func(scan func(...any) error) error { return scan(&w.batch) })
		if err != nil {
			return fmt.Errorf("sqlstore: import batch: %w", err)
		}
		s.BatchID = w.batch
		rebuild, first, err := deferUpkeep(ctx, b)
		if err != nil {
			return err
		}
		w.first = first
		if _, ok := b.(pgBulk); ok && first {
			// A first load COPYs straight into the load tables (see
			// create); a load into a filled table stages its rows.
			w.direct = true
		} else if ok {
			if err := b.exec(ctx, stageTables); err != nil {
				return fmt.Errorf("sqlstore: import staging tables: %w", err)
			}
			w.staged = true
		}
		if w.first {
			if err := w.preload(ctx); err != nil {
				return err
			}
			if err := w.preloadRefs(ctx); err != nil {
				return err
			}
		}
		if err := fn(w); err != nil {
			return err
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		// Fresh statistics for the list filters' plans, taken after a
		// first load's index builds (rebuild): with them, the validation
		// of a key whose column the file left empty (Boston: customer,
		// assignee, asset) reads its index for a non-null value instead
		// of scanning the whole table, as it did without statistics.
		analyze := func() error {
			if err := w.queueMarks(ctx); err != nil {
				return err
			}
			if s.Created <= 1000 {
				return nil
			}
			// On PostgreSQL of the columns the filters and joins use
			// (statistics of long text cost most and serve no plan; nor
			// do those of the external id, unique by its index, which is
			// all an equality plan needs, and whose 30,000 sampled strings
			// took a third of the tickets' ANALYZE), on SQLite from a
			// sample of each index.
			//
			// PostgreSQL samples 3,000 rows of each table
			// (default_statistics_target 10) instead of 30,000: 0.04
			// server CPU-seconds on the Boston file instead of 0.25-0.34,
			// all of it in the serial tail after the last row. These
			// statistics serve the foreign-key checks (null fractions)
			// and the first plans after the commit: the load's rows count
			// as changes since this ANALYZE once it commits, so
			// autovacuum analyses the tables again from the full sample
			// soon after (TestImportAnalyzeLeavesUniqueExternalID).
			q := `SET LOCAL default_statistics_target = 10;
			ANALYZE tickets (status, created_at, updated_at, urgency_rank, customer_id, assignee_id, team_id, asset_id,
				category_id, product_id, service_unit_id, channel, nature, import_batch_id),
				ticket_events (ticket_id, kind), import_issues (batch_id, ticket_id, kind), ticket_tags, customers (phone, email, external_id), kpi_dirty;
			SET LOCAL default_statistics_target TO DEFAULT`
			if _, ok := b.(sqliteBulk); ok {
				q = `PRAGMA analysis_limit = 2000; ANALYZE; PRAGMA analysis_limit = 0`
			}
			return b.exec(ctx, q)
		}
		if err := rebuild(analyze); err != nil {
			return err
		}
		// The caller timed its rows; the import lasts until here: a first
		// load's index builds, statistics and foreign-key checks after the
		// last row belong to it (a fixed test clock leaves the caller's
		// figure).
		s.Seconds = max(s.Seconds, db.Now().Sub(now).Seconds())
		if err := b.exec(ctx, `UPDATE import_batches SET summary = $1 WHERE id = $2`, mustJSON(s), w.batch); err != nil {
			return err
		}
		// Ticket and customer ids came from the sequences (PostgreSQL) or
		// from max(id) under the only writer (SQLite): nothing to reset.
		detail := map[string]any{"mapping": s.Mapping, "file": s.File, "total": s.Total, "created": s.Created,
			"updated": s.Updated, "rejected": s.Rejected, "duplicates": s.Duplicates}
		return b.exec(ctx, auditInsert, auditArgs(ctx, now, "import", "import_batch", w.batch, detail)...)
	})
}

// loadTables are the tables an import fills row by row.
var loadTables = []string{"tickets", "ticket_events", "import_issues", "ticket_tags"}

// deferUpkeep prepares a first load (a tickets table with fewer than
// 10,000 rows) and returns what must run before commit: the index builds,
// then analyze, then the foreign keys and triggers (without a first load,
// just analyze). Building an index
// once by sorting costs less than growing it row by row, and so does one
// set-wise check of a foreign key against per-row checks:
//   - SQLite drops the secondary indexes of the load tables (the unique
//     external-id index stays: the import looks rows up by it) and builds
//     them again at the end. Readers keep their snapshot meanwhile.
//   - PostgreSQL drops the secondary indexes and the foreign keys of the
//     load tables (and text_pending's, which the import fills too: a
//     per-row check cost more than the rest of its insert) and disables
//     the per-row rollup and text triggers on
//     tickets; at the end it builds the indexes, adds the foreign keys
//     back NOT VALID (validated after the commit by the job
//     "constraint-check", ValidateConstraints) and enables the
//     triggers. Meanwhile the load queues its tickets for the rollups
//     and the text analysis with the COPY of their rows (copyDirect),
//     and so does each update (update). The dropped constraints lock the
//     tables until commit, which on a first load nobody else is writing:
//     so the rows go straight into their tables (copyDirect), not
//     through the staging tables other loads use.
//
// It reports whether it set things aside. DDL is transactional on both
// engines: a failed import leaves every index, constraint and trigger as
// it was.
func deferUpkeep(ctx context.Context, b bulkWriter) (func(analyze func() error) error, bool, error) {
	nothing := func(analyze func() error) error { return analyze() }
	var n int64
	if err := b.query(ctx, `SELECT count(*) FROM (SELECT 1 FROM tickets LIMIT 10000) x`, nil, func(scan func(...any) error) error { return scan(&n) }); err != nil {
		return nil, false, err
	}
	if n >= 10000 {
		return nothing, false, nil
	}
	_, sqlite := b.(sqliteBulk)
	// pairs of "what to drop" and "how to make it again"
	var indexes, fkeys, queueKeys [][2]string
	collect := func(dst *[][2]string, q string) error {
		return b.query(ctx, q, nil, func(scan func(...any) error) error {
			var drop, def string
			err := scan(&drop, &def)
			*dst = append(*dst, [2]string{drop, def})
			return err
		})
	}
	list := "'" + strings.Join(loadTables, "', '") + "'"
	if sqlite {
		if err := collect(&indexes, `SELECT 'DROP INDEX "' || name || '"', sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
			AND tbl_name IN (`+list+`) AND name <> 'tickets_external' ORDER BY name`); err != nil {
			return nil, false, err
		}
	} else {
		err := collect(&indexes, `SELECT 'DROP INDEX ' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid)
			FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
			WHERE t.relname IN (`+list+`) AND t.relnamespace = to_regnamespace(current_schema())
				AND NOT i.indisunique AND NOT i.indisprimary ORDER BY c.relname`)
		if err != nil {
			return nil, false, err
		}
		err = collect(&fkeys, pgForeignKeys(`t.relname IN (`+list+`, 'text_pending')`))
		if err != nil {
			return nil, false, err
		}
		// The queues' primary keys go too, and come back (with the
		// indexes) before analyze; dropped first, so that the load
		// locks the queues before tickets, in the order of a rollup
		// refresh, which claims queue rows and then reads tickets.
		err = collect(&queueKeys, `SELECT 'ALTER TABLE ' || quote_ident(t.relname) || ' DROP CONSTRAINT ' || quote_ident(k.conname),
				'ALTER TABLE ' || quote_ident(t.relname) || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
			FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
			WHERE k.contype = 'p' AND t.relname IN ('kpi_dirty', 'text_pending') AND t.relnamespace = to_regnamespace(current_schema())
			ORDER BY t.relname`)
		if err != nil {
			return nil, false, err
		}
		for _, d := range queueKeys {
			if err := b.exec(ctx, d[0]); err != nil {
				return nil, false, fmt.Errorf("sqlstore: defer %q: %w", d[0], err)
			}
		}
		if err := b.exec(ctx, `ALTER TABLE tickets DISABLE TRIGGER kpi_ticket, DISABLE TRIGGER text_ticket_insert, DISABLE TRIGGER text_ticket_update`); err != nil {
			return nil, false, fmt.Errorf("sqlstore: defer rollup and text triggers: %w", err)
		}
	}
	for _, d := range append(fkeys, indexes...) {
		if err := b.exec(ctx, d[0]); err != nil {
			return nil, false, fmt.Errorf("sqlstore: defer %q: %w", d[0], err)
		}
	}
	return func(analyze func() error) error {
		restore := func(ds [][2]string) error {
			for _, d := range ds {
				if err := b.exec(ctx, d[1]); err != nil {
					return fmt.Errorf("sqlstore: restore %q: %w", d[1], mapErr(err))
				}
			}
			return nil
		}
		if err := restore(append(indexes, queueKeys...)); err != nil {
			return err
		}
		if err := analyze(); err != nil {
			return err
		}
		// The foreign keys come back NOT VALID: each guards every write
		// from here on, but the load's rows are not read once per key
		// before the commit (0.3 s of the Boston file's 1.0 s after its
		// last row). The background job validates them after the commit
		// (ValidateConstraints), which blocks no one.
		for i := range fkeys {
			fkeys[i][1] += " NOT VALID"
		}
		if err := restore(fkeys); err != nil {
			return err
		}
		if sqlite {
			return nil
		}
		return b.exec(ctx, `ALTER TABLE tickets ENABLE TRIGGER kpi_ticket, ENABLE TRIGGER text_ticket_insert, ENABLE TRIGGER text_ticket_update`)
	}, !sqlite, nil
}

// pgForeignKeys reads, on PostgreSQL, the foreign keys of the tables
// that where (over pg_class t) selects, each as the statement that drops
// it and the one that adds it back.
func pgForeignKeys(where string) string {
	return `SELECT 'ALTER TABLE ' || quote_ident(t.relname) || ' DROP CONSTRAINT ' || quote_ident(k.conname),
			'ALTER TABLE ' || quote_ident(t.relname) || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
		WHERE k.contype = 'f' AND ` + where + ` AND t.relnamespace = to_regnamespace(current_schema()) ORDER BY t.relname, k.conname`
}

type importWriter struct {
	db        *DB
	b         bulkWriter
	now       time.Time
	batch     int64
	first     bool            // a first load: deferUpkeep set indexes, foreign keys and (PostgreSQL) triggers aside
	staged    bool            // PostgreSQL, not a first load: a chunk's rows are copied into the staging tables, then moved by flush
	direct    bool            // PostgreSQL, a first load: a chunk's rows are copied straight into their tables (create)
	held      []copyJob       // direct: rows gathered and not yet copied (every directRows tickets)
	filled    map[string]bool // staging tables with rows not yet moved
	nextID    int64           // SQLite: ids are handed out here; the writer holds the only write connection
	nextCust  int64
	kept      map[string]bool     // ticket numbers this import kept from its records
	known     map[string]existing // a first load: every ticket with an external id, by it (see preload)
	refs      map[string]int64    // "team:<name>", "region:<name>", "cat:<path>", "product:<model>", "asset:<serial>"
	customers map[string]int64
	catPaths  map[string]string
	keyBuf    []byte // cached builds refs keys here
	// A first load on PostgreSQL reads every team, region and category
	// once (preloadRefs); a name missing from these maps is then created
	// without a lookup first.
	teamsRead, regionsRead bool
	cats                   map[catName]catRow // nil: look each level up
	// A first load on PostgreSQL: the first ticket id it took (the ids
	// from here on are its own), and the tickets from before it that it
	// updated, for the rollups and (text changed) the text analysis.
	newFrom          int64
	marks, textMarks []int64
}

// catName is a category's parent (0 for a root) and one of its names.
type catName struct {
	parent int64
	name   string
}

// catRow is a category's id and path.
type catRow struct {
	id   int64
	path string
}

// cached looks a reference up in refs by its key, prefix ":" and the names
// joined by U+001F, without building the key as a string: nearly every
// record names a team, a region and a category path already seen.
func (w *importWriter) cached(prefix string, names ...string) (int64, bool) {
	b := append(append(w.keyBuf[:0], prefix...), ':')
	for i, n := range names {
		if i > 0 {
			b = append(b, 0x1f)
		}
		b = append(b, n...)
	}
	w.keyBuf = b
	id, ok := w.refs[string(b)]
	return id, ok
}

type existing struct {
	id   int64
	hash int64
}

// Write stores one chunk: new records are copied in, changed ones updated,
// unchanged ones left alone.
func (w *importWriter) Write(ctx context.Context, recs []*aftersales.ImportRecord) ([]aftersales.ImportOutcome, error) {
	found, err := w.lookup(ctx, recs)
	if err != nil {
		return nil, err
	}
	taken, err := w.byNumber(ctx, recs, found)
	if err != nil {
		return nil, err
	}
	out := make([]aftersales.ImportOutcome, len(recs))
	var fresh []*aftersales.ImportRecord
	var freshIdx []int
	for i, r := range recs {
		if e, ok := found[r.ExternalID]; ok {
			if e.hash == int64(r.Hash) {
				out[i] = aftersales.ImportUnchanged
				continue
			}
			if err := w.update(ctx, e.id, r); err != nil {
				return nil, fmt.Errorf("sqlstore: import %s: %w", r.ExternalID, err)
			}
			found[r.ExternalID] = existing{e.id, int64(r.Hash)}
			if w.known != nil {
				w.known[r.ExternalID] = found[r.ExternalID]
			}
			out[i] = aftersales.ImportUpdated
			continue
		}
		// A key seen earlier in this chunk: the later row updates it.
		found[r.ExternalID] = existing{-1, int64(r.Hash)}
		fresh = append(fresh, r)
		freshIdx = append(freshIdx, i)
		out[i] = aftersales.ImportCreated
	}
	// Repeats of a fresh key inside the chunk: keep the last, count the rest.
	last := map[string]int{}
	for j, r := range fresh {
		last[r.ExternalID] = j
	}
	var uniq []*aftersales.ImportRecord
	for j, r := range fresh {
		if last[r.ExternalID] != j {
			if fresh[last[r.ExternalID]].Hash == r.Hash {
				out[freshIdx[j]] = aftersales.ImportUnchanged
			} else {
				out[freshIdx[j]] = aftersales.ImportUpdated
			}
			continue
		}
		uniq = append(uniq, r)
	}
	if err := w.create(ctx, uniq, taken); err != nil {
		return nil, err
	}
	return out, nil
}

// in is a filter "<col> IN (ids)": one array on PostgreSQL, one
// placeholder per id on SQLite, which has no arrays. The placeholders are
// positional: the driver looks each "$N" name up in a list, which for 500
// of them cost more than the query.
func (w *importWriter) in(col string, ids []string) (string, []any) {
	if _, ok := w.b.(sqliteBulk); !ok {
		return col + ` = ANY($1)`, []any{ids}
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "?", id
	}
	return col + ` IN (` + strings.Join(ph, ", ") + `)`, args
}

// byNumber finds, for records that keep a ticket number (an export's) and
// were not found by external id, the stored ticket without an external id
// that has this number and the same creation time: the same ticket, made
// in the console, exported and imported back into the installation it
// came from. It returns the numbers taken by other tickets.
func (w *importWriter) byNumber(ctx context.Context, recs []*aftersales.ImportRecord, found map[string]existing) (map[string]bool, error) {
	want := map[string]*aftersales.ImportRecord{}
	var nums []string
	for _, r := range recs {
		if _, ok := found[r.ExternalID]; !ok && r.Number != "" && want[r.Number] == nil {
			want[r.Number] = r
			nums = append(nums, r.Number)
		}
	}
	taken := map[string]bool{}
	if len(nums) > 0 {
		if err := w.flush(ctx); err != nil { // staged tickets have numbers too
			return nil, err
		}
	}
	const per = 500
	for start := 0; start < len(nums); start += per {
		cond, args := w.in("number", nums[start:min(start+per, len(nums))])
		err := w.b.query(ctx, `SELECT id, number, created_at, COALESCE(import_hash, 0), external_id IS NULL FROM tickets WHERE `+cond, args,
			func(scan func(...any) error) error {
				var e existing
				var num string
				var created int64
				var native bool
				if err := scan(&e.id, &num, &created, &e.hash, &native); err != nil {
					return err
				}
				if r := want[num]; r != nil && native && created == ms(r.CreatedAt) {
					found[r.ExternalID] = e
				} else {
					taken[num] = true
				}
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: import number lookup: %w", err)
		}
	}
	return taken, nil
}

// preload reads, on a first load, the external ids of the few tickets
// already stored (fewer than 10,000). From then on the import knows every
// ticket with an external id without asking: deferUpkeep's dropped
// constraints hold tickets locked until commit, so only this import adds
// or changes tickets, and it records each one it writes in known. That
// saves a lookup per 500 records (a tenth of the server's time on the
// Boston file).
func (w *importWriter) preload(ctx context.Context) error {
	w.known = map[string]existing{}
	err := w.b.query(ctx, `SELECT id, external_id, COALESCE(import_hash, 0) FROM tickets WHERE external_id IS NOT NULL`, nil,
		func(scan func(...any) error) error {
			var e existing
			var ext string
			if err := scan(&e.id, &ext, &e.hash); err != nil {
				return err
			}
			w.known[ext] = e
			return nil
		})
	if err != nil {
		return fmt.Errorf("sqlstore: import preload: %w", err)
	}
	return nil
}

// preloadRefs reads, on a first load, every team, region and category
// with the order the lookups by name use (the lowest id; for a region, a
// service unit of kind region first), so that a name the import meets
// costs a statement only when it is new. The Boston file names 150 teams
// and 236 categories: 520 lookups, each a round trip with its own parse
// and plan, before. A team, region or category another session adds while
// the first load runs is not seen (the lookups saw it only if it came
// before the row that named it).
func (w *importWriter) preloadRefs(ctx context.Context) error {
	err := w.b.query(ctx, `SELECT name, id FROM teams ORDER BY id`, nil, func(scan func(...any) error) error {
		var name string
		var id int64
		if err := scan(&name, &id); err != nil {
			return err
		}
		if _, ok := w.refs["team:"+name]; !ok {
			w.refs["team:"+name] = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: import preload teams: %w", err)
	}
	err = w.b.query(ctx, `SELECT name, id FROM service_units ORDER BY CASE WHEN kind = 'region' THEN 0 ELSE 1 END, id`, nil,
		func(scan func(...any) error) error {
			var name string
			var id int64
			if err := scan(&name, &id); err != nil {
				return err
			}
			if _, ok := w.refs["region:"+name]; !ok {
				w.refs["region:"+name] = id
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("sqlstore: import preload regions: %w", err)
	}
	cats := map[catName]catRow{}
	err = w.b.query(ctx, `SELECT id, COALESCE(parent_id, 0), name_zh, name_en, path FROM product_categories ORDER BY id`, nil,
		func(scan func(...any) error) error {
			var c catRow
			var parent int64
			var zh, en string
			if err := scan(&c.id, &parent, &zh, &en, &c.path); err != nil {
				return err
			}
			for _, n := range []string{zh, en} {
				if _, ok := cats[catName{parent, n}]; !ok {
					cats[catName{parent, n}] = c
				}
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("sqlstore: import preload categories: %w", err)
	}
	w.teamsRead, w.regionsRead, w.cats = true, true, cats
	return nil
}

// lookup finds already stored tickets of the chunk's external ids.
func (w *importWriter) lookup(ctx context.Context, recs []*aftersales.ImportRecord) (map[string]existing, error) {
	found := map[string]existing{}
	if w.known != nil {
		for _, r := range recs {
			if e, ok := w.known[r.ExternalID]; ok {
				found[r.ExternalID] = e
			}
		}
		return found, nil
	}
	const per = 500
	for start := 0; start < len(recs); start += per {
		end := min(start+per, len(recs))
		ids := make([]string, 0, end-start)
		for _, r := range recs[start:end] {
			ids = append(ids, r.ExternalID)
		}
		cond, args := w.in("external_id", ids)
		err := w.b.query(ctx, `SELECT id, external_id, COALESCE(import_hash, 0) FROM tickets WHERE `+cond, args,
			func(scan func(...any) error) error {
				var e existing
				var ext string
				if err := scan(&e.id, &ext, &e.hash); err != nil {
					return err
				}
				found[ext] = e
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("sqlstore: import lookup: %w", err)
		}
	}
	return found, nil
}

// ids reserves n consecutive ids of table.
func (w *importWriter) ids(ctx context.Context, table string, next *int64, n int) (int64, error) {
	if w.db.d.engine == Postgres && w.first && table == "tickets" {
		// A first load holds tickets locked (deferUpkeep dropped its
		// constraints): nobody else takes ticket ids until commit, so one
		// step moves the sequence past the whole block instead of n
		// nextval calls.
		var last int64
		err := w.b.query(ctx, `SELECT setval(pg_get_serial_sequence('tickets', 'id'), nextval(pg_get_serial_sequence('tickets', 'id')) + $1 - 1)`,
			[]any{n}, func(scan func(...any) error) error { return scan(&last) })
		if w.newFrom == 0 {
			w.newFrom = last - int64(n) + 1
		}
		return last - int64(n) + 1, err
	}
	if w.db.d.engine == Postgres {
		var first int64
		// Sequences hand out ids to concurrent writers too; take a block.
		err := w.b.query(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, $1)`, []any{n},
			func(scan func(...any) error) error {
				var id int64
				if err := scan(&id); err != nil {
					return err
				}
				if first == 0 {
					first = id
				}
				return nil
			})
		return first, err
	}
	if *next == 0 {
		if err := w.b.query(ctx, `SELECT COALESCE(max(id), 0) + 1 FROM `+table, nil, func(scan func(...any) error) error { return scan(next) }); err != nil {
			return 0, err
		}
	}
	first := *next
	*next += int64(n)
	return first, nil
}

func (w *importWriter) create(ctx context.Context, recs []*aftersales.ImportRecord, taken map[string]bool) error {
	if len(recs) == 0 {
		return nil
	}
	// What needs no database first: on PostgreSQL the server is still
	// moving the previous chunk (flush sends it without waiting).
	loc := w.db.location()
	months := make([]string, len(recs))
	jsons := make([]string, 2*len(recs)) // tags, custom
	var buf []byte
	var members []member
	for i, r := range recs {
		months[i] = r.CreatedAt.In(loc).Format("200601")
		buf, members = appendCustomJSON(buf[:0], members, r)
		jsons[2*i], jsons[2*i+1] = tagsJSON(r.Tags), string(buf)
	}
	first, err := w.ids(ctx, "tickets", &w.nextID, len(recs))
	if err != nil {
		return fmt.Errorf("sqlstore: import ids: %w", err)
	}
	// A record's own number is kept when free; the month counters move
	// past kept numbers first, so that no number handed out collides.
	keep := make([]bool, len(recs))
	bump := map[string]int64{}
	for i, r := range recs {
		if r.Number == "" || taken[r.Number] || w.kept[r.Number] {
			continue
		}
		keep[i] = true
		w.kept[r.Number] = true
		if m, seq, ok := parseTicketNumber(r.Number); ok {
			bump[m] = max(bump[m], seq)
		}
	}
	for m, seq := range bump {
		err := w.b.exec(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name)
			DO UPDATE SET value = CASE WHEN counters.value < excluded.value THEN excluded.value ELSE counters.value END`, "ticket:"+m, seq)
		if err != nil {
			return fmt.Errorf("sqlstore: import counter: %w", err)
		}
	}
	// Ticket numbers per local month, taken from the counters in one step per month.
	perMonth := map[string]int64{}
	for i := range recs {
		if !keep[i] {
			perMonth[months[i]]++
		}
	}
	nextSeq := map[string]int64{}
	for m, n := range perMonth {
		var v int64
		err := w.b.query(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value`, []any{"ticket:" + m, n},
			func(scan func(...any) error) error { return scan(&v) })
		if err != nil {
			return fmt.Errorf("sqlstore: import counter: %w", err)
		}
		nextSeq[m] = v - n + 1
	}
	if err := w.createRefs(ctx, recs); err != nil {
		return err
	}
	rows := make([][]any, 0, len(recs))
	var events, tags, issues [][]any
	for i, r := range recs {
		id := first + int64(i)
		refs, err := w.resolve(ctx, r)
		if err != nil {
			return err
		}
		if w.known != nil {
			w.known[r.ExternalID] = existing{id, int64(r.Hash)}
		}
		number := r.Number
		if !keep[i] {
			m := months[i]
			number = ticketNumber(m, nextSeq[m])
			nextSeq[m]++
		}
		changed := r.CreatedAt
		if n := len(r.History); n > 0 {
			changed = r.History[n-1].At
		}
		rows = append(rows, []any{id, number, string(r.Channel), string(r.Nature), string(r.Urgency), r.Urgency.Rank(), string(r.Status),
			r.Title, r.Description, refs.customer, refs.category, refs.product, refs.asset, refs.unit, refs.team,
			jsons[2*i], jsons[2*i+1], r.ExternalID, ms(r.CreatedAt), ms(w.now), nullMS(r.FirstResponseAt),
			nullMS(r.AcceptedAt), nullMS(r.ResolvedAt), nullMS(r.ClosedAt), ms(changed), r.ReopenCount, r.AssignCount,
			nullMS(r.TargetAt), w.batch, int64(r.Hash), nullMS(r.CancelledAt)})
		for _, t := range r.Tags {
			tags = append(tags, []any{id, t})
		}
		events = appendHistory(events, id, r, aftersales.StatusNew, time.Time{})
		issues = appendIssues(issues, w.batch, id, r.Flags)
	}
	if w.direct {
		return w.copyDirect(ctx, first, rows, tags, events, issues)
	}
	if err := w.put(ctx, "tickets", importTicketCols, rows); err != nil {
		return fmt.Errorf("sqlstore: import tickets: %w", err)
	}
	if err := w.put(ctx, "ticket_tags", importTagCols, tags); err != nil {
		return fmt.Errorf("sqlstore: import tags: %w", err)
	}
	if err := w.put(ctx, "ticket_events", importEventCols, events); err != nil {
		return fmt.Errorf("sqlstore: import events: %w", err)
	}
	if err := w.put(ctx, "import_issues", importIssueCols, issues); err != nil {
		return fmt.Errorf("sqlstore: import issues: %w", err)
	}
	return w.flush(ctx)
}

// copyDirect writes a first load's chunk on PostgreSQL: tickets, tags,
// events and issues COPYed straight into their tables, not through the
// staging tables and an INSERT ... SELECT per table as a load into a
// filled table does. Nobody else writes these tables meanwhile (the
// constraints deferUpkeep dropped hold them locked until commit), the
// triggers and foreign keys are set aside already, and the ticket ids
// were taken by the import itself, so the set-based moves had nothing to
// check or match: they only wrote every row a second time, one at a time
// with its own WAL record, where COPY writes and logs them in batches
// (on the Boston file the moves were a third of the server's time). The
// check constraints hold for COPY as for INSERT: a refused row fails the
// whole import with the same error.
//
// The per-row triggers are off (deferUpkeep), so the chunk also queues
// its tickets for the rollups and the text analysis. The ids are new
// (taken from the sequence while the load holds tickets locked, see ids),
// so no queue row can have them yet.
//
// The copies run while the caller reads the next chunk (copyAsync); the
// next statement waits for them and reports a refused row.
func (w *importWriter) copyDirect(ctx context.Context, first int64, rows, tags, events, issues [][]any) error {
	if w.held == nil {
		w.held = []copyJob{{"tickets", importTicketCols, nil}, {"ticket_tags", importTagCols, nil},
			{"ticket_events", importEventCols, nil}, {"import_issues", importIssueCols, nil},
			{"kpi_dirty", []string{"ticket_id"}, nil}, {"text_pending", []string{"ticket_id"}, nil}}
	}
	queued := make([][]any, len(rows))
	for i := range rows {
		queued[i] = []any{first + int64(i)}
	}
	for i, r := range [][][]any{rows, tags, events, issues, queued, queued} {
		w.held[i].rows = append(w.held[i].rows, r...)
	}
	if len(w.held[0].rows) < directRows {
		return nil
	}
	return w.flush(ctx)
}

// directRows is how many tickets a first load on PostgreSQL gathers
// before it copies them, with their tags, events, issues and queue rows:
// each COPY statement costs the server a few milliseconds besides its
// rows (in psql, 61 COPYs of 2,000 one-column rows took 0.24 CPU-s, one
// of all 121,145 rows 0.10), and the first load copies into six tables.
// On the Boston file, 6,000 instead of every 2,000-row chunk: about 0.2
// server CPU-seconds less, 25 MB more of the client's peak RSS.
const directRows = 3 * 2000

// Columns an import writes.
var (
	importTicketCols = []string{"id", "number", "channel", "nature", "urgency", "urgency_rank", "status", "title",
		"description", "customer_id", "category_id", "product_id", "asset_id", "service_unit_id", "team_id", "tags", "custom",
		"external_id", "created_at", "updated_at", "first_response_at", "accepted_at", "resolved_at", "closed_at",
		"status_changed_at", "reopen_count", "assign_count", "target_at", "import_batch_id", "import_hash", "cancelled_at"}
	importTagCols   = []string{"ticket_id", "tag"}
	importEventCols = []string{"ticket_id", "at", "kind", "field", "from_value", "to_value", "body", "public", "channel"}
	importIssueCols = []string{"batch_id", "ticket_id", "line", "key", "field", "kind", "value", "reason", "related", "rejected"}
)

// stageTables are PostgreSQL's staging tables: temporary (no WAL, no
// indexes, no triggers, no foreign keys, no check constraints: the move
// into tickets checks each row once, where checking it in staging too
// cost 0.05-0.09 server CPU-seconds on the Boston file; a refused row
// fails the import at the move instead of the COPY), dropped at the end
// of the import's transaction. Events and issues number their rows so
// that flush keeps their order.
const stageTables = `CREATE TEMP TABLE import_stage_tickets (LIKE tickets INCLUDING DEFAULTS) ON COMMIT DROP;
CREATE TEMP TABLE import_stage_tags (LIKE ticket_tags) ON COMMIT DROP;
CREATE TEMP TABLE import_stage_events (LIKE ticket_events INCLUDING DEFAULTS) ON COMMIT DROP;
ALTER TABLE import_stage_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
CREATE TEMP TABLE import_stage_issues (LIKE import_issues INCLUDING DEFAULTS) ON COMMIT DROP;
ALTER TABLE import_stage_issues ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY`

// put writes rows of a load table: into its staging table on PostgreSQL
// (COPY), straight into the table on SQLite (prepared inserts).
func (w *importWriter) put(ctx context.Context, table string, cols []string, rows [][]any) error {
	if !w.staged {
		return w.b.copy(ctx, table, cols, rows)
	}
	if len(rows) == 0 {
		return nil
	}
	stage := "import_stage_" + strings.TrimPrefix(strings.TrimPrefix(table, "ticket_"), "import_")
	if w.filled == nil {
		w.filled = map[string]bool{}
	}
	w.filled[stage] = true
	return w.b.copy(ctx, stage, cols, rows)
}

// flush moves the staged rows of a chunk into their tables with one
// set-based statement each, in one round trip: tickets in id order, then
// tags, events and issues in the order they were staged.
func (w *importWriter) flush(ctx context.Context) error {
	if w.direct && w.held != nil { // gathered by copyDirect, with a ticket at least
		jobs := w.held
		w.held = nil
		return w.b.(pgBulk).copyAsync(ctx, jobs)
	}
	if !w.staged {
		return nil
	}
	// Only the staging tables this chunk filled are moved and emptied
	// (Boston has no tags and no history: two statements and two new
	// files of a TRUNCATE fewer per chunk).
	var q, empty string
	for _, m := range []struct {
		stage, table, order string
		cols                []string
	}{
		{"import_stage_tickets", "tickets", " ORDER BY id", importTicketCols},
		{"import_stage_tags", "ticket_tags", "", importTagCols},
		{"import_stage_events", "ticket_events", " ORDER BY id", importEventCols},
		{"import_stage_issues", "import_issues", " ORDER BY id", importIssueCols},
	} {
		if !w.filled[m.stage] {
			continue
		}
		cols := strings.Join(m.cols, ", ")
		q += `INSERT INTO ` + m.table + ` (` + cols + `) SELECT ` + cols + ` FROM ` + m.stage + m.order + ";\n"
		empty += ", " + m.stage
	}
	if q == "" {
		return nil
	}
	clear(w.filled)
	q += `TRUNCATE ` + empty[2:]
	// The server moves the chunk while the caller reads and builds the
	// next one; the next use of the connection waits for it and reports
	// its error.
	if p, ok := w.b.(pgBulk); ok {
		return p.send(ctx, q)
	}
	if err := w.b.exec(ctx, q); err != nil {
		return fmt.Errorf("sqlstore: import: %w", mapErr(err))
	}
	return nil
}

// queueMarks queues the tickets from before a first load that it updated
// (update) for the rollups and the text analysis, once the queues have
// their primary keys again, with the statements of the triggers that
// were off (migrations 0034 and 0051).
func (w *importWriter) queueMarks(ctx context.Context) error {
	for _, q := range []struct {
		ids []int64
		sql string
	}{
		{w.marks, `INSERT INTO kpi_dirty (ticket_id) SELECT unnest($1::bigint[])
			ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = excluded.ticket_id WHERE false`},
		{w.textMarks, `INSERT INTO text_pending (ticket_id) SELECT unnest($1::bigint[])
			ON CONFLICT (ticket_id) DO UPDATE SET gen = text_pending.gen + 1`},
	} {
		if len(q.ids) == 0 {
			continue
		}
		ids := slices.Clone(q.ids)
		slices.Sort(ids)
		if err := w.b.exec(ctx, q.sql, slices.Compact(ids)); err != nil {
			return fmt.Errorf("sqlstore: import queues: %w", err)
		}
	}
	w.marks, w.textMarks = nil, nil
	return nil
}

// appendHistory adds status changes after since, starting from status from.
func appendHistory(events [][]any, id int64, r *aftersales.ImportRecord, from aftersales.Status, since time.Time) [][]any {
	for _, e := range r.History {
		if e.Status == from {
			continue
		}
		if e.At.After(since) {
			events = append(events, []any{id, ms(e.At), string(aftersales.EventStatusChanged), "status", string(from), string(e.Status),
				"", false, string(aftersales.ChannelImport)})
		}
		from = e.Status
	}
	return events
}

func appendIssues(rows [][]any, batch, ticket int64, issues []aftersales.RowIssue) [][]any {
	for _, f := range issues {
		var tid any
		if ticket > 0 {
			tid = ticket
		}
		rows = append(rows, []any{batch, tid, f.Line, f.Key, f.Field, f.Kind, truncate(f.Value, 500), f.Reason, f.Related, f.Rejected})
	}
	return rows
}

func (w *importWriter) copyIssues(ctx context.Context, rows [][]any) error {
	if err := w.b.copy(ctx, "import_issues", []string{"batch_id", "ticket_id", "line", "key", "field", "kind", "value", "reason",
		"related", "rejected"}, rows); err != nil {
		return fmt.Errorf("sqlstore: import issues: %w", err)
	}
	return nil
}

// Reject stores the issues of rows that made no ticket, after those of
// the rows written before (their copies or moves finish first).
func (w *importWriter) Reject(ctx context.Context, issues []aftersales.RowIssue) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	return w.copyIssues(ctx, appendIssues(nil, w.batch, 0, issues))
}

// customJSON is the ticket's custom column: the record's custom fields
// with its address and coordinates.
func customJSON(r *aftersales.ImportRecord) string {
	b, _ := appendCustomJSON(nil, nil, r)
	return string(b)
}

// appendCustomJSON appends customJSON's text to b, with ms as room for
// the members: create reuses both for every record of a chunk.
func appendCustomJSON(b []byte, ms []member, r *aftersales.ImportRecord) ([]byte, []member) {
	ms = ms[:0]
	for k, v := range r.Custom {
		if (k == "address" && r.Address != "") || ((k == "lat" || k == "lng") && r.Lat != nil) {
			continue
		}
		ms = append(ms, member{k, v})
	}
	if r.Address != "" {
		ms = append(ms, member{"address", r.Address})
	}
	if r.Lat != nil {
		ms = append(ms, member{"lat", *r.Lat}, member{"lng", *r.Lng})
	}
	return appendJSONObject(b, ms), ms
}

// tagsJSON is the ticket's tags column.
func tagsJSON(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	return string(appendJSONStrings(make([]byte, 0, 64), tags))
}

// update rewrites an imported ticket from a changed source row, appends the
// history it did not have yet and replaces its data-quality flags. A
// customer, product or asset the record does not name is kept: an export
// read back does not name them.
func (w *importWriter) update(ctx context.Context, id int64, r *aftersales.ImportRecord) error {
	if err := w.flush(ctx); err != nil { // the ticket, its events or issues may still be staged
		return err
	}
	refs, err := w.resolve(ctx, r)
	if err != nil {
		return err
	}
	var last sql.NullInt64
	var status string
	var textChanged bool
	if err := w.b.query(ctx, `SELECT t.status, (SELECT max(at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'status_changed'),
		t.title <> $2 OR t.description <> $3
		FROM tickets t WHERE t.id = $1`, []any{id, r.Title, r.Description}, func(scan func(...any) error) error { return scan(&status, &last, &textChanged) }); err != nil {
		return err
	}
	err = w.b.exec(ctx, `UPDATE tickets SET channel = $1, nature = $2, urgency = $3, urgency_rank = $4, status = $5, title = $6,
		description = $7, customer_id = COALESCE($8, customer_id), category_id = $9, product_id = COALESCE($10, product_id),
		asset_id = COALESCE($11, asset_id), service_unit_id = $12, team_id = $13,
		tags = $14, custom = $15, created_at = $16, updated_at = $17, first_response_at = $18, accepted_at = $19, resolved_at = $20,
		closed_at = $21, reopen_count = $22, assign_count = $23, target_at = $24, import_batch_id = $25, import_hash = $26,
		cancelled_at = $28, version = version + 1 WHERE id = $27`,
		string(r.Channel), string(r.Nature), string(r.Urgency), r.Urgency.Rank(), string(r.Status), r.Title, r.Description,
		refs.customer, refs.category, refs.product, refs.asset, refs.unit, refs.team, tagsJSON(r.Tags), customJSON(r),
		ms(r.CreatedAt), ms(w.now), nullMS(r.FirstResponseAt), nullMS(r.AcceptedAt), nullMS(r.ResolvedAt), nullMS(r.ClosedAt),
		r.ReopenCount, r.AssignCount, nullMS(r.TargetAt), w.batch, int64(r.Hash), id, nullMS(r.CancelledAt))
	if err != nil {
		return mapErr(err)
	}
	if w.direct && (w.newFrom == 0 || id < w.newFrom) {
		// The rollup and text triggers are off during a first load, and
		// the queues have no primary key until its end (deferUpkeep): a
		// ticket from before the load is queued by queueMarks, as the
		// triggers would have; one of this load's is queued already
		// (copyDirect).
		w.marks = append(w.marks, id)
		if textChanged {
			w.textMarks = append(w.textMarks, id)
		}
	}
	if err := w.b.exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = $1`, id); err != nil {
		return err
	}
	var tags [][]any
	for _, t := range r.Tags {
		tags = append(tags, []any{id, t})
	}
	if err := w.b.copy(ctx, "ticket_tags", []string{"ticket_id", "tag"}, tags); err != nil {
		return err
	}
	since := time.Time{}
	from := aftersales.StatusNew
	if last.Valid {
		since, from = fromMS(last.Int64), aftersales.Status(status)
	}
	events := appendHistory(nil, id, r, from, since)
	if len(events) == 0 && aftersales.Status(status) != r.Status {
		events = append(events, []any{id, ms(w.now), string(aftersales.EventStatusChanged), "status", status, string(r.Status),
			fmt.Sprintf("import #%d", w.batch), false, string(aftersales.ChannelImport)})
	}
	if err := w.b.copy(ctx, "ticket_events", []string{"ticket_id", "at", "kind", "field", "from_value", "to_value", "body", "public", "channel"}, events); err != nil {
		return err
	}
	if err := w.b.exec(ctx, `DELETE FROM import_issues WHERE ticket_id = $1`, id); err != nil {
		return err
	}
	return w.copyIssues(ctx, appendIssues(nil, w.batch, id, r.Flags))
}

type importRefs struct {
	customer, category, product, asset, unit, team any
}

// resolve finds or creates what a record refers to by name: category path,
// team, region and customer. Products must exist (a model the catalog does
// not know is flagged); assets are created for known products.
func (w *importWriter) resolve(ctx context.Context, r *aftersales.ImportRecord) (importRefs, error) {
	var refs importRefs
	if len(r.Category) > 0 {
		id, err := w.category(ctx, r.Category)
		if err != nil {
			return refs, err
		}
		refs.category = id
	}
	if id, ok := w.cached("team", r.Team); ok && r.Team != "" {
		refs.team = id
	} else if r.Team != "" {
		id, err := w.named(ctx, "team:"+r.Team, `SELECT id FROM teams WHERE name = $1 ORDER BY id LIMIT 1`,
			`INSERT INTO teams (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`, r.Team, w.teamsRead)
		if err != nil {
			return refs, err
		}
		refs.team = id
	}
	if id, ok := w.cached("region", r.Region); ok && r.Region != "" {
		refs.unit = id
	} else if r.Region != "" {
		id, err := w.named(ctx, "region:"+r.Region, `SELECT id FROM service_units WHERE name = $1 ORDER BY CASE WHEN kind = 'region' THEN 0 ELSE 1 END, id LIMIT 1`,
			`INSERT INTO service_units (kind, code, name, created_at, updated_at) VALUES ('region', $1, $2, $3, $3) RETURNING id`, r.Region, w.regionsRead)
		if err != nil {
			return refs, err
		}
		refs.unit = id
	}
	if r.CustomerKey != "" {
		id, err := w.customer(ctx, r)
		if err != nil {
			return refs, err
		}
		refs.customer = id
	}
	if r.Product != "" {
		id, err := w.lookupOnly(ctx, "product:"+r.Product, `SELECT id FROM products WHERE model = $1`, r.Product)
		if err != nil {
			return refs, err
		}
		if id == 0 {
			r.Flags = append(r.Flags, aftersales.RowIssue{Line: r.Lines[0], Field: "product", Kind: aftersales.FlagUnknownValue,
				Value: r.Product, Reason: "is not a product model in the catalog; left empty"})
		} else {
			refs.product = id
			if r.Serial != "" && refs.customer != nil {
				aid, err := w.asset(ctx, r.Serial, id, refs.customer.(int64))
				if err != nil {
					return refs, err
				}
				refs.asset = aid
			}
		}
	}
	return refs, nil
}

// createRefs creates, on a first load on PostgreSQL (which has read every
// team, region and category: preloadRefs), the ones the chunk names and
// the database lacks, a few statements per chunk instead of one per new
// name (two per category), so that resolve then finds every one cached.
// They are created in the order resolve would have met them, record by
// record and each category path from its root, so they get the same ids.
func (w *importWriter) createRefs(ctx context.Context, recs []*aftersales.ImportRecord) error {
	if w.cats == nil || w.db.d.engine != Postgres {
		return nil
	}
	var teams, regions []string
	type node struct {
		parent     int64 // an existing category; 0 when parentNode is set or for a root
		parentNode int   // 1 + the index of a new parent in nodes
		parentPath string
		name, key  string
		depth      int
		id         int64
		path       string
	}
	var nodes []node
	pending := map[catName]int{} // (parent, name) of a new node -> its index; a new parent is -(1 + index)
	seen := map[string]bool{}
	for _, r := range recs {
		if t := r.Team; t != "" && !seen["team:"+t] {
			if _, ok := w.refs["team:"+t]; !ok {
				teams = append(teams, t)
			}
			seen["team:"+t] = true
		}
		if g := r.Region; g != "" && !seen["region:"+g] {
			if _, ok := w.refs["region:"+g]; !ok {
				regions = append(regions, g)
			}
			seen["region:"+g] = true
		}
		if len(r.Category) == 0 {
			continue
		}
		if _, ok := w.cached("cat", r.Category...); ok {
			continue
		}
		var parent int64 // as in pending: < 0 is a new node
		parentPath := "/"
		for depth, name := range r.Category {
			key := "cat:" + strings.Join(r.Category[:depth+1], "\x1f")
			if id, ok := w.refs[key]; ok {
				parent, parentPath = id, w.catPaths[key]
				continue
			}
			if c, ok := w.cats[catName{parent, name}]; ok && parent >= 0 {
				parent, parentPath = c.id, c.path
				continue
			}
			if i, ok := pending[catName{parent, name}]; ok {
				parent = -int64(1 + i)
				continue
			}
			n := node{name: name, key: key, depth: depth, parentPath: parentPath}
			if parent < 0 {
				n.parentNode = int(-parent)
			} else {
				n.parent = parent
			}
			pending[catName{parent, name}] = len(nodes)
			nodes = append(nodes, n)
			parent = -int64(len(nodes))
		}
	}
	for _, k := range []struct {
		prefix, insert string
		names          []string
	}{
		{"team", `INSERT INTO teams (code, name, created_at, updated_at)
			SELECT c, n, $3, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(c, n, o) ORDER BY o RETURNING id, code`, teams},
		{"region", `INSERT INTO service_units (kind, code, name, created_at, updated_at)
			SELECT 'region', c, n, $3, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(c, n, o) ORDER BY o RETURNING id, code`, regions},
	} {
		if len(k.names) == 0 {
			continue
		}
		codes, names := make([]string, len(k.names)), make([]string, len(k.names))
		byCode := map[string]string{}
		for i, n := range k.names {
			codes[i], names[i] = code(k.prefix, n), truncate(n, 200)
			byCode[codes[i]] = n
		}
		err := w.b.query(ctx, k.insert, []any{codes, names, ms(w.now)}, func(scan func(...any) error) error {
			var id int64
			var c string
			if err := scan(&id, &c); err != nil {
				return err
			}
			w.refs[k.prefix+":"+byCode[c]] = id
			return nil
		})
		if err != nil {
			return fmt.Errorf("sqlstore: import %ss: %w", k.prefix, mapErr(err))
		}
	}
	if len(nodes) == 0 {
		return nil
	}
	// Ids first, in creation order, then the rows with their parents and
	// paths, which hold the ids.
	i := 0
	err := w.b.query(ctx, `SELECT nextval(pg_get_serial_sequence('product_categories', 'id')) FROM generate_series(1, $1) ORDER BY 1`,
		[]any{len(nodes)}, func(scan func(...any) error) error {
			if i >= len(nodes) {
				return fmt.Errorf("more ids than the %d categories", len(nodes))
			}
			err := scan(&nodes[i].id)
			i++
			return err
		})
	if err == nil && i != len(nodes) {
		err = fmt.Errorf("%d ids for %d categories", i, len(nodes))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: import category ids: %w", err)
	}
	ids, parents, codes, names, depths, paths := make([]int64, len(nodes)), make([]int64, len(nodes)), make([]string, len(nodes)),
		make([]string, len(nodes)), make([]int64, len(nodes)), make([]string, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		if n.parentNode > 0 {
			p := nodes[n.parentNode-1]
			n.parent, n.parentPath = p.id, p.path
		}
		n.path = n.parentPath + strconv.FormatInt(n.id, 10) + "/"
		ids[i], parents[i], codes[i], names[i], depths[i], paths[i] = n.id, n.parent, code("cat", n.key), n.name, int64(n.depth), n.path
	}
	err = w.b.exec(ctx, `INSERT INTO product_categories (id, parent_id, code, name_zh, name_en, depth, path)
		SELECT i, NULLIF(p, 0), c, '', n, d, pa FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS x(i, p, c, n, d, pa)`,
		ids, parents, codes, names, depths, paths)
	if err != nil {
		return fmt.Errorf("sqlstore: import categories: %w", mapErr(err))
	}
	for _, n := range nodes {
		w.cats[catName{n.parent, n.name}] = catRow{n.id, n.path}
		w.refs[n.key], w.catPaths[n.key] = n.id, n.path
	}
	return nil
}

// code derives a stable, unique code for a row created by an import.
func code(prefix, name string) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s-%x", prefix, h.Sum64())
}

func (w *importWriter) lookupOnly(ctx context.Context, key, q string, arg any) (int64, error) {
	if id, ok := w.refs[key]; ok {
		return id, nil
	}
	var id int64
	if err := w.b.query(ctx, q, []any{arg}, func(scan func(...any) error) error { return scan(&id) }); err != nil {
		return 0, err
	}
	w.refs[key] = id
	return id, nil
}

func (w *importWriter) named(ctx context.Context, key, find, insert, name string, read bool) (int64, error) {
	id, ok := w.refs[key]
	if !ok && !read {
		var err error
		if id, err = w.lookupOnly(ctx, key, find, name); err != nil {
			return 0, err
		}
	}
	if id != 0 {
		return id, nil
	}
	prefix, _, _ := strings.Cut(key, ":")
	err := w.b.query(ctx, insert, []any{code(prefix, name), truncate(name, 200), ms(w.now)}, func(scan func(...any) error) error { return scan(&id) })
	if err != nil {
		return 0, fmt.Errorf("sqlstore: import %s: %w", key, mapErr(err))
	}
	w.refs[key] = id
	return id, nil
}

// category finds or creates each level of a path of names.
func (w *importWriter) category(ctx context.Context, path []string) (int64, error) {
	if id, ok := w.cached("cat", path...); ok {
		return id, nil
	}
	var parent int64
	parentPath := "/"
	for depth := range path {
		key := "cat:" + strings.Join(path[:depth+1], "\x1f")
		if id, ok := w.refs[key]; ok {
			parent = id
			parentPath = w.catPaths[key]
			continue
		}
		var id int64
		var p string
		if w.cats != nil {
			c := w.cats[catName{parent, path[depth]}]
			id, p = c.id, c.path
		} else {
			q := `SELECT id, path FROM product_categories WHERE parent_id IS NULL AND (name_zh = $1 OR name_en = $1) ORDER BY id LIMIT 1`
			args := []any{path[depth]}
			if parent != 0 {
				q = `SELECT id, path FROM product_categories WHERE parent_id = $2 AND (name_zh = $1 OR name_en = $1) ORDER BY id LIMIT 1`
				args = append(args, parent)
			}
			if err := w.b.query(ctx, q, args, func(scan func(...any) error) error { return scan(&id, &p) }); err != nil {
				return 0, err
			}
		}
		if id == 0 {
			var pid any
			if parent != 0 {
				pid = parent
			}
			if w.db.d.engine == Postgres {
				// The path holds the new id: one statement takes the id
				// from the sequence and writes both.
				err := w.b.query(ctx, `INSERT INTO product_categories (id, parent_id, code, name_zh, name_en, depth, path)
					SELECT n, $1, $2, '', $3, $4, $5 || n || '/' FROM nextval(pg_get_serial_sequence('product_categories', 'id')) n RETURNING id, path`,
					[]any{pid, code("cat", key), path[depth], depth, parentPath}, func(scan func(...any) error) error { return scan(&id, &p) })
				if err != nil {
					return 0, fmt.Errorf("sqlstore: import category: %w", mapErr(err))
				}
			} else {
				err := w.b.query(ctx, `INSERT INTO product_categories (parent_id, code, name_zh, name_en, depth) VALUES ($1, $2, '', $3, $4) RETURNING id`,
					[]any{pid, code("cat", key), path[depth], depth}, func(scan func(...any) error) error { return scan(&id) })
				if err != nil {
					return 0, fmt.Errorf("sqlstore: import category: %w", mapErr(err))
				}
				p = parentPath + strconv.FormatInt(id, 10) + "/"
				if err := w.b.exec(ctx, `UPDATE product_categories SET path = $1 WHERE id = $2`, p, id); err != nil {
					return 0, err
				}
			}
			if w.cats != nil {
				w.cats[catName{parent, path[depth]}] = catRow{id, p}
			}
		}
		w.refs[key] = id
		w.catPaths[key] = p
		parent, parentPath = id, p
	}
	return parent, nil
}

// findCustomer finds a customer by each kind of CustomerKey.
var findCustomer = map[string]string{
	"id":    `SELECT id FROM customers WHERE external_id = $1`,
	"phone": `SELECT id FROM customers WHERE phone = $1 ORDER BY id LIMIT 1`,
	"email": `SELECT id FROM customers WHERE lower(email) = $1 ORDER BY id LIMIT 1`,
}

// customer finds a customer by external id, phone or email, or creates one.
func (w *importWriter) customer(ctx context.Context, r *aftersales.ImportRecord) (int64, error) {
	if id, ok := w.customers[r.CustomerKey]; ok {
		return id, nil
	}
	kind, val, _ := strings.Cut(r.CustomerKey, ":")
	var id int64
	if err := w.b.query(ctx, findCustomer[kind], []any{val}, func(scan func(...any) error) error { return scan(&id) }); err != nil {
		return 0, err
	}
	if id == 0 {
		var err error
		if id, err = w.ids(ctx, "customers", &w.nextCust, 1); err != nil {
			return 0, err
		}
		var ext any
		if kind == "id" {
			ext = val
		}
		name := r.CustomerName
		if name == "" {
			name = val
		}
		err = w.b.exec(ctx, `INSERT INTO customers (id, kind, name, phone, email, external_id, created_at, updated_at) VALUES ($1, 'person', $2, $3, $4, $5, $6, $6)`,
			id, truncate(name, 200), r.CustomerPhone, r.CustomerEmail, ext, ms(w.now))
		if err != nil {
			return 0, fmt.Errorf("sqlstore: import customer: %w", mapErr(err))
		}
	}
	w.customers[r.CustomerKey] = id
	return id, nil
}

func (w *importWriter) asset(ctx context.Context, serial string, product, customer int64) (int64, error) {
	id, err := w.lookupOnly(ctx, "asset:"+serial, `SELECT id FROM assets WHERE serial_no = $1`, serial)
	if err != nil || id != 0 {
		return id, err
	}
	err = w.b.query(ctx, `INSERT INTO assets (product_id, customer_id, serial_no, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		[]any{product, customer, serial, ms(w.now)}, func(scan func(...any) error) error { return scan(&id) })
	if err != nil {
		return 0, fmt.Errorf("sqlstore: import asset: %w", mapErr(err))
	}
	w.refs["asset:"+serial] = id
	return id, nil
}

// ListImports returns the latest import batches.
func (db *DB) ListImports(ctx context.Context, limit int) ([]*aftersales.ImportBatch, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, summary, created_by, created_at FROM import_batches ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(rows interface{ Scan(...any) error }) (*aftersales.ImportBatch, error) {
		b := &aftersales.ImportBatch{}
		var summary string
		var by sql.NullInt64
		var at int64
		if err := rows.Scan(&b.ID, &summary, &by, &at); err != nil {
			return b, err
		}
		b.CreatedBy, b.CreatedAt = int64Ptr(by), fromMS(at)
		return b, json.Unmarshal([]byte(summary), &b.Summary)
	})
}

// ImportIssues streams a batch's rejected and flagged rows in line order.
func (db *DB) ImportIssues(ctx context.Context, batchID int64, fn func(aftersales.RowIssue) error) error {
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return err
	}
	return db.each(ctx, `SELECT line, key, field, kind, value, reason, related, rejected FROM import_issues
		WHERE batch_id = $1 ORDER BY line, id`, []any{batchID}, func(scan func(...any) error) error {
		var i aftersales.RowIssue
		if err := scan(&i.Line, &i.Key, &i.Field, &i.Kind, &i.Value, &i.Reason, &i.Related, &i.Rejected); err != nil {
			return err
		}
		return fn(i)
	})
}

// DataQuality computes completeness per field and channel, flags by kind,
// rejected rows and the monthly trend.
func (db *DB) DataQuality(ctx context.Context) (*aftersales.DataQualityReport, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return nil, err
	}
	rep := &aftersales.DataQualityReport{Flags: map[string]int{}}
	fields := []string{"description", "category", "team", "service_unit", "customer", "first_response_at", "resolved_at", "closed_at"}
	total := make([]aftersales.FieldCompleteness, len(fields))
	for i, f := range fields {
		total[i].Field = f
	}
	err := db.each(ctx, `
		SELECT channel, count(*),
			sum(CASE WHEN description <> '' THEN 1 ELSE 0 END),
			sum(CASE WHEN category_id IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN team_id IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN service_unit_id IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN customer_id IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN status NOT IN ('new', 'cancelled') THEN 1 ELSE 0 END),
			sum(CASE WHEN status NOT IN ('new', 'cancelled') AND first_response_at IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END),
			sum(CASE WHEN status IN ('resolved', 'closed') AND resolved_at IS NOT NULL THEN 1 ELSE 0 END),
			sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
			sum(CASE WHEN status = 'closed' AND closed_at IS NOT NULL THEN 1 ELSE 0 END)
		FROM tickets GROUP BY channel ORDER BY channel`, nil, func(scan func(...any) error) error {
		var c aftersales.ChannelQuality
		var n [11]int
		if err := scan(&c.Channel, &c.Tickets, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9], &n[10]); err != nil {
			return err
		}
		present := []int{n[0], n[1], n[2], n[3], n[4], n[6], n[8], n[10]}
		applicable := []int{c.Tickets, c.Tickets, c.Tickets, c.Tickets, c.Tickets, n[5], n[7], n[9]}
		for i, f := range fields {
			c.Fields = append(c.Fields, aftersales.FieldCompleteness{Field: f, Present: present[i], Applicable: applicable[i]})
			total[i].Present += present[i]
			total[i].Applicable += applicable[i]
		}
		rep.Tickets += c.Tickets
		rep.Channels = append(rep.Channels, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Fields = total
	flagged := map[aftersales.Channel]int{}
	err = db.each(ctx, `SELECT t.channel, count(DISTINCT i.ticket_id) FROM import_issues i JOIN tickets t ON t.id = i.ticket_id GROUP BY t.channel`, nil,
		func(scan func(...any) error) error {
			var ch aftersales.Channel
			var n int
			err := scan(&ch, &n)
			flagged[ch] = n
			rep.Flagged += n
			return err
		})
	if err != nil {
		return nil, err
	}
	for i := range rep.Channels {
		rep.Channels[i].Flagged = flagged[rep.Channels[i].Channel]
	}
	err = db.each(ctx, `SELECT kind, count(*) FROM import_issues WHERE ticket_id IS NOT NULL GROUP BY kind`, nil, func(scan func(...any) error) error {
		var k string
		var n int
		err := scan(&k, &n)
		rep.Flags[k] = n
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT batch_id, line FROM import_issues WHERE ticket_id IS NULL) x`).Scan(&rep.Rejected); err != nil {
		return nil, err
	}
	// Months are the deployment's (--tz), like every other date. The
	// database counts per quarter hour (every zone offset is a multiple of
	// 15 minutes) and Go folds the quarters into local months.
	const quarter = 15 * 60 * 1000
	loc := db.location()
	months := map[string]*aftersales.MonthQuality{}
	err = db.each(ctx, `SELECT t.created_at / `+fmt.Sprint(quarter)+` AS q, count(*),
			sum(CASE WHEN EXISTS (SELECT 1 FROM import_issues i WHERE i.ticket_id = t.id) THEN 1 ELSE 0 END)
		FROM tickets t GROUP BY q`, nil, func(scan func(...any) error) error {
		var q int64
		var n, flagged int
		if err := scan(&q, &n, &flagged); err != nil {
			return err
		}
		key := time.UnixMilli(q * quarter).In(loc).Format("2006-01")
		m := months[key]
		if m == nil {
			m = &aftersales.MonthQuality{Month: key}
			months[key] = m
		}
		m.Tickets += n
		m.Flagged += flagged
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range months {
		rep.Months = append(rep.Months, *m)
	}
	slices.SortFunc(rep.Months, func(a, b aftersales.MonthQuality) int { return strings.Compare(a.Month, b.Month) })
	rep.Imports, err = db.ListImports(ctx, 10)
	return rep, err
}

// ListIssues lists data-quality issues, newest batch first, with their tickets.
func (db *DB) ListIssues(ctx context.Context, f aftersales.IssueFilter) ([]*aftersales.TicketIssue, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > aftersales.MaxListLimit {
		f.Limit = aftersales.MaxListLimit
	}
	rows, err := db.r.QueryContext(ctx, `SELECT i.batch_id, i.ticket_id, COALESCE(t.number, ''), i.line, i.key, i.field, i.kind, i.value,
			i.reason, i.related, i.rejected
		FROM import_issues i LEFT JOIN tickets t ON t.id = i.ticket_id
		WHERE ($1 = '' OR i.kind = $1) AND ($2 = 0 OR i.batch_id = $2)
		ORDER BY i.batch_id DESC, i.line LIMIT $3`, f.Kind, f.BatchID, f.Limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.TicketIssue, error) {
		var i aftersales.TicketIssue
		var tid sql.NullInt64
		err := row.Scan(&i.BatchID, &tid, &i.Number, &i.Line, &i.Key, &i.Field, &i.Kind, &i.Value, &i.Reason, &i.Related, &i.Rejected)
		i.TicketID = int64Ptr(tid)
		return &i, err
	})
}

// each runs a read query and calls fn for every row.
func (db *DB) each(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanEach(rows, fn)
}
