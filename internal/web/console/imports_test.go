package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

func (b *browser) upload(path, name string, data []byte) (int, string, http.Header) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// A GBK spreadsheet export as a Chinese service desk has it.
const serviceCSV = "工单号,标题,问题描述,创建时间,关闭时间,客户姓名,联系电话,状态\n" +
	"W-001,空调不制冷,客厅空调开机十分钟后不出冷风,2026-07-01 09:30:00,2026-07-02 15:00:00,王芳,13800138000,closed\n" +
	"W-002,洗衣机漏水,滚筒底部漏水,2026-07-01 10:05:00,,李强,+86 139 0000 1111,in_service\n" +
	"W-003,,标题缺失的一行,2026-07-02 08:00:00,,赵敏,13700137000,new\n" +
	"W-004,热水器不加热,关闭时间早于创建时间,2026-07-03 08:00:00,2026-07-02 08:00:00,孙丽,13600136000,closed\n"

func TestConsoleImport(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		count := func() int {
			page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 100})
			return len(page.Tickets)
		}

		if s, body, _ := b.upload("/imports", "empty.csv", nil); s != 422 || !strings.Contains(body, "is empty") {
			t.Fatalf("empty upload: %d", s)
		}
		gbkData, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(serviceCSV))
		s, _, h := b.upload("/imports", "客服导出.csv", gbkData)
		loc := h.Get("Location")
		if s != 303 || !strings.HasPrefix(loc, "/uploads/") {
			t.Fatalf("upload: %d %q", s, loc)
		}
		// The mapping screen previews the decoded rows and guesses columns.
		s, body := b.get(loc)
		if s != 200 || !strings.Contains(body, "客厅空调开机十分钟后不出冷风") {
			t.Fatalf("mapping screen: %d\n%s", s, body)
		}
		for _, want := range []string{`<option value="工单号" selected>`, `<option value="标题" selected>`, `<option value="创建时间" selected>`, `<option value="联系电话" selected>`} {
			if !strings.Contains(body, want) {
				t.Errorf("mapping screen lacks the guess %s", want)
			}
		}
		cols := url.Values{"mode": {"columns"}, "col.key": {"工单号"}, "col.title": {"标题"}, "col.description": {"问题描述"},
			"col.created_at": {"创建时间"}, "col.closed_at": {"关闭时间"}, "col.customer_name": {"客户姓名"}, "col.customer_phone": {"联系电话"},
			"col.status": {"状态"}, "formats": {"2006-01-02 15:04:05"}, "time_zone": {"Asia/Shanghai"}, "source": {"desk"}, "action": {"dry"}}

		// A dry run counts everything and keeps nothing.
		s, body, _ = b.post(loc, cols)
		if s != 200 || !strings.Contains(body, `id="r-total">4<`) || !strings.Contains(body, `id="r-rejected">1<`) ||
			!strings.Contains(body, `id="r-flagged">1<`) || !strings.Contains(body, "未保存任何数据") {
			t.Fatalf("dry run: %d\n%s", s, body[strings.Index(body, "<main"):])
		}
		if count() != 0 {
			t.Fatal("the dry run stored tickets")
		}
		// A mapping without the created_at column names the field, and
		// says why in the page's language.
		bad := url.Values{}
		for k, v := range cols {
			bad[k] = v
		}
		bad.Set("col.created_at", "")
		if s, body, _ := b.post(loc, bad); s != 422 || !strings.Contains(body, "必填") {
			t.Fatalf("mapping without created_at: %d", s)
		}
		// Hand-written JSON with an unknown field names it too.
		if s, body, _ := b.post(loc, url.Values{"mode": {"json"}, "json": {`{"name":"x","key":{"column":"工单号"},"colour":1}`}}); s != 422 || !strings.Contains(body, "colour") {
			t.Fatalf("bad JSON: %d", s)
		}

		// The import stores three tickets and reports the rest.
		cols.Set("action", "import")
		s, body, _ = b.post(loc, cols)
		if s != 200 || !strings.Contains(body, `id="r-created">3<`) || !strings.Contains(body, "导入完成") {
			t.Fatalf("import: %d", s)
		}
		if count() != 3 {
			t.Fatalf("tickets: %d", count())
		}
		ext := "desk:W-002"
		page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 100, Query: "洗衣机"})
		if len(page.Tickets) != 1 || page.Tickets[0].ExternalID != ext || page.Tickets[0].Status != aftersales.StatusInService {
			t.Fatalf("imported ticket: %+v", page.Tickets)
		}
		cust, _ := db.FindCustomer(app.Ctx, *page.Tickets[0].CustomerID)
		if cust.Phone != "13900001111" {
			t.Errorf("phone not normalised: %q", cust.Phone)
		}
		// Importing the same file again changes nothing.
		s, body, _ = b.post(loc, cols)
		if s != 200 || !strings.Contains(body, `id="r-created">0<`) || count() != 3 {
			t.Fatalf("re-import: %d, %d tickets", s, count())
		}
		if _, body := b.get("/imports"); !strings.Contains(body, "客服导出.csv") {
			t.Error("the import list lacks the file")
		}
		// Unknown or malformed tokens reach no file.
		for _, p := range []string{"/uploads/000000000000000000000000", "/uploads/..%2f..%2fetc"} {
			if s, _ := b.get(p); s != 404 {
				t.Errorf("%s: %d", p, s)
			}
		}
	})
}
