package console_test

import (
	"strings"
	"testing"
	"time"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// The dashboard never waits for the writer (issue #18): it answers while
// an import holds the write transaction, and says how many changed
// tickets its numbers do not count yet until the rollup job has run.
func TestDashboardAnswersWhileTheWriterIsHeld(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "钱女士")
		for _, title := range []string{"空调不制冷", "洗衣机漏水", "冰箱异响"} {
			testutil.MustTicket(t, app.Ctx, db, cust.ID, title)
		}
		catchUp := func() {
			t.Helper()
			for {
				n, err := db.RefreshRollups(app.Ctx, 2000)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		catchUp()
		tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "热水器不点火")
		oldest := tk.UpdatedAt.In(testutil.Shanghai(t)).Format("2006-01-02 15:04")

		for lang, want := range map[string]string{
			"en":    "Updating: tickets not yet counted: 1 (oldest " + oldest + ")",
			"zh-CN": "数据更新中：还有 1 张工单未计入（最早 " + oldest + "）",
		} {
			b := newBrowser(t, app, lang)
			b.c.Timeout = time.Minute
			b.login("admin@example.com", "admin-password-1")
			if s, body := b.get("/dashboard"); s != 200 || !strings.Contains(body, `id="rollup-lag"`) || !strings.Contains(body, want) {
				t.Errorf("%s: dashboard before the rollup job: %d, notice %q, want %q", lang, s, between(body, `id="rollup-lag"`, "</div>"), want)
			}
		}
		catchUp()
		b := newBrowser(t, app, "en")
		b.c.Timeout = time.Minute
		b.login("admin@example.com", "admin-password-1")
		if s, body := b.get("/dashboard"); s != 200 || strings.Contains(body, `id="rollup-lag"`) || !strings.Contains(body, `id="tile-created"`) {
			t.Errorf("dashboard after the rollup job: %d, still lagging or no tiles", s)
		}

		// An import holds the writer: the dashboard still answers, from
		// what is committed. The old code folded changes in first and
		// waited behind it.
		testutil.HoldWriter(t, db)
		if s, body := b.get("/dashboard"); s != 200 || !strings.Contains(body, `id="tile-created"`) {
			t.Fatalf("dashboard while the writer is held: %d %s", s, between(body, "<main", "</main>"))
		}
	})
}
