package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/textan"
)

// Text analytics storage (issue #21). Triggers queue a ticket in
// text_pending when it is created, its title or description changes or a
// customer message arrives; the background job reads the queue
// (PendingTexts), analyses the texts in Go and stores the results
// (SaveTextAnalyses) with the document-frequency table kept in step, so
// creating a ticket never waits for the segmenter.

// PendingTexts returns up to limit queued tickets with their customer text,
// oldest ticket first. It reads outside the writer: a text that changes
// after this read keeps its ticket queued (SaveTextAnalyses checks gen).
func (db *DB) PendingTexts(ctx context.Context, limit int) ([]aftersales.TextSource, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.ticket_id, p.gen, t.title, t.description FROM text_pending p
		JOIN tickets t ON t.id = p.ticket_id ORDER BY p.ticket_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pending texts: %w", err)
	}
	var out []aftersales.TextSource
	idx := map[int64]int{}
	for rows.Next() {
		var s aftersales.TextSource
		if err := rows.Scan(&s.TicketID, &s.Gen, &s.Title, &s.Description); err != nil {
			rows.Close()
			return nil, err
		}
		idx[s.TicketID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, s := range out {
		ids[i] = s.TicketID
	}
	rows, err = db.r.QueryContext(ctx, `SELECT id, ticket_id, body FROM ticket_events WHERE kind = 'customer_message'
		AND ticket_id IN (`+idList(ids)+`) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pending messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m aftersales.TextMessage
		var tid int64
		if err := rows.Scan(&m.EventID, &tid, &m.Body); err != nil {
			return nil, err
		}
		i := idx[tid]
		out[i].Messages = append(out[i].Messages, m)
	}
	return out, rows.Err()
}

// param is the placeholder of the nth argument (from 1) of a statement
// whose placeholders all come from param, in the order of its arguments:
// $n on PostgreSQL, an anonymous ? on SQLite. SQLite binds $n by name,
// looking each one up in a list of every name in the statement, so
// binding the hundreds of arguments of a bulk statement took time
// quadratic in their number (the text analysis' writes: a quarter of
// their CPU); ? is bound by position.
func (d dialect) param(n int) string {
	if d.engine == SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

// termList is the placeholders (d.param) and arguments of an IN list
// of terms.
func termList(d dialect, terms []string) (string, []any) {
	args := make([]any, len(terms))
	ph := make([]string, len(terms))
	for i, t := range terms {
		args[i], ph[i] = t, d.param(i+1)
	}
	return strings.Join(ph, ", "), args
}

// TextDF returns the number of analysed tickets and the document
// frequencies of terms: the company's own IDF.
func (db *DB) TextDF(ctx context.Context, terms []string) (int, map[string]int, error) {
	counts := map[string]int{}
	var docs int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_text`).Scan(&docs); err != nil {
		return 0, nil, fmt.Errorf("sqlstore: text documents: %w", err)
	}
	terms = slices.Compact(slices.Sorted(slices.Values(terms)))
	for chunk := range slices.Chunk(terms, 500) {
		in, args := termList(db.d, chunk)
		rows, err := db.r.QueryContext(ctx, `SELECT term, docs FROM text_df WHERE term IN (`+in+`)`, args...)
		if err != nil {
			return 0, nil, fmt.Errorf("sqlstore: text df: %w", err)
		}
		for rows.Next() {
			var t string
			var n int
			if err := rows.Scan(&t, &n); err != nil {
				rows.Close()
				return 0, nil, err
			}
			counts[t] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, err
		}
	}
	return docs, counts, nil
}

// SaveTextAnalyses stores analyses in one transaction: the ticket's
// sentiment and keywords, each message's sentiment, the ticket's terms, and
// the document frequencies moved by the difference between its old and new
// terms. It stores only the analyses of tickets that did not change since
// they were read (their gen is still queued), takes them out of the queue
// first and reports how many it stored: a ticket changed meanwhile stays
// queued for the newer text, and an older text's analysis never replaces
// a newer one's (another pass may have stored it already). The caller
// keeps the batch small (jobs.TextWriteBatch): the transaction holds the
// writer on SQLite and the queue rows on PostgreSQL.
func (db *DB) SaveTextAnalyses(ctx context.Context, as []aftersales.TextAnalysis) (int, error) {
	if len(as) == 0 {
		return 0, nil
	}
	stored := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		current := map[int64]bool{}
		for chunk := range slices.Chunk(as, 200) {
			conds := make([]string, len(chunk))
			var args []any
			for i, a := range chunk {
				args = append(args, a.TicketID, a.Gen)
				conds[i] = "(ticket_id = " + db.d.param(2*i+1) + " AND gen = " + db.d.param(2*i+2) + ")"
			}
			rows, err := tx.QueryContext(ctx, `DELETE FROM text_pending WHERE `+strings.Join(conds, " OR ")+` RETURNING ticket_id`, args...)
			if err != nil {
				return fmt.Errorf("sqlstore: text queue: %w", err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				current[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		as = slices.DeleteFunc(slices.Clone(as), func(a aftersales.TextAnalysis) bool { return !current[a.TicketID] })
		if len(as) == 0 {
			return nil
		}
		ids := make([]int64, len(as))
		for i, a := range as {
			ids[i] = a.TicketID
		}
		old := map[int64]map[string]bool{}
		for chunk := range slices.Chunk(ids, 500) {
			rows, err := tx.QueryContext(ctx, `SELECT ticket_id, term FROM ticket_terms WHERE ticket_id IN (`+idList(chunk)+`)`)
			if err != nil {
				return fmt.Errorf("sqlstore: ticket terms: %w", err)
			}
			for rows.Next() {
				var id int64
				var t string
				if err := rows.Scan(&id, &t); err != nil {
					rows.Close()
					return err
				}
				if old[id] == nil {
					old[id] = map[string]bool{}
				}
				old[id][t] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		delta := map[string]int{}
		var added, texts, messages [][]any
		for _, a := range as {
			newSet := map[string]bool{}
			for _, t := range a.Terms {
				newSet[t] = true
			}
			var gone []string
			for t := range old[a.TicketID] {
				if !newSet[t] {
					delta[t]--
					gone = append(gone, t)
				}
			}
			if len(gone) > 0 {
				args := []any{a.TicketID}
				ph := make([]string, len(gone))
				for i, t := range gone {
					args = append(args, t)
					ph[i] = db.d.param(i + 2)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_terms WHERE ticket_id = `+db.d.param(1)+` AND term IN (`+strings.Join(ph, ", ")+`)`, args...); err != nil {
					return fmt.Errorf("sqlstore: ticket terms: %w", err)
				}
			}
			for _, t := range a.Terms {
				if !old[a.TicketID][t] {
					delta[t]++
					added = append(added, []any{t, a.TicketID})
				}
			}
			x := a.Text
			texts = append(texts, []any{a.TicketID, x.Sentiment, x.Polarity, x.Positive, x.Negative, mustJSON(x.Keywords), cmp.Or(x.Method, "lexicon"), x.ModelVersion, ms(tx.now)})
			for _, m := range x.Messages {
				messages = append(messages, []any{m.EventID, a.TicketID, m.Sentiment, m.Polarity, ms(tx.now)})
			}
		}
		if err := insertRows(ctx, tx, `INSERT INTO message_text (event_id, ticket_id, sentiment, polarity, analysed_at) VALUES `,
			` ON CONFLICT (event_id) DO UPDATE SET sentiment = excluded.sentiment, polarity = excluded.polarity, analysed_at = excluded.analysed_at`, messages); err != nil {
			return fmt.Errorf("sqlstore: message text: %w", err)
		}
		if err := insertRows(ctx, tx, `INSERT INTO ticket_terms (term, ticket_id) VALUES `, "", added); err != nil {
			return fmt.Errorf("sqlstore: ticket terms: %w", err)
		}
		if err := insertRows(ctx, tx, `INSERT INTO ticket_text (ticket_id, sentiment, polarity, positive, negative, keywords, method, model_version, analysed_at) VALUES `,
			` ON CONFLICT (ticket_id) DO UPDATE SET sentiment = excluded.sentiment, polarity = excluded.polarity, positive = excluded.positive,
			negative = excluded.negative, keywords = excluded.keywords, method = excluded.method, model_version = excluded.model_version,
			analysed_at = excluded.analysed_at`, texts); err != nil {
			return fmt.Errorf("sqlstore: ticket text: %w", err)
		}
		// A person's correction outlasts every new analysis (sentiment.go).
		if err := applyCorrections(ctx, tx, ids); err != nil {
			return err
		}
		terms := make([]string, 0, len(delta))
		for t, d := range delta {
			if d != 0 {
				terms = append(terms, t)
			}
		}
		slices.Sort(terms) // one lock order for every writer
		df := make([][]any, len(terms))
		for i, t := range terms {
			df[i] = []any{t, delta[t]}
		}
		if err := insertRows(ctx, tx, `INSERT INTO text_df (term, docs) VALUES `, ` ON CONFLICT (term) DO UPDATE SET docs = text_df.docs + excluded.docs`, df); err != nil {
			return fmt.Errorf("sqlstore: text df: %w", err)
		}
		// Only a term that lost a ticket can have dropped to zero.
		var fell []string
		for _, t := range terms {
			if delta[t] < 0 {
				fell = append(fell, t)
			}
		}
		for chunk := range slices.Chunk(fell, 500) {
			in, args := termList(db.d, chunk)
			if _, err := tx.ExecContext(ctx, `DELETE FROM text_df WHERE docs <= 0 AND term IN (`+in+`)`, args...); err != nil {
				return fmt.Errorf("sqlstore: text df: %w", err)
			}
		}
		stored = len(as)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// insertRows writes rows with multi-row INSERTs of at most 500 parameters
// each: a statement per row costs a round trip (PostgreSQL) or a statement
// step (SQLite) each. prefix and suffix hold no placeholders of their own
// (dialect.param).
func insertRows(ctx context.Context, tx *Tx, prefix, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, 500/len(rows[0]))
	for chunk := range slices.Chunk(rows, per) {
		var b strings.Builder
		b.WriteString(prefix)
		var args []any
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString(tx.db.d.param(len(args)))
			}
			b.WriteByte(')')
		}
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// TextPending is the number of tickets waiting for analysis: how far the
// stored text analytics lag behind.
func (db *DB) TextPending(ctx context.Context) (int64, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermTicketRead); err != nil {
		return 0, err
	}
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM text_pending`).Scan(&n)
	return n, err
}

// TicketText returns the stored analysis of a ticket the caller may see;
// ENOTFOUND while it was not analysed yet.
func (db *DB) TicketText(ctx context.Context, id int64) (*aftersales.TicketText, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	t := aftersales.TicketText{TicketID: id, Messages: []aftersales.MessageSentiment{}}
	var kw string
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT sentiment, polarity, positive, negative, keywords, method, model_version, analysed_at
		FROM ticket_text WHERE ticket_id = $1`, id).Scan(&t.Sentiment, &t.Polarity, &t.Positive, &t.Negative, &kw, &t.Method, &t.ModelVersion, &at)
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, aftersales.Errorf(aftersales.ENOTFOUND, "The text of ticket %d has not been analysed yet.", id)
		}
		return nil, fmt.Errorf("sqlstore: ticket text %d: %w", id, err)
	}
	t.AnalysedAt = fromMS(at)
	if t.Correction, err = db.sentimentCorrection(ctx, id); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(kw), &t.Keywords); err != nil {
		return nil, fmt.Errorf("sqlstore: ticket keywords %d: %w", id, err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT event_id, sentiment, polarity FROM message_text WHERE ticket_id = $1 ORDER BY event_id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: message texts %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m aftersales.MessageSentiment
		if err := rows.Scan(&m.EventID, &m.Sentiment, &m.Polarity); err != nil {
			return nil, err
		}
		t.Messages = append(t.Messages, m)
	}
	return &t, rows.Err()
}

// textScope is the condition on tickets t of a text query: created in
// [from, to), in the scope, and visible to u (nil: every ticket, for
// background sweeps).
func (db *DB) textScope(ctx context.Context, u *aftersales.User, dim aftersales.Dimension, val string, from, to time.Time) (string, []any, error) {
	where, args := []string{"t.created_at >= $1", "t.created_at < $2"}, []any{ms(from), ms(to)}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	id := func() (int64, error) {
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n <= 0 {
			return 0, invalidField("value", "must be the id of a "+string(dim))
		}
		return n, nil
	}
	switch dim {
	case "":
	case aftersales.DimTeam, aftersales.DimTechnician, aftersales.DimPoint, aftersales.DimProduct:
		n, err := id()
		if err != nil {
			return "", nil, err
		}
		col := map[aftersales.Dimension]string{aftersales.DimTeam: "t.team_id", aftersales.DimTechnician: "t.assignee_id",
			aftersales.DimPoint: "t.service_unit_id", aftersales.DimProduct: "t.product_id"}[dim]
		where = append(where, col+" = "+arg(n))
	case aftersales.DimRegion:
		n, err := id()
		if err != nil {
			return "", nil, err
		}
		where = append(where, `t.service_unit_id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM service_units WHERE id = `+arg(n)+`
			UNION ALL SELECT u.id FROM service_units u JOIN sub ON u.parent_id = sub.id) SELECT id FROM sub)`)
	case aftersales.DimCategory:
		n, err := id()
		if err != nil {
			return "", nil, err
		}
		ids, err := db.subtree(ctx, n)
		if err != nil {
			return "", nil, err
		}
		if len(ids) == 0 {
			ids = []int64{0}
		}
		where = append(where, "t.category_id IN ("+idList(ids)+")")
	case aftersales.DimChannel:
		where = append(where, "t.channel = "+arg(val))
	case aftersales.DimNature:
		where = append(where, "t.nature = "+arg(val))
	case aftersales.DimUrgency:
		where = append(where, "t.urgency = "+arg(val))
	case aftersales.DimTier:
		where = append(where, "t.customer_id IN (SELECT id FROM customers WHERE tier = "+arg(val)+")")
	default:
		return "", nil, invalidField("filter", "unknown dimension")
	}
	if u != nil && !u.Role.Can(aftersales.PermTicketReadAll) {
		cond := "t.assignee_id = " + arg(u.ID)
		if u.TeamID != nil {
			cond = "(" + cond + " OR t.team_id = " + arg(*u.TeamID) + ")"
		}
		where = append(where, cond)
	}
	return strings.Join(where, " AND "), args, nil
}

// commonMinDocs is how many analysed tickets the company needs before top
// lists leave out its most common terms.
const commonMinDocs = 50

// termCounts counts analysed tickets and, per term, the tickets holding
// it, in a scope and period.
func (db *DB) termCounts(ctx context.Context, u *aftersales.User, dim aftersales.Dimension, val string, from, to time.Time, limit int) (int, []aftersales.TermCount, error) {
	where, args, err := db.textScope(ctx, u, dim, val, from, to)
	if err != nil {
		return 0, nil, err
	}
	var docs int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_text x JOIN tickets t ON t.id = x.ticket_id WHERE `+where, args...).Scan(&docs); err != nil {
		return 0, nil, fmt.Errorf("sqlstore: analysed tickets: %w", err)
	}
	q := `SELECT tt.term, COUNT(*) FROM ticket_terms tt JOIN tickets t ON t.id = tt.ticket_id WHERE ` + where
	if limit > 0 {
		// A top list leaves out the terms of more than half of all the
		// company's analysed tickets (boilerplate such as 序列号 or 购买日期
		// in a form's text): they say nothing about what this selection is
		// about. Below commonMinDocs tickets every term stays.
		q += fmt.Sprintf(` AND tt.term NOT IN (SELECT term FROM text_df WHERE docs * 2 > (SELECT COUNT(*) FROM ticket_text)
			AND (SELECT COUNT(*) FROM ticket_text) >= %d)`, commonMinDocs)
	}
	q += ` GROUP BY tt.term ORDER BY COUNT(*) DESC, tt.term`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("sqlstore: term counts: %w", err)
	}
	defer rows.Close()
	out := []aftersales.TermCount{}
	for rows.Next() {
		var c aftersales.TermCount
		if err := rows.Scan(&c.Term, &c.Tickets); err != nil {
			return 0, nil, err
		}
		if docs > 0 {
			c.Share = float64(c.Tickets) / float64(docs)
		}
		out = append(out, c)
	}
	return docs, out, rows.Err()
}

// textQueryReader checks the caller and the query, and turns From and To into
// the starts of their local days, as the KPI queries read them.
func (db *DB) textQueryReader(ctx context.Context, q *aftersales.TextQuery) (*aftersales.User, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTicketRead)
	if err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	loc := db.location()
	q.From, q.To = analytics.DayOf(q.From, loc).Date(loc), analytics.DayOf(q.To, loc).Date(loc)
	if !q.To.After(q.From) {
		return nil, invalidField("to", "must be a later day than from")
	}
	return u, nil
}

// TopTerms returns the terms held by the most analysed tickets created in
// the query's period and scope, among the tickets the caller may see.
func (db *DB) TopTerms(ctx context.Context, q aftersales.TextQuery) (*aftersales.TopTerms, error) {
	u, err := db.textQueryReader(ctx, &q)
	if err != nil {
		return nil, err
	}
	n, terms, err := db.termCounts(ctx, u, q.Filter, q.Value, q.From, q.To, q.Limit)
	if err != nil {
		return nil, err
	}
	return &aftersales.TopTerms{Analysed: n, Terms: terms}, nil
}

// RisingTerms compares the query's period with the period of the same
// length just before it (textan.RisingTerms: Dunning's G² per term,
// Benjamini–Hochberg over the terms tested).
func (db *DB) RisingTerms(ctx context.Context, q aftersales.TextQuery) (*aftersales.RisingTerms, error) {
	u, err := db.textQueryReader(ctx, &q)
	if err != nil {
		return nil, err
	}
	prev := q.From.Add(-q.To.Sub(q.From))
	res, err := db.rising(ctx, u, q.Filter, q.Value, prev, q.From, q.To, q.Alpha, q.MinCount)
	if err != nil {
		return nil, err
	}
	if len(res.Terms) > q.Limit {
		res.Terms = res.Terms[:q.Limit]
	}
	return res, nil
}

func (db *DB) rising(ctx context.Context, u *aftersales.User, dim aftersales.Dimension, val string, prev, from, to time.Time, alpha float64, minCount int) (*aftersales.RisingTerms, error) {
	period := func(a, b time.Time) (aftersales.TermPeriod, error) {
		n, terms, err := db.termCounts(ctx, u, dim, val, a, b, 0)
		if err != nil {
			return aftersales.TermPeriod{}, err
		}
		p := aftersales.TermPeriod{Docs: n, Counts: map[string]int{}}
		for _, t := range terms {
			p.Counts[t.Term] = t.Tickets
		}
		return p, nil
	}
	before, err := period(prev, from)
	if err != nil {
		return nil, err
	}
	after, err := period(from, to)
	if err != nil {
		return nil, err
	}
	res := &aftersales.RisingTerms{PreviousFrom: prev, Before: before.Docs, After: after.Docs, Alpha: alpha, Terms: []aftersales.RisingTerm{}}
	if before.Docs == 0 || after.Docs == 0 {
		return res, nil
	}
	for t := range after.Counts {
		if after.Counts[t]+before.Counts[t] >= minCount {
			res.Tested++
		}
	}
	for t := range before.Counts {
		if _, ok := after.Counts[t]; !ok && before.Counts[t] >= minCount {
			res.Tested++
		}
	}
	found, err := textan.RisingTest(before, after, alpha, minCount)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rising terms: %w", err)
	}
	res.Terms = append(res.Terms, found...)
	return res, nil
}

// SentimentTrend counts the analysed tickets of each period by polarity.
// It reads the analysed tickets of the range (two small columns each), not
// the rollups: the mean score is no rollup measure. negative_share by any
// dimension comes from the rollups like every KPI.
func (db *DB) SentimentTrend(ctx context.Context, q aftersales.TextQuery) ([]aftersales.SentimentPoint, error) {
	u, err := db.textQueryReader(ctx, &q)
	if err != nil {
		return nil, err
	}
	where, args, err := db.textScope(ctx, u, q.Filter, q.Value, q.From, q.To)
	if err != nil {
		return nil, err
	}
	loc := db.location()
	type acc struct {
		n, neg, neu, pos int
		sum              float64
	}
	byPeriod := map[analytics.Day]*acc{}
	rows, err := db.r.QueryContext(ctx, `SELECT t.created_at, x.polarity, x.sentiment FROM ticket_text x JOIN tickets t ON t.id = x.ticket_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sentiment trend: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var pol int
		var s float64
		if err := rows.Scan(&at, &pol, &s); err != nil {
			return nil, err
		}
		d := periodStart(analytics.DayOf(fromMS(at), loc), q.Grain)
		a := byPeriod[d]
		if a == nil {
			a = &acc{}
			byPeriod[d] = a
		}
		a.n++
		a.sum += s
		switch {
		case pol < 0:
			a.neg++
		case pol > 0:
			a.pos++
		default:
			a.neu++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []aftersales.SentimentPoint{}
	end := analytics.DayOf(q.To.Add(-time.Millisecond), loc)
	for d := periodStart(analytics.DayOf(q.From, loc), q.Grain); d <= end; d = nextPeriod(d, q.Grain) {
		p := aftersales.SentimentPoint{Period: d.Date(loc)}
		if a := byPeriod[d]; a != nil && a.n > 0 {
			p.Analysed, p.Negative, p.Neutral, p.Positive = a.n, a.neg, a.neu, a.pos
			share, mean := float64(a.neg)/float64(a.n), a.sum/float64(a.n)
			p.NegativeShare, p.MeanScore = &share, &mean
		}
		out = append(out, p)
	}
	return out, nil
}

func invalidField(field, reason string) error {
	var v aftersales.Validator
	v.Add(field, reason)
	return v.Err()
}
