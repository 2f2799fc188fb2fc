package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/field"
)

// The customer portal (issue #20). Staff invite and revoke portal users;
// the sign-in methods act as the system; every other method acts as the
// portal user in the context. Whatever is not the portal user's answers
// ENOTFOUND, exactly as what does not exist, so that an id probed from
// the portal tells nothing about other customers.

const portalUserCols = `p.id, p.customer_id, c.name, c.kind, p.email, p.name, p.role, p.active, p.password_hash,
	p.created_at, p.last_login_at, p.version`

const portalUserFrom = `portal_users p JOIN customers c ON c.id = p.customer_id`

func scanPortalUser(row interface{ Scan(...any) error }) (*aftersales.PortalUser, error) {
	var u aftersales.PortalUser
	var kind, hash string
	var created int64
	var last sql.NullInt64
	if err := row.Scan(&u.ID, &u.CustomerID, &u.CustomerName, &kind, &u.Email, &u.Name, &u.Role, &u.Active, &hash,
		&created, &last, &u.Version); err != nil {
		return nil, err
	}
	u.Company = kind == string(aftersales.CustomerCompany)
	u.HasPassword = hash != ""
	u.CreatedAt = fromMS(created)
	if last.Valid {
		t := fromMS(last.Int64)
		u.LastLoginAt = &t
	}
	return &u, nil
}

func (db *DB) findPortalUser(ctx context.Context, q queryer, id int64) (*aftersales.PortalUser, error) {
	u, err := scanPortalUser(q.QueryRowContext(ctx, `SELECT `+portalUserCols+` FROM `+portalUserFrom+` WHERE p.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Portal user", id)
	}
	return u, nil
}

// InvitePortalUser gives a contact of customerID a portal sign-in, or
// gives a revoked one back with the role asked for.
func (db *DB) InvitePortalUser(ctx context.Context, customerID int64, in aftersales.PortalInvite) (*aftersales.PortalUser, error) {
	u, err := aftersales.Require(ctx, aftersales.PermCustomerWrite)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		var exists int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE id = $1`, customerID).Scan(&exists); err != nil {
			return notFound(err, "Customer", customerID)
		}
		var owner int64
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT id, customer_id, active FROM portal_users WHERE email = $1`, in.Email).Scan(&id, &owner, &active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO portal_users (customer_id, email, name, role, invited_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, customerID, in.Email, in.Name, in.Role, u.ID, ms(tx.now)).Scan(&id)
			if err != nil {
				return mapErr(fmt.Errorf("sqlstore: invite portal user: %w", err))
			}
		case err != nil:
			return fmt.Errorf("sqlstore: find portal user: %w", err)
		case owner != customerID || active:
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "This email already signs in to the portal.",
				Fields: []aftersales.FieldError{{Field: "email", Reason: "already has a portal sign-in"}}}
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE portal_users SET active = $1, role = $2, name = $3, updated_at = $4, version = version + 1
				WHERE id = $5`, true, in.Role, in.Name, ms(tx.now), id); err != nil {
				return mapErr(fmt.Errorf("sqlstore: invite portal user: %w", err))
			}
		}
		return tx.audit(ctx, "portal.invite", "customer", customerID, map[string]any{"portal_user": id, "email": in.Email, "role": in.Role})
	})
	if err != nil {
		return nil, err
	}
	return db.findPortalUser(ctx, db.w, id)
}

// ListPortalUsers lists a customer's portal users, revoked ones too.
func (db *DB) ListPortalUsers(ctx context.Context, customerID int64) ([]*aftersales.PortalUser, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	return db.listPortalUsers(ctx, customerID)
}

func (db *DB) listPortalUsers(ctx context.Context, customerID int64) ([]*aftersales.PortalUser, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+portalUserCols+` FROM `+portalUserFrom+` WHERE p.customer_id = $1 ORDER BY p.id`, customerID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list portal users: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.PortalUser{}
	for rows.Next() {
		u, err := scanPortalUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// RevokePortalUser ends a portal user's access: their sessions and
// unused links go at once.
func (db *DB) RevokePortalUser(ctx context.Context, customerID, id int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_users SET active = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND customer_id = $4`, false, ms(tx.now), id, customerID)
		if err != nil {
			return fmt.Errorf("sqlstore: revoke portal user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Portal user %d not found.", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE portal_user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_links WHERE portal_user_id = $1`, id); err != nil {
			return err
		}
		return tx.audit(ctx, "portal.revoke", "customer", customerID, map[string]any{"portal_user": id})
	})
}

// portalURL is the portal page at path.
func (db *DB) portalURL(path string) string {
	return strings.TrimRight(db.PublicURL, "/") + path
}

// RequestPortalLink mails a one-time sign-in link. An unknown or revoked
// address, and one that has had its links for the hour, get the same
// silence as a sent link, so the answer never tells whether an address
// has a sign-in; the edge limits requests per client address as well.
func (db *DB) RequestPortalLink(ctx context.Context, email, lang string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	var v aftersales.Validator
	v.Check(email != "" && strings.Contains(email, "@") && len(email) <= 254, "email", "must be an email address")
	if err := v.Err(); err != nil {
		return err
	}
	if lang != "en" {
		lang = "zh-CN"
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM portal_users WHERE email = $1 AND active = $2`, email, true).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: portal link: %w", err)
		}
		var recent int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM portal_links WHERE portal_user_id = $1 AND created_at > $2`,
			id, ms(tx.now.Add(-time.Hour))).Scan(&recent); err != nil {
			return fmt.Errorf("sqlstore: portal link: %w", err)
		}
		if recent >= aftersales.PortalLinksPerHour {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_links WHERE expires_at < $1`, ms(tx.now.Add(-24*time.Hour))); err != nil {
			return err
		}
		tok := auth.NewSecret("asl_")
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_links (token_hash, portal_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			auth.HashSecret(tok), id, ms(tx.now), ms(tx.now.Add(aftersales.PortalLinkTTL))); err != nil {
			return mapErr(fmt.Errorf("sqlstore: portal link: %w", err))
		}
		link := db.portalURL("/portal/link/" + tok + "?lang=" + lang)
		minutes := strconv.Itoa(int(aftersales.PortalLinkTTL.Minutes()))
		domain := db.mailDomain(ctx, tx)
		mid := fmt.Sprintf("portal.%d.%s@%s", tx.now.UnixMilli(), strings.ToLower(rand.Text()[:12]), domain)
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_outbox (to_addr, subject, body, next_attempt_at, created_at, message_id, in_reply_to, refs, auto_submitted)
			VALUES ($1, $2, $3, $4, $4, $5, '', '', 1)`, email, db.msg(lang, "portal.mail.subject"),
			db.msg(lang, "portal.mail.body", "minutes", minutes)+"\n\n"+link+"\n", ms(tx.now), mid); err != nil {
			return fmt.Errorf("sqlstore: queue portal link: %w", err)
		}
		return tx.audit(ctx, "portal.link", "portal_user", id, nil)
	})
}

// Why a sign-in link was refused: the page words each in the reader's
// language (Fields[0].Reason).
const (
	PortalLinkUnknown = "unknown"
	PortalLinkUsed    = "used"
	PortalLinkExpired = "expired"
)

func linkRefused(reason, msg string) error {
	return &aftersales.Error{Code: aftersales.EUNAUTHORIZED, Message: msg, Fields: []aftersales.FieldError{{Field: "link", Reason: reason}}}
}

// UsePortalLink spends a one-time link and starts a session.
func (db *DB) UsePortalLink(ctx context.Context, token string) (*aftersales.PortalSession, error) {
	var s *aftersales.PortalSession
	err := db.inTx(ctx, func(tx *Tx) error {
		var uid, exp int64
		var used sql.NullInt64
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT l.portal_user_id, l.expires_at, l.used_at, p.active FROM portal_links l
			JOIN portal_users p ON p.id = l.portal_user_id WHERE l.token_hash = $1`, auth.HashSecret(token)).Scan(&uid, &exp, &used, &active)
		switch {
		case errors.Is(err, sql.ErrNoRows) || err == nil && !active:
			return linkRefused(PortalLinkUnknown, "This sign-in link is not valid.")
		case err != nil:
			return fmt.Errorf("sqlstore: portal link: %w", err)
		case used.Valid:
			return linkRefused(PortalLinkUsed, "This sign-in link has been used already.")
		case exp < ms(tx.now):
			return linkRefused(PortalLinkExpired, "This sign-in link has expired.")
		}
		// Spent in the same statement that checks it is unspent, so two
		// clicks at once start one session.
		res, err := tx.ExecContext(ctx, `UPDATE portal_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL`, ms(tx.now), auth.HashSecret(token))
		if err != nil {
			return fmt.Errorf("sqlstore: spend portal link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return linkRefused(PortalLinkUsed, "This sign-in link has been used already.")
		}
		s, err = db.startPortalSession(ctx, tx, uid)
		return err
	})
	return s, err
}

func (db *DB) startPortalSession(ctx context.Context, tx *Tx, uid int64) (*aftersales.PortalSession, error) {
	s := &aftersales.PortalSession{Token: auth.NewSecret("asp_"), UserID: uid, ExpiresAt: tx.now.Add(aftersales.PortalSessionTTL)}
	if _, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE expires_at < $1`, ms(tx.now)); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_sessions (token_hash, portal_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		auth.HashSecret(s.Token), uid, ms(tx.now), ms(s.ExpiresAt)); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: portal session: %w", err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE portal_users SET last_login_at = $1 WHERE id = $2`, ms(tx.now), uid); err != nil {
		return nil, err
	}
	return s, tx.audit(ctx, "portal.login", "portal_user", uid, nil)
}

// PortalSignIn checks a portal user's email and password. An unknown
// email, a wrong password and a user without a password are alike.
func (db *DB) PortalSignIn(ctx context.Context, email, password string) (*aftersales.PortalSession, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var id int64
	var hash string
	var active bool
	err := db.r.QueryRowContext(ctx, `SELECT id, password_hash, active FROM portal_users WHERE email = $1`, email).Scan(&id, &hash, &active)
	bad := aftersales.Errorf(aftersales.EUNAUTHORIZED, "Wrong email or password.")
	if errors.Is(err, sql.ErrNoRows) || err == nil && hash == "" {
		auth.CheckPassword("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal sign-in: %w", err)
	}
	ok, err := auth.CheckPassword(hash, password)
	if err != nil || !ok || !active {
		return nil, bad
	}
	var s *aftersales.PortalSession
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err = db.startPortalSession(ctx, tx, id)
		return err
	})
	return s, err
}

// PortalUserBySession returns the portal user of a live session and
// slides its expiry.
func (db *DB) PortalUserBySession(ctx context.Context, token string) (*aftersales.PortalUser, error) {
	now := db.Now()
	var uid, exp int64
	expired := aftersales.Errorf(aftersales.EUNAUTHORIZED, "Your session has expired; please sign in again.")
	err := db.r.QueryRowContext(ctx, `SELECT portal_user_id, expires_at FROM portal_sessions WHERE token_hash = $1`, auth.HashSecret(token)).Scan(&uid, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp < ms(now) {
		return nil, expired
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find portal session: %w", err)
	}
	if exp-ms(now) < aftersales.PortalSessionTTL.Milliseconds()-60_000 {
		err := db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE portal_sessions SET expires_at = $1 WHERE token_hash = $2`,
				ms(tx.now.Add(aftersales.PortalSessionTTL)), auth.HashSecret(token))
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	u, err := db.findPortalUser(ctx, db.r, uid)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND || err == nil && !u.Active {
		return nil, expired
	}
	return u, err
}

// EndPortalSession signs a portal user out.
func (db *DB) EndPortalSession(ctx context.Context, token string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE token_hash = $1`, auth.HashSecret(token))
		return err
	})
}

// SetPortalPassword lets the signed-in portal user sign in by password
// from now on (as well as by link).
func (db *DB) SetPortalPassword(ctx context.Context, password string) error {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return err
	}
	var v aftersales.Validator
	v.Check(utf8.RuneCountInString(password) >= aftersales.MinPasswordLen, "password", "must be at least 10 characters")
	v.Check(len(password) <= 200, "password", "is longer than 200 bytes")
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password, db.Password)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE portal_users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3`,
			hash, ms(tx.now), u.ID); err != nil {
			return fmt.Errorf("sqlstore: portal password: %w", err)
		}
		return tx.audit(ctx, "portal.password", "portal_user", u.ID, nil)
	})
}

// portalSees is the condition (on tickets t) of what u may see, its
// arguments numbered from n.
func portalSees(u *aftersales.PortalUser, n int) (string, []any) {
	if u.Role.SeesCompany() || !u.Company {
		return fmt.Sprintf("t.customer_id = $%d", n), []any{u.CustomerID}
	}
	return fmt.Sprintf("t.customer_id = $%d AND EXISTS (SELECT 1 FROM portal_tickets pt WHERE pt.ticket_id = t.id AND pt.portal_user_id = $%d)", n, n+1),
		[]any{u.CustomerID, u.ID}
}

const portalTicketCols = `t.id, t.number, t.title, t.nature, t.status, t.asset_id, t.created_at, t.updated_at, ts.res_due_at, t.resolved_at,
	COALESCE(NULLIF(pu.name, ''), pu.email, ''), t.description, mt.id, COALESCE(mt.number, '')`

const portalTicketFrom = `tickets t LEFT JOIN ticket_sla ts ON ts.ticket_id = t.id
	LEFT JOIN portal_tickets opened ON opened.ticket_id = t.id LEFT JOIN portal_users pu ON pu.id = opened.portal_user_id
	LEFT JOIN tickets mt ON mt.id = t.merged_into AND mt.customer_id = t.customer_id`

func scanPortalTicket(row interface{ Scan(...any) error }) (*aftersales.PortalTicketDetail, error) {
	var t aftersales.PortalTicketDetail
	var asset, due, resolved, merged sql.NullInt64
	var created, updated int64
	if err := row.Scan(&t.ID, &t.Number, &t.Title, &t.Nature, &t.Status, &asset, &created, &updated, &due, &resolved,
		&t.OpenedBy, &t.Description, &merged, &t.MergedIntoNumber); err != nil {
		return nil, err
	}
	t.MergedInto = int64Ptr(merged)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	if asset.Valid {
		t.AssetID = &asset.Int64
	}
	// A promise only while it is one: an open ticket's resolution due.
	if due.Valid && t.Status.Open() {
		d := fromMS(due.Int64)
		t.ResolutionDueAt = &d
	}
	if resolved.Valid {
		r := fromMS(resolved.Int64)
		t.ResolvedAt = &r
	}
	return &t, nil
}

// PortalTickets lists the tickets the portal user sees, newest first.
func (db *DB) PortalTickets(ctx context.Context) ([]*aftersales.PortalTicket, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := portalSees(u, 1)
	rows, err := db.r.QueryContext(ctx, `SELECT `+portalTicketCols+` FROM `+portalTicketFrom+` WHERE `+cond+` ORDER BY t.created_at DESC, t.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal tickets: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.PortalTicket{}
	for rows.Next() {
		t, err := scanPortalTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, &t.PortalTicket)
	}
	return out, rows.Err()
}

// portalTicket reads ticket id if u sees it; ENOTFOUND otherwise.
func (db *DB) portalTicket(ctx context.Context, q queryer, u *aftersales.PortalUser, id int64) (*aftersales.PortalTicketDetail, error) {
	cond, args := portalSees(u, 2)
	t, err := scanPortalTicket(q.QueryRowContext(ctx, `SELECT `+portalTicketCols+` FROM `+portalTicketFrom+` WHERE t.id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "Ticket", id)
	}
	return t, nil
}

// PortalTicket returns one ticket with its public messages, visits,
// files and the survey waiting for an answer. Internal notes, staff
// names and routing never leave the service side.
func (db *DB) PortalTicket(ctx context.Context, id int64) (*aftersales.PortalTicketDetail, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := db.portalTicket(ctx, db.r, u, id)
	if err != nil {
		return nil, err
	}
	t.Messages, t.Visits, t.Attachments = []aftersales.PortalMessage{}, []aftersales.PortalVisit{}, []aftersales.PortalAttachment{}
	rows, err := db.r.QueryContext(ctx, `SELECT at, kind, body FROM ticket_events
		WHERE ticket_id = $1 AND kind IN ('reply', 'customer_message') AND public = $2 ORDER BY id`, id, true)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal messages: %w", err)
	}
	for rows.Next() {
		var at int64
		var kind, body string
		if err := rows.Scan(&at, &kind, &body); err != nil {
			rows.Close()
			return nil, err
		}
		t.Messages = append(t.Messages, aftersales.PortalMessage{At: fromMS(at), Customer: kind == string(aftersales.EventCustomerMessage), Body: body})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	visits, err := db.portalVisits(ctx, id)
	if err != nil {
		return nil, err
	}
	t.Visits = visits
	// Its files, and those a merge moved on to the ticket kept: the
	// duplicate's page lists what the customer sent there (filedOn).
	rows, err = db.r.QueryContext(ctx, `SELECT id, name, content_type, size, created_at FROM attachments WHERE ticket_id = $1
		UNION SELECT a.id, a.name, a.content_type, a.size, a.created_at FROM ticket_events e JOIN attachments a ON a.id = e.attachment_id
		WHERE e.ticket_id = $1 AND e.kind = 'attachment' ORDER BY 1`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal attachments: %w", err)
	}
	for rows.Next() {
		a := aftersales.PortalAttachment{TicketID: id}
		var at int64
		if err := rows.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &at); err != nil {
			rows.Close()
			return nil, err
		}
		a.CreatedAt = fromMS(at)
		t.Attachments = append(t.Attachments, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	surveys, err := db.portalSurveys(ctx, `i.ticket_id = $1`, []any{id})
	if err != nil {
		return nil, err
	}
	if len(surveys) > 0 {
		t.Survey = surveys[0]
	}
	return t, nil
}

func (db *DB) portalVisits(ctx context.Context, ticketID int64) ([]aftersales.PortalVisit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, number, window_start, window_end, status, version FROM visits WHERE ticket_id = $1 ORDER BY number`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal visits: %w", err)
	}
	defer rows.Close()
	out := []aftersales.PortalVisit{}
	for rows.Next() {
		v := aftersales.PortalVisit{TicketID: ticketID}
		var start, end int64
		if err := rows.Scan(&v.ID, &v.Number, &start, &end, &v.Status, &v.Version); err != nil {
			return nil, err
		}
		v.WindowStart, v.WindowEnd = fromMS(start), fromMS(end)
		v.CanMove = field.CanReschedule(v.Status)
		out = append(out, v)
	}
	return out, rows.Err()
}

// PortalCreateTicket opens a ticket for the portal user's customer, as
// the web form does, with its files, and records who opened it.
func (db *DB) PortalCreateTicket(ctx context.Context, in aftersales.PortalTicketInput) (*aftersales.PortalTicket, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.AssetID != nil {
		if _, err := db.portalAsset(ctx, u, *in.AssetID); err != nil {
			return nil, &aftersales.Error{Code: aftersales.ENOTFOUND, Message: fmt.Sprintf("Asset %d not found.", *in.AssetID),
				Fields: []aftersales.FieldError{{Field: "asset_id", Reason: "not found"}}}
		}
	}
	body := in.Description
	if body == "" {
		body = in.Title
	}
	inb := &inbound{channel: aftersales.ChannelWeb, subject: in.Title, body: body, nature: in.Nature, name: u.Name, email: u.Email,
		customerID: u.CustomerID, files: in.Files}
	if in.AssetID != nil {
		inb.assetID = *in.AssetID
	}
	inb.clean()
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		res, err := db.receiveTx(ctx, tx, inb)
		if err != nil {
			return err
		}
		id = res.TicketID
		_, err = tx.ExecContext(ctx, `INSERT INTO portal_tickets (ticket_id, portal_user_id) VALUES ($1, $2)`, id, u.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	t, err := db.portalTicket(ctx, db.w, u, id)
	if err != nil {
		return nil, err
	}
	return &t.PortalTicket, nil
}

// PortalReply adds the customer's message to their ticket, as a message
// from any channel (a resolved ticket is reopened); a closed or
// cancelled ticket takes no more.
func (db *DB) PortalReply(ctx context.Context, ticketID int64, body string) error {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	var v aftersales.Validator
	v.Check(body != "", "body", "is required")
	v.Check(utf8.RuneCountInString(body) <= aftersales.MaxFollowReply, "body", fmt.Sprintf("must be at most %d characters", aftersales.MaxFollowReply))
	v.Text("body", body)
	if err := v.Err(); err != nil {
		return err
	}
	in := &inbound{channel: aftersales.ChannelWeb, body: body, ticketID: ticketID}
	in.clean()
	return db.inTx(ctx, func(tx *Tx) error {
		t, err := db.portalTicket(ctx, tx, u, ticketID)
		if err != nil {
			return err
		}
		if t.Status == aftersales.StatusClosed || t.Status == aftersales.StatusCancelled {
			return aftersales.Errorf(aftersales.ECONFLICT, "This request is closed; send a new one.")
		}
		_, err = db.receiveTx(ctx, tx, in)
		return err
	})
}

// PortalAttach adds a stored file to the customer's ticket.
func (db *DB) PortalAttach(ctx context.Context, ticketID int64, f *aftersales.Attachment) (*aftersales.PortalAttachment, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	f.Name = cleanText(f.Name)
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.portalTicket(ctx, tx, u, ticketID); err != nil {
			return err
		}
		if err := attach(ctx, tx, ticketID, f, nil); err != nil {
			return err
		}
		return tx.audit(ctx, "portal.attach", "ticket", ticketID, map[string]any{"portal_user": u.ID, "name": f.Name})
	})
	if err != nil {
		return nil, err
	}
	return &aftersales.PortalAttachment{ID: f.ID, TicketID: ticketID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, CreatedAt: f.CreatedAt}, nil
}

// PortalAttachment returns a file of the customer's ticket, to stream: one
// it holds or, on a merged duplicate, one its timeline shows that the
// merge moved on to the ticket kept.
func (db *DB) PortalAttachment(ctx context.Context, ticketID, id int64) (*aftersales.Attachment, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := db.portalTicket(ctx, db.r, u, ticketID); err != nil {
		return nil, err
	}
	a := aftersales.Attachment{}
	var at int64
	err = db.r.QueryRowContext(ctx, `SELECT a.id, a.ticket_id, a.name, a.content_type, a.size, a.sha256, a.path, a.created_at FROM attachments a
		WHERE a.id = $1 AND (a.ticket_id = $2 OR EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = $2 AND e.kind = 'attachment' AND e.attachment_id = a.id))`,
		id, ticketID).Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Path, &at)
	if err != nil {
		return nil, notFound(err, "Attachment", id)
	}
	a.CreatedAt = fromMS(at)
	return &a, nil
}

func (db *DB) portalAssets(ctx context.Context, u *aftersales.PortalUser, extra string, args ...any) ([]*aftersales.PortalAsset, error) {
	today := aftersales.DateOf(db.Now().In(cmp.Or(db.Zone, time.UTC)))
	rows, err := db.r.QueryContext(ctx, `SELECT a.id, COALESCE(p.name, ''), a.serial_no, COALESCE(a.purchased_on, ''), COALESCE(a.warranty_ends, '')
		FROM assets a LEFT JOIN products p ON p.id = a.product_id WHERE a.customer_id = $1`+extra+` ORDER BY a.id`, append([]any{u.CustomerID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal assets: %w", err)
	}
	defer rows.Close()
	out := []*aftersales.PortalAsset{}
	for rows.Next() {
		var a aftersales.PortalAsset
		if err := rows.Scan(&a.ID, &a.ProductName, &a.SerialNo, &a.PurchasedOn, &a.WarrantyEnds); err != nil {
			return nil, err
		}
		a.UnderWarranty = a.WarrantyEnds != "" && today <= a.WarrantyEnds
		out = append(out, &a)
	}
	return out, rows.Err()
}

// PortalAssets lists the products the customer owns, with warranty.
func (db *DB) PortalAssets(ctx context.Context) ([]*aftersales.PortalAsset, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	return db.portalAssets(ctx, u, "")
}

func (db *DB) portalAsset(ctx context.Context, u *aftersales.PortalUser, id int64) (*aftersales.PortalAsset, error) {
	as, err := db.portalAssets(ctx, u, " AND a.id = $2", id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Asset %d not found.", id)
	}
	return as[0], nil
}

// PortalAsset returns one of the customer's products.
func (db *DB) PortalAsset(ctx context.Context, id int64) (*aftersales.PortalAsset, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	return db.portalAsset(ctx, u, id)
}

// portalVisit reads a visit of a ticket u sees.
func (db *DB) portalVisit(ctx context.Context, u *aftersales.PortalUser, ticketID, visitID int64) (*aftersales.Visit, error) {
	if _, err := db.portalTicket(ctx, db.r, u, ticketID); err != nil {
		return nil, err
	}
	return db.findVisit(ctx, db.r, ticketID, visitID)
}

// portalOfferDays is how far ahead a customer may move a visit.
const portalOfferDays = 14

// PortalWindows lists the windows a visit may move to: the booking
// offers for its work, one per window (the customer picks a time, the
// service side's planner picks who comes).
func (db *DB) PortalWindows(ctx context.Context, ticketID, visitID int64) ([]aftersales.PortalWindow, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	v, err := db.portalVisit(ctx, u, ticketID, visitID)
	if err != nil {
		return nil, err
	}
	offers, err := db.visitOffers(ctx, ticketID, v)
	if err != nil {
		return nil, err
	}
	out := []aftersales.PortalWindow{}
	seen := map[int64]bool{}
	for _, o := range offers {
		if seen[o.WindowStart.UnixMilli()] || o.WindowStart.Equal(v.WindowStart) {
			continue
		}
		seen[o.WindowStart.UnixMilli()] = true
		out = append(out, aftersales.PortalWindow{WindowStart: o.WindowStart, WindowEnd: o.WindowEnd})
	}
	return out, nil
}

func (db *DB) visitOffers(ctx context.Context, ticketID int64, v *aftersales.Visit) ([]*aftersales.Offer, error) {
	if !field.CanReschedule(v.Status) {
		return nil, &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit #%d is %s; only a visit that has not started can move.", v.Number, v.Status),
			Fields: []aftersales.FieldError{{Field: "window_start", Reason: "the visit is " + string(v.Status)}}}
	}
	t, err := db.findTicket(ctx, db.r, ticketID)
	if err != nil {
		return nil, err
	}
	win := int(v.WindowEnd.Sub(v.WindowStart).Minutes())
	win = max(min(win, 480), 30)
	return db.offers(ctx, t, aftersales.OfferRequest{DurationMin: max(v.DurationMin, 1), Skills: v.Skills, Days: portalOfferDays, Count: 20, WindowMin: win})
}

// PortalMoveVisit moves a visit to a window picked from its offers, with
// the technician the offer names; the visit keeps its history, as when
// the service side moves it.
func (db *DB) PortalMoveVisit(ctx context.Context, ticketID, visitID int64, in aftersales.PortalMove) (*aftersales.PortalVisit, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	v, err := db.portalVisit(ctx, u, ticketID, visitID)
	if err != nil {
		return nil, err
	}
	// A stale page is told so before its window is judged against offers
	// made for the visit as it is now.
	if err := staleVisit(v, in.Version); err != nil {
		return nil, err
	}
	offers, err := db.visitOffers(ctx, ticketID, v)
	if err != nil {
		return nil, err
	}
	var pick *aftersales.Offer
	for _, o := range offers {
		if o.WindowStart.Equal(in.WindowStart) {
			pick = o
			break
		}
	}
	if pick == nil {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "This window is not offered any more; pick another.",
			Fields: []aftersales.FieldError{{Field: "window_start", Reason: "is not an offered window"}}}
	}
	tech := pick.TechnicianID
	re := aftersales.RescheduleInput{WindowStart: pick.WindowStart, WindowEnd: pick.WindowEnd, TechnicianID: &tech,
		Reason: "客户在自助门户改约 / moved by the customer in the portal (" + u.Email + ")", Version: in.Version}
	see := func(tx *Tx, t *aftersales.Ticket) error {
		_, err := db.portalTicket(ctx, tx, u, t.ID)
		return err
	}
	if _, err := db.rescheduleVisit(ctx, ticketID, visitID, re, nil, see); err != nil {
		return nil, err
	}
	vs, err := db.portalVisits(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].ID == visitID {
			return &vs[i], nil
		}
	}
	return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Visit %d not found.", visitID)
}

// portalSurveys lists unanswered, unexpired survey invitations matching
// where (on survey_invitations i), with their public links.
func (db *DB) portalSurveys(ctx context.Context, where string, args []any) ([]*aftersales.PortalSurvey, error) {
	n := len(args) + 1
	rows, err := db.r.QueryContext(ctx, `SELECT i.id, t.id, t.number, t.title, i.expires_at FROM survey_invitations i JOIN tickets t ON t.id = i.ticket_id
		WHERE `+where+fmt.Sprintf(` AND i.answered_at IS NULL AND i.expires_at > $%d ORDER BY i.id DESC LIMIT 100`, n), append(args, ms(db.Now()))...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: portal surveys: %w", err)
	}
	type inv struct {
		id int64
		s  aftersales.PortalSurvey
	}
	var invs []inv
	for rows.Next() {
		var i inv
		var exp int64
		if err := rows.Scan(&i.id, &i.s.TicketID, &i.s.Number, &i.s.Title, &exp); err != nil {
			rows.Close()
			return nil, err
		}
		i.s.ExpiresAt = fromMS(exp)
		invs = append(invs, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []*aftersales.PortalSurvey{}
	if len(invs) == 0 {
		return out, nil
	}
	key, err := db.readSurveyKey(ctx)
	if err != nil {
		return nil, err
	}
	for _, i := range invs {
		s := i.s
		s.URL = "/s/" + aftersales.SurveyToken(key, i.id)
		out = append(out, &s)
	}
	return out, nil
}

// PortalSurveys lists the surveys waiting for the portal user's answer.
func (db *DB) PortalSurveys(ctx context.Context) ([]*aftersales.PortalSurvey, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := portalSees(u, 1)
	return db.portalSurveys(ctx, cond, args)
}

// PortalColleagues lists the other portal users of a company, for its
// admin to grant roles.
func (db *DB) PortalColleagues(ctx context.Context) ([]*aftersales.PortalUser, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != aftersales.PortalAdmin {
		return nil, aftersales.Errorf(aftersales.EFORBIDDEN, "Only your company's portal admin sees its users.")
	}
	all, err := db.listPortalUsers(ctx, u.CustomerID)
	if err != nil {
		return nil, err
	}
	out := []*aftersales.PortalUser{}
	for _, p := range all {
		if p.Active {
			out = append(out, p)
		}
	}
	return out, nil
}

// SetPortalRole lets a company's portal admin grant another portal user
// of the same company a role. An admin cannot demote themselves, so a
// company always keeps one.
func (db *DB) SetPortalRole(ctx context.Context, id int64, role aftersales.PortalRole) (*aftersales.PortalUser, error) {
	u, err := aftersales.RequirePortal(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != aftersales.PortalAdmin {
		// The same answer as for an id that is not there: a member probing
		// ids learns nothing.
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Portal user %d not found.", id)
	}
	var v aftersales.Validator
	v.Check(role.Valid(), "role", "must be member, company or admin")
	v.Check(id != u.ID, "id", "is yourself: another admin changes your role")
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_users SET role = $1, updated_at = $2, version = version + 1
			WHERE id = $3 AND customer_id = $4 AND active = $5`, role, ms(tx.now), id, u.CustomerID, true)
		if err != nil {
			return fmt.Errorf("sqlstore: portal role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return aftersales.Errorf(aftersales.ENOTFOUND, "Portal user %d not found.", id)
		}
		return tx.audit(ctx, "portal.role", "portal_user", id, map[string]any{"by": u.ID, "role": role})
	})
	if err != nil {
		return nil, err
	}
	return db.findPortalUser(ctx, db.w, id)
}

// LatestMailTo returns the body of the newest mail queued for addr (""
// when none): tests and the demo read sign-in links with it.
func (db *DB) LatestMailTo(ctx context.Context, addr string) (string, error) {
	var body string
	err := db.r.QueryRowContext(ctx, `SELECT body FROM email_outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1`, addr).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return body, err
}
