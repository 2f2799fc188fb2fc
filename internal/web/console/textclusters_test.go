package console_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

var (
	clusterDrill = regexp.MustCompile(`href="(/tickets\?[^"]*topic_id=([0-9]+)[^"]*)" class="cluster-drill" data-size="([0-9]+)"`)
	clusterTotal = regexp.MustCompile(`id="ticket-total">([^<]*)<`)
)

// TestClustersPage: the page shows the topics of generated complaints in
// both languages; a topic's drill-down lists exactly its size with a chip
// naming the topic; a topic opens an improvement item with its tickets.
func TestClustersPage(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "投诉客户")
		texts := []string{"空调制冷差，压缩机外机噪音", "物流快递配送太慢，包裹没签收"}
		for i := range 16 {
			in := testutil.TicketInput(cust.ID, texts[i%2])
			nat := aftersales.NatureComplaint
			in.Nature = &nat
			if _, err := db.CreateTicket(app.Ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		for _, lang := range []string{"zh-CN,zh;q=0.9", "en-US,en;q=0.8"} {
			b := newBrowser(t, app, lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get("/voc/clusters")
			if s != 200 || missingKey.MatchString(body) {
				t.Fatalf("%s: %d %s", lang, s, missingKey.FindString(body))
			}
			drills := clusterDrill.FindAllStringSubmatch(body, -1)
			if len(drills) != 2 || !strings.Contains(body, `id="chart-cluster-pareto"`) || strings.Contains(body, "<script>") {
				t.Fatalf("%s: %d clusters, want 2\n%s", lang, len(drills), body)
			}
			for _, d := range drills {
				path := strings.ReplaceAll(d[1], "&amp;", "&")
				s, list := b.get(path)
				if s != 200 {
					t.Fatalf("drill %s: %d", path, s)
				}
				m := clusterTotal.FindStringSubmatch(list)
				if m == nil || !strings.Contains(m[1], d[3]) {
					t.Errorf("drill %s: total %v, want %s", path, m, d[3])
				}
				if !strings.Contains(list, `id="chip-topic_id"`) {
					t.Errorf("drill %s: no topic chip", path)
				}
			}
			if lang[:2] == "zh" && !strings.Contains(body, "投诉主题聚类") {
				t.Errorf("zh page not in Chinese")
			}
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		_, body := b.get("/voc/clusters")
		d := clusterDrill.FindStringSubmatch(body)
		s, _, h := b.post(fmt.Sprintf("/voc/clusters/%s/item", d[2]), url.Values{"scope": {"nature=complaint"}})
		if s != 303 || !strings.HasPrefix(h.Get("Location"), "/quality/items/") {
			t.Fatalf("open item: %d %v", s, h)
		}
		var id int64
		fmt.Sscanf(h.Get("Location"), "/quality/items/%d", &id)
		item, err := db.ImprovementItem(app.Ctx, id)
		if err != nil || fmt.Sprint(len(item.Tickets)) != d[3] || !strings.HasPrefix(item.Title, "投诉主题：") || item.Source != aftersales.SourceComplaints {
			t.Errorf("item: %+v %v (want %s tickets)", item, err, d[3])
		}
	})
}

// TestDictionaryPage: an admin adds a word, a file with a bad row is
// refused whole with the line named in Chinese, a good file is imported.
func TestDictionaryPage(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN,zh;q=0.9")
		b.login("admin@example.com", "admin-password-1")
		if s, _, h := b.post("/admin/dictionary", url.Values{"word": {"外机噪音"}, "kind": {"fault"}}); s != 303 {
			t.Fatalf("add: %d %v", s, h)
		}
		if s, body, _ := b.post("/admin/dictionary", url.Values{"word": {"外机 噪音"}, "kind": {"fault"}}); s != 422 || !strings.Contains(body, "不能包含空格") {
			t.Errorf("word with a space: %d", s)
		}
		s, body, _ := b.upload("/admin/dictionary/import", "d.csv", []byte("词语,类型\nKFR-35GW,型号\n不制冷,fee\n"))
		if s != 422 || !strings.Contains(body, "第 3 行 类型") || missingKey.MatchString(body) {
			t.Errorf("bad file: %d %s", s, body)
		}
		if s, _, _ := b.upload("/admin/dictionary/import", "d.csv", []byte("词语,类型\nKFR-35GW,型号\n不制冷,故障\n")); s != 303 {
			t.Errorf("good file: %d", s)
		}
		_, page := b.get("/admin/dictionary")
		for _, w := range []string{"外机噪音", "KFR-35GW", "不制冷", "型号"} {
			if !strings.Contains(page, w) {
				t.Errorf("dictionary page lacks %s", w)
			}
		}
	})
}
