package console_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

// broken wraps the real store's services and makes the methods it names
// ("Network.ListTeams") fail as a lost database connection would. The
// rest is the real store: this is not a database mock.
type broken struct {
	mu   sync.Mutex
	fail map[string]bool
}

func (b *broken) set(names ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail = map[string]bool{}
	for _, n := range names {
		b.fail[n] = true
	}
}

func (b *broken) err(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail[name] {
		return fmt.Errorf("sqlstore: injected failure in %s: %w", name, sql.ErrConnDone)
	}
	return nil
}

func (b *broken) wrap(s aftersales.Services) aftersales.Services {
	s.Network = brokenNetwork{s.Network, b}
	s.Catalog = brokenCatalog{s.Catalog, b}
	s.Customers = brokenCustomers{s.Customers, b}
	s.SLA = brokenSLA{s.SLA, b}
	s.Users = brokenUsers{s.Users, b}
	s.Settings = brokenSettings{s.Settings, b}
	s.Tickets = brokenTickets{s.Tickets, b}
	s.Costs = brokenCosts{s.Costs, b}
	s.Routing = brokenRouting{s.Routing, b}
	s.Automate = brokenAutomate{s.Automate, b}
	s.Webhooks = brokenWebhooks{s.Webhooks, b}
	s.Notify = brokenNotify{s.Notify, b}
	s.Imports = brokenImports{s.Imports, b}
	s.Quality = brokenQuality{s.Quality, b}
	return s
}

type brokenNetwork struct {
	aftersales.NetworkService
	b *broken
}

func (s brokenNetwork) ListTeams(ctx context.Context) ([]*aftersales.Team, error) {
	if err := s.b.err("Network.ListTeams"); err != nil {
		return nil, err
	}
	return s.NetworkService.ListTeams(ctx)
}

func (s brokenNetwork) ListServiceUnits(ctx context.Context) ([]*aftersales.ServiceUnit, error) {
	if err := s.b.err("Network.ListServiceUnits"); err != nil {
		return nil, err
	}
	return s.NetworkService.ListServiceUnits(ctx)
}

func (s brokenNetwork) ListDepartments(ctx context.Context) ([]*aftersales.Department, error) {
	if err := s.b.err("Network.ListDepartments"); err != nil {
		return nil, err
	}
	return s.NetworkService.ListDepartments(ctx)
}

type brokenCatalog struct {
	aftersales.CatalogService
	b *broken
}

func (s brokenCatalog) ListCategories(ctx context.Context) ([]*aftersales.Category, error) {
	if err := s.b.err("Catalog.ListCategories"); err != nil {
		return nil, err
	}
	return s.CatalogService.ListCategories(ctx)
}

func (s brokenCatalog) ListProducts(ctx context.Context, cat int64) ([]*aftersales.Product, error) {
	if err := s.b.err("Catalog.ListProducts"); err != nil {
		return nil, err
	}
	return s.CatalogService.ListProducts(ctx, cat)
}

func (s brokenCatalog) ListAssets(ctx context.Context, customer int64, serial string) ([]*aftersales.Asset, error) {
	if err := s.b.err("Catalog.ListAssets"); err != nil {
		return nil, err
	}
	return s.CatalogService.ListAssets(ctx, customer, serial)
}

type brokenCustomers struct {
	aftersales.CustomerService
	b *broken
}

func (s brokenCustomers) ListTiers(ctx context.Context) ([]aftersales.Tier, error) {
	if err := s.b.err("Customers.ListTiers"); err != nil {
		return nil, err
	}
	return s.CustomerService.ListTiers(ctx)
}

func (s brokenCustomers) FindCustomer(ctx context.Context, id int64) (*aftersales.Customer, error) {
	if err := s.b.err("Customers.FindCustomer"); err != nil {
		return nil, err
	}
	return s.CustomerService.FindCustomer(ctx, id)
}

type brokenSLA struct {
	aftersales.SLAService
	b *broken
}

func (s brokenSLA) ListCalendars(ctx context.Context) ([]*aftersales.BusinessCalendar, error) {
	if err := s.b.err("SLA.ListCalendars"); err != nil {
		return nil, err
	}
	return s.SLAService.ListCalendars(ctx)
}

func (s brokenSLA) TicketSLA(ctx context.Context, id int64) (*aftersales.TicketSLA, error) {
	if err := s.b.err("SLA.TicketSLA"); err != nil {
		return nil, err
	}
	return s.SLAService.TicketSLA(ctx, id)
}

type brokenUsers struct {
	aftersales.UserService
	b *broken
}

func (s brokenUsers) ListUsers(ctx context.Context, f aftersales.UserFilter) ([]*aftersales.User, error) {
	if err := s.b.err("Users.ListUsers"); err != nil {
		return nil, err
	}
	return s.UserService.ListUsers(ctx, f)
}

func (s brokenUsers) DeleteSession(ctx context.Context, token string) error {
	if err := s.b.err("Users.DeleteSession"); err != nil {
		return err
	}
	return s.UserService.DeleteSession(ctx, token)
}

type brokenSettings struct {
	aftersales.SettingsService
	b *broken
}

func (s brokenSettings) ListCustomFields(ctx context.Context) ([]*aftersales.CustomField, error) {
	if err := s.b.err("Settings.ListCustomFields"); err != nil {
		return nil, err
	}
	return s.SettingsService.ListCustomFields(ctx)
}

func (s brokenSettings) AuditLog(ctx context.Context, f aftersales.AuditFilter) (*aftersales.AuditPage, error) {
	if err := s.b.err("Settings.AuditLog"); err != nil {
		return nil, err
	}
	return s.SettingsService.AuditLog(ctx, f)
}

type brokenTickets struct {
	aftersales.TicketService
	b *broken
}

func (s brokenTickets) ListAttachments(ctx context.Context, id int64) ([]*aftersales.Attachment, error) {
	if err := s.b.err("Tickets.ListAttachments"); err != nil {
		return nil, err
	}
	return s.TicketService.ListAttachments(ctx, id)
}

type brokenCosts struct {
	aftersales.CostService
	b *broken
}

func (s brokenCosts) ListCosts(ctx context.Context, id int64) ([]*aftersales.CostLine, error) {
	if err := s.b.err("Costs.ListCosts"); err != nil {
		return nil, err
	}
	return s.CostService.ListCosts(ctx, id)
}

type brokenRouting struct {
	aftersales.RoutingService
	b *broken
}

func (s brokenRouting) ListRoutingRules(ctx context.Context) ([]*aftersales.RoutingRule, error) {
	if err := s.b.err("Routing.ListRoutingRules"); err != nil {
		return nil, err
	}
	return s.RoutingService.ListRoutingRules(ctx)
}

type brokenAutomate struct {
	aftersales.AutomationService
	b *broken
}

func (s brokenAutomate) ListAutomations(ctx context.Context) ([]*aftersales.AutomationRule, error) {
	if err := s.b.err("Automate.ListAutomations"); err != nil {
		return nil, err
	}
	return s.AutomationService.ListAutomations(ctx)
}

type brokenWebhooks struct {
	aftersales.WebhookService
	b *broken
}

func (s brokenWebhooks) ListWebhooks(ctx context.Context) ([]*aftersales.Webhook, error) {
	if err := s.b.err("Webhooks.ListWebhooks"); err != nil {
		return nil, err
	}
	return s.WebhookService.ListWebhooks(ctx)
}

type brokenNotify struct {
	aftersales.NotificationService
	b *broken
}

func (s brokenNotify) UnreadNotifications(ctx context.Context) (int, error) {
	if err := s.b.err("Notify.UnreadNotifications"); err != nil {
		return 0, err
	}
	return s.NotificationService.UnreadNotifications(ctx)
}

type brokenImports struct {
	aftersales.Importer
	b *broken
}

func (s brokenImports) ListImports(ctx context.Context, limit int) ([]*aftersales.ImportBatch, error) {
	if err := s.b.err("Imports.ListImports"); err != nil {
		return nil, err
	}
	return s.Importer.ListImports(ctx, limit)
}

type brokenQuality struct {
	aftersales.QualityService
	b *broken
}

func (s brokenQuality) Targets(ctx context.Context) ([]*aftersales.QualityTarget, error) {
	if err := s.b.err("Quality.Targets"); err != nil {
		return nil, err
	}
	return s.QualityService.Targets(ctx)
}

// logBuffer collects the server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// errors returns the console's error lines logged for a request id.
func (l *logBuffer) errors(t *testing.T, requestID string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(l.buf.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		msg, _ := m["msg"].(string)
		if id, ok := m["request_id"]; ok && id == requestID && m["level"] == "ERROR" && strings.HasPrefix(msg, "console") {
			out = append(out, m)
		}
	}
	return out
}

// TestServiceErrorsShow opens each page with each service call it makes
// failing in turn: the page must show the translated error (never an
// empty table) and log the failure once with the request id.
func TestServiceErrorsShow(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	b := &broken{}
	logs := &logBuffer{}
	app := webtest.StartWith(t, db, func(s *web.Server) {
		s.Services = b.wrap(s.Services)
		s.Log = slog.New(slog.NewJSONHandler(logs, nil))
	})
	cust := testutil.MustCustomer(t, app.Ctx, db, "王女士")
	tk := testutil.MustTicket(t, app.Ctx, db, cust.ID, "空调漏水")
	ticket := fmt.Sprintf("/tickets/%d", tk.ID)
	customer := fmt.Sprintf("/customers/%d", cust.ID)

	// whole: the page cannot be shown without the call; it fails with 503.
	// panel: the page is shown, with a notice where the data would be.
	type tc struct {
		path  string
		fails []string
		panel bool
	}
	cases := []tc{
		{"/tickets", []string{"Network.ListTeams", "Users.ListUsers", "Catalog.ListCategories"}, false},
		{ticket, []string{"Tickets.ListAttachments", "Costs.ListCosts", "Customers.FindCustomer", "Users.ListUsers",
			"Network.ListTeams", "Settings.ListCustomFields", "SLA.TicketSLA"}, false},
		{"/tickets/new", []string{"Catalog.ListCategories", "Catalog.ListProducts", "Network.ListServiceUnits", "Network.ListTeams",
			"Users.ListUsers", "Network.ListDepartments", "Settings.ListCustomFields"}, false},
		{"/tickets/new?customer_id=" + fmt.Sprint(cust.ID), []string{"Customers.FindCustomer", "Catalog.ListAssets"}, false},
		{ticket + "/edit", []string{"Catalog.ListProducts", "Settings.ListCustomFields"}, false},
		{"/customers", []string{"Customers.ListTiers"}, false},
		{"/customers/new", []string{"Customers.ListTiers"}, false},
		{customer, []string{"Catalog.ListProducts"}, false},
		{customer + "/edit", []string{"Customers.ListTiers"}, false},
		{"/customers/pick?customer_q=" + url.QueryEscape("王"), []string{"Catalog.ListAssets"}, true},
		{"/network", []string{"SLA.ListCalendars", "Network.ListTeams"}, false},
		{"/users", []string{"Network.ListTeams", "Catalog.ListCategories"}, false},
		{"/products/1/edit", []string{"Catalog.ListCategories", "Network.ListServiceUnits", "Network.ListDepartments", "Catalog.ListProducts", "SLA.ListCalendars"}, false},
		{"/sla", []string{"Catalog.ListCategories", "Network.ListServiceUnits", "Customers.ListTiers", "Routing.ListRoutingRules",
			"Automate.ListAutomations", "Webhooks.ListWebhooks"}, false},
		{"/dashboard", []string{"Quality.Targets"}, false},
		{"/audit", []string{"Settings.AuditLog"}, false},
		{"/tickets", []string{"Notify.UnreadNotifications"}, true},
		{"/audit", []string{"Notify.UnreadNotifications"}, true},
	}
	msgs := map[string]map[string]string{
		"zh-CN": {"whole": "服务暂时不可用（数据库无响应）", "panel": "这部分内容暂时无法读取（数据库无响应）"},
		"en":    {"whole": "The service is temporarily unavailable (the database does not answer)", "panel": "This part cannot be loaded right now (the database does not answer)"},
	}
	n := 0
	// An htmx filter that fails reloads the page (htmx swaps no error
	// answer, so the old rows would stay as if they were the answer).
	t.Run("htmx", func(t *testing.T) {
		br := newBrowser(t, app, "en")
		br.login("admin@example.com", "admin-password-1")
		b.set("Network.ListTeams")
		defer b.set()
		req, _ := http.NewRequest("GET", br.base+"/tickets?q=x", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "rows")
		status, _, h := br.do(req)
		if status != http.StatusServiceUnavailable || h.Get("HX-Redirect") != "/tickets?q=x" {
			t.Errorf("status %d, HX-Redirect %q; want 503 and /tickets?q=x", status, h.Get("HX-Redirect"))
		}
	})
	// A sign-out the store could not record says so, and the session
	// cookie stays for another try.
	t.Run("logout", func(t *testing.T) {
		br := newBrowser(t, app, "en")
		br.login("admin@example.com", "admin-password-1")
		b.set("Users.DeleteSession")
		defer b.set()
		req, _ := http.NewRequest("POST", br.base+"/logout", nil)
		req.Header.Set("X-Request-Id", "errs-logout")
		status, body, h := br.do(req)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, msgs["en"]["whole"]) || strings.Contains(h.Get("Set-Cookie"), "as_session=;") {
			t.Errorf("status %d, Set-Cookie %q; want 503, the message and the cookie kept", status, h.Get("Set-Cookie"))
		}
		if n := len(logs.errors(t, "errs-logout")); n != 1 {
			t.Errorf("%d error lines logged, want 1", n)
		}
	})
	// A refused upload shows the form's reason, and in place of the list
	// of imports the reason that list is missing (not "no imports yet").
	t.Run("upload", func(t *testing.T) {
		br := newBrowser(t, app, "en")
		br.login("admin@example.com", "admin-password-1")
		b.set("Imports.ListImports")
		defer b.set()
		status, body, _ := br.upload("/imports", "empty.csv", nil)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "is empty") || !strings.Contains(body, msgs["en"]["panel"]) ||
			strings.Contains(body, "No imports yet") {
			t.Errorf("status %d; want 422 with the field's reason and the list's notice", status)
		}
	})
	for _, lang := range []string{"zh-CN", "en"} {
		br := newBrowser(t, app, lang)
		br.login("admin@example.com", "admin-password-1")
		for _, c := range cases {
			for _, fail := range c.fails {
				t.Run(lang+" "+c.path+" "+fail, func(t *testing.T) {
					b.set(fail)
					defer b.set()
					n++
					id := fmt.Sprintf("errs-%d", n)
					req, _ := http.NewRequest("GET", br.base+c.path, nil)
					req.Header.Set("X-Request-Id", id)
					status, body, _ := br.do(req)
					want, kind := http.StatusServiceUnavailable, "whole"
					if c.panel {
						want, kind = http.StatusOK, "panel"
					}
					if status != want {
						t.Errorf("status %d, want %d", status, want)
					}
					if !strings.Contains(body, msgs[lang][kind]) {
						t.Errorf("the page does not say what failed (%q)", msgs[lang][kind])
					}
					if !c.panel && !strings.Contains(body, "<code>"+id+"</code>") {
						t.Errorf("the error page does not give the request id %s", id)
					}
					logged := logs.errors(t, id)
					if len(logged) != 1 {
						t.Fatalf("%d error lines logged for the request, want 1", len(logged))
					}
					if e, _ := logged[0]["err"].(string); !strings.Contains(e, fail) {
						t.Errorf("the log line's error %q does not name %s", e, fail)
					}
				})
			}
		}
	}
}
