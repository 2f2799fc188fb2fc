package aftersales

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// InboundEmail is one parsed message from a polled mailbox.
type InboundEmail struct {
	// Mailbox, UIDValidity and UID say where it was read; the store
	// advances the mailbox cursor in the same transaction as the ticket
	// change, so no message is read twice or skipped.
	Mailbox     string
	UIDValidity uint32
	UID         uint32

	MessageID  string   // without angle brackets
	InReplyTo  []string // message ids this one answers
	References []string
	From       string // address, lower case
	FromName   string
	To         []string
	Subject    string
	Text       string // the plain-text body (HTML converted when it is all there is)
	Date       time.Time
	// ReplyTo is where the sender asks answers to go (a web-form relay,
	// a colleague forwarding for a customer): the customer when set.
	ReplyTo     string
	ReplyToName string
	// AutoReply marks machine-sent mail (Auto-Submitted, X-Autoreply,
	// Precedence bulk/list/auto_reply): it is recorded as a note on the
	// ticket it answers, never reopens it and is never acknowledged, to
	// avoid mail loops (RFC 3834).
	AutoReply bool
	// Bounce is set on a delivery status notification: it opens no ticket
	// and makes no customer; it is recorded against the outbox message
	// and address it concerns.
	Bounce *Bounce
	// Files are the attachments and the raw message, already stored.
	Files []*Attachment
	// Skipped names what was not kept or not readable, with the reason.
	Skipped []string
	// NotKept names the attachments refused (too large, not accepted),
	// which the customer is told about.
	NotKept []string
}

// Bounce is what a delivery status notification (RFC 3464) says.
type Bounce struct {
	// OriginalID is the Message-ID of the mail that failed (ours).
	OriginalID string
	// Recipients are the addresses that failed, lower case.
	Recipients []string
	Status     string // e.g. 5.1.1
	Diagnostic string
	// Failed is false for reports of delay or success: those are
	// dropped, never made into tickets.
	Failed bool
}

// MailFailure is a message that could not be received. After
// QuarantineAfter attempts it is quarantined: kept with its error and
// passed over, so the messages behind it are read.
type MailFailure struct {
	ID          int64     `json:"id"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uid_validity"`
	UID         uint32    `json:"uid"`
	MessageID   string    `json:"message_id"`
	From        string    `json:"from"`
	Subject     string    `json:"subject"`
	Attempts    int       `json:"attempts"`
	Error       string    `json:"error"`
	RawPath     string    `json:"-"` // the raw message in the file store
	Quarantined bool      `json:"quarantined"`
	At          time.Time `json:"at"`
}

// QuarantineAfter is how many failed attempts quarantine a message.
const QuarantineAfter = 3

// BouncingAddress is an address delivery to which failed.
type BouncingAddress struct {
	Address    string    `json:"address"`
	Bounces    int       `json:"bounces"`
	Status     string    `json:"status"`
	Diagnostic string    `json:"diagnostic"`
	TicketID   *int64    `json:"ticket_id,omitempty"`
	Last       time.Time `json:"last"`
}

// ChatMessage is one inbound message from a chat or social bridge.
type ChatMessage struct {
	Source         string    `json:"source" minLength:"1" maxLength:"40" example:"wechat" doc:"The bridge, e.g. wechat, whatsapp, weibo"`
	ConversationID string    `json:"conversation_id" minLength:"1" maxLength:"200" doc:"Stable id of the conversation; messages with the same source and conversation id go to the same open ticket"`
	MessageID      string    `json:"message_id" minLength:"1" maxLength:"200" doc:"The bridge's id of this message; a repeated id is accepted once"`
	Channel        Channel   `json:"channel,omitempty" enum:"chat,social," doc:"chat (default) or social"`
	Name           string    `json:"name,omitempty" maxLength:"200" doc:"The customer's display name"`
	Phone          string    `json:"phone,omitempty" maxLength:"40"`
	Email          string    `json:"email,omitempty" maxLength:"200"`
	Text           string    `json:"text" minLength:"1" maxLength:"20000"`
	SentAt         time.Time `json:"sent_at,omitempty" doc:"When the customer sent it, for the bridge's records; the timeline uses the time the message was received"`
}

// Validate checks a chat message.
func (m *ChatMessage) Validate() error {
	var v Validator
	m.Source, m.ConversationID, m.MessageID = strings.TrimSpace(m.Source), strings.TrimSpace(m.ConversationID), strings.TrimSpace(m.MessageID)
	m.Text = strings.TrimSpace(m.Text)
	v.Check(m.Source != "" && len(m.Source) <= 40, "source", "is required, at most 40 characters")
	v.Check(m.ConversationID != "" && len(m.ConversationID) <= 200, "conversation_id", "is required, at most 200 characters")
	v.Check(m.MessageID != "" && len(m.MessageID) <= 200, "message_id", "is required, at most 200 characters")
	v.Check(m.Text != "", "text", "must not be empty")
	v.Check(utf8.RuneCountInString(m.Text) <= 20000, "text", "must be at most 20000 characters")
	if m.Channel == "" {
		m.Channel = ChannelChat
	}
	v.Check(m.Channel == ChannelChat || m.Channel == ChannelSocial, "channel", "must be chat or social")
	if m.Phone != "" {
		p, ok := NormalisePhone(m.Phone)
		v.Check(ok, "phone", "must be a phone number (at least 7 digits)")
		m.Phone = p
	}
	if m.Email != "" {
		a, err := mail.ParseAddress(m.Email)
		v.Check(err == nil, "email", "is not an email address")
		if err == nil {
			m.Email = strings.ToLower(a.Address)
		}
	}
	return v.Err()
}

// WebForm is what a customer submits through the public web form.
type WebForm struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	Nature      Nature `json:"nature"`
	Title       string `json:"title"`
	Description string `json:"description"`
	SerialNo    string `json:"serial_no"`
	Address     string `json:"address"`
}

// Validate checks a submission; phone or email is needed to reach back.
func (f *WebForm) Validate() error {
	var v Validator
	f.Name, f.Phone, f.Email = strings.TrimSpace(f.Name), strings.TrimSpace(f.Phone), strings.TrimSpace(f.Email)
	f.Title, f.Description = strings.TrimSpace(f.Title), strings.TrimSpace(f.Description)
	f.SerialNo, f.Address = strings.TrimSpace(f.SerialNo), strings.TrimSpace(f.Address)
	v.Check(f.Name != "", "name", "is required")
	v.Check(utf8.RuneCountInString(f.Name) <= 100, "name", "must be at most 100 characters")
	v.Check(f.Phone != "" || f.Email != "", "phone", "a phone number or an email address is required")
	if f.Phone != "" {
		p, ok := NormalisePhone(f.Phone)
		v.Check(ok && len(p) <= 20 && strings.Trim(f.Phone, "+-() 0123456789０１２３４５６７８９") == "", "phone", "must be a phone number (7 to 20 digits)")
		f.Phone = p
	}
	if f.Email != "" {
		a, err := mail.ParseAddress(f.Email)
		v.Check(err == nil && a.Name == "", "email", "is not an email address")
		if err == nil {
			f.Email = strings.ToLower(a.Address)
		}
	}
	if f.Nature == "" {
		f.Nature = NatureConsultation
	}
	v.Check(f.Nature.Valid(), "nature", "must be one of "+joinEnum(Natures))
	v.Check(f.Title != "", "title", "is required")
	v.Check(utf8.RuneCountInString(f.Title) <= 200, "title", "must be at most 200 characters")
	v.Check(f.Description != "", "description", "is required")
	v.Check(utf8.RuneCountInString(f.Description) <= 20000, "description", "must be at most 20000 characters")
	v.Check(utf8.RuneCountInString(f.SerialNo) <= 100, "serial_no", "must be at most 100 characters")
	v.Check(utf8.RuneCountInString(f.Address) <= 300, "address", "must be at most 300 characters")
	return v.Err()
}

// IntakeResult says what an inbound message did.
type IntakeResult struct {
	TicketID  int64  `json:"ticket_id"`
	Number    string `json:"number"`
	Created   bool   `json:"created" doc:"A new ticket was opened"`
	Duplicate bool   `json:"duplicate" doc:"The message had been received before; nothing changed"`
	Reopened  bool   `json:"reopened,omitempty" doc:"The message reopened a resolved ticket"`
	// FollowToken lets the customer follow the ticket without an account;
	// it is returned once, when the ticket is created from the web form.
	FollowToken string `json:"-"`
}

// PublicTicket is what a customer sees when following a ticket.
type PublicTicket struct {
	Number    string
	Title     string
	Status    Status
	CreatedAt time.Time
	UpdatedAt time.Time
	Messages  []PublicMessage
}

// PublicMessage is one public exchange on a followed ticket.
type PublicMessage struct {
	At       time.Time
	Customer bool // written by the customer, else by staff
	Body     string
}

// MailboxCursor is how far a mailbox has been read.
type MailboxCursor struct {
	UIDValidity uint32
	LastUID     uint32
}

// IntakeService receives customers' messages from the channels. Its
// callers authenticate the channel (mailbox login, HMAC, rate limit); the
// service acts as the system, not as a user.
type IntakeService interface {
	// ReceiveEmail appends the message to the ticket it answers or opens a
	// ticket, and advances the mailbox cursor, in one transaction.
	ReceiveEmail(ctx context.Context, m *InboundEmail) (*IntakeResult, error)
	// Cursor returns where reading a mailbox stopped; zero if never read.
	Cursor(ctx context.Context, mailbox string) (MailboxCursor, error)
	// ResetCursor sets a mailbox's cursor: on the first poll, and when
	// its UIDVALIDITY changed. A cursor already at c's UIDVALIDITY is left
	// where it is: another instance reset it first and may have read on.
	ResetCursor(ctx context.Context, mailbox string, c MailboxCursor) error
	// MailFailed records a failed attempt to receive a message; at
	// QuarantineAfter attempts it quarantines the message and advances
	// the cursor past it, in one transaction.
	MailFailed(ctx context.Context, f MailFailure) (quarantined bool, err error)
	// MailProblems lists the quarantined messages and the bouncing
	// addresses, newest first.
	MailProblems(ctx context.Context, limit int) ([]*MailFailure, []*BouncingAddress, error)
	ReceiveChat(ctx context.Context, m ChatMessage) (*IntakeResult, error)
	SubmitForm(ctx context.Context, f WebForm) (*IntakeResult, error)
	// FollowTicket returns the public view of a ticket for a follow token.
	FollowTicket(ctx context.Context, number, token string) (*PublicTicket, error)
	// FollowReply adds the customer's message to a ticket they follow by
	// its token, as any channel's message does (a resolved ticket is
	// reopened); a closed or cancelled ticket takes no more messages.
	FollowReply(ctx context.Context, number, token, body string) (*IntakeResult, error)
}

// MaxFollowReply is the longest message the follow page takes, in
// characters.
const MaxFollowReply = 5000

// ticketTag finds a ticket number tag such as [#AS202611-000123].
var ticketTag = regexp.MustCompile(`\[#(AS\d{6}-\d{6,})\]`)

// TicketTag returns the ticket number tagged in a subject, or "".
func TicketTag(subject string) string {
	if m := ticketTag.FindStringSubmatch(subject); m != nil {
		return m[1]
	}
	return ""
}

// CleanSubject removes ticket tags and reply and forward prefixes.
func CleanSubject(subject string) string {
	subject = strings.TrimSpace(ticketTag.ReplaceAllString(subject, ""))
	for {
		l := strings.ToLower(subject)
		cut := false
		for _, p := range []string{"re:", "aw:", "fw:", "fwd:", "回复:", "回复：", "答复:", "答复：", "转发:", "转发："} {
			if strings.HasPrefix(l, p) {
				subject, cut = strings.TrimSpace(ticketTag.ReplaceAllString(subject[len(p):], "")), true
				break
			}
		}
		if !cut {
			return subject
		}
	}
}

// ReplySubject is the subject of mail about a ticket: the cleaned
// subject with the ticket tag in front.
func ReplySubject(number, subject string) string {
	return "Re: [#" + number + "] " + CleanSubject(subject)
}

// natureWords are the words that make a ticket's nature plain from its
// text, in the order they are tried.
var natureWords = []struct {
	n     Nature
	words []string
}{
	{NatureComplaint, []string{"投诉", "complain", "unacceptable", "不满", "太差", "欺骗"}},
	{NatureReturn, []string{"退货", "退款", "换货", "refund", "return the", "exchange"}},
	{NatureInstallation, []string{"安装", "install"}},
	{NatureRepair, []string{"维修", "故障", "坏了", "不工作", "不制冷", "不加热", "漏水", "报修", "repair", "broken", "not working", "fault", "leak"}},
}

// GuessNature classifies a customer's text by plain keywords; it returns
// consultation when nothing matches.
func GuessNature(text string) Nature {
	l := strings.ToLower(text)
	for _, nw := range natureWords {
		for _, w := range nw.words {
			if strings.Contains(l, w) {
				return nw.n
			}
		}
	}
	return NatureConsultation
}
