package console_test

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// A verification whose statistics are not finite (two constant windows:
// t = ∞; identical windows: t and p cannot be computed) shows them as "∞"
// and "—" with an explanation in both languages, never as 0, NaN or +Inf.
func TestVerificationNonFiniteNumbers(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	c := testutil.MustCustomer(t, app.Ctx, db, "恒定")
	var b aftersales.Bulk
	for w := range 8 {
		frt := 20 * time.Minute
		if w >= 4 {
			frt = 30 * time.Minute
		}
		for i := range 10 {
			id := int64(1000 + 10*w + i)
			created := time.Date(2026, 1, 5, 9, 0, 0, 0, db.Zone).AddDate(0, 0, 7*w).Add(time.Duration(i) * time.Hour)
			resolved := created.Add(3 * time.Hour)
			b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: id, Number: fmt.Sprintf("AS202601-7%05d", id), Channel: aftersales.ChannelPhone,
				Nature: aftersales.NatureRepair, Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "维修",
				CustomerID: &c.ID, CreatedAt: created, UpdatedAt: resolved, StatusChangedAt: resolved, ResolvedAt: &resolved,
				FirstResponseAt: testutil.Ptr(created.Add(frt)), AssignCount: 1})
		}
	}
	if err := db.BulkLoad(app.Ctx, &b); err != nil {
		t.Fatal(err)
	}
	// The rollup job folds the tickets in; a verification never does.
	for {
		n, err := db.RefreshRollups(app.Ctx, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	it, err := db.CreateItem(app.Ctx, aftersales.ItemInput{Title: "首次响应", KPI: "frt_mean"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []aftersales.VerifyInput{
		{BeforeFrom: "2026-01-05", BeforeTo: "2026-02-02", AfterFrom: "2026-02-02", AfterTo: "2026-03-02"},
		{BeforeFrom: "2026-01-05", BeforeTo: "2026-01-19", AfterFrom: "2026-01-19", AfterTo: "2026-02-02"},
	} {
		if v, err := db.Verify(app.Ctx, it.ID, in); err != nil || v.Verdict != aftersales.VerdictInconclusive {
			t.Fatalf("verify: %+v %v", v, err)
		}
	}
	for lang, words := range map[string][]string{
		"zh-CN": {"“—”表示无法计算", "数值都完全相同", "95% CI [+10 分钟, +10 分钟]"},
		"en-US": {"“—” means the value cannot be computed", "no variation", "95% CI [+10 min, +10 min]"},
	} {
		br := newBrowser(t, app, lang)
		br.login("admin@example.com", "admin-password-1")
		s, body := br.get(fmt.Sprintf("/quality/items/%d", it.ID))
		if s != 200 {
			t.Fatalf("%s: status %d", lang, s)
		}
		body = html.UnescapeString(body)
		for _, w := range append(words, "p = 0", ", p = —") {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
		if !strings.Contains(body, "∞") || strings.Contains(body, "NaN") || strings.Contains(body, "Inf") {
			t.Errorf("%s: non-finite numbers shown raw", lang)
		}
	}
}
