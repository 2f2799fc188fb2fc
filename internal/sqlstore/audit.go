package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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

// ListAudit returns audit entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f aftersales.AuditFilter) ([]*aftersales.AuditEntry, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermAuditRead); err != nil {
		return nil, err
	}
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
	if f.Before != 0 {
		add("id < $%d", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `
		SELECT id, at, actor_id, actor, action, entity, entity_id, ip, user_agent, detail
		FROM audit_log WHERE `+joinAnd(where)+` ORDER BY id DESC LIMIT `+fmt.Sprint(f.Limit), args...)
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
			return nil, err
		}
		e.At, e.ActorID = fromMS(at), int64Ptr(actorID)
		out = append(out, &e)
	}
	return out, rows.Err()
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
