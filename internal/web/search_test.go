package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestSearchRefusesNULAndInvalidUTF8: a NUL or invalid UTF-8 in a search
// is refused with the field named, the same on the API and the console
// and on both engines. SQLite used to read "%\x00%" as "%" and list every
// ticket; PostgreSQL failed with a 500.
func TestSearchRefusesNULAndInvalidUTF8(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		cust := testutil.MustCustomer(t, app.Ctx, db, "张三")
		testutil.MustTicket(t, app.Ctx, db, cust.ID, "冰箱不制冷")
		testutil.MustTicket(t, app.Ctx, db, cust.ID, "洗衣机漏水")

		jar, _ := cookiejar.New(nil)
		console := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := console.PostForm(app.Server.URL+"/login", url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}})
		if err != nil || res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %v %v", res.StatusCode, err)
		}
		res.Body.Close()
		get := func(c *http.Client, path string, bearer bool) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", app.Server.URL+path, nil)
			req.Header.Set("Accept-Language", "en")
			if bearer {
				req.Header.Set("Authorization", "Bearer "+app.Token)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		for _, q := range []string{"%00", "%E5%86%B0%00", "%00%25", "%FF", "%E5%86", "%C0%80"} {
			for _, path := range []string{"/api/v1/tickets?q=", "/api/v1/customers?q=", "/api/v1/users?q=", "/api/v1/quality/cases?q="} {
				s, body := get(http.DefaultClient, path+q, true)
				if s != http.StatusUnprocessableEntity || !strings.Contains(body, "q") || strings.Contains(body, "冰箱") {
					t.Errorf("API %s%s: %d %s", path, q, s, body)
				}
			}
			for _, path := range []string{"/tickets?q=", "/customers?q="} {
				s, body := get(console, path+q, false)
				if s != http.StatusUnprocessableEntity || !strings.Contains(body, "without NUL") || strings.Contains(body, "冰箱") {
					t.Errorf("console %s%s: %d %.300s", path, q, s, body)
				}
			}
		}
		// An ordinary search still finds its ticket, on both.
		if s, body := get(http.DefaultClient, "/api/v1/tickets?q="+url.QueryEscape("冰箱"), true); s != 200 || !strings.Contains(body, "冰箱不制冷") || strings.Contains(body, "洗衣机") {
			t.Errorf("API search: %d %s", s, body)
		}
		if s, body := get(console, "/tickets?q="+url.QueryEscape("冰箱"), false); s != 200 || !strings.Contains(body, "冰箱不制冷") || strings.Contains(body, "洗衣机") {
			t.Errorf("console search: %d", s)
		}
	})
}
