// Package mailin reads customers' mail: it parses MIME messages (any
// charset go-message knows, with the Chinese GB family read as GB18030)
// and polls IMAP mailboxes. The store decides what a message does; this
// package only reads mail.
//
// Importing it sets go-message's package-level CharsetReader, which is the
// library's only hook for charsets.
package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func init() { message.CharsetReader = charsetReader }

// charsetReader reads the GB family as GB18030, their superset: mail
// labelled gb2312 routinely carries GBK characters.
func charsetReader(name string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "gb2312", "gbk", "x-gbk", "gb18030", "euc-cn", "cp936", "windows-936", "csgb2312":
		return simplifiedchinese.GB18030.NewDecoder().Reader(r), nil
	}
	return charset.Reader(name, r)
}

// Part is one attachment of a message.
type Part struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is a parsed mail.
type Message struct {
	MessageID  string
	InReplyTo  []string
	References []string
	From       string
	FromName   string
	To         []string
	Subject    string
	Text       string
	Date       time.Time
	AutoReply  bool
	Parts      []Part
	// Problems lists what could not be read (a part in an unknown
	// charset, a broken structure); the raw message keeps everything.
	Problems []string
}

// MaxText is the most text kept from one message body, in bytes.
const MaxText = 1 << 20

// Parse reads a raw RFC 5322 message. It does not fail on damaged mail:
// what cannot be read is listed in Problems and the rest is kept. A
// message without a Message-ID gets one derived from its content, so it
// is still received once.
func Parse(raw []byte) *Message {
	m := &Message{}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if mr == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		if err == nil {
			err = errors.New("unreadable")
		}
		m.Problems = append(m.Problems, "structure: "+err.Error())
		m.Text = fallbackText(raw)
		m.MessageID = derivedID(raw)
		return m
	}
	if err != nil {
		m.Problems = append(m.Problems, err.Error())
	}
	h := mr.Header
	m.MessageID, _ = h.MessageID()
	if m.MessageID == "" {
		m.MessageID = derivedID(raw)
	}
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	} else if v := h.Get("From"); v != "" {
		m.From = strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>"))
	}
	if to, err := h.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	if m.Subject, err = h.Subject(); err != nil {
		m.Subject = h.Get("Subject")
	}
	m.Subject, m.FromName, m.From = strings.ToValidUTF8(m.Subject, "\uFFFD"), strings.ToValidUTF8(m.FromName, "\uFFFD"), strings.ToValidUTF8(m.From, "\uFFFD")
	m.Date, _ = h.Date()
	m.AutoReply = autoReply(h, m.From)

	var plain, htmlText []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if message.IsUnknownCharset(err) || message.IsUnknownEncoding(err) {
				m.Problems = append(m.Problems, err.Error())
				if p == nil {
					continue
				}
			} else {
				m.Problems = append(m.Problems, "part: "+err.Error())
				break
			}
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := ph.ContentType()
			b, err := io.ReadAll(io.LimitReader(p.Body, MaxText))
			if err != nil {
				m.Problems = append(m.Problems, "body: "+err.Error())
			}
			switch {
			case ct == "text/plain" || ct == "":
				plain = append(plain, validUTF8(b))
			case ct == "text/html":
				htmlText = append(htmlText, HTMLText(validUTF8(b)))
			default: // inline images and the like are attachments too
				name := partName(ph.Header, ct)
				m.Parts = append(m.Parts, Part{Name: name, ContentType: ct, Data: b})
			}
		case *mail.AttachmentHeader:
			name, _ := ph.Filename()
			ct, _, _ := ph.ContentType()
			if name == "" {
				name = partName(ph.Header, ct)
			}
			b, err := io.ReadAll(p.Body)
			if err != nil {
				m.Problems = append(m.Problems, "attachment "+name+": "+err.Error())
			}
			m.Parts = append(m.Parts, Part{Name: name, ContentType: ct, Data: b})
		}
	}
	text := strings.Join(plain, "\n\n")
	if strings.TrimSpace(text) == "" {
		text = strings.Join(htmlText, "\n\n")
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if len(m.InReplyTo) > 0 || len(m.References) > 0 {
		text = StripQuoted(text)
	}
	m.Text = text
	return m
}

func partName(h message.Header, ct string) string {
	exts, _ := mime.ExtensionsByType(ct)
	ext := ".bin"
	if len(exts) > 0 {
		ext = exts[0]
	}
	if id := strings.Trim(h.Get("Content-Id"), "<> "); id != "" {
		return id + ext
	}
	return "part" + ext
}

// derivedID is the id of a message that has none: a hash of its bytes.
func derivedID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256-" + hex.EncodeToString(sum[:16]) + "@aftersales.invalid"
}

// autoReply recognises machine-sent mail (RFC 3834 and common practice).
func autoReply(h mail.Header, from string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("List-Id") != "" {
		return true
	}
	local, _, _ := strings.Cut(from, "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply":
		return true
	}
	ct, _, _ := h.ContentType()
	return ct == "multipart/report"
}

func validUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// fallbackText is the body of a message whose structure cannot be read.
func fallbackText(raw []byte) string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		raw = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		raw = raw[i+2:]
	}
	if len(raw) > MaxText {
		raw = raw[:MaxText]
	}
	return strings.TrimSpace(validUTF8(raw))
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>`)
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|tr|li|h[1-6]|table|blockquote)>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+`)
)

// HTMLText turns an HTML body into plain text.
func HTMLText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// quoteStart matches the line where a mail client starts quoting the
// message answered: English and Chinese clients (Outlook, Gmail, QQ Mail,
// NetEase, Foxmail).
var quoteStart = regexp.MustCompile(`(?m)^\s*(On .{1,200} wrote:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*原始邮件\s*-{2,}|-{2,}\s*Forwarded message\s*-{2,}|在 .{1,200}写道[:：]|From: .+\n\s*(Sent|Date): |发件人[:：].+\n\s*(发送时间|时间|日期)[:：])`)

// StripQuoted removes the quoted message from a reply: everything from
// the client's quote header on, and lines starting with ">". The raw
// message is kept, so nothing is lost.
func StripQuoted(text string) string {
	if loc := quoteStart.FindStringIndex(text); loc != nil && strings.TrimSpace(text[:loc[0]]) != "" {
		text = text[:loc[0]]
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), ">") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
