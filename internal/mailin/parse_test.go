package mailin_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"aftersales/internal/mailin"
)

func gbk(t testing.TB, s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gbkMessage is a mail as Chinese clients send it: GB2312-labelled
// (with a GBK-only character, 镕), base64, an encoded-word subject and a
// PNG attachment.
func gbkMessage(t testing.TB, msgID, from, subject, body string, extra ...string) []byte {
	subj := "=?GB2312?B?" + base64.StdEncoding.EncodeToString(gbk(t, subject)) + "?="
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"))
	lines := []string{
		"From: =?GB2312?B?" + base64.StdEncoding.EncodeToString(gbk(t, "王芳")) + "?= <" + from + ">",
		"To: support@acme.cn",
		"Subject: " + subj,
		"Date: Mon, 23 Nov 2026 09:30:00 +0800",
		"Message-ID: <" + msgID + ">",
		"MIME-Version: 1.0",
	}
	lines = append(lines, extra...)
	lines = append(lines,
		`Content-Type: multipart/mixed; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=gb2312",
		"Content-Transfer-Encoding: base64",
		"",
		base64.StdEncoding.EncodeToString(gbk(t, body)),
		"--b1",
		`Content-Type: image/png; name="fault.png"`,
		"Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename="fault.png"`,
		"",
		png,
		"--b1--",
		"")
	return []byte(strings.Join(lines, "\r\n"))
}

func TestParseGBK(t *testing.T) {
	raw := gbkMessage(t, "a1@mail.example.cn", "Wang.Fang@Example.CN", "空调不制冷，朱镕基路", "您好，我家的空调昨天开始不制冷。\n型号 KFR-35GW。")
	m := mailin.Parse(raw)
	if m.Subject != "空调不制冷，朱镕基路" {
		t.Errorf("subject = %q", m.Subject)
	}
	if m.From != "wang.fang@example.cn" || m.FromName != "王芳" {
		t.Errorf("from = %q %q", m.From, m.FromName)
	}
	if !strings.Contains(m.Text, "我家的空调昨天开始不制冷") || !strings.Contains(m.Text, "KFR-35GW") {
		t.Errorf("text = %q", m.Text)
	}
	if m.MessageID != "a1@mail.example.cn" || m.Date.IsZero() {
		t.Errorf("id %q date %v", m.MessageID, m.Date)
	}
	if len(m.Parts) != 1 || m.Parts[0].Name != "fault.png" || !strings.HasPrefix(string(m.Parts[0].Data), "\x89PNG") {
		t.Errorf("parts = %+v", m.Parts)
	}
	if m.AutoReply || len(m.Problems) > 0 {
		t.Errorf("auto %v problems %v", m.AutoReply, m.Problems)
	}
}

func TestParseGB18030AndQuotedPrintable(t *testing.T) {
	body, _ := simplifiedchinese.GB18030.NewEncoder().String("退货申请：𠀾 字")
	var qp strings.Builder
	for _, b := range []byte(body) {
		qp.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[b>>4])+string("0123456789abcdef"[b&15])))
	}
	raw := "From: a@b.cn\r\nSubject: =?gb18030?Q?=CD=CB=BB=F5?=\r\nContent-Type: text/plain; charset=GB18030\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qp.String() + "\r\n"
	m := mailin.Parse([]byte(raw))
	if m.Subject != "退货" || m.Text != "退货申请：𠀾 字" {
		t.Fatalf("subject %q text %q", m.Subject, m.Text)
	}
	if !strings.HasSuffix(m.MessageID, "@aftersales.invalid") || m.MessageID != mailin.Parse([]byte(raw)).MessageID {
		t.Errorf("derived id %q is not stable", m.MessageID)
	}
}

func TestParseHTMLOnlyAndQuotes(t *testing.T) {
	raw := "From: Li <li@example.com>\r\nSubject: Re: [#AS202611-000001] 空调\r\nIn-Reply-To: <ack@acme.cn>\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{}</style></head><body><p>师傅明天上午&nbsp;10 点可以来吗？</p><div>谢谢</div>" +
		"<div>------------------ 原始邮件 ------------------</div><div>发件人: support</div><p>old text</p></body></html>"
	m := mailin.Parse([]byte(raw))
	if m.Text != "师傅明天上午 10 点可以来吗？\n谢谢" {
		t.Fatalf("text = %q", m.Text)
	}
	if len(m.InReplyTo) != 1 || m.InReplyTo[0] != "ack@acme.cn" {
		t.Errorf("in-reply-to = %v", m.InReplyTo)
	}
	got := mailin.StripQuoted("Yes, Tuesday works.\n\nOn Mon, Nov 23, 2026 at 9:00 AM Support <s@acme.cn> wrote:\n> When can we come?")
	if got != "Yes, Tuesday works." {
		t.Errorf("stripped = %q", got)
	}
	if got := mailin.StripQuoted("> only a quote"); got != "" {
		t.Errorf("all-quote = %q", got)
	}
}

func TestParseAutoReplyAndDamage(t *testing.T) {
	for _, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes"} {
		m := mailin.Parse([]byte("From: x@example.com\r\n" + h + "\r\nSubject: Out of office\r\n\r\naway"))
		if !m.AutoReply {
			t.Errorf("%s: not recognised as automatic", h)
		}
	}
	if !mailin.Parse([]byte("From: MAILER-DAEMON@example.com\r\nSubject: Undelivered\r\n\r\nx")).AutoReply {
		t.Error("bounce not recognised")
	}
	if mailin.Parse([]byte("From: x@example.com\r\nAuto-Submitted: no\r\n\r\nhi")).AutoReply {
		t.Error("Auto-Submitted: no is a person")
	}
	// Unknown charset: the text is kept as well as it can be, and said so.
	m := mailin.Parse([]byte("From: x@example.com\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nplain words"))
	if !strings.Contains(m.Text, "plain words") || len(m.Problems) == 0 {
		t.Errorf("unknown charset: text %q problems %v", m.Text, m.Problems)
	}
	// A multipart without its boundary.
	m = mailin.Parse([]byte("From: x@example.com\r\nContent-Type: multipart/mixed\r\n\r\nbody text"))
	if m.MessageID == "" {
		t.Error("damaged mail has no id")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(gbkMessage(f, "a@b", "c@d.cn", "主题", "正文"))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--x--\r\n"))
	f.Add([]byte("Subject: =?utf-8?B?5L2g5aW9?=\r\n\r\n> quoted\r\nOn x wrote:\r\n"))
	// The message files of issue #22 as seeds.
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range seeds {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := mailin.Parse(raw)
		if m.MessageID == "" {
			t.Fatal("no message id")
		}
		if !utf8Valid(m.Text) || !utf8Valid(m.Subject) || strings.ContainsRune(m.Text, 0) {
			t.Fatalf("invalid UTF-8 or NUL out: %q %q", m.Subject, m.Text)
		}
		// Never an address that cannot be sent to.
		for _, a := range append([]string{m.From, m.ReplyTo}, m.To...) {
			if a != "" && (strings.ContainsAny(a, " \t\r\n<>,;") || !strings.Contains(a, "@") || strings.ContainsFunc(a, func(r rune) bool { return r >= 0x7f })) {
				t.Fatalf("unusable address %q", a)
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
