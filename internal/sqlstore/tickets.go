package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
)

const ticketCols = `t.id, t.number, t.channel, t.nature, t.urgency, t.status, t.title, t.description, t.occurred_at,
	t.impact, t.customer_id, t.category_id, t.product_id, t.asset_id, t.service_unit_id, t.team_id, t.assignee_id,
	t.department_id, t.tags, t.custom, t.external_id, t.created_by, t.created_at, t.updated_at, t.first_response_at,
	t.accepted_at, t.resolved_at, t.closed_at, t.cancelled_at, t.status_changed_at, t.reopen_count, t.assign_count,
	t.version, COALESCE(c.name, ''), COALESCE(a.name, ''), COALESCE(tm.name, ''), COALESCE(tm.name_en, ''), ts.res_due_at,
	COALESCE(ts.res_met = FALSE OR ts.fr_met = FALSE, FALSE), t.target_at, t.merged_into, COALESCE(mt.number, '')`

const ticketJoins = `
	LEFT JOIN customers c ON c.id = t.customer_id
	LEFT JOIN users a ON a.id = t.assignee_id
	LEFT JOIN teams tm ON tm.id = t.team_id
	LEFT JOIN ticket_sla ts ON ts.ticket_id = t.id
	LEFT JOIN tickets mt ON mt.id = t.merged_into`

const ticketFrom = `tickets t` + ticketJoins

func scanTicket(row interface{ Scan(...any) error }) (*aftersales.Ticket, error) {
	var t aftersales.Ticket
	var occurred, customer, category, product, asset, unit, team, assignee, dept, createdBy sql.NullInt64
	var firstResp, accepted, resolved, closed, cancelled, resDue, target, merged sql.NullInt64
	var created, updated, statusChanged int64
	var tags, custom string
	var ext sql.NullString
	err := row.Scan(&t.ID, &t.Number, &t.Channel, &t.Nature, &t.Urgency, &t.Status, &t.Title, &t.Description, &occurred,
		&t.Impact, &customer, &category, &product, &asset, &unit, &team, &assignee, &dept, &tags, &custom, &ext,
		&createdBy, &created, &updated, &firstResp, &accepted, &resolved, &closed, &cancelled, &statusChanged,
		&t.ReopenCount, &t.AssignCount, &t.Version, &t.CustomerName, &t.AssigneeName, &t.TeamName, &t.TeamNameEN, &resDue, &t.SLABreached, &target,
		&merged, &t.MergedIntoNumber)
	if err != nil {
		return nil, err
	}
	t.OccurredAt = timePtr(occurred)
	t.CustomerID, t.CategoryID, t.ProductID, t.AssetID = int64Ptr(customer), int64Ptr(category), int64Ptr(product), int64Ptr(asset)
	t.ServiceUnitID, t.TeamID, t.AssigneeID, t.DepartmentID = int64Ptr(unit), int64Ptr(team), int64Ptr(assignee), int64Ptr(dept)
	t.CreatedBy, t.ExternalID, t.MergedInto = int64Ptr(createdBy), ext.String, int64Ptr(merged)
	t.CreatedAt, t.UpdatedAt, t.StatusChangedAt = fromMS(created), fromMS(updated), fromMS(statusChanged)
	t.FirstResponseAt, t.AcceptedAt, t.ResolvedAt = timePtr(firstResp), timePtr(accepted), timePtr(resolved)
	t.ClosedAt, t.CancelledAt, t.ResolutionDueAt, t.TargetAt = timePtr(closed), timePtr(cancelled), timePtr(resDue), timePtr(target)
	if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil {
		return nil, fmt.Errorf("sqlstore: ticket %d tags: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(custom), &t.Custom); err != nil {
		return nil, fmt.Errorf("sqlstore: ticket %d custom: %w", t.ID, err)
	}
	return &t, nil
}

// ticketNumber formats AS<yyyymm>-<seq>, the month in the deployment's
// zone so numbers follow the local calendar.
func ticketNumber(month string, seq int64) string {
	if seq < 0 {
		return fmt.Sprintf("AS%s-%06d", month, seq)
	}
	// What the Sprintf above writes, without its formatting machinery: a
	// first load numbers every ticket (0.09 of the Boston file's 1.9
	// client CPU-seconds).
	b := make([]byte, 0, 16)
	b = append(append(append(b, "AS"...), month...), '-')
	var d [20]byte
	digits := strconv.AppendInt(d[:0], seq, 10)
	for n := len(digits); n < 6; n++ {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

// parseTicketNumber reads the month and sequence of a number ticketNumber made.
func parseTicketNumber(n string) (month string, seq int64, ok bool) {
	m, s, found := strings.Cut(strings.TrimPrefix(n, "AS"), "-")
	if !found || !strings.HasPrefix(n, "AS") || len(m) != 6 {
		return "", 0, false
	}
	if _, err := strconv.Atoi(m); err != nil {
		return "", 0, false
	}
	seq, err := strconv.ParseInt(s, 10, 64)
	return m, seq, err == nil && seq > 0
}

// nextSeq hands out the next value of a named counter inside tx.
func nextSeq(ctx context.Context, tx *Tx, name string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: counter %s: %w", name, err)
	}
	return v, nil
}

// numberBlock is the part of a month's ticket numbers this instance has
// reserved and not yet handed out: next up to end, inclusive.
type numberBlock struct{ next, end int64 }

// blockSize is how many ticket numbers a PostgreSQL instance reserves at
// once. A reservation is a short transaction of its own, so concurrent
// creates never wait on the month's counter row for the rest of theirs;
// the cost is a gap of at most blockSize-1 numbers when an instance stops,
// and numbers of concurrent instances that are not in creation order.
const blockSize = 32

// ticketSeq hands out the next sequence number of a month's tickets. On
// SQLite the one writer serialises creates anyway, so the counter is
// taken inside tx and numbers have no gaps. On PostgreSQL the counter row
// locked until commit would serialise every create (and its commit's
// fsync) behind it, so numbers come from a block reserved for this
// instance.
func (db *DB) ticketSeq(ctx context.Context, tx *Tx, month string) (int64, error) {
	name := "ticket:" + month
	if db.d.engine != Postgres {
		return nextSeq(ctx, tx, name)
	}
	db.numMu.Lock()
	defer db.numMu.Unlock()
	if db.numbers == nil {
		db.numbers = map[string]*numberBlock{}
	}
	b := db.numbers[name]
	if b == nil || b.next > b.end {
		var end int64
		err := db.seq.QueryRowContext(ctx, `
			INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = counters.value + $2
			RETURNING value`, name, blockSize).Scan(&end)
		if err != nil {
			return 0, fmt.Errorf("sqlstore: reserve numbers %s: %w", name, err)
		}
		b = &numberBlock{next: end - blockSize + 1, end: end}
		db.numbers[name] = b
	}
	seq := b.next
	b.next++
	return seq, nil
}

// Location is the deployment's time zone, used for ticket numbers.
func (db *DB) location() *time.Location {
	if db.Zone != nil {
		return db.Zone
	}
	return time.UTC
}

// CreateTicket creates a ticket with its first timeline event.
func (db *DB) CreateTicket(ctx context.Context, in aftersales.TicketInput) (*aftersales.Ticket, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	// Text models may fill a nature, urgency or category left empty. They
	// score the text before the write transaction (the writer is not held
	// meanwhile) with the configuration this process last saw, without a
	// read of its stamp: the transaction reads the stamp, and if the
	// configuration moved since, the create runs again with the new one.
	cfg := db.cfg.Load()
	if cfg == nil {
		if cfg, err = db.config(ctx, db.r); err != nil {
			return nil, err
		}
	}
	orig := in
	var t *aftersales.Ticket
	var exact bool
	for attempt := 0; ; attempt++ {
		in := orig
		sugg, err := db.suggestWith(ctx, cfg, &in)
		if err != nil {
			return nil, err
		}
		if err := in.Validate(true, db.Now()); err != nil {
			// A field left to a model the process does not know yet:
			// look at the stamp before refusing.
			fresh, ferr := db.config(ctx, db.r)
			if ferr != nil {
				return nil, ferr
			}
			if fresh.stamp != cfg.stamp && attempt < 2 {
				cfg = fresh
				continue
			}
			// The custom fields are checked again in the write, but a
			// refusal names them now too: every bad field at once.
			_, cerr := aftersales.CheckCustom(cfg.fields, in.Custom, true)
			return nil, aftersales.JoinInvalid(err, cerr)
		}
		// Concurrent creates share a transaction and its commit, each in
		// a savepoint of its own (groupcommit.go).
		made := cfg
		if attempt == 2 {
			made = nil // the configuration keeps moving: as the stamp read before would have, take the latest
		}
		err = db.groupTx(ctx, func(ctx context.Context, tx *Tx) error {
			var err error
			in := in // routing fills it in; a batch that broke runs it again
			tx.suggested = predicted(sugg)
			t, exact, err = db.insertTicket(ctx, tx, &in, &u.ID, sugg, made)
			if err != nil {
				return err
			}
			aftersales.SetResult(ctx, "ticket", t.ID, true)
			return nil
		})
		if err == errConfigMoved {
			cfg = db.cfg.Load() // stored by the transaction that saw the move
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if exact {
		return t, nil // the ticket as written: no read after the commit
	}
	// An automation may have changed it: read what it left. The reader
	// pool sees the commit; the one writer connection is kept for writes.
	id := t.ID
	t, err = scanTicket(db.readRow(ctx, `SELECT `+ticketCols+` FROM `+ticketFrom+` WHERE t.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Ticket", id)
	}
	return t, nil
}

// insertTicket writes a new ticket with its tags, timeline, SLA clocks,
// text model suggestions, webhook deliveries, automations and audit entry.
// It returns the ticket as written; exact says it is what a read after
// the commit would return (false when an automation matched, which may
// have changed it).
//
// sugg are the suggestions of the text models of the configuration
// suggested (nil: the caller does not know it); when the transaction sees
// another configuration, nothing is written and the error is
// errConfigMoved.
func (db *DB) insertTicket(ctx context.Context, tx *Tx, in *aftersales.TicketInput, actor *int64, sugg []suggestion, suggested *configSnap) (*aftersales.Ticket, bool, error) {
	// The configuration's stamp and the customer's row in one read; the
	// customer is read once for the reference check, routing, the SLA
	// plan and the answer.
	cfg, cust, unpin, err := db.pinForCreate(ctx, tx, in.CustomerID)
	if err != nil {
		return nil, false, err
	}
	defer unpin()
	if suggested != nil && suggested.stamp != cfg.stamp {
		return nil, false, errConfigMoved
	}
	if err := db.checkTicketRefs(ctx, tx, in, cust != nil); err != nil {
		return nil, false, err
	}
	reasons, err := db.route(ctx, tx, in)
	if err != nil {
		return nil, false, err
	}
	custom, err := aftersales.CheckCustom(cfg.fields, in.Custom, true)
	if err != nil {
		return nil, false, err
	}
	month := tx.now.In(db.location()).Format("200601")
	tags := []string{}
	if in.Tags != nil {
		tags = *in.Tags
	}
	tagsJSON, customJSON := mustJSON(tags), mustJSON(custom)
	// The ticket as it is inserted (after routing and the text models
	// filled it in): the SLA plan looks at it, and it is the answer.
	t := &aftersales.Ticket{Channel: *in.Channel, Nature: *in.Nature, Urgency: *in.Urgency,
		Status: aftersales.StatusNew, Title: *in.Title, Description: deref(in.Description), OccurredAt: msTime(in.OccurredAt),
		Impact: deref(in.Impact), CustomerID: in.CustomerID, CategoryID: in.CategoryID, ProductID: in.ProductID,
		AssetID: in.AssetID, ServiceUnitID: in.ServiceUnitID, TeamID: in.TeamID, AssigneeID: in.AssigneeID,
		DepartmentID: in.DepartmentID, ExternalID: deref(in.ExternalID), CreatedBy: copyPtr(actor),
		CreatedAt: tx.now, UpdatedAt: tx.now, StatusChangedAt: tx.now, AssignCount: boolInt(in.AssigneeID != nil), Version: 1}
	slaRowArgs, slaEvent, err := db.planNewSLA(ctx, tx, t, actor)
	if err != nil {
		return nil, false, err
	}
	w := newTicketWrite{tags: tags, slaRow: slaRowArgs, sugg: sugg, now: ms(tx.now), ticket: []any{
		nil, *in.Channel, *in.Nature, *in.Urgency, in.Urgency.Rank(), *in.Title, deref(in.Description), nullMS(in.OccurredAt),
		deref(in.Impact), nullInt(in.CustomerID), nullInt(in.CategoryID), nullInt(in.ProductID), nullInt(in.AssetID),
		nullInt(in.ServiceUnitID), nullInt(in.TeamID), nullInt(in.AssigneeID), nullInt(in.DepartmentID),
		tagsJSON, customJSON, nullStr(deref(in.ExternalID)), nullInt(actor), ms(tx.now), boolInt(in.AssigneeID != nil)}}
	// A number already taken (an import may keep its own numbers, and on
	// PostgreSQL this instance may hold a block from before) is skipped
	// for the next one; the insert does not fail the transaction.
	for attempt := 0; ; attempt++ {
		seq, err := db.ticketSeq(ctx, tx, month)
		if err != nil {
			return nil, false, err
		}
		t.Number = ticketNumber(month, seq)
		w.ticket[0] = t.Number
		w.events = append(w.events[:0], &aftersales.TicketEvent{ActorID: actor, Kind: aftersales.EventCreated, To: t.Number, Channel: *in.Channel})
		if len(reasons) > 0 {
			w.events = append(w.events, &aftersales.TicketEvent{Kind: aftersales.EventAssigned, Field: "routing",
				To: fmtID(in.TeamID), Body: joinReasons(reasons)})
		}
		if in.AssigneeID != nil {
			w.events = append(w.events, &aftersales.TicketEvent{ActorID: actor, Kind: aftersales.EventAssigned,
				Field: "assignee_id", To: strconv.FormatInt(*in.AssigneeID, 10)})
		}
		if slaEvent != nil {
			w.events = append(w.events, slaEvent)
		}
		w.events = append(w.events, suggestionEvents(sugg)...)
		w.audit = auditArgs(ctx, tx.now, "create", "ticket", 0, map[string]any{"number": t.Number})
		if db.d.engine == Postgres {
			t.ID, err = w.chained(ctx, tx)
		} else {
			t.ID, err = w.apart(ctx, tx)
		}
		if err == sql.ErrNoRows && attempt < 1000 {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		break
	}
	id := t.ID
	// The rest of the ticket as a read would show it: what a read joins
	// and decodes.
	t.Tags = slices.Clone(tags) // not the caller's slice
	if err := json.Unmarshal([]byte(customJSON), &t.Custom); err != nil {
		return nil, false, fmt.Errorf("sqlstore: ticket %d custom: %w", id, err)
	}
	if cust != nil {
		t.CustomerName = cust.name
	}
	if t.TeamID != nil {
		t.TeamName, t.TeamNameEN = teamName(cfg, *t.TeamID)
	}
	if t.AssigneeID != nil {
		if t.AssigneeName, err = db.userName(ctx, tx, cfg, *t.AssigneeID); err != nil {
			return nil, false, err
		}
	}
	if err := db.enqueueTicket(ctx, tx, aftersales.HookTicketCreated, t, nil); err != nil {
		return nil, false, err
	}
	// An automation that matched may have changed the ticket: the answer
	// is then read. Rules that exist but do not match change nothing.
	acted, err := db.automate(ctx, tx, aftersales.TriggerCreated, id)
	if err != nil {
		return nil, false, err
	}
	return t, !acted, nil
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// newTicketWrite is what a new ticket writes besides its own row: tags,
// the first timeline events, SLA clocks, text model suggestions and the
// audit entry. The ticket's id is not known until its row is in.
type newTicketWrite struct {
	ticket []any // the arguments of ticketInsert
	tags   []string
	events []*aftersales.TicketEvent
	slaRow []any // nil: no SLA row (no active policy)
	sugg   []suggestion
	audit  []any
	now    int64 // the transaction's time, unix ms
}

const ticketInsert = `
	INSERT INTO tickets (number, channel, nature, urgency, urgency_rank, status, title, description, occurred_at,
		impact, customer_id, category_id, product_id, asset_id, service_unit_id, team_id, assignee_id, department_id,
		tags, custom, external_id, created_by, created_at, updated_at, status_changed_at, assign_count)
	VALUES ($1, $2, $3, $4, $5, 'new', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $22, $23)
	ON CONFLICT (number) DO NOTHING
	RETURNING id`

// apart writes w statement by statement (SQLite, where they cost no
// round trip): the ticket, its tags, suggestions, events in one
// statement, its SLA row and the audit entry. sql.ErrNoRows: the number
// is taken and nothing was written.
func (w *newTicketWrite) apart(ctx context.Context, tx *Tx) (int64, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, ticketInsert, w.ticket...).Scan(&id); err != nil {
		if err == sql.ErrNoRows {
			return 0, err
		}
		return 0, mapErr(fmt.Errorf("sqlstore: insert ticket: %w", err))
	}
	if err := insertTags(ctx, tx, id, w.tags); err != nil {
		return 0, err
	}
	if err := saveSuggestions(ctx, tx, id, w.sugg); err != nil {
		return 0, err
	}
	for _, e := range w.events {
		e.TicketID = id
	}
	if err := addEvents(ctx, tx, w.events); err != nil {
		return 0, err
	}
	if w.slaRow != nil {
		w.slaRow[0] = id
		if _, err := tx.ExecContext(ctx, slaInsert, w.slaRow...); err != nil {
			return 0, fmt.Errorf("sqlstore: store ticket SLA: %w", err)
		}
	}
	w.audit[5] = id
	if _, err := tx.ExecContext(ctx, auditInsert, w.audit...); err != nil {
		return 0, fmt.Errorf("sqlstore: audit create ticket: %w", err)
	}
	return id, nil
}

// chained writes w in one statement on PostgreSQL: the ticket's insert
// and, in data-modifying WITH clauses reading its id, the inserts of
// apart, in the same order. One statement is one round trip instead of
// six. When the number is taken the ticket's insert returns no row, the
// others insert nothing from it, and the answer is sql.ErrNoRows.
func (w *newTicketWrite) chained(ctx context.Context, tx *Tx) (int64, error) {
	args := slices.Clone(w.ticket)
	p := func(v any, typ string) string {
		args = append(args, v)
		return fmt.Sprintf("$%d::%s", len(args), typ)
	}
	var b strings.Builder
	b.WriteString("WITH t AS (" + ticketInsert + ")")
	if len(w.tags) > 0 {
		b.WriteString(",\ntg AS (INSERT INTO ticket_tags (ticket_id, tag) SELECT t.id, v.tag FROM t, (VALUES ")
		for i, tag := range w.tags {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + p(tag, "text") + ")")
		}
		b.WriteString(") AS v(tag))")
	}
	if len(w.sugg) > 0 {
		b.WriteString(",\nsg AS (INSERT INTO ticket_suggestions (ticket_id, field, value, confidence, model_id, status, created_at) SELECT t.id, v.* FROM t, (VALUES ")
		for i, r := range suggestionRows(w.sugg, 0, w.now) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s)", p(r[1], "text"), p(r[2], "text"), p(r[3], "float8"), p(r[4], "bigint"),
				p(r[5], "text"), p(r[6], "bigint"))
		}
		b.WriteString(") AS v(field, value, confidence, model_id, status, created_at))")
	}
	// The events' ids ascend in timeline order: rows are inserted, and
	// their ids drawn, in the order the SELECT gives them.
	b.WriteString(",\nev AS (INSERT INTO ticket_events (ticket_id, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id)" +
		" SELECT t.id, v.at, v.actor_id, v.kind, v.field, v.from_value, v.to_value, v.body, v.public, v.channel, v.attachment_id FROM t, (VALUES ")
	for i, e := range w.events {
		e.At = fromMS(w.now)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", i, p(ms(e.At), "bigint"), p(nullInt(e.ActorID), "bigint"),
			p(string(e.Kind), "text"), p(e.Field, "text"), p(e.From, "text"), p(e.To, "text"), p(e.Body, "text"), p(e.Public, "boolean"),
			p(string(e.Channel), "text"), p(nullInt(e.AttachmentID), "bigint"))
	}
	b.WriteString(") AS v(ord, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id) ORDER BY v.ord)")
	if w.slaRow != nil {
		types := []string{"", "bigint", "bigint", "boolean", "bigint", "bigint", "boolean", "bigint", "boolean", "float8", "bigint", "bigint",
			"bigint", "boolean", "bigint", "boolean"}
		b.WriteString(",\nsl AS (INSERT INTO ticket_sla (" + strings.Join(slaColumns, ", ") + ") SELECT t.id")
		for i := 1; i < len(w.slaRow); i++ {
			b.WriteString(", " + p(w.slaRow[i], types[i]))
		}
		b.WriteString(" FROM t)")
	}
	a := w.audit
	fmt.Fprintf(&b, ",\nau AS (INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, ip, user_agent, detail)"+
		" SELECT %s, %s, %s, %s, %s, t.id, %s, %s, %s FROM t)", p(a[0], "bigint"), p(a[1], "bigint"), p(a[2], "text"), p(a[3], "text"),
		p(a[4], "text"), p(a[6], "text"), p(a[7], "text"), p(a[8], "text"))
	b.WriteString("\nSELECT id FROM t")
	var id int64
	if err := tx.QueryRowContext(ctx, b.String(), args...).Scan(&id); err != nil {
		if err == sql.ErrNoRows {
			return 0, err
		}
		return 0, mapErr(fmt.Errorf("sqlstore: insert ticket: %w", err))
	}
	for _, e := range w.events {
		e.TicketID = id
	}
	return id, nil
}

// errConfigMoved says a create's text model suggestions were made with
// another configuration than its transaction sees.
var errConfigMoved = errors.New("sqlstore: the configuration changed")

// msTime is a time as stored: UTC, to the millisecond.
func msTime(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := fromMS(p.UnixMilli())
	return &t
}

// customerRow is what a ticket write reads of its customer, once.
type customerRow struct {
	id                  int64
	name, tier, address string
}

// pinForCreate pins the configuration (as pinConfig) and a new ticket's
// customer (nil when there is none or it does not exist: the reference
// check names it) for the rest of its write, both from one read; the
// returned function unpins them.
func (db *DB) pinForCreate(ctx context.Context, tx *Tx, customerID *int64) (*configSnap, *customerRow, func(), error) {
	var stamp int64
	var name, tier, address sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT s.stamp, c.name, c.tier, c.address
		FROM config_stamp s LEFT JOIN customers c ON c.id = $1 WHERE s.id = 1`, nullInt(customerID)).Scan(&stamp, &name, &tier, &address)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlstore: config stamp and customer: %w", err)
	}
	var cust *customerRow
	if customerID != nil && name.Valid {
		cust = &customerRow{id: *customerID, name: name.String, tier: tier.String, address: address.String}
	}
	cfg, pinned := tx.cfg, tx.cfg != nil
	if !pinned {
		if cfg, err = db.configAt(ctx, tx, stamp); err != nil {
			return nil, nil, nil, err
		}
		tx.cfg = cfg
	}
	tx.cust = cust
	return cfg, cust, func() {
		if !pinned {
			tx.cfg = nil
		}
		tx.cust = nil
	}, nil
}

// pinnedCustomer is the customer pinned on q for this write, if it is id.
func pinnedCustomer(q queryer, id int64) *customerRow {
	if tx, ok := q.(*Tx); ok && tx.cust != nil && tx.cust.id == id {
		return tx.cust
	}
	return nil
}

// teamName is a team's name and English name from the configuration.
func teamName(cfg *configSnap, id int64) (name, nameEN string) {
	for _, t := range cfg.teams {
		if t.ID == id {
			return t.Name, t.NameEN
		}
	}
	return "", ""
}

// userName is a user's name: from the configuration when the user is a
// team member (a change of name changes its stamp), else read.
func (db *DB) userName(ctx context.Context, q queryer, cfg *configSnap, id int64) (string, error) {
	for _, t := range cfg.teams {
		for _, m := range t.Members {
			if m.ID == id {
				return m.Name, nil
			}
		}
	}
	var name string
	if err := q.QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, id).Scan(&name); err != nil {
		return "", fmt.Errorf("sqlstore: read user %d: %w", id, err)
	}
	return name, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkTicketRefs names every reference that points to nothing, and checks
// that an asset belongs to the ticket's customer and an assignee is active.
// A customer already read (customerKnown) is not looked up again.
func (db *DB) checkTicketRefs(ctx context.Context, q queryer, in *aftersales.TicketInput, customerKnown bool) error {
	customer := in.CustomerID
	if customerKnown {
		customer = nil
	}
	err := checkRefs(ctx, q,
		ref{"customer_id", "customers", customer}, ref{"category_id", "product_categories", in.CategoryID},
		ref{"product_id", "products", in.ProductID}, ref{"asset_id", "assets", in.AssetID},
		ref{"service_unit_id", "service_units", in.ServiceUnitID}, ref{"team_id", "teams", in.TeamID},
		ref{"assignee_id", "users", in.AssigneeID}, ref{"department_id", "departments", in.DepartmentID})
	if err != nil {
		return err
	}
	var v aftersales.Validator
	if in.AssetID != nil && in.CustomerID != nil {
		var owner int64
		if err := q.QueryRowContext(ctx, `SELECT customer_id FROM assets WHERE id = $1`, *in.AssetID).Scan(&owner); err != nil {
			return err
		}
		v.Check(owner == *in.CustomerID, "asset_id", "belongs to another customer")
	}
	if in.AssigneeID != nil {
		var active bool
		if err := q.QueryRowContext(ctx, `SELECT active FROM users WHERE id = $1`, *in.AssigneeID).Scan(&active); err != nil {
			return err
		}
		v.Check(active, "assignee_id", "is a disabled user")
	}
	return v.Err()
}

// insertTags adds a new ticket's tags in one statement.
func insertTags(ctx context.Context, tx *Tx, id int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	var b strings.Builder
	args := []any{id}
	b.WriteString(`INSERT INTO ticket_tags (ticket_id, tag) VALUES `)
	for i, tag := range tags {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, tag)
		fmt.Fprintf(&b, "($1, $%d)", len(args))
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("sqlstore: insert tags: %w", err)
	}
	return nil
}

func setTicketTags(ctx context.Context, tx *Tx, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_tags WHERE ticket_id = $1`, id); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2)`, id, tag); err != nil {
			return fmt.Errorf("sqlstore: insert tag: %w", err)
		}
	}
	return nil
}

// attach records a stored file on a ticket with its timeline event.
func attach(ctx context.Context, tx *Tx, ticketID int64, a *aftersales.Attachment, by *int64) error {
	a.TicketID, a.CreatedAt, a.UploadedBy = ticketID, tx.now, by
	err := tx.QueryRowContext(ctx, `
		INSERT INTO attachments (ticket_id, name, content_type, size, sha256, path, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.TicketID, a.Name, a.ContentType, a.Size, a.SHA256, a.Path, nullInt(by), ms(tx.now)).Scan(&a.ID)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: insert attachment: %w", err))
	}
	return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: by, Kind: aftersales.EventAttachment,
		To: a.Name, AttachmentID: &a.ID})
}

// addEvents inserts events in one statement, in order (their ids
// ascend as listed); their ids are not read back.
func addEvents(ctx context.Context, tx *Tx, es []*aftersales.TicketEvent) error {
	if len(es) == 1 {
		return addEvent(ctx, tx, es[0])
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ticket_events (ticket_id, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id) VALUES `)
	args := make([]any, 0, 11*len(es))
	for i, e := range es {
		e.At = tx.now
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11)
		args = append(args, e.TicketID, ms(tx.now), nullInt(e.ActorID), e.Kind, e.Field, e.From, e.To, e.Body, e.Public,
			string(e.Channel), nullInt(e.AttachmentID))
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return mapErr(fmt.Errorf("sqlstore: insert ticket events: %w", err))
	}
	return nil
}

func addEvent(ctx context.Context, tx *Tx, e *aftersales.TicketEvent) error {
	e.At = tx.now
	err := tx.QueryRowContext(ctx, `
		INSERT INTO ticket_events (ticket_id, at, actor_id, kind, field, from_value, to_value, body, public, channel, attachment_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		e.TicketID, ms(tx.now), nullInt(e.ActorID), e.Kind, e.Field, e.From, e.To, e.Body, e.Public, string(e.Channel),
		nullInt(e.AttachmentID)).Scan(&e.ID)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: insert ticket event: %w", err))
	}
	return nil
}

// FindTicket returns one ticket the caller may see.
func (db *DB) FindTicket(ctx context.Context, id int64) (*aftersales.Ticket, error) {
	_, t, err := db.visibleTicket(ctx, id)
	return t, err
}

// FindTicketByNumber returns a ticket by its number.
func (db *DB) FindTicketByNumber(ctx context.Context, number string) (*aftersales.Ticket, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	number = strings.TrimSpace(number)
	t, err := scanTicket(db.r.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM `+ticketFrom+` WHERE t.number = $1`, number))
	if err != nil {
		return nil, notFound(err, "Ticket", number)
	}
	if canSee(u, t) != nil {
		return nil, notFound(sql.ErrNoRows, "Ticket", number)
	}
	return t, nil
}

// canSee enforces that roles without PermTicketReadAll (technicians) only
// see their own and their team's tickets. It answers ENOTFOUND so that the
// existence of other tickets is not revealed.
func canSee(u *aftersales.User, t *aftersales.Ticket) error {
	if u.Role.Can(aftersales.PermTicketReadAll) {
		return nil
	}
	if t.AssigneeID != nil && *t.AssigneeID == u.ID || t.TeamID != nil && u.TeamID != nil && *t.TeamID == *u.TeamID {
		return nil
	}
	return aftersales.Errorf(aftersales.ENOTFOUND, "Ticket %d not found.", t.ID)
}

// seeTicket is the first check of every operation on a ticket or on a part
// of one (timeline, files, costs, SLA, follow-up, routing): a ticket the
// caller may not see is ENOTFOUND, exactly as one that does not exist,
// whatever else is wrong with the request. Checked after it, a missing
// permission, an invalid input or the ticket's state cannot reveal that the
// ticket exists. Changes check again, on the locked row, in their
// transaction.
func (db *DB) seeTicket(ctx context.Context, id int64) (*aftersales.User, error) {
	u, _, err := db.visibleTicket(ctx, id)
	return u, err
}

// visibleTicket reads ticket id for the caller, or fails as if it did not
// exist when the caller may not see it.
func (db *DB) visibleTicket(ctx context.Context, id int64) (*aftersales.User, *aftersales.Ticket, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, nil, err
	}
	t, err := db.findTicket(ctx, db.r, id)
	if err != nil {
		return nil, nil, err
	}
	if err := canSee(u, t); err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

func (db *DB) findTicket(ctx context.Context, q queryer, id int64) (*aftersales.Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM `+ticketFrom+` WHERE t.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Ticket", id)
	}
	return t, nil
}

// lockTicket reads a ticket inside a write transaction for change. On
// PostgreSQL the row is locked; SQLite's single writer already serialises.
func (db *DB) lockTicket(ctx context.Context, tx *Tx, id int64) (*aftersales.Ticket, error) {
	q := `SELECT ` + ticketCols + ` FROM ` + ticketFrom + ` WHERE t.id = $1`
	if db.d.engine == Postgres {
		q += ` FOR UPDATE OF t`
	}
	t, err := scanTicket(tx.QueryRowContext(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "Ticket", id)
	}
	return t, nil
}

func staleTicket(t *aftersales.Ticket, version int64) error {
	if t.Version == version {
		return nil
	}
	return &aftersales.Error{Code: aftersales.ECONFLICT,
		Message: fmt.Sprintf("Ticket %s was changed by someone else (version %d, you sent %d); reload and try again.", t.Number, t.Version, version),
		Fields:  []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
}

// UpdateTicket changes the given fields and records each change.
func (db *DB) UpdateTicket(ctx context.Context, id, version int64, in aftersales.TicketInput) (*aftersales.Ticket, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(false, db.Now()); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error { return db.updateTx(ctx, tx, u, id, version, in) })
	if err != nil {
		return nil, err
	}
	return db.findTicket(ctx, db.w, id)
}

// updateTx is UpdateTicket's work inside a transaction; version 0 takes
// the ticket's current version (a bulk edit has no form to be stale).
func (db *DB) updateTx(ctx context.Context, tx *Tx, u *aftersales.User, id, version int64, in aftersales.TicketInput) error {
	aftersales.SetResult(ctx, "ticket", id, false)
	t, err := db.lockTicket(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := canSee(u, t); err != nil {
		return err
	}
	if version == 0 {
		version = t.Version // a bulk edit: the ticket as it is now
	}
	if err := staleTicket(t, version); err != nil {
		return err
	}
	if in.AssigneeID != nil || in.TeamID != nil {
		if !u.Role.Can(aftersales.PermTicketAssign) {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "Your role may not assign tickets.")
		}
	}
	refs := in
	if refs.CustomerID == nil && refs.AssetID != nil {
		refs.CustomerID = t.CustomerID
	}
	if err := db.checkTicketRefs(ctx, tx, &refs, false); err != nil {
		return err
	}
	defs, err := listCustomFields(ctx, tx)
	if err != nil {
		return err
	}
	custom := t.Custom
	if in.Custom != nil {
		checked, err := aftersales.CheckCustom(defs, in.Custom, false)
		if err != nil {
			return err
		}
		for k, v := range in.Custom {
			if v == nil {
				delete(custom, k)
			} else {
				custom[k] = checked[k]
			}
		}
	}
	changes := diffTicket(t, &in)
	if in.Custom != nil && mustJSON(custom) != mustJSON(t.Custom) {
		changes = append(changes, change{"custom", mustJSON(t.Custom), mustJSON(custom)})
	}
	if len(changes) == 0 {
		return nil
	}
	apply(t, &in)
	assignCount := t.AssignCount
	for _, c := range changes {
		if c.field == "assignee_id" && c.to != "" {
			assignCount++
		}
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE tickets SET channel = $1, nature = $2, urgency = $3, urgency_rank = $4, title = $5, description = $6,
			occurred_at = $7, impact = $8, customer_id = $9, category_id = $10, product_id = $11, asset_id = $12,
			service_unit_id = $13, team_id = $14, assignee_id = $15, department_id = $16, tags = $17, custom = $18,
			external_id = $19, assign_count = $20, updated_at = $21, version = version + 1
		WHERE id = $22 AND version = $23`,
		t.Channel, t.Nature, t.Urgency, t.Urgency.Rank(), t.Title, t.Description, nullMS(t.OccurredAt), t.Impact,
		nullInt(t.CustomerID), nullInt(t.CategoryID), nullInt(t.ProductID), nullInt(t.AssetID), nullInt(t.ServiceUnitID),
		nullInt(t.TeamID), nullInt(t.AssigneeID), nullInt(t.DepartmentID), mustJSON(t.Tags), mustJSON(custom),
		nullStr(t.ExternalID), assignCount, ms(tx.now), id, version)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: update ticket: %w", err))
	}
	if err := checkVersion(ctx, tx, res, "tickets", "Ticket", id); err != nil {
		return err
	}
	if in.Tags != nil {
		if err := setTicketTags(ctx, tx, id, t.Tags); err != nil {
			return err
		}
	}
	for _, c := range changes {
		kind := aftersales.EventFieldChanged
		if c.field == "assignee_id" || c.field == "team_id" {
			kind = aftersales.EventAssigned
		}
		if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: id, ActorID: &u.ID, Kind: kind, Field: c.field, From: c.from, To: c.to}); err != nil {
			return err
		}
	}
	if err := noteCorrections(ctx, tx, id, u.ID, changes); err != nil {
		return err
	}
	if err := db.refreshSLA(ctx, tx, id, &u.ID); err != nil {
		return err
	}
	for _, c := range changes {
		if c.field == "assignee_id" || c.field == "team_id" {
			if err := db.enqueue(ctx, tx, aftersales.HookTicketAssigned, id, map[string]any{"changes": changes}); err != nil {
				return err
			}
			break
		}
	}
	if err := db.runAutomations(ctx, tx, aftersales.TriggerUpdated, id); err != nil {
		return err
	}
	return tx.audit(ctx, "update", "ticket", id, changes)
}

type change struct{ field, from, to string }

func (c change) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"field": c.field, "from": c.from, "to": c.to})
}

func fmtID(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func fmtTime(p *time.Time) string {
	if p == nil {
		return ""
	}
	return p.UTC().Format(time.RFC3339)
}

// diffTicket lists the fields that in would change on t.
func diffTicket(t *aftersales.Ticket, in *aftersales.TicketInput) []change {
	var out []change
	str := func(field, old string, nw *string) {
		if nw != nil && *nw != old {
			out = append(out, change{field, old, *nw})
		}
	}
	id := func(field string, old, nw *int64) {
		if nw != nil && fmtID(old) != fmtID(nw) {
			out = append(out, change{field, fmtID(old), fmtID(nw)})
		}
	}
	if in.Channel != nil && *in.Channel != t.Channel {
		out = append(out, change{"channel", string(t.Channel), string(*in.Channel)})
	}
	if in.Nature != nil && *in.Nature != t.Nature {
		out = append(out, change{"nature", string(t.Nature), string(*in.Nature)})
	}
	if in.Urgency != nil && *in.Urgency != t.Urgency {
		out = append(out, change{"urgency", string(t.Urgency), string(*in.Urgency)})
	}
	str("title", t.Title, in.Title)
	str("description", t.Description, in.Description)
	str("impact", t.Impact, in.Impact)
	str("external_id", t.ExternalID, in.ExternalID)
	if in.OccurredAt != nil && fmtTime(in.OccurredAt) != fmtTime(t.OccurredAt) {
		out = append(out, change{"occurred_at", fmtTime(t.OccurredAt), fmtTime(in.OccurredAt)})
	}
	id("customer_id", t.CustomerID, in.CustomerID)
	id("category_id", t.CategoryID, in.CategoryID)
	id("product_id", t.ProductID, in.ProductID)
	id("asset_id", t.AssetID, in.AssetID)
	id("service_unit_id", t.ServiceUnitID, in.ServiceUnitID)
	id("department_id", t.DepartmentID, in.DepartmentID)
	id("team_id", t.TeamID, in.TeamID)
	id("assignee_id", t.AssigneeID, in.AssigneeID)
	if in.Tags != nil && mustJSON(*in.Tags) != mustJSON(t.Tags) {
		out = append(out, change{"tags", mustJSON(t.Tags), mustJSON(*in.Tags)})
	}
	return out
}

// apply copies the set fields of in onto t.
func apply(t *aftersales.Ticket, in *aftersales.TicketInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setID := func(dst **int64, src *int64) {
		if src != nil {
			v := *src
			*dst = &v
		}
	}
	if in.Channel != nil {
		t.Channel = *in.Channel
	}
	if in.Nature != nil {
		t.Nature = *in.Nature
	}
	if in.Urgency != nil {
		t.Urgency = *in.Urgency
	}
	set(&t.Title, in.Title)
	set(&t.Description, in.Description)
	set(&t.Impact, in.Impact)
	set(&t.ExternalID, in.ExternalID)
	if in.OccurredAt != nil {
		v := *in.OccurredAt
		t.OccurredAt = &v
	}
	setID(&t.CustomerID, in.CustomerID)
	setID(&t.CategoryID, in.CategoryID)
	setID(&t.ProductID, in.ProductID)
	setID(&t.AssetID, in.AssetID)
	setID(&t.ServiceUnitID, in.ServiceUnitID)
	setID(&t.TeamID, in.TeamID)
	setID(&t.AssigneeID, in.AssigneeID)
	setID(&t.DepartmentID, in.DepartmentID)
	if in.Tags != nil {
		t.Tags = *in.Tags
	}
}

// Transition moves a ticket along its lifecycle and stamps milestones.
func (db *DB) Transition(ctx context.Context, id int64, in aftersales.TransitionInput) (*aftersales.Ticket, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketTransmit)
	if err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(in.To.Valid(), "to", "is not a known status")
	v.Check(len([]rune(in.Reason)) <= 2000, "reason", "must be at most 2000 characters")
	v.Check(in.Version > 0, "version", "is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error { return db.transitionTx(ctx, tx, u, id, in) })
	if err != nil {
		return nil, err
	}
	return db.findTicket(ctx, db.w, id)
}

// transitionTx is Transition's work inside a transaction; in.Version 0
// takes the ticket's current version.
func (db *DB) transitionTx(ctx context.Context, tx *Tx, u *aftersales.User, id int64, in aftersales.TransitionInput) error {
	aftersales.SetResult(ctx, "ticket", id, false)
	t, err := db.lockTicket(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := canSee(u, t); err != nil {
		return err
	}
	if in.Version == 0 {
		in.Version = t.Version // a bulk change: the ticket as it is now
	}
	if err := staleTicket(t, in.Version); err != nil {
		return err
	}
	if !aftersales.CanTransition(t.Status, in.To) {
		return &aftersales.Error{Code: aftersales.EINVALID,
			Message: fmt.Sprintf("A ticket cannot go from %s to %s.", t.Status, in.To),
			Fields:  []aftersales.FieldError{{Field: "to", Reason: fmt.Sprintf("not allowed from %s; allowed: %v", t.Status, aftersales.NextStatuses(t.Status))}}}
	}
	if in.To == aftersales.StatusCancelled && strings.TrimSpace(in.Reason) == "" {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "Cancelling needs a reason.",
			Fields: []aftersales.FieldError{{Field: "reason", Reason: "is required to cancel"}}}
	}
	if in.To == aftersales.StatusResolved && strings.TrimSpace(in.Reason) == "" {
		// Read inside the transaction, so a switch flipped meanwhile
		// applies to this move as a whole.
		set, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		if set.ResolutionNoteRequired {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "Resolving needs a resolution note.",
				Fields: []aftersales.FieldError{{Field: "reason", Reason: "is required to resolve (the resolution note)"}}}
		}
	}
	if err := db.transition(ctx, tx, t, in.To, in.Reason, &u.ID); err != nil {
		return err
	}
	return tx.audit(ctx, "transition", "ticket", id, map[string]string{"from": string(t.Status), "to": string(in.To)})
}

// transition is a move made by a person or a customer: applyTransition,
// then the automation rules for status changes and reopening.
func (db *DB) transition(ctx context.Context, tx *Tx, t *aftersales.Ticket, to aftersales.Status, reason string, actor *int64) error {
	if err := db.applyTransition(ctx, tx, t, to, reason, actor); err != nil {
		return err
	}
	if err := db.runAutomations(ctx, tx, aftersales.TriggerStatusChanged, t.ID); err != nil {
		return err
	}
	if aftersales.IsReopen(t.Status, to) {
		return db.runAutomations(ctx, tx, aftersales.TriggerReopened, t.ID)
	}
	return nil
}

// applyTransition moves a locked ticket to status to, stamps milestones,
// records the change and re-evaluates SLA. It does not run automations:
// the caller decides, so that rules cannot trigger rules.
func (db *DB) applyTransition(ctx context.Context, tx *Tx, t *aftersales.Ticket, to aftersales.Status, reason string, actor *int64) error {
	id := t.ID
	now := ms(tx.now)
	set := []string{"status = $1", "status_changed_at = $2", "updated_at = $2", "version = version + 1"}
	switch {
	case aftersales.IsReopen(t.Status, to):
		set = append(set, "reopen_count = reopen_count + 1", "resolved_at = NULL", "closed_at = NULL")
		// The follow-up of the resolution being undone has no object any more.
		if err := cancelFollowups(ctx, tx, id, aftersales.FollowupCancelReopened); err != nil {
			return err
		}
		if err := resetComplaintConfirmation(ctx, tx, id); err != nil {
			return err
		}
	case to == aftersales.StatusAccepted:
		set = append(set, "accepted_at = COALESCE(accepted_at, $2)")
	case to == aftersales.StatusResolved:
		set = append(set, "resolved_at = $2")
	case to == aftersales.StatusClosed:
		set = append(set, "closed_at = $2")
		if err := db.closeComplaintGate(ctx, tx, t); err != nil {
			return err
		}
	case to == aftersales.StatusCancelled:
		set = append(set, "cancelled_at = $2")
	}
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET `+strings.Join(set, ", ")+` WHERE id = $3 AND version = $4`, to, now, id, t.Version)
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: transition ticket: %w", err))
	}
	if err := checkVersion(ctx, tx, res, "tickets", "Ticket", id); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: id, ActorID: actor, Kind: aftersales.EventStatusChanged,
		Field: "status", From: string(t.Status), To: string(to), Body: strings.TrimSpace(reason)}); err != nil {
		return err
	}
	if err := db.refreshSLA(ctx, tx, id, actor); err != nil {
		return err
	}
	if to == aftersales.StatusResolved {
		if err := db.surveyOnResolve(ctx, tx, t); err != nil {
			return err
		}
	}
	return db.enqueue(ctx, tx, aftersales.HookTicketStatusChanged, id, map[string]any{"from": t.Status, "to": to, "reason": reason})
}

// Assign sets the team and assignee; nil leaves a value as it is.
func (db *DB) Assign(ctx context.Context, id, version int64, teamID, assigneeID *int64) (*aftersales.Ticket, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermTicketAssign); err != nil {
		return nil, err
	}
	if teamID == nil && assigneeID == nil {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "Give a team or an assignee.",
			Fields: []aftersales.FieldError{{Field: "assignee_id", Reason: "team_id or assignee_id is required"}}}
	}
	return db.UpdateTicket(ctx, id, version, aftersales.TicketInput{TeamID: teamID, AssigneeID: assigneeID})
}

// AddComment adds a public reply or an internal note. The first public
// reply by staff stamps the first response time.
func (db *DB) AddComment(ctx context.Context, id int64, in aftersales.CommentInput) (*aftersales.TicketEvent, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketNote)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	e := &aftersales.TicketEvent{TicketID: id, ActorID: &u.ID, Kind: aftersales.EventNote, Body: in.Body, Public: in.Public, Channel: in.Channel}
	switch {
	case in.FromCustomer:
		e.Kind, e.Public = aftersales.EventCustomerMessage, true
	case in.Public:
		e.Kind = aftersales.EventReply
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if in.SurveyRow {
			row, err := db.surveyRow(ctx, tx, t)
			if err != nil {
				return err
			}
			e.Body += "\n\n" + row
			in.Body = e.Body // what goes out to the customer
		}
		if err := addEvent(ctx, tx, e); err != nil {
			return err
		}
		// A comment is not a change of the ticket's fields, so version stays;
		// updated_at moves so that "recently active" sorting sees it.
		q := `UPDATE tickets SET updated_at = $1 WHERE id = $2`
		if in.Public && !in.FromCustomer {
			q = `UPDATE tickets SET updated_at = $1, first_response_at = COALESCE(first_response_at, $1) WHERE id = $2`
		}
		if _, err := tx.ExecContext(ctx, q, ms(tx.now), id); err != nil {
			return err
		}
		if in.Public || in.FromCustomer { // first and next response clocks
			if err := db.refreshSLA(ctx, tx, id, &u.ID); err != nil {
				return err
			}
		}
		payload := map[string]any{"public": in.Public, "body": in.Body, "author": u.Name}
		if e.Kind == aftersales.EventReply {
			// A reply goes back where the customer wrote from.
			conv, err := db.replyOut(ctx, tx, t, in.Body)
			if err != nil {
				return err
			}
			if conv != "" {
				payload["conversation_id"] = conv
			}
		}
		if err := db.enqueue(ctx, tx, aftersales.HookTicketComment, id, payload); err != nil {
			return err
		}
		return tx.audit(ctx, string(e.Kind), "ticket", id, nil)
	})
	if err != nil {
		return nil, err
	}
	e.ActorName = u.Name
	return e, nil
}

// Timeline returns a ticket's events, oldest first.
func (db *DB) Timeline(ctx context.Context, id int64) ([]*aftersales.TicketEvent, error) {
	if _, err := db.FindTicket(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `
		SELECT e.id, e.ticket_id, e.at, e.actor_id, COALESCE(u.name, ''), e.kind, e.field, e.from_value, e.to_value,
			e.body, e.public, e.channel, e.attachment_id
		FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.ticket_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: timeline: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.TicketEvent
	for rows.Next() {
		var e aftersales.TicketEvent
		var at int64
		var actor, att sql.NullInt64
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &actor, &e.ActorName, &e.Kind, &e.Field, &e.From, &e.To, &e.Body,
			&e.Public, &e.Channel, &att); err != nil {
			return nil, err
		}
		e.At, e.ActorID, e.AttachmentID = fromMS(at), int64Ptr(actor), int64Ptr(att)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// cursor is the keyset position after the last row of a page.
type cursor struct {
	V  int64 `json:"v"`
	ID int64 `json:"id"`
}

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(mustJSON(c)))
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return c, &aftersales.Error{Code: aftersales.EINVALID, Message: "The cursor is not valid.",
			Fields: []aftersales.FieldError{{Field: "cursor", Reason: "is not a cursor returned by this list"}}}
	}
	return c, nil
}

// ListTickets returns one page of tickets matching f.
func (db *DB) ListTickets(ctx context.Context, f aftersales.TicketFilter) (*aftersales.TicketPage, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where, args := []string{"1=1"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			ph[i] = arg(v)
		}
		where = append(where, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	in("t.status", strs(f.Status))
	in("t.nature", strs(f.Nature))
	in("t.urgency", strs(f.Urgency))
	in("t.channel", strs(f.Channel))
	eq := func(col string, v int64) {
		if v != 0 {
			where = append(where, col+" = "+arg(v))
		}
	}
	eq("t.team_id", f.TeamID)
	eq("t.assignee_id", f.AssigneeID)
	eq("t.customer_id", f.CustomerID)
	eq("t.service_unit_id", f.ServiceUnitID)
	eq("t.asset_id", f.AssetID)
	eq("t.product_id", f.ProductID)
	if f.RegionID != 0 {
		where = append(where, `t.service_unit_id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM service_units WHERE id = `+arg(f.RegionID)+`
			UNION ALL SELECT u.id FROM service_units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)`)
	}
	if f.Tier != "" {
		where = append(where, "t.customer_id IN (SELECT id FROM customers WHERE tier = "+arg(f.Tier)+")")
	}
	if f.Unassigned {
		where = append(where, "t.assignee_id IS NULL")
	}
	if f.CategoryID != 0 {
		// The tree is small: resolve the subtree first so the planner sees
		// a plain IN list it can match against the category index.
		ids, err := db.subtree(ctx, f.CategoryID)
		if err != nil {
			return nil, err
		}
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = arg(id)
		}
		if len(ph) == 0 {
			ph = []string{"NULL"}
		}
		where = append(where, "t.category_id IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Tag != "" {
		where = append(where, "t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = "+arg(f.Tag)+")")
	}
	if f.TopicID != 0 {
		where = append(where, "t.id IN (SELECT ticket_id FROM text_topic_tickets WHERE topic_id = "+arg(f.TopicID)+")")
	}
	if f.Term != "" {
		where = append(where, "t.id IN (SELECT ticket_id FROM ticket_terms WHERE term = "+arg(f.Term)+")")
	}
	if f.Open != nil {
		// Listed positively so the (status, created_at) index applies.
		var set []string
		for _, st := range aftersales.Statuses {
			if st.Open() == *f.Open {
				set = append(set, "'"+string(st)+"'")
			}
		}
		where = append(where, "t.status IN ("+strings.Join(set, ", ")+")")
	}
	rng := func(col string, from, to *time.Time) {
		if from != nil {
			where = append(where, col+" >= "+arg(ms(*from)))
		}
		if to != nil {
			where = append(where, col+" < "+arg(ms(*to)))
		}
	}
	rng("t.created_at", f.CreatedFrom, f.CreatedTo)
	rng("t.resolved_at", f.ResolvedFrom, f.ResolvedTo)
	if f.CostFrom != nil || f.CostTo != nil {
		cond := "voided_at IS NULL"
		if f.CostFrom != nil {
			cond += " AND incurred_on >= " + arg(f.CostFrom.In(db.location()).Format(time.DateOnly))
		}
		if f.CostTo != nil {
			cond += " AND incurred_on < " + arg(f.CostTo.In(db.location()).Format(time.DateOnly))
		}
		where = append(where, "t.id IN (SELECT ticket_id FROM ticket_costs WHERE "+cond+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + escapeLike(q) + "%")
		where = append(where, fmt.Sprintf(`(t.number %[1]s %[2]s ESCAPE '\' OR t.title %[1]s %[2]s ESCAPE '\' OR t.description %[1]s %[2]s ESCAPE '\')`, db.d.like, p))
	}
	if f.SLA != "" {
		// Stored clocks are evaluated at each ticket event, so a deadline
		// that passed since then still reads as unknown (NULL): compare the
		// due times with now instead of trusting the stored verdict.
		now := ms(db.Now())
		open := "t.status IN ('new', 'accepted', 'diagnosing', 'in_service', 'awaiting_customer', 'awaiting_parts')"
		switch f.SLA {
		case "overdue":
			// Resolution overdue, or not answered yet and the first response overdue.
			n := arg(now)
			// EXISTS lets the planner start from the few open tickets.
			where = append(where, open, `EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND
				((s.res_due_at < `+n+` AND s.res_met IS NOT TRUE) OR (t.first_response_at IS NULL AND s.fr_due_at < `+n+`)
				OR (s.arr_due_at < `+n+` AND s.arr_met IS NULL) OR (s.nr_due_at < `+n+` AND s.nr_met IS NULL)))`)
		case "due_soon":
			where = append(where, open, `EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.res_met IS NULL AND s.res_due_at >= `+arg(now)+
				` AND s.res_due_at < `+arg(now+aftersales.DueSoonWindow.Milliseconds())+`)`)
		case "breached":
			// A stored verdict of breach (what the list's "breached" pill
			// shows), or, on an open ticket, a resolution or first-response
			// deadline passed since the clocks were last evaluated.
			n := arg(now)
			where = append(where, `EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND
				(s.res_met = FALSE OR s.fr_met = FALSE OR (`+open+` AND
					((s.res_due_at < `+n+` AND s.res_met IS NULL) OR (t.first_response_at IS NULL AND s.fr_due_at < `+n+` AND s.fr_met IS NULL)))))`)
		}
	}
	if !u.Role.Can(aftersales.PermTicketReadAll) {
		cond := "t.assignee_id = " + arg(u.ID)
		if u.TeamID != nil {
			cond = "(" + cond + " OR t.team_id = " + arg(*u.TeamID) + ")"
		}
		where = append(where, cond)
	}
	var sum *int64
	if f.Counted != nil {
		cond, s, err := db.countedCond(ctx, f, where, args)
		if err != nil {
			return nil, err
		}
		where, sum = append(where, cond), s
	}
	// The count shares every condition but the cursor's.
	countQuery, countArgs := `SELECT count(*) FROM tickets t WHERE `+joinAnd(where), slices.Clone(args)
	col, desc := sortColumn(f.Sort)
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		v, id := arg(c.V), arg(c.ID)
		where = append(where, fmt.Sprintf("(%[1]s %[2]s %[3]s OR (%[1]s = %[3]s AND t.id %[2]s %[4]s))", col, cmp, v, id))
	}
	// Pick the page's rows first, then join the display names onto those
	// rows only.
	order := fmt.Sprintf(`%s %s, t.id %s`, col, dir, dir)
	query := `SELECT ` + ticketCols + ` FROM (SELECT * FROM tickets t WHERE ` + joinAnd(where) + ` ORDER BY ` + order +
		fmt.Sprintf(` LIMIT %d) t`, f.Limit+1) + ticketJoins + ` ORDER BY ` + order
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tickets: %w", err)
	}
	defer rows.Close()
	page := &aftersales.TicketPage{Tickets: []*aftersales.Ticket{}}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		page.Tickets = append(page.Tickets, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Tickets) > f.Limit {
		page.Tickets = page.Tickets[:f.Limit]
		last := page.Tickets[f.Limit-1]
		page.NextCursor = encodeCursor(cursor{V: sortValue(f.Sort, last), ID: last.ID})
	}
	if f.Count {
		var n int64
		if err := db.r.QueryRowContext(ctx, countQuery, countArgs...).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlstore: count tickets: %w", err)
		}
		page.Total = &n
	}
	page.Sum = sum
	return page, nil
}

// countedCond is the condition that keeps the tickets f.Counted selects:
// the facts of the tickets matching the other conditions are read and
// matched in Go (analytics.Population), as the rollups counted them, so a
// drill-down's total equals the chart's number. The dimensions are
// matched on the fact too: a category there is the ticket's own, not its
// subtree.
//
// With c.Sum it also adds up that measure's entries in the period over
// the tickets kept.
func (db *DB) countedCond(ctx context.Context, f aftersales.TicketFilter, where []string, args []any) (string, *int64, error) {
	c := f.Counted
	pop := analytics.Population{Measure: analytics.NoMeasure, Except: analytics.NoMeasure, Hist: analytics.NoHist, Bin: c.Bin}
	var v aftersales.Validator
	if c.Hist != "" {
		i := slices.Index(analytics.HistNames[:], c.Hist)
		v.Check(i >= 0, "hist", "is not a duration histogram")
		pop.Hist = analytics.HistKind(i)
		v.Check(c.Bin >= -1 && c.Bin < len(analytics.DistBins), "bin", "is not a distribution bin")
	} else {
		i := slices.Index(analytics.MeasureNames[:], c.Measure)
		v.Check(i >= 0, "measure", "is not a rollup measure")
		pop.Measure = analytics.Measure(i)
	}
	if c.Except != "" {
		i := slices.Index(analytics.MeasureNames[:], c.Except)
		v.Check(i >= 0, "except", "is not a rollup measure")
		pop.Except = analytics.Measure(i)
	}
	sumOf, sum := analytics.NoMeasure, (*int64)(nil)
	if c.Sum != "" {
		i := slices.Index(analytics.MeasureNames[:], c.Sum)
		v.Check(i >= 0, "sum", "is not a rollup measure")
		sumOf, sum = analytics.Measure(i), new(int64)
	}
	if c.Entries {
		sum = new(int64)
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	loc := db.location()
	from, to := analytics.Day(math.MinInt32), analytics.Day(math.MaxInt32)
	if c.From != nil {
		from = analytics.DayOf(*c.From, loc)
	}
	if c.To != nil {
		to = analytics.DayOf(*c.To, loc)
		// Every measure but a cost counts on or after the creation day.
		if pop.DayKind() != "cost" {
			args = append(slices.Clone(args), ms(*c.To))
			where = append(slices.Clone(where), "t.created_at < $"+strconv.Itoa(len(args)))
		}
	}
	dims := map[int]string{}
	add := func(d aftersales.Dimension, val string) {
		if val != "" && val != "0" {
			dims[slices.Index(aftersales.Dimensions, d)] = val
		}
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	add(aftersales.DimTeam, id(f.TeamID))
	add(aftersales.DimTechnician, id(f.AssigneeID))
	add(aftersales.DimPoint, id(f.ServiceUnitID))
	add(aftersales.DimCategory, id(f.CategoryID))
	add(aftersales.DimProduct, id(f.ProductID))
	add(aftersales.DimTier, f.Tier)
	for d, vals := range map[aftersales.Dimension][]string{aftersales.DimChannel: strs(f.Channel), aftersales.DimNature: strs(f.Nature), aftersales.DimUrgency: strs(f.Urgency)} {
		if len(vals) == 1 {
			add(d, vals[0])
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT t.id, k.fact FROM tickets t JOIN kpi_facts k ON k.ticket_id = t.id WHERE `+joinAnd(where), args...)
	if err != nil {
		return "", nil, fmt.Errorf("sqlstore: counted tickets: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var tid int64
		var b []byte
		if err := rows.Scan(&tid, &b); err != nil {
			return "", nil, err
		}
		fact, err := analytics.DecodeFact(b)
		if err != nil {
			return "", nil, fmt.Errorf("sqlstore: counted tickets: ticket %d: %w", tid, err)
		}
		ok := pop.Matches(&fact, from, to)
		for i, val := range dims {
			ok = ok && i < len(fact.Dims) && fact.Dims[i] == val
		}
		if ok {
			ids = append(ids, strconv.FormatInt(tid, 10))
			switch {
			case c.Entries:
				*sum += pop.Count(&fact, from, to)
			case sum != nil:
				*sum += fact.Sum(sumOf, from, to)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("sqlstore: counted tickets: %w", err)
	}
	if len(ids) == 0 {
		return "1=0", sum, nil
	}
	// Our own integers, written inline: a large drill-down would run past
	// the engines' limits on bound parameters.
	return "t.id IN (" + strings.Join(ids, ", ") + ")", sum, nil
}

// subtree returns a category and all its descendants.
func (db *DB) subtree(ctx context.Context, id int64) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT d.id FROM product_categories d, product_categories p
		WHERE p.id = $1 AND d.path LIKE p.path || '%'`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: category subtree: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		ids = append(ids, d)
	}
	return ids, rows.Err()
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func sortColumn(s aftersales.TicketSort) (col string, desc bool) {
	desc = strings.HasPrefix(string(s), "-")
	switch strings.TrimPrefix(string(s), "-") {
	case "updated_at":
		return "t.updated_at", desc
	case "urgency":
		return "t.urgency_rank", desc
	default:
		return "t.created_at", desc
	}
}

func sortValue(s aftersales.TicketSort, t *aftersales.Ticket) int64 {
	switch strings.TrimPrefix(string(s), "-") {
	case "updated_at":
		return ms(t.UpdatedAt)
	case "urgency":
		return int64(t.Urgency.Rank())
	default:
		return ms(t.CreatedAt)
	}
}

// AddAttachment records a file already written under the data directory
// and adds it to the timeline.
func (db *DB) AddAttachment(ctx context.Context, a *aftersales.Attachment) error {
	if _, err := db.seeTicket(ctx, a.TicketID); err != nil {
		return err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketNote)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, a.TicketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if err := attach(ctx, tx, a.TicketID, a, &u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $1 WHERE id = $2`, ms(tx.now), a.TicketID); err != nil {
			return err
		}
		return tx.audit(ctx, "attach", "ticket", a.TicketID, map[string]any{"name": a.Name, "size": a.Size})
	})
}

const attachmentCols = `id, ticket_id, name, content_type, size, sha256, path, uploaded_by, created_at`

func scanAttachment(row interface{ Scan(...any) error }) (*aftersales.Attachment, error) {
	var a aftersales.Attachment
	var by sql.NullInt64
	var created int64
	if err := row.Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Path, &by, &created); err != nil {
		return nil, err
	}
	a.UploadedBy, a.CreatedAt = int64Ptr(by), fromMS(created)
	return &a, nil
}

// FindAttachment returns an attachment of a ticket the caller may see.
func (db *DB) FindAttachment(ctx context.Context, id int64) (*aftersales.Attachment, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return nil, err
	}
	a, err := scanAttachment(db.r.QueryRowContext(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Attachment", id)
	}
	if _, err := db.seeTicket(ctx, a.TicketID); err != nil {
		if aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			return nil, err
		}
		seen, err := db.seenOnDuplicate(ctx, a)
		if err != nil {
			return nil, err
		}
		if !seen {
			return nil, notFound(sql.ErrNoRows, "Attachment", id)
		}
	}
	return a, nil
}

// seenOnDuplicate tells whether the caller may see a ticket merged into
// a's ticket (directly or down a chain of merges) whose timeline shows a:
// a merge moves the duplicate's files to the ticket kept, and the
// duplicate's own entries keep linking to them, for whoever could open
// them there before.
func (db *DB) seenOnDuplicate(ctx context.Context, a *aftersales.Attachment) (bool, error) {
	rows, err := db.r.QueryContext(ctx, `WITH RECURSIVE dups(id) AS (
			SELECT id FROM tickets WHERE merged_into = $1
			UNION SELECT t.id FROM tickets t JOIN dups d ON t.merged_into = d.id)
		SELECT DISTINCT e.ticket_id FROM ticket_events e JOIN dups d ON d.id = e.ticket_id
		WHERE e.kind = 'attachment' AND e.attachment_id = $2`, a.TicketID, a.ID)
	if err != nil {
		return false, fmt.Errorf("sqlstore: attachment %d on duplicates: %w", a.ID, err)
	}
	var ids []int64
	err = scanEach(rows, func(scan func(...any) error) error {
		var id int64
		err := scan(&id)
		ids = append(ids, id)
		return err
	})
	rows.Close()
	if err != nil {
		return false, fmt.Errorf("sqlstore: attachment %d on duplicates: %w", a.ID, err)
	}
	for _, id := range ids {
		_, err := db.seeTicket(ctx, id)
		if err == nil {
			return true, nil
		}
		if aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			return false, err
		}
	}
	return false, nil
}

// ListAttachments lists a ticket's files and, on a merged duplicate, the
// files its timeline shows that the merge moved to the ticket kept (their
// TicketID says where they are now).
func (db *DB) ListAttachments(ctx context.Context, ticketID int64) ([]*aftersales.Attachment, error) {
	if _, err := db.FindTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE ticket_id = $1
		UNION SELECT a.id, a.ticket_id, a.name, a.content_type, a.size, a.sha256, a.path, a.uploaded_by, a.created_at FROM ticket_events e JOIN attachments a ON a.id = e.attachment_id
		WHERE e.ticket_id = $1 AND e.kind = 'attachment' ORDER BY 1`, ticketID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAttachment)
}
