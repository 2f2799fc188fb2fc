package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"aftersales"
)

// auditInsert appends one audit entry; auditArgs gives its arguments.
const auditInsert = `
	INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, ip, user_agent, detail)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// auditArgs names the acting user and client of ctx; detail is stored as
// is when a string, as JSON otherwise.
func auditArgs(ctx context.Context, now time.Time, action, entity string, id int64, detail any) []any {
	u := aftersales.UserFromContext(ctx)
	c := aftersales.ClientFromContext(ctx)
	var actorID any
	actor := "system"
	if u != nil {
		actorID, actor = u.ID, u.Email
	}
	d := ""
	switch v := detail.(type) {
	case nil:
	case string:
		d = v
	default:
		d = mustJSON(v)
	}
	return []any{ms(now), actorID, actor, action, entity, id, c.IP, truncate(c.UserAgent, 300), d}
}

// audit appends an entry for the acting user inside the caller's
// transaction, so the change and its record commit together.
func (tx *Tx) audit(ctx context.Context, action, entity string, id int64, detail any) error {
	if _, err := tx.ExecContext(ctx, auditInsert, auditArgs(ctx, tx.now, action, entity, id, detail)...); err != nil {
		return fmt.Errorf("sqlstore: audit %s %s: %w", action, entity, err)
	}
	return nil
}

// truncate cuts s to at most n bytes, at a character boundary so that
// Chinese text stays valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// auditWhere turns f into a WHERE clause and its arguments.
func auditWhere(f aftersales.AuditFilter) (string, []any) {
	where, args := []string{"1=1"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Entity != "" {
		add("entity = $%d", f.Entity)
	}
	if f.EntityID != 0 {
		add("entity_id = $%d", f.EntityID)
	}
	if f.ActorID != 0 {
		add("actor_id = $%d", f.ActorID)
	}
	if a := strings.TrimSpace(f.Actor); a != "" {
		add(`LOWER(actor) LIKE $%d ESCAPE '\'`, "%"+escapeLike(strings.ToLower(a))+"%")
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= $%d", ms(f.From))
	}
	if !f.To.IsZero() {
		add("at < $%d", ms(f.To))
	}
	if f.Before != 0 {
		add("id < $%d", f.Before)
	}
	return joinAnd(where), args
}

// ListAudit returns audit entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f aftersales.AuditFilter) ([]*aftersales.AuditEntry, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermAuditRead); err != nil {
		return nil, err
	}
	return db.listAudit(ctx, f)
}

func (db *DB) listAudit(ctx context.Context, f aftersales.AuditFilter) ([]*aftersales.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	where, args := auditWhere(f)
	rows, err := db.r.QueryContext(ctx, `
		SELECT id, at, actor_id, actor, action, entity, entity_id, ip, user_agent, detail
		FROM audit_log WHERE `+where+` ORDER BY id DESC LIMIT `+fmt.Sprint(f.Limit)+` OFFSET `+fmt.Sprint(f.Offset), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list audit: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.AuditEntry
	for rows.Next() {
		var e aftersales.AuditEntry
		var at int64
		var actorID sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &actorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.IP, &e.UserAgent, &e.Detail); err != nil {
			return nil, fmt.Errorf("sqlstore: list audit: %w", err)
		}
		e.At, e.ActorID = fromMS(at), int64Ptr(actorID)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list audit: %w", err)
	}
	return out, nil
}

// maxAuditOffset bounds how deep AuditLog pages: an OFFSET scans the rows
// it skips, and a filter finds an older entry faster than paging.
const maxAuditOffset = 100_000

// AuditLog returns one page of the entries matching f, newest first, the
// number that match, and the entity types and actions recorded.
func (db *DB) AuditLog(ctx context.Context, f aftersales.AuditFilter) (*aftersales.AuditPage, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermAuditRead); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Text("actor", f.Actor)
	v.Text("action", f.Action)
	v.Text("entity", f.Entity)
	v.Check(f.Offset >= 0 && f.Offset <= maxAuditOffset, "offset", fmt.Sprintf("must be between 0 and %d", maxAuditOffset))
	v.Check(f.From.IsZero() || f.To.IsZero() || f.From.Before(f.To), "to", "must be after from")
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &aftersales.AuditPage{}
	var err error
	if p.Entries, err = db.listAudit(ctx, f); err != nil {
		return nil, err
	}
	// The count shares the page's conditions (auditWhere ignores Offset and Limit).
	where, args := auditWhere(f)
	// The log only grows: counting past what anyone pages through would
	// make every view slower than the last.
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM audit_log WHERE `+where+
		` LIMIT `+fmt.Sprint(aftersales.AuditCountCap+1)+`) AS m`, args...).Scan(&p.Total); err != nil {
		return nil, fmt.Errorf("sqlstore: count audit: %w", err)
	}
	if p.Total > aftersales.AuditCountCap {
		p.Total, p.More = aftersales.AuditCountCap, true
	}
	for _, d := range []struct {
		col string
		dst *[]string
	}{{"entity", &p.Entities}, {"action", &p.Actions}} {
		if *d.dst, err = db.distinctAudit(ctx, d.col); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// distinctAudit lists the values of one of the log's columns (col is one
// of ours, never input). It steps from value to value through the
// column's index (a loose index scan) instead of reading every entry:
// a few dozen values among millions of entries.
func (db *DB) distinctAudit(ctx context.Context, col string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `
		WITH RECURSIVE v(x) AS (
			SELECT MIN(`+col+`) FROM audit_log
			UNION ALL
			SELECT (SELECT MIN(`+col+`) FROM audit_log WHERE `+col+` > v.x) FROM v WHERE v.x IS NOT NULL
		)
		SELECT x FROM v WHERE x IS NOT NULL ORDER BY x`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: audit %ss: %w", col, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("sqlstore: audit %ss: %w", col, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: audit %ss: %w", col, err)
	}
	return out, nil
}

func joinAnd(where []string) string {
	s := ""
	for i, w := range where {
		if i > 0 {
			s += " AND "
		}
		s += w
	}
	return s
}
