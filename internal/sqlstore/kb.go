package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"aftersales"
	"aftersales/internal/kb"
	"aftersales/internal/textan"
)

// kbIndex is the knowledge base's search index, in memory. It is rebuilt
// from the tables when their stamp (counts and last changes of articles,
// cases and synonyms) differs from the one it was built at, so a save on
// any instance shows in the next search on every instance.
type kbIndex struct {
	mu    sync.Mutex
	seg   *textan.Segmenter
	ix    *kb.Index
	stamp string
	meta  map[string]kbMeta
}

type kbMeta struct {
	kind             aftersales.KBHitKind
	id               int64
	titleZH, titleEN string
	snipZH, snipEN   string
	category         string
	visibility       aftersales.KBVisibility
}

const articleCols = `a.id, a.slug, a.category, a.visibility, a.title_zh, a.title_en, a.body_zh, a.body_en, a.tags, a.version,
	a.author_id, u.name, a.created_at, a.updated_at, a.helpful, a.unhelpful`

func scanArticle(s interface{ Scan(...any) error }) (*aftersales.Article, error) {
	var a aftersales.Article
	var tags string
	var c, u int64
	err := s.Scan(&a.ID, &a.Slug, &a.Category, &a.Visibility, &a.TitleZH, &a.TitleEN, &a.BodyZH, &a.BodyEN, &tags, &a.Version,
		&a.AuthorID, &a.Author, &c, &u, &a.Helpful, &a.Unhelpful)
	if err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMS(c), fromMS(u)
	a.Tags = []string{}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("sqlstore: article %d tags: %w", a.ID, err)
	}
	return &a, nil
}

// Articles lists the articles, by category then title; staff only.
func (db *DB) Articles(ctx context.Context, category string) ([]*aftersales.Article, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	where, args := "", []any{}
	if category != "" {
		where, args = "WHERE a.category = $1", append(args, category)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+articleCols+` FROM kb_articles a JOIN users u ON u.id = a.author_id `+where+` ORDER BY a.category, a.title_zh, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list articles: %w", err)
	}
	return collect(rows, scanArticle)
}

// Article returns an article. Without a signed-in user only public
// articles exist.
func (db *DB) Article(ctx context.Context, id int64) (*aftersales.Article, error) {
	a, err := scanArticle(db.r.QueryRowContext(ctx, `SELECT `+articleCols+` FROM kb_articles a JOIN users u ON u.id = a.author_id WHERE a.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Article", id)
	}
	if !kbStaff(ctx) && a.Visibility != aftersales.KBPublic {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Article %d not found.", id)
	}
	return a, nil
}

func kbStaff(ctx context.Context) bool { return staff(ctx) == nil }

// CreateArticle saves the first version of an article.
func (db *DB) CreateArticle(ctx context.Context, in aftersales.ArticleInput) (*aftersales.Article, error) {
	u, err := aftersales.Require(ctx, aftersales.PermKBWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		err := tx.QueryRowContext(ctx, `INSERT INTO kb_articles (slug, category, visibility, title_zh, title_en, body_zh, body_en, tags, version, author_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) RETURNING id`,
			in.Slug, in.Category, string(in.Visibility), in.TitleZH, in.TitleEN, in.BodyZH, in.BodyEN, mustJSON(in.Tags), u.ID, now).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert article: %w", err))
		}
		if err := insertArticleVersion(ctx, tx, id, 1, in, u.ID, now); err != nil {
			return err
		}
		return tx.audit(ctx, "create", "kb_article", id, map[string]any{"slug": in.Slug})
	})
	if err != nil {
		return nil, err
	}
	return db.Article(ctx, id)
}

func insertArticleVersion(ctx context.Context, tx *Tx, id, version int64, in aftersales.ArticleInput, author, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO kb_versions (article_id, version, slug, category, visibility, title_zh, title_en, body_zh, body_en, tags, author_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		id, version, in.Slug, in.Category, string(in.Visibility), in.TitleZH, in.TitleEN, in.BodyZH, in.BodyEN, mustJSON(in.Tags), author, now)
	return mapErr(err)
}

// UpdateArticle saves the next version of an article edited at version.
func (db *DB) UpdateArticle(ctx context.Context, id, version int64, in aftersales.ArticleInput) (*aftersales.Article, error) {
	u, err := aftersales.Require(ctx, aftersales.PermKBWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		res, err := tx.ExecContext(ctx, `UPDATE kb_articles SET slug = $1, category = $2, visibility = $3, title_zh = $4, title_en = $5, body_zh = $6, body_en = $7,
			tags = $8, version = version + 1, author_id = $9, updated_at = $10 WHERE id = $11 AND version = $12`,
			in.Slug, in.Category, string(in.Visibility), in.TitleZH, in.TitleEN, in.BodyZH, in.BodyEN, mustJSON(in.Tags), u.ID, now, id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update article: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "kb_articles", "Article", id); err != nil {
			return err
		}
		if err := insertArticleVersion(ctx, tx, id, version+1, in, u.ID, now); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "kb_article", id, map[string]any{"version": version + 1})
	})
	if err != nil {
		return nil, err
	}
	return db.Article(ctx, id)
}

// ArticleVersions lists an article's versions, newest first.
func (db *DB) ArticleVersions(ctx context.Context, id int64) ([]*aftersales.ArticleVersion, error) {
	if _, err := db.Article(ctx, id); err != nil {
		return nil, err
	}
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT v.article_id, v.version, v.slug, v.category, v.visibility, v.title_zh, v.title_en, v.body_zh, v.body_en, v.tags,
		v.author_id, u.name, v.created_at FROM kb_versions v JOIN users u ON u.id = v.author_id WHERE v.article_id = $1 ORDER BY v.version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: article versions: %w", err)
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (*aftersales.ArticleVersion, error) {
		var v aftersales.ArticleVersion
		var tags string
		var at int64
		if err := s.Scan(&v.ArticleID, &v.Version, &v.Slug, &v.Category, &v.Visibility, &v.TitleZH, &v.TitleEN, &v.BodyZH, &v.BodyEN, &tags,
			&v.AuthorID, &v.Author, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = fromMS(at)
		v.Tags = []string{}
		return &v, json.Unmarshal([]byte(tags), &v.Tags)
	})
}

// index returns the search index, rebuilt when the tables moved on.
func (db *DB) index(ctx context.Context) (*kb.Index, map[string]kbMeta, error) {
	var na, nc int64
	var la, lc, ls sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM kb_articles), (SELECT max(updated_at) FROM kb_articles),
		(SELECT count(*) FROM improvement_cases), (SELECT max(published_at) FROM improvement_cases), (SELECT max(updated_at) FROM kb_synonyms)`).
		Scan(&na, &la, &nc, &lc, &ls)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: knowledge-base stamp: %w", err)
	}
	stamp := fmt.Sprint(na, la.Int64, nc, lc.Int64, ls.Int64)
	k := &db.kb
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ix != nil && k.stamp == stamp {
		return k.ix, k.meta, nil
	}
	if k.seg == nil {
		k.seg = db.Text
	}
	ix := kb.NewIndex(k.seg)
	var syn string
	if err := db.r.QueryRowContext(ctx, `SELECT body FROM kb_synonyms WHERE id = 1`).Scan(&syn); err != nil && err != sql.ErrNoRows {
		return nil, nil, fmt.Errorf("sqlstore: synonyms: %w", err)
	}
	if groups, err := kb.ParseSynonyms(syn); err == nil {
		if err := ix.SetSynonyms(groups); err != nil {
			return nil, nil, err
		}
	}
	meta := map[string]kbMeta{}
	rows, err := db.r.QueryContext(ctx, `SELECT `+articleCols+` FROM kb_articles a JOIN users u ON u.id = a.author_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: index articles: %w", err)
	}
	arts, err := collect(rows, scanArticle)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range arts {
		key := "a" + strconv.FormatInt(a.ID, 10)
		pz, pe := kb.Plain(a.BodyZH), kb.Plain(a.BodyEN)
		if err := ix.Put(kb.Doc{Key: key, Title: a.TitleZH + "\n" + a.TitleEN, Tags: strings.Join(a.Tags, " "), Body: pz + "\n" + pe}); err != nil {
			return nil, nil, err
		}
		meta[key] = kbMeta{kind: aftersales.KBHitArticle, id: a.ID, titleZH: a.TitleZH, titleEN: a.TitleEN, snipZH: snippet(pz), snipEN: snippet(pe),
			category: a.Category, visibility: a.Visibility}
	}
	cases, err := db.cases(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cases {
		key := "c" + strconv.FormatInt(c.ID, 10)
		body := c.Problem + "\n" + c.RootCause + "\n" + c.Actions + "\n" + c.Effect
		if err := ix.Put(kb.Doc{Key: key, Title: c.Title, Tags: strings.Join(c.Tags, " "), Body: body}); err != nil {
			return nil, nil, err
		}
		s := snippet(c.Problem + " " + c.Actions)
		meta[key] = kbMeta{kind: aftersales.KBHitCase, id: c.ID, titleZH: c.Title, titleEN: c.Title, snipZH: s, snipEN: s}
	}
	k.ix, k.meta, k.stamp = ix, meta, stamp
	return ix, meta, nil
}

func snippet(s string) string {
	if utf8.RuneCountInString(s) <= 120 {
		return s
	}
	r := []rune(s)
	return string(r[:120]) + "…"
}

// SearchKB ranks the articles (and, for staff who ask, the cases of the
// improvement library) for a query. A caller without a user sees public
// articles only.
func (db *DB) SearchKB(ctx context.Context, q aftersales.KBQuery) ([]aftersales.KBHit, error) {
	if !kbStaff(ctx) {
		q.Public, q.Cases = true, false
	}
	q.Text = strings.TrimSpace(q.Text)
	var v aftersales.Validator
	v.Check(utf8.RuneCountInString(q.Text) <= 200, "q", "must be at most 200 characters")
	v.Text("q", q.Text)
	v.Check(q.Category == "" || oneOfStr(q.Category, aftersales.KBCategories), "category", "is not one of "+strings.Join(aftersales.KBCategories, ", "))
	if err := v.Err(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 50 {
		q.Limit = 10
	}
	out := []aftersales.KBHit{}
	if q.Text == "" {
		return out, nil
	}
	ix, meta, err := db.index(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := ix.Search(q.Text, q.Limit, func(key string) bool {
		m := meta[key]
		if m.kind == aftersales.KBHitCase {
			return q.Cases && q.Category == ""
		}
		return (!q.Public || m.visibility == aftersales.KBPublic) && (q.Category == "" || m.category == q.Category)
	})
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		m := meta[h.Key]
		hit := aftersales.KBHit{Kind: m.kind, ID: m.id, Title: m.titleZH, Snippet: m.snipZH, Score: h.Score, Category: m.category, Visibility: m.visibility}
		if q.Lang == "en" {
			hit.Title, hit.Snippet = m.titleEN, m.snipEN
		}
		out = append(out, hit)
	}
	if len(out) == 0 && q.Log {
		if err := db.logMissed(ctx, q.Text); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func oneOfStr(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (db *DB) logMissed(ctx context.Context, query string) error {
	query = strings.ToLower(strings.Join(strings.Fields(query), " "))
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kb_missed (query, count, last_seen) VALUES ($1, 1, $2)
			ON CONFLICT (query) DO UPDATE SET count = kb_missed.count + 1, last_seen = excluded.last_seen`, query, ms(tx.now))
		return mapErr(err)
	})
}

// ArticleFeedback records a reader's verdict on an article they can read.
func (db *DB) ArticleFeedback(ctx context.Context, id int64, in aftersales.KBFeedbackInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := db.Article(ctx, id); err != nil {
		return err
	}
	col := "unhelpful"
	if in.Helpful {
		col = "helpful"
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_feedback (article_id, helpful, reason, comment, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, b2i(in.Helpful), in.Reason, in.Comment, ms(tx.now)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: article feedback: %w", err))
		}
		_, err := tx.ExecContext(ctx, `UPDATE kb_articles SET `+col+` = `+col+` + 1 WHERE id = $1`, id)
		return mapErr(err)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RecordDeflection records an event of a public form session; repeats
// of one event count once.
func (db *DB) RecordDeflection(ctx context.Context, session string, articleID int64, event string) error {
	var v aftersales.Validator
	v.Check(session != "" && len(session) <= 100 && aftersales.ValidText(session), "session", "is required, at most 100 characters")
	v.Check(oneOfStr(event, []string{aftersales.KBEventOpen, aftersales.KBEventSolved, aftersales.KBEventSubmit}), "event", "is not one of open, solved, submit")
	if err := v.Err(); err != nil {
		return err
	}
	if event != aftersales.KBEventSubmit {
		if _, err := db.Article(ctx, articleID); err != nil {
			return err
		}
	} else {
		articleID = 0
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kb_events (session, article_id, event, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (session, event, article_id) DO NOTHING`, session, articleID, event, ms(tx.now))
		return mapErr(err)
	})
}

// kbLeftAfter is how long a session that opened an article and sent
// nothing waits before it counts as having left: until then the customer
// may still be reading.
const kbLeftAfter = time.Hour

// KBReport is the searches that found nothing, the latest feedback and
// the deflection counts.
func (db *DB) KBReport(ctx context.Context) (*aftersales.KBReport, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	rep := &aftersales.KBReport{Missed: []aftersales.KBMissedSearch{}, Feedback: []aftersales.KBFeedback{}}
	rows, err := db.r.QueryContext(ctx, `SELECT query, count, last_seen FROM kb_missed ORDER BY count DESC, last_seen DESC, query LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: missed searches: %w", err)
	}
	for rows.Next() {
		var m aftersales.KBMissedSearch
		var at int64
		if err := rows.Scan(&m.Query, &m.Count, &at); err != nil {
			rows.Close()
			return nil, err
		}
		m.LastSeen = fromMS(at)
		rep.Missed = append(rep.Missed, m)
	}
	rows.Close()
	rows, err = db.r.QueryContext(ctx, `SELECT f.article_id, a.title_zh, a.title_en, f.helpful, f.reason, f.comment, f.created_at
		FROM kb_feedback f JOIN kb_articles a ON a.id = f.article_id ORDER BY f.created_at DESC, f.id DESC LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: article feedback: %w", err)
	}
	for rows.Next() {
		var f aftersales.KBFeedback
		var zh, en string
		var h int
		var at int64
		if err := rows.Scan(&f.ArticleID, &zh, &en, &h, &f.Reason, &f.Comment, &at); err != nil {
			rows.Close()
			return nil, err
		}
		f.Title = zh + " / " + en
		f.Helpful, f.At = h == 1, fromMS(at)
		rep.Feedback = append(rep.Feedback, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	left := ms(db.Now().Add(-kbLeftAfter))
	d := &rep.Deflection
	err = db.r.QueryRowContext(ctx, `WITH s AS (
			SELECT session,
				max(CASE WHEN event = 'solved' THEN 1 ELSE 0 END) AS solved,
				max(CASE WHEN event = 'submit' THEN 1 ELSE 0 END) AS submitted,
				max(CASE WHEN event <> 'submit' THEN 1 ELSE 0 END) AS met,
				min(created_at) AS first_at
			FROM kb_events GROUP BY session)
		SELECT count(*),
			coalesce(sum(CASE WHEN solved = 1 AND submitted = 0 THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN solved = 0 AND submitted = 0 AND first_at < $1 THEN 1 ELSE 0 END), 0),
			coalesce(sum(submitted), 0)
		FROM s WHERE met = 1`, left).Scan(&d.Sessions, &d.Solved, &d.Left, &d.Submitted)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deflection: %w", err)
	}
	d.Deflected = d.Solved + d.Left
	return rep, nil
}

// Synonyms returns the synonym groups as an administrator wrote them.
func (db *DB) Synonyms(ctx context.Context) (string, error) {
	if err := staff(ctx); err != nil {
		return "", err
	}
	var s string
	err := db.r.QueryRowContext(ctx, `SELECT body FROM kb_synonyms WHERE id = 1`).Scan(&s)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: synonyms: %w", err)
	}
	return s, nil
}

// SetSynonyms replaces the synonym groups (one a line, phrases separated
// by commas); a malformed line is refused with its number.
func (db *DB) SetSynonyms(ctx context.Context, text string) error {
	if _, err := aftersales.Require(ctx, aftersales.PermKBWrite); err != nil {
		return err
	}
	var v aftersales.Validator
	v.Text("synonyms", text)
	v.Check(len(text) <= 100000, "synonyms", "must be at most 100000 bytes")
	if _, err := kb.ParseSynonyms(text); err != nil {
		v.Add("synonyms", err.Error())
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kb_synonyms (id, body, updated_at) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, text, ms(tx.now))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: save synonyms: %w", err))
		}
		return tx.audit(ctx, "update", "kb_synonyms", 1, nil)
	})
}

// SimilarTickets ranks the latest solved tickets (those with a resolution
// note) by their text's likeness to ticket id's title and description.
func (db *DB) SimilarTickets(ctx context.Context, id int64, limit int) ([]aftersales.SimilarTicket, error) {
	t, err := db.FindTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 20 {
		limit = 5
	}
	rows, err := db.r.QueryContext(ctx, `SELECT t.id, t.number, t.title, t.description, e.body FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
		WHERE e.kind = 'status_changed' AND e.to_value = 'resolved' AND e.body <> '' AND e.ticket_id <> $1
		ORDER BY e.id DESC LIMIT 500`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: solved tickets: %w", err)
	}
	byKey := map[string]aftersales.SimilarTicket{}
	var docs []kb.Doc
	for rows.Next() {
		var s aftersales.SimilarTicket
		var desc string
		if err := rows.Scan(&s.ID, &s.Number, &s.Title, &desc, &s.Resolution); err != nil {
			rows.Close()
			return nil, err
		}
		key := strconv.FormatInt(s.ID, 10)
		if _, ok := byKey[key]; ok {
			continue // resolved twice: the latest note
		}
		byKey[key] = s
		docs = append(docs, kb.Doc{Key: key, Title: s.Title, Body: desc})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []aftersales.SimilarTicket{}
	if len(docs) == 0 {
		return out, nil
	}
	db.kb.mu.Lock()
	if db.kb.seg == nil {
		db.kb.seg = db.Text
	}
	seg := db.kb.seg
	db.kb.mu.Unlock()
	ix := kb.NewIndex(seg)
	for _, d := range docs {
		if err := ix.Put(d); err != nil {
			return nil, err
		}
	}
	hits, err := ix.Search(t.Title+"\n"+t.Description, limit, nil)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		s := byKey[h.Key]
		s.Score = h.Score
		out = append(out, s)
	}
	return out, nil
}

// AttachToArticle records a file committed to the BlobStore.
func (db *DB) AttachToArticle(ctx context.Context, a *aftersales.KBAttachment) error {
	u, err := aftersales.Require(ctx, aftersales.PermKBWrite)
	if err != nil {
		return err
	}
	var v aftersales.Validator
	a.Name = strings.TrimSpace(a.Name)
	v.Check(a.Name != "" && utf8.RuneCountInString(a.Name) <= 200 && aftersales.ValidText(a.Name), "file", "needs a name of at most 200 characters")
	v.Check(a.BlobKey != "", "file", "is required")
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := db.Article(ctx, a.ArticleID); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		a.CreatedAt = tx.now.UTC().Truncate(time.Millisecond)
		err := tx.QueryRowContext(ctx, `INSERT INTO kb_attachments (article_id, name, content_type, size, blob_key, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.ArticleID, a.Name, a.ContentType, a.Size, a.BlobKey, u.ID, ms(tx.now)).Scan(&a.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert article attachment: %w", err))
		}
		return tx.audit(ctx, "attach", "kb_article", a.ArticleID, map[string]any{"name": a.Name})
	})
}

const kbAttCols = `id, article_id, name, content_type, size, blob_key, created_at`

func scanKBAtt(s interface{ Scan(...any) error }) (*aftersales.KBAttachment, error) {
	var a aftersales.KBAttachment
	var at int64
	err := s.Scan(&a.ID, &a.ArticleID, &a.Name, &a.ContentType, &a.Size, &a.BlobKey, &at)
	a.CreatedAt = fromMS(at)
	return &a, err
}

// ArticleAttachments lists the files of an article the caller can read.
func (db *DB) ArticleAttachments(ctx context.Context, id int64) ([]*aftersales.KBAttachment, error) {
	if _, err := db.Article(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+kbAttCols+` FROM kb_attachments WHERE article_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: article attachments: %w", err)
	}
	return collect(rows, scanKBAtt)
}

// ArticleAttachment returns one file of an article the caller can read.
func (db *DB) ArticleAttachment(ctx context.Context, articleID, attID int64) (*aftersales.KBAttachment, error) {
	if _, err := db.Article(ctx, articleID); err != nil {
		return nil, err
	}
	a, err := scanKBAtt(db.r.QueryRowContext(ctx, `SELECT `+kbAttCols+` FROM kb_attachments WHERE id = $1 AND article_id = $2`, attID, articleID))
	if err != nil {
		return nil, notFound(err, "Attachment", attID)
	}
	return a, nil
}
