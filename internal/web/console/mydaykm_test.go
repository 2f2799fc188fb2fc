package console_test

import (
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestMyDaySummaryUnitTranslated: the day's summary on the technician's
// phone page names the distance in the page's language ("公里" in
// Chinese); it was "km" in both.
func TestMyDaySummaryUnitTranslated(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	testutil.MustUser(t, app.Ctx, db, "tech-km@example.com", aftersales.RoleTechnician, nil)
	for lang, want := range map[string]string{"zh-CN": " 公里 · ", "en": " km · "} {
		b := newBrowser(t, app, lang)
		b.login("tech-km@example.com", "password-123456")
		s, body := b.get("/my/day")
		if s != 200 {
			t.Fatalf("%s: /my/day: %d", lang, s)
		}
		start := strings.Index(body, `id="day-summary"`)
		if start < 0 {
			t.Fatalf("%s: no day summary", lang)
		}
		summary := body[start : start+strings.Index(body[start:], "</p>")]
		if !strings.Contains(summary, want) {
			t.Errorf("%s: summary %q, want the distance unit %q", lang, summary, want)
		}
	}
}
