package mailin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/mailin"
)

func readCase(t testing.TB, name string, repl ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(repl...).Replace(string(b)))
}

// TestParseCases reads the messages of issue #22 that a real support
// mailbox receives and the old parser got wrong.
func TestParseCases(t *testing.T) {
	type want struct {
		From, FromName, ReplyTo, ReplyToName, Subject, Text string
		AutoReply                                           bool
		Bounce                                              *aftersales.Bounce
		Parts                                               []string
		Problem                                             string // a problem that must be listed
	}
	for _, tc := range []struct {
		file string
		want want
	}{
		{"raw-gbk-headers.eml", want{From: "wang.fang@example.cn", FromName: "王芳", Subject: "热水器漏水，急！", Text: "热水器底部一直滴水。"}},
		{"plain-no-charset.eml", want{From: "li.lei@example.cn", Subject: "洗衣机不脱水", Text: "洗衣机转到一半就停了，显示E3。"}},
		{"html-meta-charset.eml", want{From: "zhang.wei@example.cn", Subject: "fridge", Text: "冰箱不制冷\n型号\tBCD-215\n序列号\tSN123"}},
		{"unknown-charset.eml", want{From: "wu@example.cn", Subject: "charset", Text: "空调外机结霜。", Problem: "charset"}},
		{"html-title-table.eml", want{From: "ops@example.com", Subject: "table", Text: "Model\tX200\nSerial\tAB-77"}},
		{"bad-address.eml", want{FromName: "客户", Subject: "hello", Text: "hello", Problem: "From: unusable address"}},
		{"reply-to-relay.eml", want{From: "forms@relay.example.net", FromName: "Website form", ReplyTo: "chen.jie@example.cn", ReplyToName: "Chen Jie",
			Subject: "网站留言：空调漏水", Text: "姓名：陈杰\n留言：空调室内机漏水。"}},
		{"broken-multipart.eml", want{From: "sun@example.com", Subject: "电视没有声音", Text: "电视没有声音。", Problem: "part"}},
		{"nul-body.eml", want{From: "qian@example.com", Subject: "NUL", Text: "beforeafter \uFFFD end"}},
		{"bounce-dsn.eml", want{From: "mailer-daemon@mx.acme.cn", FromName: "Mail Delivery System", Subject: "Undelivered Mail Returned to Sender", AutoReply: true,
			Bounce: &aftersales.Bounce{OriginalID: "AS1.1.x@acme.cn", Recipients: []string{"nobody@example.cn"}, Status: "5.1.1",
				Diagnostic: "550 5.1.1 <nobody@example.cn>: User unknown", Failed: true}}},
		{"delay-dsn.eml", want{From: "mailer-daemon@mx.acme.cn", FromName: "Mail Delivery System", Subject: "Delayed Mail (still being retried)", AutoReply: true,
			Bounce: &aftersales.Bounce{OriginalID: "AS1.1.x@acme.cn"}}},
		{"bounce-plain.eml", want{From: "postmaster@qq.com", Subject: "退信", AutoReply: true,
			Bounce: &aftersales.Bounce{OriginalID: "AS1.1.x@acme.cn", Failed: true}}},
		{"attachments-downloads.eml", want{From: "fin@example.com", Subject: "电子发票", Text: "发票和日志见附件。",
			Parts: []string{"invoice.xml", "logs.rar", "logs.tar.gz", "page.html"}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := mailin.Parse(readCase(t, tc.file, "{{ORIGINAL}}", "AS1.1.x@acme.cn", "{{NUMBER}}", "AS1"))
			got := want{From: m.From, FromName: m.FromName, ReplyTo: m.ReplyTo, ReplyToName: m.ReplyToName, Subject: m.Subject,
				Text: m.Text, AutoReply: m.AutoReply, Bounce: m.Bounce}
			if tc.want.Bounce != nil {
				got.Text = tc.want.Text // the notification's own prose is not compared
			}
			for _, p := range m.Parts {
				got.Parts = append(got.Parts, p.Name)
			}
			if tc.want.Problem != "" {
				for _, p := range m.Problems {
					if strings.Contains(p, tc.want.Problem) {
						got.Problem = tc.want.Problem
					}
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s\nproblems: %q", d, m.Problems)
			}
		})
	}
}

func TestParseAutoReplies(t *testing.T) {
	for _, f := range []string{"autoreply-auto-submitted.eml", "autoreply-x-autoreply.eml", "autoreply-x-autorespond.eml",
		"autoreply-precedence-bulk.eml", "autoreply-precedence-auto-reply.eml", "autoreply-precedence-list.eml"} {
		if m := mailin.Parse(readCase(t, f, "{{REPLY_TO}}", "x@acme.cn")); !m.AutoReply || m.Bounce != nil {
			t.Errorf("%s: auto reply %v, bounce %v", f, m.AutoReply, m.Bounce)
		}
	}
}

// A message without Message-ID keeps its derived id when a server
// migration adds a Received line.
func TestDerivedIDIgnoresTraceFields(t *testing.T) {
	a, b := mailin.Parse(readCase(t, "no-message-id.eml")), mailin.Parse(readCase(t, "no-message-id-migrated.eml"))
	if a.MessageID != b.MessageID || !strings.HasSuffix(a.MessageID, "@aftersales.invalid") {
		t.Fatalf("ids %q and %q", a.MessageID, b.MessageID)
	}
	c := mailin.Parse(append(readCase(t, "no-message-id.eml"), []byte("P.S. 型号 KFR-35\r\n")...))
	if c.MessageID == a.MessageID {
		t.Fatal("a different body got the same id")
	}
}
