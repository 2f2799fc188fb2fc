package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// TestAuditPage reads the audit page as a person would: a change shows as
// "field: old → new", the filters narrow the table and the total, the
// pager walks the pages, and an empty table says why, in both languages.
func TestAuditPage(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	cust := testutil.MustCustomer(t, app.Ctx, db, "王女士")
	tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调漏水")
	title := "空调漏水（外机）"
	if _, err := db.UpdateTicket(app.Ctx, tk.ID, tk.Version, aftersales.TicketInput{Title: &title}); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		testutil.MustCustomer(t, app.Ctx, db, fmt.Sprintf("客户%02d", i))
	}
	today := time.Now().In(testutil.Shanghai(t)).Format(time.DateOnly)
	type want struct {
		contains []string
		lacks    []string
	}
	for _, lang := range []string{"zh-CN", "en"} {
		b := newBrowser(t, app, lang)
		b.login("admin@example.com", "admin-password-1")
		tr := func(zh, en string) string {
			if lang == "en" {
				return en
			}
			return zh
		}
		tests := []struct {
			query  string
			status int
			want
		}{
			{"", 200, want{[]string{`id="audit-next"`, tr("第 1 / 2 页", "page 1 of 2")}, []string{`id="audit-prev"`}}},
			{"page=2", 200, want{[]string{`id="audit-prev"`, tr("第 2 / 2 页", "page 2 of 2")}, []string{`id="audit-next"`}}},
			{"entity=ticket", 200, want{[]string{tr("共 2 条记录", "Entries: 2"), tr("<code>工单号</code>: ", "<code>Number</code>: ")}, []string{"客户0"}}},
			{"entity=ticket&action=update", 200, want{[]string{tr("共 1 条记录", "Entries: 1"), tr(`<code>标题</code>: 空调漏水 → 空调漏水（外机）`, `<code>Title</code>: 空调漏水 → 空调漏水（外机）`)}, []string{tr("<code>工单号</code>", "<code>Number</code>")}}},
			{"actor=ADMIN&from=" + today + "&to=" + today, 200, want{[]string{`id="audit-next"`}, []string{tr("没有符合", "No audit entries")}}},
			{"actor=nobody", 200, want{[]string{tr("共 0 条记录", "Entries: 0"), tr("没有符合筛选条件的审计记录。", "No audit entries match these filters."), `id="audit-clear"`}, nil}},
			{"from=2001-01-01&to=2001-01-02", 200, want{[]string{tr("没有符合筛选条件的审计记录。", "No audit entries match these filters.")}, nil}},
			{"from=yesterday", 422, want{[]string{tr("必须是日期，格式 YYYY-MM-DD", "must be a date as YYYY-MM-DD")}, nil}},
			{"page=0", 422, want{[]string{tr("必须是从 1 开始的整数", "must be a whole number from 1")}, nil}},
		}
		for _, tt := range tests {
			t.Run(lang+" "+tt.query, func(t *testing.T) {
				s, body := b.get("/audit?" + tt.query)
				if s != tt.status {
					t.Errorf("status %d, want %d", s, tt.status)
				}
				for _, c := range tt.contains {
					if !strings.Contains(body, c) {
						t.Errorf("page lacks %q", c)
					}
				}
				for _, c := range tt.lacks {
					if strings.Contains(body, c) {
						t.Errorf("page shows %q", c)
					}
				}
				if m := missingKey.FindString(body); m != "" {
					t.Errorf("missing message %s", m)
				}
			})
		}
	}
	// The filters survive paging.
	b := newBrowser(t, app, "en")
	b.login("admin@example.com", "admin-password-1")
	_, body := b.get("/audit?action=create")
	if !strings.Contains(body, `href="/audit?action=create&amp;page=2"`) {
		t.Errorf("the next page drops the filter")
	}
}

// capped reports the audit log as larger than the count cap, as the store
// does past aftersales.AuditCountCap entries.
type capped struct{ aftersales.SettingsService }

func (s capped) AuditLog(ctx context.Context, f aftersales.AuditFilter) (*aftersales.AuditPage, error) {
	p, err := s.SettingsService.AuditLog(ctx, f)
	if p != nil {
		p.Total, p.More = 60, true
	}
	return p, err
}

// TestAuditPageCapped shows a capped count as "more than" and keeps the
// pager going while pages are full.
func TestAuditPageCapped(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.StartWith(t, db, func(s *web.Server) { s.Services.Settings = capped{s.Services.Settings} })
	for i := range 110 {
		testutil.MustCustomer(t, app.Ctx, db, fmt.Sprintf("客户%03d", i))
	}
	for _, c := range []struct{ lang, page, want string }{
		{"zh-CN", "2", "超过 60 条记录（可用筛选缩小范围） · 第 2 页"}, {"en", "2", "More than 60 entries (narrow them with the filters) · page 2"},
	} {
		b := newBrowser(t, app, c.lang)
		b.login("admin@example.com", "admin-password-1")
		_, body := b.get("/audit?page=" + c.page)
		if !strings.Contains(body, c.want) || !strings.Contains(body, `id="audit-next"`) {
			t.Errorf("%s: page lacks %q or the next page", c.lang, c.want)
		}
	}
}
