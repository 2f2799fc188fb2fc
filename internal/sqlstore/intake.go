package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"aftersales"
	"aftersales/internal/auth"
)

// inbound is one customer message from any channel, in the form the
// threading and ticket code needs.
type inbound struct {
	channel      aftersales.Channel
	messageID    string   // unique per channel; "" when the channel has none
	conversation string   // chat: source:conversation id
	thread       []string // email: the ids it answers, nearest first
	tag          string   // email: ticket number in the subject
	address      string   // where replies go (email), "" for none
	refs         []string // email: References to carry on in replies
	subject      string
	body         string
	name, phone  string
	email        string
	serial       string
	street       string
	nature       aftersales.Nature
	files        []*aftersales.Attachment
	skipped      []string
	notKept      []string // attachments refused: the customer is told
	autoReply    bool
	followToken  bool  // create a follow token (web form)
	ticketID     int64 // the ticket it belongs to, known already (follow page)
	customerID   int64 // the customer, known already (portal)
	assetID      int64 // the customer's asset it is about, known already (portal)
	cursor       *aftersales.InboundEmail
}

// ReceiveEmail threads one message into its ticket or opens one, stores
// its files, queues the acknowledgement and advances the mailbox cursor,
// all in one transaction.
func (db *DB) ReceiveEmail(ctx context.Context, m *aftersales.InboundEmail) (*aftersales.IntakeResult, error) {
	refsNearFirst := slices.Clone(m.References)
	slices.Reverse(refsNearFirst)
	thread := append(slices.Clone(m.InReplyTo), refsNearFirst...)
	refs := append(slices.Clone(m.References), m.InReplyTo...)
	// Reply-To names who the message is for: a web-form relay or a
	// colleague forwarding for a customer is not the customer.
	addr, name := m.From, m.FromName
	if m.ReplyTo != "" && m.ReplyTo != m.From {
		addr, name = m.ReplyTo, m.ReplyToName
	}
	in := &inbound{channel: aftersales.ChannelEmail, messageID: m.MessageID, thread: thread, tag: aftersales.TicketTag(m.Subject),
		address: addr, refs: dedupe(refs), subject: m.Subject, body: m.Text, name: name, email: addr,
		files: m.Files, skipped: m.Skipped, notKept: m.NotKept, autoReply: m.AutoReply, cursor: m}
	if m.Bounce != nil {
		var res *aftersales.IntakeResult
		err := db.inTx(ctx, func(tx *Tx) error {
			if seen, err := db.seenUID(ctx, tx, m); seen || err != nil {
				res = &aftersales.IntakeResult{Duplicate: seen}
				return err
			}
			var err error
			if res, err = db.receiveBounce(ctx, tx, in, m.Bounce); err != nil {
				return err
			}
			return advanceCursor(ctx, tx, m)
		})
		return res, err
	}
	return db.receive(ctx, in)
}

// ReceiveChat appends a chat message to its conversation's open ticket or
// opens one.
func (db *DB) ReceiveChat(ctx context.Context, m aftersales.ChatMessage) (*aftersales.IntakeResult, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return db.receive(ctx, &inbound{channel: m.Channel, messageID: m.Source + ":" + m.MessageID,
		conversation: m.Source + ":" + m.ConversationID, body: m.Text, name: m.Name, phone: m.Phone, email: m.Email})
}

// SubmitForm opens a ticket from the public web form.
func (db *DB) SubmitForm(ctx context.Context, f aftersales.WebForm) (*aftersales.IntakeResult, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return db.receive(ctx, &inbound{channel: aftersales.ChannelWeb, address: f.Email, subject: f.Title, body: f.Description,
		name: f.Name, phone: f.Phone, email: f.Email, serial: f.SerialNo, street: f.Address, nature: f.Nature, followToken: true})
}

func (db *DB) receive(ctx context.Context, in *inbound) (*aftersales.IntakeResult, error) {
	in.clean()
	var res *aftersales.IntakeResult
	err := db.inTx(ctx, func(tx *Tx) error {
		if in.cursor != nil {
			if seen, err := db.seenUID(ctx, tx, in.cursor); seen || err != nil {
				res = &aftersales.IntakeResult{Duplicate: seen}
				return err
			}
		}
		var err error
		res, err = db.receiveTx(ctx, tx, in)
		if err != nil {
			return err
		}
		if in.cursor != nil {
			return advanceCursor(ctx, tx, in.cursor)
		}
		return nil
	})
	return res, err
}

func (db *DB) receiveTx(ctx context.Context, tx *Tx, in *inbound) (*aftersales.IntakeResult, error) {
	if in.messageID != "" {
		var id int64
		var number string
		err := tx.QueryRowContext(ctx, `SELECT m.ticket_id, t.number FROM channel_messages m JOIN tickets t ON t.id = m.ticket_id
			WHERE m.channel = $1 AND m.message_id = $2`, in.channel, in.messageID).Scan(&id, &number)
		if err == nil {
			return &aftersales.IntakeResult{TicketID: id, Number: number, Duplicate: true}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlstore: find message: %w", err)
		}
	}
	t, err := db.threadOf(ctx, tx, in)
	if err != nil {
		return nil, err
	}
	res := &aftersales.IntakeResult{}
	if in.autoReply && t != nil {
		return res, db.autoReplyNote(ctx, tx, t, in, res)
	}
	var followUp string
	switch {
	case t == nil:
	case t.Status == aftersales.StatusClosed || t.Status == aftersales.StatusCancelled:
		// A closed ticket stays closed: the message opens a follow-up.
		followUp, t = t.Number, nil
	case t.Status == aftersales.StatusResolved || t.Status == aftersales.StatusAwaitingCustomer:
		// The customer answered: the ticket is back with the service side
		// (a resolved one counts as reopened).
		if err := db.transition(ctx, tx, t, aftersales.StatusAccepted, "customer wrote ("+string(in.channel)+")", nil); err != nil {
			return nil, err
		}
		res.Reopened = t.Status == aftersales.StatusResolved
	}
	if t == nil {
		id, err := db.openTicket(ctx, tx, in, followUp)
		if err != nil {
			return nil, err
		}
		if t, err = db.lockTicket(ctx, tx, id); err != nil {
			return nil, err
		}
		res.Created = true
	}
	res.TicketID, res.Number = t.ID, t.Number
	e := &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventCustomerMessage, Public: true, Channel: in.channel,
		Body: messageBody(in, t.Title)}
	if err := recordInbound(ctx, tx, e, in, in.address, in.conversation); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $1 WHERE id = $2`, ms(tx.now), t.ID); err != nil {
		return nil, err
	}
	if !res.Created {
		// The customer's message starts the next-response clock and tells
		// whoever holds the ticket.
		if err := db.refreshSLA(ctx, tx, t.ID, nil); err != nil {
			return nil, err
		}
		if t.AssigneeID != nil {
			if err := db.notify(ctx, tx, *t.AssigneeID, t.ID, "customer_message", t.Number+": "+t.Title, truncate(in.body, 500)); err != nil {
				return nil, err
			}
		}
	}
	if err := db.enqueue(ctx, tx, aftersales.HookTicketComment, t.ID, map[string]any{"public": true, "from_customer": true,
		"body": in.body, "channel": in.channel, "conversation_id": in.conversation}); err != nil {
		return nil, err
	}
	if res.Created && in.channel == aftersales.ChannelEmail && !in.autoReply && in.address != "" {
		if err := db.acknowledge(ctx, tx, t, in); err != nil {
			return nil, err
		}
	}
	if !res.Created && in.channel == aftersales.ChannelEmail && !in.autoReply && in.address != "" && len(in.notKept) > 0 {
		if err := db.mailCustomer(ctx, tx, t, in.address, aftersales.ReplySubject(t.Number, in.subject), notKeptBody(t.Number, in.notKept), in.messageID, in.refs, true); err != nil {
			return nil, err
		}
	}
	if res.Created && in.followToken {
		if res.FollowToken, err = followToken(ctx, tx, t.ID); err != nil {
			return nil, err
		}
	}
	return res, tx.audit(ctx, "receive_"+string(in.channel), "ticket", t.ID, map[string]any{"created": res.Created, "reopened": res.Reopened})
}

// clean makes the texts storable alike on both engines: PostgreSQL
// refuses NUL bytes and invalid UTF-8 in text, SQLite would keep them.
func (in *inbound) clean() {
	for _, p := range []*string{&in.messageID, &in.conversation, &in.tag, &in.address, &in.subject, &in.body, &in.name,
		&in.phone, &in.email, &in.serial, &in.street} {
		*p = cleanText(*p)
	}
	for _, xs := range [][]string{in.thread, in.refs, in.skipped, in.notKept} {
		for i := range xs {
			xs[i] = cleanText(xs[i])
		}
	}
	for _, f := range in.files {
		f.Name = cleanText(f.Name)
	}
}

func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// recordInbound adds e, an inbound message's timeline entry, with the
// message's files, and records the message for threading. Staff replies
// go to the latest message with an address or a conversation, so one
// recorded with neither is never answered.
func recordInbound(ctx context.Context, tx *Tx, e *aftersales.TicketEvent, in *inbound, address, conversation string) error {
	if err := addEvent(ctx, tx, e); err != nil {
		return err
	}
	for _, f := range in.files {
		if err := attach(ctx, tx, e.TicketID, f, nil); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO channel_messages (ticket_id, event_id, channel, direction, message_id, conversation, address, refs, subject, created_at)
		VALUES ($1, $2, $3, 'in', $4, $5, $6, $7, $8, $9)`,
		e.TicketID, e.ID, in.channel, nullStr(in.messageID), nullStr(conversation), address, strings.Join(in.refs, " "),
		truncate(in.subject, 500), ms(tx.now)); err != nil {
		return mapErr(fmt.Errorf("sqlstore: record message: %w", err))
	}
	return nil
}

// autoReplyNote records machine-sent mail (an out-of-office notice, a
// list or bulk message) on the ticket it answers as an internal note: it
// is not the customer writing, so the ticket is not reopened, no clock
// restarts and nothing is acknowledged. The message is recorded without
// an address, so staff replies still go where the customer wrote from.
func (db *DB) autoReplyNote(ctx context.Context, tx *Tx, t *aftersales.Ticket, in *inbound, res *aftersales.IntakeResult) error {
	res.TicketID, res.Number = t.ID, t.Number
	body := "Automatic reply from " + in.address + " / 自动回复\n\n" + messageBody(in, "")
	e := &aftersales.TicketEvent{TicketID: t.ID, Kind: aftersales.EventNote, Channel: in.channel, Body: truncateRunes(body, 20000)}
	if err := recordInbound(ctx, tx, e, in, "", ""); err != nil {
		return err
	}
	return tx.audit(ctx, "receive_auto_reply", "ticket", t.ID, map[string]any{"from": in.address})
}

// receiveBounce records a delivery status notification: against the
// outbox message it reports on (marked failed), the ticket that message
// belongs to (a note), and each failed address. It opens no ticket and
// makes no customer. res.TicketID is 0 when the mail it reports on is
// not ours.
func (db *DB) receiveBounce(ctx context.Context, tx *Tx, in *inbound, b *aftersales.Bounce) (*aftersales.IntakeResult, error) {
	in.clean()
	res := &aftersales.IntakeResult{}
	if !b.Failed { // a delay or success report: nothing to record
		return res, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM email_bounces WHERE message_id = $1`, in.messageID).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlstore: find bounce: %w", err)
	}
	if n > 0 {
		res.Duplicate = true
		return res, nil
	}
	ids := append([]string{cleanText(b.OriginalID)}, in.thread...)
	var outbox, ticket sql.NullInt64
	var to, number string
	for _, id := range ids {
		if id == "" {
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT id, to_addr FROM email_outbox WHERE message_id = $1 ORDER BY id LIMIT 1`, id).Scan(&outbox, &to)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlstore: bounce outbox: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT m.ticket_id, t.number FROM channel_messages m JOIN tickets t ON t.id = m.ticket_id
			WHERE m.channel = 'email' AND m.direction = 'out' AND m.message_id = $1`, id).Scan(&ticket, &number)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlstore: bounce ticket: %w", err)
		}
		if outbox.Valid || ticket.Valid {
			break
		}
	}
	rcpts := b.Recipients
	if len(rcpts) == 0 && to != "" {
		rcpts = []string{strings.ToLower(to)}
	}
	status, diag := truncate(cleanText(b.Status), 20), truncate(cleanText(b.Diagnostic), 500)
	// A report naming no address and no mail of ours leaves nothing to
	// record, and so nothing to receive twice.
	for _, r := range dedupe(rcpts) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_bounces (address, message_id, original_id, outbox_id, ticket_id, status, diagnostic, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, truncate(cleanText(r), 320), in.messageID, truncate(cleanText(b.OriginalID), 500),
			outbox, ticket, status, diag, ms(tx.now)); err != nil {
			return nil, mapErr(fmt.Errorf("sqlstore: record bounce: %w", err))
		}
	}
	if outbox.Valid {
		if _, err := tx.ExecContext(ctx, `UPDATE email_outbox SET status = 'failed', last_error = $1 WHERE id = $2`,
			truncate(strings.TrimSpace("bounced: "+status+" "+diag), 500), outbox.Int64); err != nil {
			return nil, fmt.Errorf("sqlstore: bounce outbox: %w", err)
		}
	}
	if ticket.Valid {
		res.TicketID, res.Number = ticket.Int64, number
		body := fmt.Sprintf("Delivery failed / 邮件退回: %s %s\n%s", strings.Join(b.Recipients, ", "), status, diag)
		e := &aftersales.TicketEvent{TicketID: ticket.Int64, Kind: aftersales.EventNote, Channel: aftersales.ChannelEmail, Body: truncateRunes(strings.TrimSpace(body), 20000)}
		if err := addEvent(ctx, tx, e); err != nil {
			return nil, err
		}
		for _, f := range in.files {
			if err := attach(ctx, tx, ticket.Int64, f, nil); err != nil {
				return nil, err
			}
		}
	}
	return res, tx.audit(ctx, "receive_bounce", "email", outbox.Int64, map[string]any{"recipients": rcpts, "status": status})
}

// notKeptBody tells a customer which attachments were not kept.
func notKeptBody(number string, notKept []string) string {
	return fmt.Sprintf("以下附件未能保存，请压缩后重新发送或改用其他方式提供（工单 %[1]s）：\n%[2]s\n\n"+
		"These attachments could not be kept; please send them again smaller or another way (ticket %[1]s):\n%[2]s\n",
		number, "- "+strings.Join(notKept, "\n- "))
}

// MailFailed records a failed attempt to receive a message; at
// QuarantineAfter attempts the message is quarantined and the cursor
// moves past it, in the same transaction.
func (db *DB) MailFailed(ctx context.Context, f aftersales.MailFailure) (bool, error) {
	quarantined := false
	err := db.inTx(ctx, func(tx *Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, `
			INSERT INTO mail_failures (mailbox, uid_validity, uid, message_id, sender, subject, attempts, error, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)
			ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET attempts = mail_failures.attempts + 1,
				error = excluded.error, updated_at = excluded.updated_at
			RETURNING attempts`, f.Mailbox, int64(f.UIDValidity), int64(f.UID), truncate(cleanText(f.MessageID), 500),
			truncate(cleanText(f.From), 320), truncate(cleanText(f.Subject), 500), truncate(cleanText(f.Error), 2000), ms(tx.now)).Scan(&attempts)
		if err != nil {
			return fmt.Errorf("sqlstore: record mail failure: %w", err)
		}
		if attempts < aftersales.QuarantineAfter {
			return nil
		}
		quarantined = true
		if _, err := tx.ExecContext(ctx, `UPDATE mail_failures SET quarantined_at = $1, raw_path = $2
			WHERE mailbox = $3 AND uid_validity = $4 AND uid = $5`, ms(tx.now), f.RawPath, f.Mailbox, int64(f.UIDValidity), int64(f.UID)); err != nil {
			return fmt.Errorf("sqlstore: quarantine: %w", err)
		}
		if err := advanceCursor(ctx, tx, &aftersales.InboundEmail{Mailbox: f.Mailbox, UIDValidity: f.UIDValidity, UID: f.UID}); err != nil {
			return err
		}
		return tx.audit(ctx, "quarantine", "mailbox", 0, map[string]any{"mailbox": f.Mailbox, "uid": f.UID, "error": truncate(f.Error, 200)})
	})
	return quarantined, err
}

// OldestPendingEmail is when the oldest unsent outbox message was
// queued; ok is false when none waits.
func (db *DB) OldestPendingEmail(ctx context.Context) (at time.Time, ok bool, err error) {
	var v sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT min(created_at) FROM email_outbox WHERE status = 'pending'`).Scan(&v); err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: oldest pending email: %w", err)
	}
	return fromMS(v.Int64), v.Valid, nil
}

// MailProblems lists quarantined messages and bouncing addresses, newest first.
func (db *DB) MailProblems(ctx context.Context, limit int) ([]*aftersales.MailFailure, []*aftersales.BouncingAddress, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return nil, nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, mailbox, uid_validity, uid, message_id, sender, subject, attempts, error, raw_path, quarantined_at
		FROM mail_failures WHERE quarantined_at IS NOT NULL ORDER BY quarantined_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: quarantine: %w", err)
	}
	defer rows.Close()
	var qs []*aftersales.MailFailure
	for rows.Next() {
		f := &aftersales.MailFailure{Quarantined: true}
		var v, uid, at int64
		if err := rows.Scan(&f.ID, &f.Mailbox, &v, &uid, &f.MessageID, &f.From, &f.Subject, &f.Attempts, &f.Error, &f.RawPath, &at); err != nil {
			return nil, nil, err
		}
		f.UIDValidity, f.UID, f.At = uint32(v), uint32(uid), fromMS(at)
		qs = append(qs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	brows, err := db.r.QueryContext(ctx, `SELECT b.address, (SELECT count(*) FROM email_bounces c WHERE c.address = b.address),
		b.status, b.diagnostic, b.ticket_id, b.created_at FROM email_bounces b
		WHERE b.id = (SELECT max(c.id) FROM email_bounces c WHERE c.address = b.address) ORDER BY b.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: bounces: %w", err)
	}
	defer brows.Close()
	var bs []*aftersales.BouncingAddress
	for brows.Next() {
		b := &aftersales.BouncingAddress{}
		var tid sql.NullInt64
		var at int64
		if err := brows.Scan(&b.Address, &b.Bounces, &b.Status, &b.Diagnostic, &tid, &at); err != nil {
			return nil, nil, err
		}
		if tid.Valid {
			b.TicketID = &tid.Int64
		}
		b.Last = fromMS(at)
		bs = append(bs, b)
	}
	return qs, bs, brows.Err()
}

// messageBody is the timeline text of an inbound message: the subject
// when it says more than the ticket's title, the text, and what was not
// kept.
func messageBody(in *inbound, title string) string {
	b := in.body
	if subj := aftersales.CleanSubject(in.subject); subj != "" && subj != title {
		b = subj + "\n\n" + b
	}
	if len(in.skipped) > 0 {
		b += "\n\n[" + strings.Join(in.skipped, "; ") + "]"
	}
	return truncateRunes(strings.TrimSpace(b), 20000)
}

// threadOf finds the ticket a message belongs to: by the ids it answers,
// then by the subject tag (only from an address that already wrote on the
// ticket or is its customer's, so a guessed number does not let a
// stranger into a ticket), or by chat conversation. nil: a new ticket.
func (db *DB) threadOf(ctx context.Context, tx *Tx, in *inbound) (*aftersales.Ticket, error) {
	if in.ticketID != 0 {
		return db.lockKept(ctx, tx, in.ticketID)
	}
	var id int64
	scan := func(q string, args ...any) error {
		err := tx.QueryRowContext(ctx, q, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if len(in.thread) > 0 {
		// One query for every id the message answers; the nearest wins.
		marks := make([]string, len(in.thread))
		args := make([]any, len(in.thread))
		for i, mid := range in.thread {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), mid
		}
		rows, err := tx.QueryContext(ctx, `SELECT message_id, ticket_id FROM channel_messages
			WHERE channel = 'email' AND message_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: thread: %w", err)
		}
		found := map[string]int64{}
		for rows.Next() {
			var mid string
			var tid int64
			if err := rows.Scan(&mid, &tid); err != nil {
				rows.Close()
				return nil, err
			}
			found[mid] = tid
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, mid := range in.thread {
			if id = found[mid]; id != 0 {
				break
			}
		}
	}
	if id == 0 && in.tag != "" && in.address != "" {
		err := scan(`SELECT t.id FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
			WHERE t.number = $1 AND (lower(c.email) = $2 OR EXISTS (
				SELECT 1 FROM channel_messages m WHERE m.ticket_id = t.id AND m.direction = 'in' AND m.address = $2))`, in.tag, in.address)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: thread by tag: %w", err)
		}
	}
	if id == 0 && in.conversation != "" {
		if err := scan(`SELECT ticket_id FROM channel_messages WHERE conversation = $1 ORDER BY id DESC LIMIT 1`, in.conversation); err != nil {
			return nil, fmt.Errorf("sqlstore: thread by conversation: %w", err)
		}
	}
	if id == 0 {
		return nil, nil
	}
	return db.lockKept(ctx, tx, id)
}

// lockKept locks the ticket a message about ticket id continues on: id
// itself, or the ticket it was merged into. The merge link read before
// the lock can be stale on PostgreSQL: a merge that commits between that
// read and the lock (it locks the duplicate too) shows only in the row
// the lock returns, so the link is followed again under the lock.
func (db *DB) lockKept(ctx context.Context, tx *Tx, id int64) (*aftersales.Ticket, error) {
	id, err := keptTicket(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	for range 8 { // a merge never targets a merged ticket; the bound is a guard
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil || t.MergedInto == nil {
			return t, err
		}
		id = *t.MergedInto
	}
	return nil, fmt.Errorf("sqlstore: kept ticket: ticket %d is still merged after 8 links", id)
}

// keptTicket follows a merged duplicate to the ticket kept (MergeTicket),
// so that a message about the duplicate (its number in the subject, its
// follow page) continues there; a ticket not merged is itself. It reads
// without a lock: lockKept checks again under the lock.
func keptTicket(ctx context.Context, tx *Tx, id int64) (int64, error) {
	for range 8 { // a merge never targets a merged ticket; the bound is a guard
		var next sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT merged_into FROM tickets WHERE id = $1`, id).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !next.Valid {
			return id, nil
		}
		if err != nil {
			return 0, fmt.Errorf("sqlstore: kept ticket: %w", err)
		}
		id = next.Int64
	}
	return id, nil
}

// openTicket creates the ticket for a first message: the customer is
// found by email or phone or created, the nature guessed from the text
// unless given, a known serial number links the asset.
func (db *DB) openTicket(ctx context.Context, tx *Tx, in *inbound, followUp string) (int64, error) {
	cust, err := db.intakeCustomer(ctx, tx, in)
	if err != nil {
		return 0, err
	}
	title := strings.TrimSpace(aftersales.CleanSubject(in.subject))
	if title == "" {
		title = firstLine(in.body, 60)
	}
	if title == "" {
		title = "(" + string(in.channel) + ")"
	}
	title = truncateRunes(title, 200)
	desc := in.body
	if in.street != "" {
		desc += "\n\n地址 / Address: " + in.street
	}
	if followUp != "" {
		desc = "Follow-up of " + followUp + " / 续 " + followUp + "\n\n" + desc
	}
	desc = truncateRunes(strings.TrimSpace(desc), 20000)
	nature := in.nature
	if nature == "" {
		nature = aftersales.GuessNature(title + "\n" + in.body)
	}
	ch, urg := in.channel, aftersales.UrgencyNormal
	ti := aftersales.TicketInput{Channel: &ch, Nature: &nature, Urgency: &urg, Title: &title, Description: &desc, CustomerID: &cust}
	if followUp != "" {
		ti.Tags = &[]string{"follow-up"}
	}
	if in.assetID != 0 {
		var product int64
		if err := tx.QueryRowContext(ctx, `SELECT product_id FROM assets WHERE id = $1 AND customer_id = $2`, in.assetID, cust).Scan(&product); err != nil {
			return 0, notFound(err, "Asset", in.assetID)
		}
		ti.AssetID, ti.ProductID = &in.assetID, &product
	} else if in.serial != "" {
		var asset, product int64
		err := tx.QueryRowContext(ctx, `SELECT id, product_id FROM assets WHERE serial_no = $1 AND (customer_id = $2 OR customer_id IS NULL)`,
			in.serial, cust).Scan(&asset, &product)
		if err == nil {
			ti.AssetID, ti.ProductID = &asset, &product
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("sqlstore: intake asset: %w", err)
		}
	}
	// An active text model decides what the customer did not say: the
	// keyword guess and the default urgency are no person's choice.
	probe := ti
	probe.Urgency = nil
	if in.nature == "" {
		probe.Nature = nil
	}
	sugg, err := db.suggest(ctx, &probe)
	if err != nil {
		return 0, err
	}
	ti.Nature, ti.Urgency, ti.CategoryID = cmp.Or(probe.Nature, ti.Nature), cmp.Or(probe.Urgency, ti.Urgency), probe.CategoryID
	if err := ti.Validate(true, tx.now); err != nil {
		return 0, err
	}
	tx.suggested = predicted(sugg)
	t, _, err := db.insertTicket(ctx, tx, &ti, nil, sugg, nil)
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return truncateRunes(strings.TrimSpace(s), n)
}

// intakeCustomer finds the sender by email, then phone, or creates them.
func (db *DB) intakeCustomer(ctx context.Context, tx *Tx, in *inbound) (int64, error) {
	if in.customerID != 0 {
		return in.customerID, nil
	}
	var id int64
	for _, q := range []struct{ where, val string }{{"lower(email) = $1 AND email <> ''", strings.ToLower(in.email)}, {"phone = $1 AND phone <> ''", in.phone}} {
		if q.val == "" {
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE `+q.where+` ORDER BY id LIMIT 1`, q.val).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("sqlstore: intake customer: %w", err)
		}
	}
	name := strings.TrimSpace(in.name)
	if name == "" {
		name, _, _ = strings.Cut(in.email, "@")
	}
	if name == "" {
		name = cmp.Or(in.phone, in.conversation)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO customers (kind, name, phone, email, address, created_at, updated_at)
		VALUES ('person', $1, $2, $3, $4, $5, $5) RETURNING id`,
		truncateRunes(name, 200), in.phone, in.email, mustJSON(aftersales.Address{Street: in.street}), ms(tx.now)).Scan(&id)
	if err != nil {
		return 0, mapErr(fmt.Errorf("sqlstore: intake customer: %w", err))
	}
	return id, tx.audit(ctx, "create", "customer", id, map[string]any{"channel": in.channel})
}

// acknowledge queues the "we have your message" mail for a new ticket,
// threaded under the customer's message.
func (db *DB) acknowledge(ctx context.Context, tx *Tx, t *aftersales.Ticket, in *inbound) error {
	body := fmt.Sprintf("您好，\n\n我们已收到您的来信，工单号为 %[1]s。我们会尽快处理。补充信息请直接回复本邮件，并请保留标题中的工单号。\n\n"+
		"Hello,\n\nWe have received your message. Your ticket number is %[1]s and we will get back to you soon. "+
		"To add information, reply to this email and keep the ticket number in the subject.\n", t.Number)
	if len(in.notKept) > 0 {
		body += "\n" + notKeptBody(t.Number, in.notKept)
	}
	return db.mailCustomer(ctx, tx, t, in.address, aftersales.ReplySubject(t.Number, in.subject), body, in.messageID, in.refs, true)
}

// mailCustomer queues a mail to a customer about ticket t, threaded under
// the message inReplyTo, and records it so that answers to it thread back.
// Without SMTP nothing is queued.
// auto marks mail the system writes by itself (RFC 3834 Auto-Submitted).
func (db *DB) mailCustomer(ctx context.Context, tx *Tx, t *aftersales.Ticket, to, subject, body, inReplyTo string, refs []string, auto bool) error {
	if on, err := db.mailOn(ctx, tx); err != nil || !on || to == "" {
		return err
	}
	domain := db.mailDomain(ctx, tx)
	mid := fmt.Sprintf("%s.%d.%s@%s", t.Number, tx.now.UnixMilli(), strings.ToLower(rand.Text()[:12]), domain)
	if inReplyTo != "" {
		refs = append(refs, inReplyTo)
	}
	refs = dedupe(refs)
	if len(refs) > 20 { // keep the first and the latest, as RFC 5322 suggests
		refs = append(refs[:1], refs[len(refs)-19:]...)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_outbox (to_addr, subject, body, next_attempt_at, created_at, message_id, in_reply_to, refs, auto_submitted)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)`, to, subject, body, ms(tx.now), mid, inReplyTo, strings.Join(refs, " "), boolInt(auto)); err != nil {
		return fmt.Errorf("sqlstore: queue mail: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO channel_messages (ticket_id, channel, direction, message_id, address, refs, subject, created_at)
		VALUES ($1, 'email', 'out', $2, $3, $4, $5, $6)`, t.ID, mid, to, strings.Join(refs, " "), truncate(subject, 500), ms(tx.now))
	return err
}

// replyOut sends a staff reply to where the customer last wrote from: by
// email when they wrote by mail or gave an address on the web form. It
// returns the chat conversation, for the webhook a bridge listens to.
func (db *DB) replyOut(ctx context.Context, tx *Tx, t *aftersales.Ticket, body string) (string, error) {
	var channel, mid, addr, refs, subject, conv sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT channel, message_id, address, refs, subject, conversation FROM channel_messages
		WHERE ticket_id = $1 AND direction = 'in' AND (address <> '' OR conversation IS NOT NULL) ORDER BY id DESC LIMIT 1`, t.ID).Scan(&channel, &mid, &addr, &refs, &subject, &conv)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: reply channel: %w", err)
	}
	if addr.String == "" {
		return conv.String, nil
	}
	subj := subject.String
	if subj == "" {
		subj = t.Title
	}
	return conv.String, db.mailCustomer(ctx, tx, t, addr.String, aftersales.ReplySubject(t.Number, subj), body, mid.String, strings.Fields(refs.String), false)
}

// seenUID locks the mailbox's cursor for the rest of the transaction and
// reports whether the message was received already. Two instances reading
// one mailbox (two `serve --role all` on one PostgreSQL) both fetch each
// new message: the second waits here for the first's commit and then
// skips the message, where it used to lose on the unique message id and
// count a failed attempt, or, for mail whose id is derived from its
// content, could only be saved by that index. On SQLite the write
// transaction is the lock.
func (db *DB) seenUID(ctx context.Context, tx *Tx, m *aftersales.InboundEmail) (bool, error) {
	if m.Mailbox == "" {
		return false, nil
	}
	q := `SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = $1`
	if db.d.engine == Postgres {
		q += ` FOR UPDATE`
	}
	var v, last int64
	err := tx.QueryRowContext(ctx, q, m.Mailbox).Scan(&v, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: mailbox cursor %s: %w", m.Mailbox, err)
	}
	return v == int64(m.UIDValidity) && last >= int64(m.UID), nil
}

// advanceCursor moves a mailbox's cursor past the message just handled.
func advanceCursor(ctx context.Context, tx *Tx, m *aftersales.InboundEmail) error {
	if m.Mailbox == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (mailbox) DO UPDATE SET
			last_uid = CASE WHEN mailbox_cursors.uid_validity = excluded.uid_validity AND mailbox_cursors.last_uid > excluded.last_uid
				THEN mailbox_cursors.last_uid ELSE excluded.last_uid END,
			uid_validity = excluded.uid_validity, updated_at = excluded.updated_at`,
		m.Mailbox, int64(m.UIDValidity), int64(m.UID), ms(tx.now))
	return err
}

// Cursor returns how far a mailbox has been read.
func (db *DB) Cursor(ctx context.Context, mailbox string) (aftersales.MailboxCursor, error) {
	var v, last int64
	err := db.r.QueryRowContext(ctx, `SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = $1`, mailbox).Scan(&v, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return aftersales.MailboxCursor{}, nil
	}
	return aftersales.MailboxCursor{UIDValidity: uint32(v), LastUID: uint32(last)}, err
}

// ResetCursor sets a mailbox's cursor (first poll, or a new UIDVALIDITY).
// Messages already received are still recognised by their Message-ID. A
// cursor already at this UIDVALIDITY stays where it is: another instance
// reset it and has read on since.
func (db *DB) ResetCursor(ctx context.Context, mailbox string, c aftersales.MailboxCursor) error {
	return db.inTx(ctx, func(tx *Tx) error {
		r, err := tx.ExecContext(ctx, `
			INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at
			WHERE mailbox_cursors.uid_validity <> excluded.uid_validity`,
			mailbox, int64(c.UIDValidity), int64(c.LastUID), ms(tx.now))
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return tx.audit(ctx, "reset_cursor", "mailbox", 0, map[string]any{"mailbox": mailbox, "uid_validity": c.UIDValidity, "last_uid": c.LastUID})
	})
}

// FollowTicket shows a ticket to the holder of its follow token: status
// and the public exchange, never internal notes.
func (db *DB) FollowTicket(ctx context.Context, number, token string) (*aftersales.PublicTicket, error) {
	var id, created, updated int64
	p := &aftersales.PublicTicket{}
	err := db.r.QueryRowContext(ctx, `SELECT t.id, t.number, t.title, t.status, t.created_at, t.updated_at
		FROM tickets t JOIN `+followTokens+` f ON f.ticket_id = t.id WHERE t.number = $1 AND f.token_hash = $2`,
		strings.TrimSpace(number), auth.HashSecret(token)).Scan(&id, &p.Number, &p.Title, &p.Status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, aftersales.Errorf(aftersales.ENOTFOUND, "No ticket matches this number and link.")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: follow: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	rows, err := db.r.QueryContext(ctx, `SELECT at, kind, body FROM ticket_events
		WHERE ticket_id = $1 AND kind IN ('reply', 'customer_message') ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: follow: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var kind, body string
		if err := rows.Scan(&at, &kind, &body); err != nil {
			return nil, err
		}
		p.Messages = append(p.Messages, aftersales.PublicMessage{At: fromMS(at), Customer: kind == string(aftersales.EventCustomerMessage), Body: body})
	}
	return p, rows.Err()
}

// FollowReply takes a customer's message from the follow page into the
// ticket its token opens, like a message from any channel.
func (db *DB) FollowReply(ctx context.Context, number, token, body string) (*aftersales.IntakeResult, error) {
	body = strings.TrimSpace(body)
	var v aftersales.Validator
	v.Check(body != "", "message", "is required")
	v.Check(utf8.RuneCountInString(body) <= aftersales.MaxFollowReply, "message", fmt.Sprintf("must be at most %d characters", aftersales.MaxFollowReply))
	v.Text("message", body)
	if err := v.Err(); err != nil {
		return nil, err
	}
	in := &inbound{channel: aftersales.ChannelWeb, body: body}
	in.clean()
	var res *aftersales.IntakeResult
	err := db.inTx(ctx, func(tx *Tx) error {
		var status aftersales.Status
		err := tx.QueryRowContext(ctx, `SELECT t.id, t.status FROM tickets t JOIN `+followTokens+` f ON f.ticket_id = t.id
			WHERE t.number = $1 AND f.token_hash = $2`, strings.TrimSpace(number), auth.HashSecret(token)).Scan(&in.ticketID, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return aftersales.Errorf(aftersales.ENOTFOUND, "No ticket matches this number and link.")
		}
		if err != nil {
			return fmt.Errorf("sqlstore: follow reply: %w", err)
		}
		if status == aftersales.StatusClosed || status == aftersales.StatusCancelled {
			return aftersales.Errorf(aftersales.ECONFLICT, "This request is closed; send a new one.")
		}
		res, err = db.receiveTx(ctx, tx, in)
		return err
	})
	return res, err
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// followToken creates the secret a customer follows a ticket with; only
// its hash is stored, like sessions' and API tokens'.
func followToken(ctx context.Context, tx *Tx, ticketID int64) (string, error) {
	tok := auth.NewSecret("")
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_follow_tokens (ticket_id, token_hash) VALUES ($1, $2)`, ticketID, auth.HashSecret(tok))
	return tok, err
}
