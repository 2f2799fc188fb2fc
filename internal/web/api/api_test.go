package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/topics"
	"aftersales/internal/web/api"
	"aftersales/internal/web/webtest"
)

type client struct {
	t     *testing.T
	base  string
	token string
}

type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (c *client) do(method, path string, body any, hdr ...string) resp {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	json.Unmarshal(raw, &out.Body)
	return out
}

// locations lists the "location" of each error detail in a problem.
func (r resp) locations() map[string]string {
	out := map[string]string{}
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		loc, _ := m["location"].(string)
		msg, _ := m["message"].(string)
		out[loc] = msg
	}
	return out
}

func (r resp) id() int64 {
	f, _ := r.Body["id"].(float64)
	return int64(f)
}

func TestTicketScenarios(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		anon := &client{t: t, base: app.Server.URL + "/api/v1"}

		cust := c.do("POST", "/customers", map[string]any{"kind": "person", "name": "张三", "phone": "138-0013-8000"})
		if cust.Status != 201 || cust.Body["phone"] != "13800138000" {
			t.Fatalf("create customer: %d %s", cust.Status, cust.Raw)
		}
		custID := cust.id()
		valid := map[string]any{"channel": "phone", "nature": "repair", "urgency": "high", "title": "空调不制冷", "customer_id": custID}

		t.Run("unauthenticated", func(t *testing.T) {
			r := anon.do("GET", "/tickets", nil)
			if r.Status != 401 || r.Header.Get("Content-Type") != "application/problem+json" || r.Body["detail"] != "You must sign in." {
				t.Fatalf("%d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
			}
			bad := &client{t: t, base: c.base, token: "ast_nope"}
			if r := bad.do("GET", "/tickets", nil); r.Status != 401 {
				t.Fatalf("bad token: %d", r.Status)
			}
		})

		var ticket resp
		t.Run("create", func(t *testing.T) {
			ticket = c.do("POST", "/tickets", valid)
			if ticket.Status != 201 || ticket.Header.Get("ETag") != `"1"` || ticket.Body["status"] != "new" {
				t.Fatalf("%d %v %s", ticket.Status, ticket.Header, ticket.Raw)
			}
		})

		for _, tc := range []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"malformed JSON", `{"title": "x",`, 400, nil},
			{"unknown enum", merge(valid, "channel", "fax"), 422, []string{"body.channel"}},
			{"wrong type", merge(valid, "customer_id", "seven"), 422, []string{"body.customer_id"}},
			{"missing required", map[string]any{"title": "only a title"}, 422, []string{"body.channel", "body.nature", "body.urgency", "body.customer_id"}},
			{"reference to nothing", merge(valid, "customer_id", 99999), 422, []string{"body.customer_id"}},
			{"empty title", merge(valid, "title", "   "), 422, []string{"body.title"}},
			{"title too long", merge(valid, "title", strings.Repeat("长", 201)), 422, []string{"body.title"}},
			{"oversized body", merge(valid, "description", strings.Repeat("x", 2<<20)), 413, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := count(t, c)
				r := c.do("POST", "/tickets", tc.body)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
				}
				locs := r.locations()
				for _, f := range tc.fields {
					if locs[f] == "" {
						t.Errorf("no error for %s in %s", f, r.Raw)
					}
				}
				if after := count(t, c); after != before {
					t.Errorf("a rejected request changed the ticket count %d → %d", before, after)
				}
			})
		}

		t.Run("idempotency", func(t *testing.T) {
			before := count(t, c)
			a := c.do("POST", "/tickets", merge(valid, "title", "retried"), "Idempotency-Key", "k-1")
			b := c.do("POST", "/tickets", merge(valid, "title", "retried"), "Idempotency-Key", "k-1")
			if a.Status != 201 || b.Status != 201 || a.id() != b.id() || b.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("a=%d %v b=%d %v", a.Status, a.id(), b.Status, b.id())
			}
			if after := count(t, c); after != before+1 {
				t.Fatalf("retried create made %d tickets", after-before)
			}
			if r := c.do("POST", "/tickets", merge(valid, "title", "other"), "Idempotency-Key", "k-1"); r.Status != 409 {
				t.Fatalf("reused key with another body: %d %s", r.Status, r.Raw)
			}
		})

		id := ticket.id()
		t.Run("optimistic concurrency", func(t *testing.T) {
			r := c.do("PATCH", fmt.Sprintf("/tickets/%d", id), map[string]any{"title": "no version"})
			if r.Status != 422 || r.locations()["body.version"] == "" {
				t.Fatalf("no version: %d %s", r.Status, r.Raw)
			}
			r = c.do("PATCH", fmt.Sprintf("/tickets/%d", id), map[string]any{"title": "室内机不制冷"}, "If-Match", `"1"`)
			if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
				t.Fatalf("update: %d %s", r.Status, r.Raw)
			}
			r = c.do("PATCH", fmt.Sprintf("/tickets/%d", id), map[string]any{"title": "stale"}, "If-Match", `"1"`)
			if r.Status != 409 {
				t.Fatalf("stale: %d %s", r.Status, r.Raw)
			}
			if g := c.do("GET", fmt.Sprintf("/tickets/%d", id), nil); g.Body["title"] != "室内机不制冷" {
				t.Fatalf("stale write changed the ticket: %s", g.Raw)
			}
		})

		t.Run("transitions", func(t *testing.T) {
			r := c.do("POST", fmt.Sprintf("/tickets/%d/transition", id), map[string]any{"to": "closed", "version": 2})
			if r.Status != 422 || r.locations()["body.to"] == "" {
				t.Fatalf("invalid transition: %d %s", r.Status, r.Raw)
			}
			r = c.do("POST", fmt.Sprintf("/tickets/%d/transition", id), map[string]any{"to": "lost", "version": 2})
			if r.Status != 422 {
				t.Fatalf("unknown status: %d %s", r.Status, r.Raw)
			}
			r = c.do("POST", fmt.Sprintf("/tickets/%d/transition", id), map[string]any{"to": "accepted", "version": 2})
			if r.Status != 200 || r.Body["status"] != "accepted" || r.Body["accepted_at"] == nil {
				t.Fatalf("accept: %d %s", r.Status, r.Raw)
			}
			r = c.do("POST", fmt.Sprintf("/tickets/%d/comments", id), map[string]any{"body": "您好，师傅明天上门", "public": true})
			if r.Status != 201 {
				t.Fatalf("comment: %d %s", r.Status, r.Raw)
			}
			tl := c.do("GET", fmt.Sprintf("/tickets/%d/timeline", id), nil)
			var events []map[string]any
			json.Unmarshal(tl.Raw, &events)
			if len(events) != 4 || events[3]["kind"] != "reply" {
				t.Fatalf("timeline: %s", tl.Raw)
			}
			if g := c.do("GET", fmt.Sprintf("/tickets/%d", id), nil); g.Body["first_response_at"] == nil {
				t.Fatal("first response not stamped")
			}
			num := ticket.Body["number"].(string)
			if g := c.do("GET", "/ticket-numbers/"+num, nil); g.id() != id {
				t.Fatalf("by number: %s", g.Raw)
			}
		})

		t.Run("list filters and cursor", func(t *testing.T) {
			c.do("POST", "/tickets", merge(valid, "title", "冰箱不制冷"))
			r := c.do("GET", "/tickets?q=%E4%B8%8D%E5%88%B6%E5%86%B7&urgency=high&limit=1", nil)
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			list := r.Body["tickets"].([]any)
			if len(list) != 1 || r.Body["next_cursor"] == nil || !strings.Contains(r.Header.Get("Link"), `rel="next"`) {
				t.Fatalf("page: %s", r.Raw)
			}
			r = c.do("GET", "/tickets?status=lost&sort=title&created_from=yesterday", nil)
			locs := r.locations()
			if r.Status != 422 || locs["query.created_from"] == "" && locs["query.sort"] == "" {
				t.Fatalf("bad filters: %d %s", r.Status, r.Raw)
			}
		})

		t.Run("duplicate external id", func(t *testing.T) {
			c.do("POST", "/tickets", merge(valid, "external_id", "CRM-9"))
			r := c.do("POST", "/tickets", merge(valid, "external_id", "CRM-9"))
			if r.Status != 409 || r.locations()["body.external_id"] == "" {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
		})

		t.Run("permissions", func(t *testing.T) {
			tech := testutil.MustUser(t, app.Ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
			tok, _ := db.CreateToken(app.Ctx, tech.ID, "t")
			tc := &client{t: t, base: c.base, token: tok.Secret}
			if r := tc.do("POST", "/tickets", valid); r.Status != 403 {
				t.Fatalf("technician create: %d", r.Status)
			}
			if r := tc.do("GET", fmt.Sprintf("/tickets/%d", id), nil); r.Status != 404 {
				t.Fatalf("technician reading another's ticket: %d", r.Status)
			}
			if r := tc.do("POST", "/users", map[string]any{"email": "x@example.com", "name": "x", "role": "admin", "password": "0123456789ab"}); r.Status != 403 {
				t.Fatalf("technician creating a user: %d", r.Status)
			}
		})

		t.Run("attachments", func(t *testing.T) {
			png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...)
			r := upload(t, c, id, "照片.png", png)
			if r.Status != 201 || r.Body["content_type"] != "image/png" {
				t.Fatalf("upload: %d %s", r.Status, r.Raw)
			}
			got := c.do("GET", fmt.Sprintf("/attachments/%d", r.id()), nil)
			if got.Status != 200 || !bytes.Equal(got.Raw, png) || !strings.Contains(got.Header.Get("Content-Disposition"), "UTF-8''%E7%85%A7") {
				t.Fatalf("download: %d %v", got.Status, got.Header)
			}
			if r := upload(t, c, id, "x.html", []byte("<html><script>alert(1)</script>")); r.Status != 422 {
				t.Fatalf("html upload: %d %s", r.Status, r.Raw)
			}
			if r := upload(t, c, id, "big.txt", bytes.Repeat([]byte("a"), 70<<10)); r.Status != 413 {
				t.Fatalf("oversized upload: %d %s", r.Status, r.Raw)
			}
			if r := upload(t, c, 424242, "a.txt", []byte("hello")); r.Status != 404 {
				t.Fatalf("upload to missing ticket: %d", r.Status)
			}
		})

		t.Run("csrf", func(t *testing.T) {
			r := anon.do("POST", "/tickets", valid, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
			if r.Status != 403 {
				t.Fatalf("cross-site POST: %d", r.Status)
			}
		})

		t.Run("openapi", func(t *testing.T) {
			r := anon.do("GET", "/openapi.json", nil)
			paths, _ := r.Body["paths"].(map[string]any)
			if r.Status != 200 || r.Body["openapi"] != "3.1.0" || paths["/tickets/{id}/transition"] == nil || len(paths) < 20 {
				t.Fatalf("openapi: %d %.300s", r.Status, r.Raw)
			}
		})
	})
}

func TestOtherResources(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		c := &client{t: t, base: app.Server.URL + "/api/v1", token: app.Token}
		reg := c.do("POST", "/service-units", map[string]any{"kind": "region", "code": "east", "name": "华东"})
		if reg.Status != 201 {
			t.Fatalf("%d %s", reg.Status, reg.Raw)
		}
		r := c.do("POST", "/service-units", map[string]any{"kind": "service_point", "code": "p1", "name": "网点", "parent_id": reg.id()})
		if r.Status != 422 || r.locations()["body.parent_id"] == "" {
			t.Fatalf("level skip: %d %s", r.Status, r.Raw)
		}
		cat := c.do("POST", "/categories", map[string]any{"code": "ac", "name_zh": "空调"})
		p := c.do("POST", "/products", map[string]any{"category_id": cat.id(), "model": "M1", "name": "挂机", "warranty_months": 24})
		if p.Status != 201 {
			t.Fatalf("product: %d %s", p.Status, p.Raw)
		}
		cu := c.do("POST", "/customers", map[string]any{"kind": "company", "name": "锦江酒店", "contacts": []any{map[string]any{"name": "李经理", "email": "bad"}}})
		if cu.Status != 422 || cu.locations()["body.contacts[0].email"] == "" {
			t.Fatalf("bad contact: %d %s", cu.Status, cu.Raw)
		}
		cu = c.do("POST", "/customers", map[string]any{"kind": "company", "name": "锦江酒店"})
		a := c.do("POST", "/assets", map[string]any{"product_id": p.id(), "customer_id": cu.id(), "serial_no": "S1", "installed_on": "2025-02-30"})
		if a.Status != 422 {
			t.Fatalf("bad date: %d %s", a.Status, a.Raw)
		}
		a = c.do("POST", "/assets", map[string]any{"product_id": p.id(), "customer_id": cu.id(), "serial_no": "S1", "installed_on": "2025-03-01"})
		if a.Status != 201 || a.Body["warranty_ends"] != "2027-03-01" {
			t.Fatalf("asset: %d %s", a.Status, a.Raw)
		}
		upd := c.do("PUT", fmt.Sprintf("/customers/%d", cu.id()), map[string]any{"kind": "company", "name": "锦江酒店集团", "tier": "vip"}, "If-Match", `"1"`)
		if upd.Status != 200 || upd.Body["tier"] != "vip" {
			t.Fatalf("update customer: %d %s", upd.Status, upd.Raw)
		}
		if r := c.do("PUT", fmt.Sprintf("/customers/%d", cu.id()), map[string]any{"kind": "company", "name": "x", "tier": "platinum"}, "If-Match", `"2"`); r.Status != 422 || r.locations()["body.tier"] == "" {
			t.Fatalf("unknown tier: %d %s", r.Status, r.Raw)
		}
		if r := c.do("GET", "/customers?phone=&q=%E9%94%A6%E6%B1%9F", nil); r.Status != 200 || !strings.Contains(string(r.Raw), "锦江酒店集团") {
			t.Fatalf("search: %d %s", r.Status, r.Raw)
		}
		tok := c.do("POST", "/tokens", map[string]any{"name": "bi"})
		if tok.Status != 201 || !strings.HasPrefix(tok.Body["token"].(string), "ast_") {
			t.Fatalf("token: %d %s", tok.Status, tok.Raw)
		}
		if r := c.do("DELETE", fmt.Sprintf("/tokens/%d", tok.id()), nil); r.Status != 204 {
			t.Fatalf("revoke: %d %s", r.Status, r.Raw)
		}
		if r := (&client{t: t, base: c.base, token: tok.Body["token"].(string)}).do("GET", "/me", nil); r.Status != 401 {
			t.Fatalf("revoked token still works: %d", r.Status)
		}
		audit := c.do("GET", "/audit?entity=customer", nil)
		if audit.Status != 200 || strings.Count(string(audit.Raw), `"action":"update"`) != 1 {
			t.Fatalf("audit: %d %s", audit.Status, audit.Raw)
		}
	})
}

func merge(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func count(t *testing.T, c *client) int {
	t.Helper()
	r := c.do("GET", "/tickets?limit=500&open=", nil)
	list, _ := r.Body["tickets"].([]any)
	return len(list)
}

func upload(t *testing.T, c *client, id int64, name string, data []byte) resp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/tickets/%d/attachments", c.base, id), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	json.Unmarshal(raw, &out.Body)
	return out
}

// TestEveryOperationNeedsAUser calls every operation of the OpenAPI
// document anonymously, with a request the document's own validation
// accepts: through the whole server, where the authentication middleware
// refuses it, and through the API alone, without that middleware, so
// that the 401 must come from the service's own permission check. A
// service method that forgets to require a user answers something else
// here (its data, 404, 422).
func TestEveryOperationNeedsAUser(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	mux := http.NewServeMux()
	svc := db.Services()
	svc.Topics = topics.New(db, db.Text, testutil.Shanghai(t), db.Now)
	api.Register(mux, &api.API{S: svc, Files: app.Files, Log: slog.New(slog.DiscardHandler), Now: db.Now,
		Zone: testutil.Shanghai(t)}, "test")
	bare := httptest.NewServer(mux)
	t.Cleanup(bare.Close)
	values := map[string]string{"id": "1", "number": "AS202611-000001", "cost": "1", "kpi": "fcr", "action": "1",
		"cause": "1", "code": "x", "severity": "minor", "month": "2026-01", "visit": "1", "reservation": "1", "lang": "en", "field": "nature", "If-Match": `"1"`}
	for _, base := range []string{app.Server.URL + "/api/v1", bare.URL + "/api/v1"} {
		for _, op := range operations(t, app.Server.URL+"/api/v1") {
			r := send(t, &client{t: t}, op.request(t, base, values))
			if r.Status != http.StatusUnauthorized || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s anonymously (%s): %d %.300s", op.Method, op.Path, base, r.Status, r.Raw)
			}
		}
	}
}
