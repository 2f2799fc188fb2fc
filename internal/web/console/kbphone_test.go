package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var (
	tableRE = regexp.MustCompile(`(?s)<table([^>]*)>(.*?)</table>`)
	tdRE    = regexp.MustCompile(`<td([^>]*)>`)
)

// unfoldedTables names the tables of a page that stay tables on a phone:
// not marked responsive (cards at 390 px), or with a cell that has no
// label for its card (the header row is hidden there).
func unfoldedTables(body string) []string {
	var bad []string
	for _, m := range tableRE.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "responsive") {
			bad = append(bad, "not responsive: <table"+m[1]+">")
			continue
		}
		for _, td := range tdRE.FindAllStringSubmatch(m[2], -1) {
			if !strings.Contains(td[1], "data-label") && !strings.Contains(td[1], "colspan") {
				bad = append(bad, "cell without a label in <table"+m[1]+">")
				break
			}
		}
	}
	return bad
}

// TestKnowledgeBaseTablesFoldOnPhones: the knowledge base's list, an
// article's versions and the report's tables become labelled cards on a
// phone; as plain tables the English list was 427 px wide on a 390 px
// screen.
func TestKnowledgeBaseTablesFoldOnPhones(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	b := newBrowser(t, app, "en")
	b.login("admin@example.com", "admin-password-1")
	form := url.Values{"slug": {"washer-leak"}, "category": {"washer"}, "visibility": {"public"}, "title_zh": {"洗衣机底部漏水"},
		"title_en": {"Washer leaks underneath"}, "body_zh": {"先关水。"}, "body_en": {"Turn off the tap."}, "tags": {"洗衣机"}}
	s, _, h := b.post("/kb/new", form)
	m := regexp.MustCompile(`^/kb/(\d+)\?ok=saved$`).FindStringSubmatch(h.Get("Location"))
	if s != 303 || m == nil {
		t.Fatalf("create: %d %q", s, h.Get("Location"))
	}
	for _, p := range []string{"/kb", "/kb/" + m[1], "/kb/report"} {
		s, body := b.get(p)
		if s != 200 {
			t.Fatalf("%s: %d", p, s)
		}
		if !strings.Contains(body, "<table") {
			t.Fatalf("%s: no table", p)
		}
		if bad := unfoldedTables(body); len(bad) > 0 {
			t.Errorf("%s: %s", p, strings.Join(bad, "; "))
		}
	}
}
