package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales/internal/auth"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// pgProxy stands between the app and PostgreSQL so a test can take the
// database away without touching the shared server: cut closes every
// connection and refuses new ones (a stopped server), frozen accepts and
// holds connections without forwarding a byte (a hung server).
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cond   *sync.Cond
	mode   string // "up", "frozen", "cut"
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *pgProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, mode: "up", conns: map[net.Conn]bool{}}
	p.cond = sync.NewCond(&p.mu)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); p.set("cut") })
	return p
}

func (p *pgProxy) set(mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	if mode == "cut" {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
	p.cond.Broadcast()
}

func (p *pgProxy) handle(c net.Conn) {
	p.mu.Lock()
	if p.mode == "cut" {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c] = true
	p.mu.Unlock()
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[u] = true
	p.mu.Unlock()
	go p.pump(u, c)
	p.pump(c, u)
}

// pump copies src to dst, holding each chunk while the proxy is frozen.
func (p *pgProxy) pump(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.mode == "frozen" {
				p.cond.Wait()
			}
			up := p.mode == "up"
			p.mu.Unlock()
			if !up {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestDatabaseOutage takes PostgreSQL away behind a proxy: requests with a
// valid token, a valid session or the right password get 503 with
// Retry-After (never 401 or "wrong password"), a frozen database answers
// 503 at the request deadline instead of hanging, and everything works
// again, without a restart, when the database is back.
func TestDatabaseOutage(t *testing.T) {
	if os.Getenv(testutil.PGEnv) == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set", testutil.PGEnv)
	}
	dsn := testutil.DSN(t, sqlstore.Postgres)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	db, err := sqlstore.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone = testutil.Shanghai(t)
	app := webtest.StartWith(t, db, func(s *web.Server) { s.RequestTimeout = 2 * time.Second })

	// A client that gives up long after the deadline: old code hung here.
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	type answer struct {
		status int
		header http.Header
		body   string
	}
	do := func(t *testing.T, c *http.Client, method, path, lang string, form url.Values, token string) answer {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, app.Server.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Accept-Language", lang)
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, res.Header, string(b)}
	}
	login := url.Values{"email": {"admin@example.com"}, "password": {"admin-password-1"}, "next": {"/tickets"}}
	browser := client()
	if a := do(t, browser, "POST", "/login", "en", login, ""); a.status != http.StatusSeeOther {
		t.Fatalf("login while the database is up: %d %s", a.status, a.body)
	}
	api := client()

	type check struct {
		name, method, path, lang string
		c                        *http.Client
		form                     url.Values
		token                    string
		want                     int
		contains, notContains    string
	}
	up := []check{
		{"API token", "GET", "/api/v1/tickets", "en", api, nil, app.Token, 200, `"tickets"`, ""},
		{"console session", "GET", "/tickets", "en", browser, nil, "", 200, "", ""},
		{"readyz", "GET", "/readyz", "en", api, nil, "", 200, "ok", ""},
	}
	down := []check{
		{"API token", "GET", "/api/v1/tickets", "en", api, nil, app.Token, 503, "temporarily unavailable", "unknown or revoked"},
		{"API create", "POST", "/api/v1/tickets", "en", api, url.Values{}, app.Token, 503, "temporarily unavailable", ""},
		{"console session en", "GET", "/tickets", "en", browser, nil, "", 503, "temporarily unavailable", ""},
		{"console session zh", "GET", "/tickets", "zh-CN", browser, nil, "", 503, "服务暂时不可用", ""},
		{"login", "POST", "/login", "en", client(), login, "", 503, "temporarily unavailable", "Wrong email or password"},
		{"login zh", "POST", "/login", "zh-CN", client(), login, "", 503, "服务暂时不可用", "邮箱或密码错误"},
	}
	run := func(t *testing.T, cs []check) {
		for _, c := range cs {
			a := do(t, c.c, c.method, c.path, c.lang, c.form, c.token)
			if a.status != c.want || c.contains != "" && !strings.Contains(a.body, c.contains) || c.notContains != "" && strings.Contains(a.body, c.notContains) {
				t.Errorf("%s: %d, want %d with %q: %.300s", c.name, a.status, c.want, c.contains, a.body)
			}
			if c.want == 503 && a.header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", c.name)
			}
			if c.want == 503 && strings.HasPrefix(c.path, "/api/") && a.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: content type %q", c.name, a.header.Get("Content-Type"))
			}
			if c.want == 503 && !strings.HasPrefix(c.path, "/api/") && !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: content type %q, want the error page", c.name, a.header.Get("Content-Type"))
			}
		}
	}
	t.Run("up", func(t *testing.T) { run(t, up) })
	t.Run("stopped", func(t *testing.T) {
		proxy.set("cut")
		run(t, down)
		if a := do(t, api, "GET", "/readyz", "en", nil, ""); a.status != 503 {
			t.Errorf("readyz: %d", a.status)
		}
	})
	t.Run("back after stop", func(t *testing.T) { proxy.set("up"); run(t, up) })
	t.Run("frozen", func(t *testing.T) {
		proxy.set("frozen")
		run(t, down[:3])
	})
	t.Run("back after freeze", func(t *testing.T) { proxy.set("up"); run(t, up) })
}
