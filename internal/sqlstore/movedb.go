package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MoveFile is a stored file that MoveTo copies into the target's blob
// store: its key there (the key files.Store and the upload handlers gave
// it) and how to read it.
type MoveFile struct {
	Key  string
	Open func() (io.ReadCloser, error)
}

// MovedTable is one table MoveTo copied: the rows read from the source
// and, after the commit, the rows counted on the target.
type MovedTable struct {
	Name   string
	Rows   int64
	Target int64
}

// MoveSummary reports a move.
type MoveSummary struct {
	Tables  []MovedTable
	Rows    int64
	Files   int64
	Bytes   int64
	Seconds float64
}

// moveStampSeqs are the sequences owned by no column (0030, 0048): each
// numbers the stamp of a one-row table, which only has to change when
// what it stamps changes (SQLite's stamps are random numbers). A new
// free-standing sequence must be named here, or MoveTo refuses to move.
var moveStampSeqs = map[string][2]string{
	"config_stamp_seq": {"config_stamp", "stamp"},
	"auth_stamp_seq":   {"auth_stamp", "stamp"},
}

// moveColumn is one column of a table on the target, with the function
// that turns a SQLite value into a value of the column's type.
type moveColumn struct {
	name    string
	typ     string
	convert func(any) (any, error)
}

// CheckMoveTarget refuses a target that already holds a desk: tickets,
// customers, or more than the one administrator a first start creates.
func (db *DB) CheckMoveTarget(ctx context.Context) error {
	return moveTargetEmpty(ctx, func(q string, dst *int64) error { return db.r.QueryRowContext(ctx, q).Scan(dst) })
}

func moveTargetEmpty(ctx context.Context, count func(q string, dst *int64) error) error {
	for _, c := range []struct {
		table string
		most  int64
		what  string
	}{{"tickets", 0, "tickets"}, {"customers", 0, "customers"}, {"users", 1, "users (more than the one administrator a first start creates)"}} {
		var n int64
		if err := count(`SELECT count(*) FROM `+c.table, &n); err != nil {
			return fmt.Errorf("sqlstore: move: count the target's %s: %w", c.table, err)
		}
		if n > c.most {
			return fmt.Errorf("sqlstore: move: the target database already holds %d %s; "+
				"move into a new, empty database (CREATE DATABASE ...), or drop this one and create it again, "+
				"so nothing in it is overwritten", n, c.what)
		}
	}
	return nil
}

// MoveTo copies every table of this SQLite store, and then files, into
// the PostgreSQL store dst, in one PostgreSQL transaction: a failure
// leaves dst as it was. Both stores must be migrated to the same schema.
// The target's tables are cleared first (the settings and the one
// administrator its migration and first start made give way to the
// source's), its user triggers are disabled during the copy (the source's
// rollups, queues and stamps are copied as they are) and its foreign keys
// are dropped and added back at the end, each validated by one query.
// Sequences are then set past the copied values. After the commit it
// counts the rows of each table on both sides (a difference is an error)
// and analyzes the target.
func (db *DB) MoveTo(ctx context.Context, dst *DB, files []MoveFile) (*MoveSummary, error) {
	if db.d.engine != SQLite || dst.d.engine != Postgres {
		return nil, errors.New("sqlstore: move: the source must be SQLite and the target PostgreSQL")
	}
	start := dst.Now()
	// One snapshot of the source for the copy and the counts after it.
	src, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: move: read the source: %w", err)
	}
	defer src.Rollback()
	sum := &MoveSummary{}
	var chunks int64 // the files' rows of file_blob_chunks
	var tables []string
	var cols map[string][]moveColumn
	conn, err := dst.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		tx, err := dc.(*stdlib.Conn).Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if tables, cols, err = movePlan(ctx, src, tx); err != nil {
			return err
		}
		list := make([]string, len(tables))
		for i, t := range tables {
			list[i] = pgx.Identifier{t}.Sanitize()
		}
		// Lock first, then look: nobody adds a ticket between the check
		// and the copy.
		if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(list, ", ")+` IN ACCESS EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("sqlstore: move: lock the target's tables: %w", err)
		}
		if err := moveTargetEmpty(ctx, func(q string, n *int64) error { return tx.QueryRow(ctx, q).Scan(n) }); err != nil {
			return err
		}
		fkeys, err := pgPairs(ctx, tx, pgForeignKeys("TRUE"))
		if err != nil {
			return fmt.Errorf("sqlstore: move: read the foreign keys: %w", err)
		}
		triggers, err := pgPairs(ctx, tx, `SELECT 'ALTER TABLE ' || quote_ident(c.relname) || ' DISABLE TRIGGER ' || quote_ident(g.tgname),
				'ALTER TABLE ' || quote_ident(c.relname) || ' ENABLE TRIGGER ' || quote_ident(g.tgname)
			FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
			WHERE NOT g.tgisinternal AND g.tgenabled = 'O' AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname, g.tgname`)
		if err != nil {
			return fmt.Errorf("sqlstore: move: read the triggers: %w", err)
		}
		for _, d := range append(fkeys, triggers...) {
			if _, err := tx.Exec(ctx, d[0]); err != nil {
				return fmt.Errorf("sqlstore: move: %s: %w", d[0], err)
			}
		}
		if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(list, ", ")); err != nil {
			return fmt.Errorf("sqlstore: move: clear the target: %w", err)
		}
		for _, t := range tables {
			n, err := moveTable(ctx, src, tx, t, cols[t])
			if err != nil {
				return err
			}
			sum.Tables = append(sum.Tables, MovedTable{Name: t, Rows: n})
			sum.Rows += n
		}
		if sum.Files, chunks, sum.Bytes, err = moveFiles(ctx, tx, files, ms(start)); err != nil {
			return err
		}
		for _, d := range fkeys {
			if _, err := tx.Exec(ctx, d[1]); err != nil {
				return fmt.Errorf("sqlstore: move: rows of the source break a foreign key, nothing was moved "+
					"(list them with: sqlite3 aftersales.db 'PRAGMA foreign_key_check'): %s: %w", d[1], err)
			}
		}
		for _, d := range triggers {
			if _, err := tx.Exec(ctx, d[1]); err != nil {
				return fmt.Errorf("sqlstore: move: %s: %w", d[1], err)
			}
		}
		if err := moveSequences(ctx, tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	// Count both sides: the source in the snapshot the copy read.
	var diffs []string
	for i := range sum.Tables {
		t := &sum.Tables[i]
		q := `SELECT count(*) FROM ` + pgx.Identifier{t.Name}.Sanitize()
		var n int64
		if err := src.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlstore: move: count %s on the source: %w", t.Name, err)
		}
		if err := dst.w.QueryRowContext(ctx, q).Scan(&t.Target); err != nil {
			return nil, fmt.Errorf("sqlstore: move: count %s on the target: %w", t.Name, err)
		}
		switch t.Name {
		case "file_blobs":
			n += sum.Files
		case "file_blob_chunks":
			n += chunks
		}
		if n != t.Target {
			diffs = append(diffs, fmt.Sprintf("%s: %d on the source, %d on the target", t.Name, n, t.Target))
		}
	}
	if len(diffs) > 0 {
		return sum, fmt.Errorf("sqlstore: move: the counts differ after the commit: %s", strings.Join(diffs, "; "))
	}
	// Statistics at once, for the first plans of the server that starts
	// next (autovacuum would take them a while later).
	if _, err := dst.w.ExecContext(ctx, `ANALYZE`); err != nil {
		return sum, fmt.Errorf("sqlstore: move: analyze the target: %w", err)
	}
	sum.Seconds = dst.Now().Sub(start).Seconds()
	return sum, nil
}

// pgPairs reads rows of two strings.
func pgPairs(ctx context.Context, tx pgx.Tx, q string) ([][2]string, error) {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	err = scanEach(rows, func(scan func(...any) error) error {
		var p [2]string
		err := scan(&p[0], &p[1])
		out = append(out, p)
		return err
	})
	return out, err
}

// sqliteNames reads a column of names from the source.
func sqliteNames(ctx context.Context, src *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := src.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	err = scanEach(rows, func(scan func(...any) error) error {
		var name string
		err := scan(&name)
		out = append(out, name)
		return err
	})
	return out, err
}

// movePlan lists the target's base tables (but schema_migrations, which
// each side's migration keeps) and their columns, and checks that the
// source has the same tables with the same columns.
func movePlan(ctx context.Context, src *sql.Tx, tx pgx.Tx) ([]string, map[string][]moveColumn, error) {
	rows, err := tx.Query(ctx, `SELECT c.relname, a.attname, t.typname
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid
		WHERE c.relkind IN ('r', 'p') AND c.relnamespace = to_regnamespace(current_schema()) AND c.relname <> 'schema_migrations'
			AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: move: read the target's tables: %w", err)
	}
	var tables []string
	cols := map[string][]moveColumn{}
	for rows.Next() {
		var table string
		var c moveColumn
		if err := rows.Scan(&table, &c.name, &c.typ); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if c.convert = moveConverter(c.typ); c.convert == nil {
			rows.Close()
			return nil, nil, fmt.Errorf("sqlstore: move: table %s column %s: type %s has no conversion from SQLite", table, c.name, c.typ)
		}
		if len(tables) == 0 || tables[len(tables)-1] != table {
			tables = append(tables, table)
		}
		cols[table] = append(cols[table], c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(tables) == 0 {
		return nil, nil, errors.New("sqlstore: move: the target has no tables; is it migrated?")
	}
	// The source's tables, but SQLite's own.
	srcTables, err := sqliteNames(ctx, src, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: move: read the source's tables: %w", err)
	}
	for _, t := range srcTables {
		if _, ok := cols[t]; !ok {
			return nil, nil, fmt.Errorf("sqlstore: move: table %s of the source is missing on the target; are both migrated by this version?", t)
		}
	}
	for _, t := range tables {
		if !slices.Contains(srcTables, t) {
			return nil, nil, fmt.Errorf("sqlstore: move: table %s of the target is missing on the source; are both migrated by this version?", t)
		}
		have, err := sqliteNames(ctx, src, `SELECT name FROM pragma_table_info(?)`, t)
		if err != nil {
			return nil, nil, fmt.Errorf("sqlstore: move: read the source's columns of %s: %w", t, err)
		}
		for _, c := range cols[t] {
			if !slices.Contains(have, c.name) {
				return nil, nil, fmt.Errorf("sqlstore: move: table %s column %s: missing on the source", t, c.name)
			}
		}
		for _, name := range have {
			if !slices.ContainsFunc(cols[t], func(c moveColumn) bool { return c.name == name }) {
				return nil, nil, fmt.Errorf("sqlstore: move: table %s column %s: missing on the target", t, name)
			}
		}
	}
	return tables, cols, nil
}

// moveTable copies one table's rows from the source into the target with
// COPY, converting each value to its column's type.
func moveTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, table string, cols []moveColumn) (int64, error) {
	names := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		quoted[i] = pgx.Identifier{c.name}.Sanitize()
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return 0, fmt.Errorf("sqlstore: move: read %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	next := func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		n++
		out := make([]any, len(cols))
		for i, c := range cols {
			v, err := c.convert(vals[i])
			if err != nil {
				return nil, fmt.Errorf("table %s column %s (%s), row %d: %w", table, c.name, c.typ, n, err)
			}
			out[i] = v
		}
		return out, nil
	}
	copied, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(next))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: move: copy %s: %w", table, err)
	}
	if copied != n {
		return 0, fmt.Errorf("sqlstore: move: copy %s: read %d rows, wrote %d", table, n, copied)
	}
	return n, nil
}

// moveFiles writes the files into the target's blob store (blobs.go):
// chunks of blobChunk bytes, then one head row per file.
func moveFiles(ctx context.Context, tx pgx.Tx, files []MoveFile, now int64) (count, chunks, size int64, err error) {
	if len(files) == 0 {
		return 0, 0, 0, nil
	}
	var heads [][]any
	i, seq := 0, 0
	var cur io.ReadCloser
	var curSize int64
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	// done ends the current file with its head row.
	done := func() {
		heads = append(heads, []any{files[i].Key, curSize, now})
		size += curSize
		cur.Close()
		cur = nil
		i++
	}
	next := func() ([]any, error) {
		for i < len(files) {
			f := files[i]
			if cur == nil {
				if f.Key == "" || len(f.Key) > 500 {
					return nil, fmt.Errorf("file key %q: empty or longer than 500 bytes", f.Key)
				}
				r, err := f.Open()
				if err != nil {
					return nil, fmt.Errorf("file %s: %w", f.Key, err)
				}
				cur, seq, curSize = r, 0, 0
			}
			buf := make([]byte, blobChunk)
			k, err := io.ReadFull(cur, buf)
			if k > 0 {
				row := []any{f.Key, int64(seq), buf[:k], now}
				seq++
				curSize += int64(k)
				if err == nil {
					return row, nil
				}
				if errors.Is(err, io.ErrUnexpectedEOF) { // the last chunk
					done()
					return row, nil
				}
			}
			if errors.Is(err, io.EOF) {
				done()
				continue
			}
			return nil, fmt.Errorf("file %s: %w", f.Key, err)
		}
		return nil, nil
	}
	chunks, err = tx.CopyFrom(ctx, pgx.Identifier{"file_blob_chunks"}, []string{"key", "seq", "data", "created_at"}, pgx.CopyFromFunc(next))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("sqlstore: move: copy files: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"file_blobs"}, []string{"key", "size", "created_at"}, pgx.CopyFromRows(heads)); err != nil {
		return 0, 0, 0, fmt.Errorf("sqlstore: move: copy files: %w", err)
	}
	return int64(len(heads)), chunks, size, nil
}

// moveSequences sets every sequence of a serial or identity column past
// the column's largest value, and gives the stamps (moveStampSeqs) their
// sequence's next value.
func moveSequences(ctx context.Context, tx pgx.Tx) error {
	owned, err := pgPairs(ctx, tx, `SELECT pg_get_serial_sequence(quote_ident(c.relname), a.attname),
			'SELECT COALESCE(max(' || quote_ident(a.attname) || '), 0) FROM ' || quote_ident(c.relname)
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE c.relkind IN ('r', 'p') AND c.relnamespace = to_regnamespace(current_schema()) AND a.attnum > 0 AND NOT a.attisdropped
			AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("sqlstore: move: read the sequences: %w", err)
	}
	loose, err := pgPairs(ctx, tx, `SELECT s.relname, quote_ident(s.relname) FROM pg_class s
		WHERE s.relkind = 'S' AND s.relnamespace = to_regnamespace(current_schema())
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i'))`)
	if err != nil {
		return fmt.Errorf("sqlstore: move: read the sequences: %w", err)
	}
	for _, s := range loose {
		tc, ok := moveStampSeqs[s[0]]
		if !ok {
			return fmt.Errorf("sqlstore: move: sequence %s belongs to no column, and the move does not know which values it must pass", s[0])
		}
		// A stamp only has to change: SQLite's are random, so the stamp
		// takes the sequence's next value, as the next change would.
		if _, err := tx.Exec(ctx, `UPDATE `+pgx.Identifier{tc[0]}.Sanitize()+` SET `+pgx.Identifier{tc[1]}.Sanitize()+` = nextval($1::regclass)`, s[1]); err != nil {
			return fmt.Errorf("sqlstore: move: set the stamp of %s: %w", tc[0], err)
		}
	}
	for _, s := range owned {
		var top int64
		if err := tx.QueryRow(ctx, s[1]).Scan(&top); err != nil {
			return fmt.Errorf("sqlstore: move: %s: %w", s[1], err)
		}
		if _, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2, false)`, s[0], top+1); err != nil {
			return fmt.Errorf("sqlstore: move: set sequence %s: %w", s[0], err)
		}
	}
	return nil
}

// moveConverter returns the conversion of a SQLite value (int64, float64,
// string, []byte or nil) into a value of the PostgreSQL type typ, or nil
// for a type the move does not know.
func moveConverter(typ string) func(any) (any, error) {
	switch typ {
	case "bool":
		return func(v any) (any, error) {
			switch v := v.(type) {
			case nil, bool:
				return v, nil
			case int64:
				if v != 0 && v != 1 {
					return nil, fmt.Errorf("%d is not a boolean (0 or 1)", v)
				}
				return v == 1, nil
			case string:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, fmt.Errorf("%q is not a boolean", v)
				}
				return b, nil
			}
			return nil, fmt.Errorf("%T is not a boolean", v)
		}
	case "int2", "int4", "int8":
		return func(v any) (any, error) {
			switch v := v.(type) {
			case nil, int64:
				return v, nil
			case bool:
				if v {
					return int64(1), nil
				}
				return int64(0), nil
			case float64:
				if v != math.Trunc(v) || math.Abs(v) > 1<<62 {
					return nil, fmt.Errorf("%v is not an integer", v)
				}
				return int64(v), nil
			case string:
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%q is not an integer", v)
				}
				return n, nil
			}
			return nil, fmt.Errorf("%T is not an integer", v)
		}
	case "float4", "float8", "numeric":
		return func(v any) (any, error) {
			switch v := v.(type) {
			case nil, float64:
				return v, nil
			case int64:
				return float64(v), nil
			case string:
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return nil, fmt.Errorf("%q is not a number", v)
				}
				return f, nil
			}
			return nil, fmt.Errorf("%T is not a number", v)
		}
	case "text", "varchar", "bpchar", "json", "jsonb":
		return func(v any) (any, error) {
			switch v := v.(type) {
			case nil, string:
				return v, nil
			case []byte:
				return string(v), nil
			case int64:
				return strconv.FormatInt(v, 10), nil
			case float64:
				return strconv.FormatFloat(v, 'g', -1, 64), nil
			case time.Time:
				return v.Format(time.RFC3339Nano), nil
			}
			return nil, fmt.Errorf("%T is not text", v)
		}
	case "bytea":
		return func(v any) (any, error) {
			switch v := v.(type) {
			case nil, []byte:
				return v, nil
			case string:
				return []byte(v), nil
			}
			return nil, fmt.Errorf("%T is not bytes", v)
		}
	}
	return nil
}

// CheckSQLiteAlone refuses when another connection has the SQLite
// database dsn open: a running serve, an import, a report. In WAL mode
// every connection that has read the database keeps a shared lock on its
// file until it closes (an idle serve holds no write lock, so a write
// attempt would not see it); a connection in exclusive locking mode
// needs an exclusive lock on the file to read at all, so it is refused
// while any other is open, in this process or another. It reads nothing
// and leaves the lock at once.
func CheckSQLiteAlone(ctx context.Context, dsn string) error {
	path := SQLitePath(dsn)
	c, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(200)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	defer c.Close()
	var n int64
	err = c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return fmt.Errorf("sqlstore: the database %s is open in another process (a running aftersales serve, an import or another command): "+
			"stop it first, so that nothing is written to SQLite after the move has read it", path)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: check %s is not in use: %w", path, err)
	}
	return nil
}
