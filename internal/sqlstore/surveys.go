package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

var _ aftersales.SurveyService = (*DB)(nil)

// SurveyKeySecret names the key that signs survey links among the
// database's secrets: every instance accepts every instance's links.
const SurveyKeySecret = "survey-link-key"

// surveyKey reads (making on first use) the link key through q, so that a
// write transaction can sign without a second writer connection.
func surveyKey(ctx context.Context, q queryer, now time.Time) ([]byte, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO settings (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, SurveyKeySecret, rand.Text(), ms(now)); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: make survey key: %w", err))
	}
	var v string
	if err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, SurveyKeySecret).Scan(&v); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: read survey key: %w", err))
	}
	return []byte(v), nil
}

// readSurveyKey reads the link key without the writer once it exists:
// the public page reads it on every request.
func (db *DB) readSurveyKey(ctx context.Context) ([]byte, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, SurveyKeySecret).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return db.Secret(ctx, SurveyKeySecret)
	}
	if err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: read survey key: %w", err))
	}
	return []byte(v), nil
}

// msg is a catalog text with its {name} fields filled in.
func (db *DB) msg(lang, key string, kv ...string) string {
	s := "!" + key
	if db.Messages != nil {
		s = db.Messages(lang, key)
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// surveyURL is the public page of a token.
func (db *DB) surveyURL(tok string) string {
	return strings.TrimRight(db.PublicURL, "/") + "/s/" + tok
}

const templateCols = `id, code, version, kind, title_zh, title_en, questions, created_at`

func scanTemplate(s interface{ Scan(...any) error }) (*aftersales.SurveyTemplate, error) {
	var t aftersales.SurveyTemplate
	var qs string
	var at int64
	if err := s.Scan(&t.ID, &t.Code, &t.Version, &t.Kind, &t.TitleZH, &t.TitleEN, &qs, &at); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMS(at)
	if err := json.Unmarshal([]byte(qs), &t.Questions); err != nil {
		return nil, fmt.Errorf("sqlstore: survey template %d questions: %w", t.ID, err)
	}
	return &t, nil
}

// SurveyTemplates lists every version of every template, newest first
// within a code.
func (db *DB) SurveyTemplates(ctx context.Context) ([]*aftersales.SurveyTemplate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+templateCols+` FROM survey_templates ORDER BY code, version DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list survey templates: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.SurveyTemplate{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SurveyTemplate returns one version.
func (db *DB) SurveyTemplate(ctx context.Context, id int64) (*aftersales.SurveyTemplate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	t, err := scanTemplate(db.r.QueryRowContext(ctx, `SELECT `+templateCols+` FROM survey_templates WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Survey template", id)
	}
	return t, nil
}

// SaveSurveyTemplate adds the next version of template code (the first
// when the code is new). A code keeps its kind.
func (db *DB) SaveSurveyTemplate(ctx context.Context, code string, in aftersales.SurveyTemplateInput) (*aftersales.SurveyTemplate, error) {
	u, err := aftersales.Require(ctx, aftersales.PermSettingsWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(code); err != nil {
		return nil, err
	}
	var out *aftersales.SurveyTemplate
	err = db.inTx(ctx, func(tx *Tx) error {
		var last sql.NullInt64
		var kind sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT max(version), max(kind) FROM survey_templates WHERE code = $1`, code).Scan(&last, &kind); err != nil {
			return fmt.Errorf("sqlstore: survey template version: %w", err)
		}
		if kind.Valid && kind.String != string(in.Kind) {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "A template keeps its kind; make a new template for another kind.",
				Fields: []aftersales.FieldError{{Field: "kind", Reason: "must stay " + kind.String}}}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO survey_templates (code, version, kind, title_zh, title_en, questions, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			code, last.Int64+1, string(in.Kind), in.TitleZH, in.TitleEN, mustJSON(in.Questions), u.ID, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert survey template: %w", err))
		}
		if out, err = scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateCols+` FROM survey_templates WHERE id = $1`, id)); err != nil {
			return err
		}
		return tx.audit(ctx, "create", "survey_template", id, map[string]any{"code": code, "version": out.Version})
	})
	return out, err
}

func loadSurveySettings(ctx context.Context, q queryer) (*aftersales.SurveySettings, error) {
	var s aftersales.SurveySettings
	var at int64
	err := q.QueryRowContext(ctx, `SELECT enabled, template_code, delay_minutes, expiry_days, version, updated_at FROM survey_settings WHERE id = 1`).
		Scan(&s.Enabled, &s.TemplateCode, &s.DelayMinutes, &s.ExpiryDays, &s.Version, &at)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load survey settings: %w", err)
	}
	s.UpdatedAt = fromMS(at)
	return &s, nil
}

// SurveySettings returns what resolving a ticket does.
func (db *DB) SurveySettings(ctx context.Context) (*aftersales.SurveySettings, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	return loadSurveySettings(ctx, db.r)
}

// UpdateSurveySettings replaces the settings if version is current.
func (db *DB) UpdateSurveySettings(ctx context.Context, version int64, s aftersales.SurveySettings) (*aftersales.SurveySettings, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(version > 0, "version", "is required")
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *aftersales.SurveySettings
	err := db.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM survey_templates WHERE code = $1`, s.TemplateCode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
				Fields: []aftersales.FieldError{{Field: "template_code", Reason: "no template has this code"}}}
		}
		res, err := tx.ExecContext(ctx, `UPDATE survey_settings SET enabled = $1, template_code = $2, delay_minutes = $3, expiry_days = $4,
			version = version + 1, updated_at = $5 WHERE id = 1 AND version = $6`,
			s.Enabled, s.TemplateCode, s.DelayMinutes, s.ExpiryDays, ms(tx.now), version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update survey settings: %w", err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The settings were changed by someone else; reload and try again.",
				Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
		}
		if out, err = loadSurveySettings(ctx, tx); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "survey_settings", 1, out)
	})
	return out, err
}

// invitation is an invitation row with what signing and sending need.
type invitation struct {
	id, ticketID, templateID int64
	channel                  string
	sentAt, answeredAt       sql.NullInt64
	expiresAt                int64
}

func findInvitation(ctx context.Context, q queryer, where string, arg any, lock string) (*invitation, error) {
	var i invitation
	err := q.QueryRowContext(ctx, `SELECT id, ticket_id, template_id, channel, sent_at, expires_at, answered_at
		FROM survey_invitations WHERE `+where+` = $1`+lock, arg).
		Scan(&i.id, &i.ticketID, &i.templateID, &i.channel, &i.sentAt, &i.expiresAt, &i.answeredAt)
	if err != nil {
		return nil, err
	}
	return &i, nil
}

// regionOf walks a service unit up to its region.
func regionOf(ctx context.Context, q queryer, unit *int64) (*int64, error) {
	if unit == nil {
		return nil, nil
	}
	id := *unit
	for range 8 { // the network has four levels
		var p sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT parent_id FROM service_units WHERE id = $1`, id).Scan(&p); err != nil {
			return nil, fmt.Errorf("sqlstore: region of unit %d: %w", id, err)
		}
		if !p.Valid {
			break
		}
		id = p.Int64
	}
	return &id, nil
}

// invite creates ticket t's invitation with the configured template, or
// returns the one it has. It returns nil when surveys are off and force
// is not set, or the configured template is missing.
func (db *DB) invite(ctx context.Context, tx *Tx, t *aftersales.Ticket, set *aftersales.SurveySettings, delay time.Duration) (*invitation, bool, error) {
	i, err := findInvitation(ctx, tx, "ticket_id", t.ID, "")
	if err == nil {
		return i, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("sqlstore: find invitation: %w", err)
	}
	var tmpl int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM survey_templates WHERE code = $1 ORDER BY version DESC LIMIT 1`, set.TemplateCode).Scan(&tmpl)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlstore: survey template: %w", err)
	}
	region, err := regionOf(ctx, tx, t.ServiceUnitID)
	if err != nil {
		return nil, false, err
	}
	i = &invitation{ticketID: t.ID, templateID: tmpl, expiresAt: ms(tx.now.Add(delay).AddDate(0, 0, set.ExpiryDays))}
	err = tx.QueryRowContext(ctx, `INSERT INTO survey_invitations (ticket_id, template_id, region_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.ID, tmpl, nullInt(region), ms(tx.now), i.expiresAt).Scan(&i.id)
	if err != nil {
		return nil, false, mapErr(fmt.Errorf("sqlstore: insert survey invitation: %w", err))
	}
	return i, true, nil
}

// surveyOnResolve invites the customer of a ticket just resolved, when
// surveys are on, and queues the invitation email after the configured
// delay when the customer has an address and email is configured. A
// ticket is invited once: resolving it again sends nothing more.
func (db *DB) surveyOnResolve(ctx context.Context, tx *Tx, t *aftersales.Ticket) error {
	set, err := loadSurveySettings(ctx, tx)
	if err != nil || !set.Enabled {
		return err
	}
	delay := time.Duration(set.DelayMinutes) * time.Minute
	i, created, err := db.invite(ctx, tx, t, set, delay)
	if err != nil || i == nil || !created || t.CustomerID == nil {
		return err
	}
	if on, err := db.mailOn(ctx, tx); err != nil || !on {
		return err
	}
	var email string
	if err := tx.QueryRowContext(ctx, `SELECT email FROM customers WHERE id = $1`, *t.CustomerID).Scan(&email); err != nil {
		return fmt.Errorf("sqlstore: survey customer: %w", err)
	}
	if email = strings.TrimSpace(email); email == "" {
		return nil
	}
	key, err := surveyKey(ctx, tx, tx.now)
	if err != nil {
		return err
	}
	link := db.surveyURL(aftersales.SurveyToken(key, i.id))
	days := strconv.Itoa(set.ExpiryDays)
	var subject, body []string
	for _, l := range []string{"zh-CN", "en"} {
		subject = append(subject, db.msg(l, "survey.mail.subject", "number", t.Number))
		body = append(body, db.msg(l, "survey.mail.body", "number", t.Number, "title", t.Title, "link", link, "days", days))
	}
	domain := cmp.Or(db.MailDomain, "aftersales.localhost")
	mid := fmt.Sprintf("%s.survey.%d.%s@%s", t.Number, tx.now.UnixMilli(), strings.ToLower(rand.Text()[:12]), domain)
	var outbox int64
	err = tx.QueryRowContext(ctx, `INSERT INTO email_outbox (to_addr, subject, body, next_attempt_at, created_at, message_id, in_reply_to, refs, auto_submitted)
		VALUES ($1, $2, $3, $4, $5, $6, '', '', 1) RETURNING id`,
		email, strings.Join(subject, " / "), strings.Join(body, "\n\n---\n\n")+"\n", ms(tx.now.Add(delay)), ms(tx.now), mid).Scan(&outbox)
	if err != nil {
		return fmt.Errorf("sqlstore: queue survey mail: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE survey_invitations SET channel = 'email', email_id = $1 WHERE id = $2`, outbox, i.id)
	return err
}

// SurveyLink returns ticket id's survey link, creating the invitation
// with the configured template when it has none (whether or not surveys
// are sent on resolution), and records the channel it is handed out on
// unless it already went by another. An expired, unanswered link gets a
// new expiry.
func (db *DB) SurveyLink(ctx context.Context, id int64, channel string) (*aftersales.SurveyLink, error) {
	if _, err := db.seeTicket(ctx, id); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermTicketNote)
	if err != nil {
		return nil, err
	}
	channel = cmp.Or(channel, aftersales.SendLink)
	if channel == aftersales.SendEmail || !slices.Contains(aftersales.SendChannels, channel) {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
			Fields: []aftersales.FieldError{{Field: "channel", Reason: "is not one of sms, wechat, link"}}}
	}
	var out *aftersales.SurveyLink
	err = db.inTx(ctx, func(tx *Tx) error {
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if t.Status == aftersales.StatusCancelled {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "A cancelled ticket gets no survey.",
				Fields: []aftersales.FieldError{{Field: "id", Reason: "the ticket is cancelled"}}}
		}
		set, err := loadSurveySettings(ctx, tx)
		if err != nil {
			return err
		}
		i, _, err := db.invite(ctx, tx, t, set, 0)
		if err != nil {
			return err
		}
		if i == nil {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The configured survey template does not exist.",
				Fields: []aftersales.FieldError{{Field: "template_code", Reason: "no template has code " + set.TemplateCode}}}
		}
		if err := handOut(ctx, tx, i, channel, set); err != nil {
			return err
		}
		key, err := surveyKey(ctx, tx, tx.now)
		if err != nil {
			return err
		}
		inv, err := listInvitations(ctx, tx, `i.id = $1`, []any{i.id}, 1)
		if err != nil {
			return err
		}
		tok := aftersales.SurveyToken(key, i.id)
		out = &aftersales.SurveyLink{Invitation: inv[0], Token: tok, URL: db.surveyURL(tok), Message: map[string]string{}}
		if inv[0].Kind == aftersales.SurveyCSAT {
			for s := 1; s <= 5; s++ {
				out.OneClick = append(out.OneClick, out.URL+"?score="+strconv.Itoa(s))
			}
		}
		for _, l := range []string{"zh-CN", "en"} {
			out.Message[l] = db.msg(l, "survey.sms", "number", t.Number, "link", out.URL)
		}
		return tx.audit(ctx, "survey.link", "ticket", id, map[string]any{"channel": channel, "invitation": i.id})
	})
	return out, err
}

// handOut records that invitation i's link went out by channel (unless
// it already went by another) and renews an expired, unanswered link.
func handOut(ctx context.Context, tx *Tx, i *invitation, channel string, set *aftersales.SurveySettings) error {
	if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET
			channel = CASE WHEN channel = '' THEN $1 ELSE channel END,
			sent_at = CASE WHEN channel = '' OR channel = $1 THEN COALESCE(sent_at, $2) ELSE sent_at END,
			expires_at = CASE WHEN answered_at IS NULL AND expires_at <= $2 THEN $3 ELSE expires_at END
		WHERE id = $4`, channel, ms(tx.now), ms(tx.now.AddDate(0, 0, set.ExpiryDays)), i.id); err != nil {
		return mapErr(fmt.Errorf("sqlstore: survey link: %w", err))
	}
	return nil
}

// surveyRow is the one-click satisfaction row a public reply carries: a
// line in each language and the link with each score preselected (the
// link alone when the configured survey is not CSAT). Opening one of them
// records nothing: the customer still sends the page.
func (db *DB) surveyRow(ctx context.Context, tx *Tx, t *aftersales.Ticket) (string, error) {
	refuse := func(reason string) error {
		return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The reply cannot carry the survey.",
			Fields: []aftersales.FieldError{{Field: "survey_row", Reason: reason}}}
	}
	if t.Status == aftersales.StatusCancelled {
		return "", refuse("the ticket is cancelled")
	}
	set, err := loadSurveySettings(ctx, tx)
	if err != nil {
		return "", err
	}
	i, _, err := db.invite(ctx, tx, t, set, 0)
	if err != nil {
		return "", err
	}
	if i == nil {
		return "", refuse("no survey template has code " + set.TemplateCode)
	}
	if i.answeredAt.Valid {
		return "", refuse("the customer already answered the survey")
	}
	if err := handOut(ctx, tx, i, aftersales.SendLink, set); err != nil {
		return "", err
	}
	key, err := surveyKey(ctx, tx, tx.now)
	if err != nil {
		return "", err
	}
	var kind aftersales.SurveyKind
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM survey_templates WHERE id = $1`, i.templateID).Scan(&kind); err != nil {
		return "", fmt.Errorf("sqlstore: survey row template: %w", err)
	}
	link := db.surveyURL(aftersales.SurveyToken(key, i.id))
	lines := []string{db.msg("zh-CN", "survey.row"), db.msg("en", "survey.row")}
	if kind != aftersales.SurveyCSAT {
		return strings.Join(append(lines, link), "\n"), nil
	}
	for s := 5; s >= 1; s-- {
		lines = append(lines, fmt.Sprintf("%s %s?score=%d", strings.Repeat("★", s), link, s))
	}
	return strings.Join(lines, "\n"), nil
}

// surveyToken checks a token's signature and returns its invitation; a
// token that is not ours is ENOTFOUND, as one whose invitation is gone.
func (db *DB) surveyToken(ctx context.Context, key []byte, q queryer, tok, lock string) (*invitation, error) {
	gone := aftersales.Errorf(aftersales.ENOTFOUND, "This survey link is not valid.")
	id, ok := aftersales.ParseSurveyToken(key, tok)
	if !ok {
		return nil, gone
	}
	i, err := findInvitation(ctx, q, "id", id, lock)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gone
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: survey invitation: %w", err)
	}
	return i, nil
}

// OpenSurvey returns what the public page shows for a token: the
// template, the ticket's number and title, and the answer if given.
func (db *DB) OpenSurvey(ctx context.Context, tok string) (*aftersales.SurveyForm, error) {
	key, err := db.readSurveyKey(ctx)
	if err != nil {
		return nil, err
	}
	i, err := db.surveyToken(ctx, key, db.r, tok, "")
	if err != nil {
		return nil, err
	}
	return db.surveyForm(ctx, db.r, i, db.Now())
}

func (db *DB) surveyForm(ctx context.Context, q queryer, i *invitation, now time.Time) (*aftersales.SurveyForm, error) {
	f := &aftersales.SurveyForm{ExpiresAt: fromMS(i.expiresAt)}
	if err := q.QueryRowContext(ctx, `SELECT number, title FROM tickets WHERE id = $1`, i.ticketID).Scan(&f.Number, &f.Title); err != nil {
		return nil, fmt.Errorf("sqlstore: survey ticket: %w", err)
	}
	var err error
	if f.Template, err = scanTemplate(q.QueryRowContext(ctx, `SELECT `+templateCols+` FROM survey_templates WHERE id = $1`, i.templateID)); err != nil {
		return nil, fmt.Errorf("sqlstore: survey template: %w", err)
	}
	f.Response, err = surveyResponse(ctx, q, i.id)
	if err != nil {
		return nil, err
	}
	f.Expired = f.Response == nil && ms(now) >= i.expiresAt
	return f, nil
}

func surveyResponse(ctx context.Context, q queryer, invitation int64) (*aftersales.SurveyResponse, error) {
	var r aftersales.SurveyResponse
	var csat, nps, ces sql.NullInt64
	var reasons string
	var at int64
	err := q.QueryRowContext(ctx, `SELECT ticket_id, template_id, csat, nps, ces, reasons, comment, lang, at FROM survey_responses WHERE invitation_id = $1`, invitation).
		Scan(&r.TicketID, &r.TemplateID, &csat, &nps, &ces, &reasons, &r.Comment, &r.Lang, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: survey response: %w", err)
	}
	r.CSAT, r.NPS, r.CES, r.At = intOf(csat), intOf(nps), intOf(ces), fromMS(at)
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
		return nil, err
	}
	return &r, nil
}

// AnswerSurvey stores the customer's answer: the response (with the
// version it answered), the ticket's feedback (channel survey; a score
// the survey did not ask keeps its earlier value), a timeline event and
// the survey.answered webhook, in one transaction. A second answer is
// ECONFLICT: one response per ticket, whichever link or instance it
// comes through.
func (db *DB) AnswerSurvey(ctx context.Context, tok string, a aftersales.SurveyAnswer) (*aftersales.SurveyResponse, error) {
	var out *aftersales.SurveyResponse
	lock := ""
	if db.d.engine == Postgres {
		lock = " FOR UPDATE"
	}
	key, err := db.readSurveyKey(ctx)
	if err != nil {
		return nil, err
	}
	// A refused token costs no write transaction.
	if _, err := db.surveyToken(ctx, key, db.r, tok, ""); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		i, err := db.surveyToken(ctx, key, tx, tok, lock)
		if err != nil {
			return err
		}
		f, err := db.surveyForm(ctx, tx, i, tx.now)
		if err != nil {
			return err
		}
		if f.Response != nil {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "This survey was already answered.",
				Fields: []aftersales.FieldError{{Field: "token", Reason: "already answered"}}}
		}
		if f.Expired {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "This survey link has expired.",
				Fields: []aftersales.FieldError{{Field: "token", Reason: "has expired"}}}
		}
		r, err := f.Template.Answer(a)
		if err != nil {
			return err
		}
		r.TicketID, r.At = i.ticketID, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_responses (invitation_id, ticket_id, template_id, csat, nps, ces, reasons, comment, lang, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, i.id, i.ticketID, i.templateID, intPtr(r.CSAT), intPtr(r.NPS), intPtr(r.CES),
			mustJSON(r.Reasons), r.Comment, r.Lang, ms(tx.now)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert survey response: %w", err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET answered_at = $1 WHERE id = $2`, ms(tx.now), i.id); err != nil {
			return fmt.Errorf("sqlstore: survey answered: %w", err)
		}
		if r.CSAT != nil || r.NPS != nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO ticket_feedback (ticket_id, csat, nps, comment, channel, recorded_by, at)
				VALUES ($1, $2, $3, $4, $5, NULL, $6)
				ON CONFLICT (ticket_id) DO UPDATE SET csat = COALESCE(excluded.csat, ticket_feedback.csat), nps = COALESCE(excluded.nps, ticket_feedback.nps),
					comment = excluded.comment, channel = excluded.channel, recorded_by = NULL, at = excluded.at`,
				i.ticketID, intPtr(r.CSAT), intPtr(r.NPS), r.Comment, string(aftersales.ChannelSurvey), ms(tx.now))
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: survey feedback: %w", err))
			}
		}
		score := r.Score(f.Template.Kind)
		// To is "CSAT 4", From the reason codes. A note by no one: the timeline's kinds are fixed by a check, and a
		// note moves no SLA clock, as the answer must not.
		e := &aftersales.TicketEvent{TicketID: i.ticketID, Kind: aftersales.EventNote, Field: aftersales.SurveyEventField,
			Body: r.Comment, Channel: aftersales.ChannelSurvey}
		if score != nil {
			e.To = strings.ToUpper(string(f.Template.Kind)) + " " + strconv.Itoa(*score)
		}
		if len(r.Reasons) > 0 {
			e.From = strings.Join(r.Reasons, ",")
		}
		if err := addEvent(ctx, tx, e); err != nil {
			return err
		}
		if err := db.enqueue(ctx, tx, aftersales.HookSurveyAnswered, i.ticketID, map[string]any{"template_id": f.Template.ID,
			"template_code": f.Template.Code, "template_version": f.Template.Version, "kind": f.Template.Kind,
			"csat": r.CSAT, "nps": r.NPS, "ces": r.CES, "reasons": r.Reasons, "comment": r.Comment, "lang": r.Lang}); err != nil {
			return err
		}
		out = r
		return tx.audit(ctx, "survey.answer", "ticket", i.ticketID, map[string]any{"invitation": i.id})
	})
	return out, err
}

// surveyDims are the grouping expressions of SurveyStats.
var surveyDims = map[string]string{
	"send_channel": "i.channel",
	"channel":      "t.channel",
	"region":       "COALESCE(CAST(i.region_id AS TEXT), '')",
	"nature":       "t.nature",
}

const invitationFrom = ` FROM survey_invitations i JOIN tickets t ON t.id = i.ticket_id
	JOIN survey_templates st ON st.id = i.template_id
	LEFT JOIN email_outbox o ON o.id = i.email_id
	LEFT JOIN survey_responses r ON r.invitation_id = i.id
	LEFT JOIN customers c ON c.id = t.customer_id
	LEFT JOIN service_units su ON su.id = i.region_id`

// sentAt is when an invitation reached the customer: when its link was
// handed out, or when its email left. Counts take an answered invitation
// as sent whatever the outbox says.
const sentAt = `COALESCE(i.sent_at, o.sent_at)`

func surveyWhere(f aftersales.SurveyFilter) (string, []any, error) {
	var v aftersales.Validator
	v.Check(f.To.After(f.From), "to", "must be after from")
	_, ok := surveyDims[f.Dim]
	v.Check(f.Dim == "" || ok, "dim", "is not one of "+strings.Join(aftersales.SurveyStatDims, ", "))
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	where, args := []string{"i.created_at >= $1", "i.created_at < $2"}, []any{ms(f.From), ms(f.To)}
	if f.Dim != "" {
		args = append(args, f.Value)
		where = append(where, fmt.Sprintf("%s = $%d", surveyDims[f.Dim], len(args)))
	}
	if f.Answered != nil {
		if *f.Answered {
			where = append(where, "i.answered_at IS NOT NULL")
		} else {
			where = append(where, "i.answered_at IS NULL")
		}
	}
	return strings.Join(where, " AND "), args, nil
}

// SurveyStats counts invitations created in [from, to): invited, sent
// and answered, overall and by each of SurveyStatDims, so that who does
// not answer is as visible as who does.
func (db *DB) SurveyStats(ctx context.Context, f aftersales.SurveyFilter) (*aftersales.SurveyStats, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	where, args, err := surveyWhere(f)
	if err != nil {
		return nil, err
	}
	out := &aftersales.SurveyStats{From: f.From, To: f.To, By: map[string][]*aftersales.SurveyStatRow{}}
	for _, dim := range append([]string{""}, aftersales.SurveyStatDims...) {
		key, group := "''", ""
		if dim != "" {
			key = surveyDims[dim]
			group = ` GROUP BY ` + key + ` ORDER BY 2 DESC, 1`
		}
		rows, err := db.r.QueryContext(ctx, `SELECT `+key+`, count(*), count(COALESCE(`+sentAt+`, i.answered_at)), count(i.answered_at),
				avg(r.csat), count(r.nps), sum(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END), avg(r.ces),
				COALESCE(max(su.name), ''), COALESCE(max(su.name_en), '')`+invitationFrom+` WHERE `+where+group, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: survey stats: %w", err)
		}
		for rows.Next() {
			var row aftersales.SurveyStatRow
			var csat, ces sql.NullFloat64
			var npsN int64
			var pro, det sql.NullInt64
			var region, regionEN string
			if err := rows.Scan(&row.Key, &row.Invited, &row.Sent, &row.Answered, &csat, &npsN, &pro, &det, &ces, &region, &regionEN); err != nil {
				rows.Close()
				return nil, err
			}
			row.Label = row.Key
			if dim == "region" {
				row.Label, row.LabelEN = region, regionEN
			}
			if row.Sent > 0 {
				r := float64(row.Answered) / float64(row.Sent)
				row.Rate = &r
			}
			if csat.Valid {
				row.CSAT = &csat.Float64
			}
			if ces.Valid {
				row.CES = &ces.Float64
			}
			if npsN > 0 {
				n := 100 * float64(pro.Int64-det.Int64) / float64(npsN)
				row.NPS = &n
			}
			if dim == "" {
				out.Total = row
			} else {
				out.By[dim] = append(out.By[dim], &row)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out.Total.Key, out.Total.Label = "", ""
	return out, nil
}

// ListSurveyInvitations lists invitations created in [from, to), newest
// first: who answered and who did not.
func (db *DB) ListSurveyInvitations(ctx context.Context, f aftersales.SurveyFilter) ([]*aftersales.SurveyInvitation, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermMetricsRead); err != nil {
		return nil, err
	}
	where, args, err := surveyWhere(f)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > aftersales.MaxListLimit {
		limit = aftersales.DefaultListLimit
	}
	return listInvitations(ctx, db.r, where, args, limit)
}

func listInvitations(ctx context.Context, q queryer, where string, args []any, limit int) ([]*aftersales.SurveyInvitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.ticket_id, t.number, COALESCE(c.name, ''), i.template_id, st.kind, i.channel, t.channel, t.nature,
			i.region_id, COALESCE(su.name, ''), i.created_at, `+sentAt+`, i.expires_at, i.answered_at, r.csat, r.nps, r.ces`+
		invitationFrom+` WHERE `+where+` ORDER BY i.created_at DESC, i.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list survey invitations: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.SurveyInvitation{}
	for rows.Next() {
		var i aftersales.SurveyInvitation
		var region, sent, answered, csat, nps, ces sql.NullInt64
		var created, expires int64
		if err := rows.Scan(&i.ID, &i.TicketID, &i.Number, &i.Customer, &i.TemplateID, &i.Kind, &i.Channel, &i.TicketChannel, &i.Nature,
			&region, &i.Region, &created, &sent, &expires, &answered, &csat, &nps, &ces); err != nil {
			return nil, err
		}
		i.RegionID, i.CreatedAt, i.SentAt, i.ExpiresAt, i.AnsweredAt = int64Ptr(region), fromMS(created), timePtr(sent), fromMS(expires), timePtr(answered)
		i.CSAT, i.NPS, i.CES = intOf(csat), intOf(nps), intOf(ces)
		out = append(out, &i)
	}
	return out, rows.Err()
}

// bulkSurveys writes a batch's survey invitations and responses, with the
// latest default CSAT template and each ticket's region.
func bulkSurveys(ctx context.Context, w bulkWriter, db *DB, b *aftersales.Bulk) error {
	if len(b.Surveys) == 0 {
		return nil
	}
	var tmpl, next int64
	err := w.query(ctx, `SELECT (SELECT id FROM survey_templates WHERE code = 'csat' ORDER BY version DESC LIMIT 1),
		(SELECT COALESCE(max(id), 0) FROM survey_invitations)`, nil, func(scan func(...any) error) error { return scan(&tmpl, &next) })
	if err != nil {
		return fmt.Errorf("sqlstore: bulk surveys: %w", err)
	}
	env, err := db.metricsEnv(ctx, w)
	if err != nil {
		return err
	}
	units := map[int64]*int64{}
	for _, t := range b.Tickets {
		units[t.ID] = t.ServiceUnitID
	}
	var inv, resp [][]any
	for _, s := range b.Surveys {
		next++
		var region *int64
		if u := units[s.TicketID]; u != nil {
			r := env.region[*u]
			region = &r
		}
		var email any // the demo's mail is not in the outbox
		inv = append(inv, []any{next, s.TicketID, tmpl, s.Channel, nullInt(region), email, ms(s.CreatedAt), nullMS(s.SentAt), ms(s.ExpiresAt), nullMS(s.AnsweredAt)})
		if s.AnsweredAt != nil {
			resp = append(resp, []any{next, s.TicketID, tmpl, intPtr(s.CSAT), intPtr(s.NPS), intPtr(s.CES), "[]", "", "zh-CN", ms(*s.AnsweredAt)})
		}
	}
	if err := w.copy(ctx, "survey_invitations", []string{"id", "ticket_id", "template_id", "channel", "region_id", "email_id", "created_at", "sent_at",
		"expires_at", "answered_at"}, inv); err != nil {
		return fmt.Errorf("sqlstore: bulk survey invitations: %w", err)
	}
	if err := w.copy(ctx, "survey_responses", []string{"invitation_id", "ticket_id", "template_id", "csat", "nps", "ces", "reasons", "comment",
		"lang", "at"}, resp); err != nil {
		return fmt.Errorf("sqlstore: bulk survey responses: %w", err)
	}
	return nil
}
