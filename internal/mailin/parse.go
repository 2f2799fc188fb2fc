// Package mailin reads customers' mail: it parses MIME messages (any
// charset go-message knows, with the Chinese GB family read as GB18030)
// and polls IMAP mailboxes. The store decides what a message does; this
// package only reads mail.
//
// Importing it sets go-message's package-level CharsetReader, which is the
// library's only hook for charsets.
package mailin

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/simplifiedchinese"

	"aftersales"
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
	// ReplyTo is where the sender wants answers (lower case), "" when it
	// is missing, unusable or the sender's own address.
	ReplyTo     string
	ReplyToName string
	Subject     string
	Text        string
	Date        time.Time
	AutoReply   bool
	// Bounce is set on a delivery report or other mail from the mail
	// system; Bounce.Failed says whether delivery failed.
	Bounce *aftersales.Bounce
	Parts  []Part
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
		m.Text = salvageText(raw)
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
	m.From, m.FromName = address(m, h.Header, "From")
	m.ReplyTo, m.ReplyToName = address(m, h.Header, "Reply-To")
	if m.ReplyTo == m.From {
		m.ReplyTo, m.ReplyToName = "", ""
	}
	if to, err := addressList(headerValue(h.Header, "To")); err == nil {
		for _, a := range to {
			if usable(a.Address) {
				m.To = append(m.To, strings.ToLower(a.Address))
			}
		}
	}
	m.Subject = headerText(h.Header, "Subject")
	m.Date, _ = h.Date()
	m.AutoReply = autoReply(h, m.From)
	reportCT, reportParams, _ := h.ContentType()
	dsn := reportCT == "multipart/report" && strings.EqualFold(reportParams["report-type"], "delivery-status")
	daemon := isDaemon(m.From)
	var bounce aftersales.Bounce
	failed := false

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
		// The parts of a delivery report, inline or not, are read for
		// what they say about the failed mail.
		pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case pct == "message/delivery-status" || pct == "message/global-delivery-status":
			b, _ := io.ReadAll(io.LimitReader(p.Body, MaxText))
			failed = deliveryStatus(b, &bounce) || failed
			continue
		case (pct == "message/rfc822" || pct == "text/rfc822-headers" || pct == "message/global-headers") && (dsn || daemon):
			b, _ := io.ReadAll(io.LimitReader(p.Body, MaxText))
			if id := originalID(b); id != "" && bounce.OriginalID == "" {
				bounce.OriginalID = id
			}
			continue
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, params, _ := ph.ContentType()
			b, err := io.ReadAll(io.LimitReader(p.Body, MaxText))
			if err != nil {
				m.Problems = append(m.Problems, "body: "+err.Error())
			}
			switch {
			case ct == "text/plain" || ct == "":
				plain = append(plain, bodyText(b, params["charset"], false))
			case ct == "text/html":
				htmlText = append(htmlText, HTMLText(bodyText(b, params["charset"], true)))
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
	if strings.TrimSpace(text) == "" && len(m.Problems) > 0 {
		// A broken structure (a wrong or missing boundary) hides the
		// text from the MIME reader; read the parts by hand.
		text = salvageText(raw)
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if len(m.InReplyTo) > 0 || len(m.References) > 0 {
		text = StripQuoted(text)
	}
	m.Text = text
	if daemon && !dsn && bounce.OriginalID == "" {
		// A bounce in plain text (qmail, old Exim): the failed mail's
		// headers are quoted in the body.
		if mm := quotedMessageID.FindStringSubmatch(text); mm != nil {
			bounce.OriginalID, failed = mm[1], true
		}
	}
	// Whatever a delivery report or the mail system says, it is no
	// customer writing: it never becomes a ticket. A mail system's
	// message without a report is taken as a failure.
	if dsn || daemon {
		if bounce.OriginalID == "" && len(m.InReplyTo) > 0 {
			bounce.OriginalID = m.InReplyTo[0]
		}
		bounce.Failed = failed || !dsn
		m.Bounce, m.AutoReply = &bounce, true
	}
	return m
}

var quotedMessageID = regexp.MustCompile(`(?im)^\s*Message-ID:\s*<([^<>\s]+)>`)

func isDaemon(from string) bool {
	local, _, _ := strings.Cut(from, "@")
	return local == "mailer-daemon" || local == "postmaster"
}

// deliveryStatus reads a message/delivery-status part (RFC 3464): a
// per-message block, then one block per recipient. It reports whether
// delivery to some recipient failed.
func deliveryStatus(b []byte, bounce *aftersales.Bounce) bool {
	failed := false
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	for {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 && strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
			failed = true
			rcpt := cmp.Or(h.Get("Final-Recipient"), h.Get("Original-Recipient"))
			if _, a, ok := strings.Cut(rcpt, ";"); ok {
				a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
				if usable(a) {
					bounce.Recipients = append(bounce.Recipients, a)
				}
			}
			if bounce.Status == "" {
				bounce.Status = strings.TrimSpace(h.Get("Status"))
			}
			if bounce.Diagnostic == "" {
				_, d, _ := strings.Cut(h.Get("Diagnostic-Code"), ";")
				bounce.Diagnostic = strings.TrimSpace(d)
			}
		}
		if err != nil {
			return failed
		}
	}
}

// originalID is the Message-ID of the returned message or its headers.
func originalID(b []byte) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	h, _ := r.ReadMIMEHeader()
	return strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
}

// headerValue is a raw header field, read as GB18030 when it is raw
// 8-bit that is not UTF-8 (Chinese clients that skip RFC 2047).
func headerValue(h message.Header, key string) string {
	v := h.Get(key)
	if !utf8.ValidString(v) {
		if d, err := simplifiedchinese.GB18030.NewDecoder().String(v); err == nil {
			v = d
		}
	}
	return v
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// headerText decodes an unstructured field (RFC 2047 words, raw 8-bit).
func headerText(h message.Header, key string) string {
	v := headerValue(h, key)
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		v = d
	}
	return validUTF8([]byte(strings.TrimSpace(v)))
}

func addressList(v string) ([]*netmail.Address, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	return (&netmail.AddressParser{WordDecoder: wordDecoder}).ParseList(v)
}

// address reads the first address of a field. An address that cannot be
// sent to (mojibake, spaces, no domain) is dropped with a problem noted,
// never passed on.
func address(m *Message, h message.Header, key string) (addr, name string) {
	v := headerValue(h, key)
	if strings.TrimSpace(v) == "" {
		return "", ""
	}
	if list, err := addressList(v); err == nil && len(list) > 0 {
		addr, name = strings.ToLower(list[0].Address), validUTF8([]byte(list[0].Name))
	} else {
		addr = strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>"))
	}
	if !usable(addr) {
		m.Problems = append(m.Problems, key+": unusable address "+strconv.Quote(validUTF8([]byte(addr))))
		return "", name
	}
	return addr, name
}

// usable reports whether mail can be sent to addr: one local@domain with
// a dotted or bracketed domain, printable ASCII, no spaces, that net/mail
// parses back to itself.
func usable(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || len(addr) > 254 {
		return false
	}
	// ASCII only: the sender does not negotiate SMTPUTF8, and non-ASCII
	// here is nearly always a mis-decoded header.
	for _, r := range addr {
		if r <= ' ' || r >= 0x7f || r == ',' || r == ';' || r == '<' || r == '>' {
			return false
		}
	}
	if !strings.Contains(domain, ".") && !strings.HasPrefix(domain, "[") {
		return false
	}
	a, err := netmail.ParseAddress(addr)
	return err == nil && strings.EqualFold(a.Address, addr)
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)`)

// bodyText turns a text part into UTF-8. go-message has converted a part
// that declares its charset; one that declares none (or claims UTF-8 or
// ASCII but is not) is read by its HTML <meta> charset, else as GB18030,
// the superset of what Chinese clients send unlabelled.
func bodyText(b []byte, declared string, isHTML bool) string {
	b = bytes.ReplaceAll(b, []byte{0}, nil)
	// A part that says UTF-8 is taken at its word (bad bytes become
	// U+FFFD); one that says nothing, or only ASCII, is detected.
	switch cs := strings.ToLower(strings.TrimSpace(declared)); cs {
	case "", "us-ascii", "ascii":
	default:
		if _, err := charsetReader(cs, bytes.NewReader(nil)); err != nil {
			break // a charset nobody knows is no better than none
		}
		return validUTF8(b)
	}
	if isHTML && declared == "" {
		head := b[:min(len(b), 4096)]
		if mm := metaCharset.FindSubmatch(head); mm != nil {
			if cs := strings.ToLower(string(mm[1])); cs != "utf-8" && cs != "utf8" {
				if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
					if d, err := io.ReadAll(r); err == nil {
						return validUTF8(d)
					}
				}
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
		return validUTF8(d)
	}
	return validUTF8(b)
}

var boundaryLine = regexp.MustCompile(`(?m)^--([^\s-][^\s]{0,69}?)(--)?\s*$`)

// salvageText reads the text parts of a multipart message whose
// structure the MIME reader refused: the boundary is taken from the body
// itself, and each part's headers decide how its text is decoded.
func salvageText(raw []byte) string {
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		body = raw[i+2:]
	}
	first := boundaryLine.FindSubmatch(body)
	if first == nil {
		return fallbackText(raw)
	}
	delim := []byte("--" + string(first[1]))
	var texts []string
	for _, chunk := range bytes.Split(body, delim)[1:] {
		if bytes.HasPrefix(chunk, []byte("--")) {
			break
		}
		r := textproto.NewReader(bufio.NewReader(bytes.NewReader(bytes.TrimLeft(chunk, " \t\r\n"))))
		h, err := r.ReadMIMEHeader()
		if err != nil && len(h) == 0 {
			continue
		}
		ct, params, _ := mime.ParseMediaType(cmp.Or(h.Get("Content-Type"), "text/plain"))
		if ct != "text/plain" && ct != "text/html" || strings.HasPrefix(strings.ToLower(h.Get("Content-Disposition")), "attachment") {
			continue
		}
		rest, _ := io.ReadAll(r.R)
		var dec io.Reader = bytes.NewReader(rest)
		switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
		case "quoted-printable":
			dec = quotedprintable.NewReader(dec)
		case "base64":
			dec = base64.NewDecoder(base64.StdEncoding, &stripSpace{r: dec})
		}
		b, _ := io.ReadAll(io.LimitReader(dec, MaxText))
		cs := params["charset"]
		if cs != "" {
			if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
				if d, err := io.ReadAll(r); err == nil {
					b, cs = d, "utf-8"
				}
			}
		}
		t := bodyText(b, cs, ct == "text/html")
		if ct == "text/html" {
			t = HTMLText(t)
		}
		texts = append(texts, strings.TrimSpace(t))
	}
	return strings.Join(texts, "\n\n")
}

// stripSpace drops the line breaks of base64 text.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
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

// derivedID is the id of a message that has none: a hash of what the
// sender wrote (the originating header fields and the body), not of the
// trace fields servers add, so the same message read again after a
// server migration adds a Received line keeps its id.
func derivedID(raw []byte) string {
	head, body := raw, []byte(nil)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head, body = raw[:i], raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		head, body = raw[:i], raw[i+2:]
	}
	sum := sha256.New()
	r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n"))))
	if h, err := r.ReadMIMEHeader(); err == nil || len(h) > 0 {
		for _, k := range []string{"From", "Sender", "To", "Cc", "Date", "Subject", "Content-Type"} {
			for _, v := range h.Values(k) {
				io.WriteString(sum, k+": "+strings.Join(strings.Fields(v), " ")+"\n")
			}
		}
	} else {
		sum.Write(head)
	}
	sum.Write(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")))
	return "sha256-" + hex.EncodeToString(sum.Sum(nil)[:16]) + "@aftersales.invalid"
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

func validUTF8(b []byte) string {
	return strings.ToValidUTF8(strings.ReplaceAll(string(b), "\x00", ""), "\uFFFD")
}

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
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head|title)\b.*?</(script|style|head|title)>`)
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|tr|li|h[1-6]|table|blockquote)>`)
	htmlCell  = regexp.MustCompile(`(?i)</?t[dh]\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+`)
)

// HTMLText turns an HTML body into plain text.
func HTMLText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlCell.ReplaceAllString(s, "\t")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		// Table cells are kept apart by a tab; runs of layout space are one.
		cells := strings.Split(l, "\t")
		var kept []string
		for _, c := range cells {
			if c = strings.Join(strings.Fields(c), " "); c != "" {
				kept = append(kept, c)
			}
		}
		lines[i] = strings.Join(kept, "\t")
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
