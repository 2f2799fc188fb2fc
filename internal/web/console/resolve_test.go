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
	arrivalPill = regexp.MustCompile(`On-site arrival</dt><dd>\s*<span class="pill [^"]*">([^<]+)</span>`)
	toSelect    = regexp.MustCompile(`(?s)<select id="to" name="to"[^>]*>(.*?)</select>`)
)

// Resolving from the ticket page: no status is preselected, the note is
// required (until an administrator turns that off) and shown as the
// resolution, and a consultation resolved on the phone shows its arrival
// clock as not applicable rather than running.
func TestConsoleResolve(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		if _, err := db.CreatePolicy(app.Ctx, aftersales.SLAPolicy{Name: "all", Active: true, FirstResponseMin: 60, ArrivalMin: 240, ResolutionMin: 480}); err != nil {
			t.Fatal(err)
		}
		cust := testutil.MustCustomer(t, app.Ctx, db, "孙女士")
		in := testutil.TicketInput(cust.ID, "咨询保修期")
		in.Nature = testutil.Ptr(aftersales.NatureConsultation)
		tk, err := db.CreateTicket(app.Ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = db.Transition(app.Ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version}); err != nil {
			t.Fatal(err)
		}
		loc := fmt.Sprintf("/tickets/%d", tk.ID)
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")

		_, body := b.get(loc)
		m := toSelect.FindStringSubmatch(body)
		if m == nil || !strings.HasPrefix(strings.TrimSpace(m[1]), `<option value="" selected>— choose —</option>`) || strings.Count(m[1], "selected") != 1 {
			t.Fatalf("status select does not start with a chosen placeholder: %q", m)
		}
		if got := arrivalPill.FindStringSubmatch(body); got == nil || got[1] != "Running" {
			t.Fatalf("open consultation: arrival = %q, want Running", got)
		}

		form := url.Values{"to": {"resolved"}, "reason": {"  "}, "version": {fmt.Sprint(tk.Version)}}
		if s, body, _ := b.post(loc+"/transition", form); s != 422 || !strings.Contains(body, "reason: is required to resolve") {
			t.Fatalf("resolve without a note: %d", s)
		}
		if got, _ := db.FindTicket(app.Ctx, tk.ID); got.Status != aftersales.StatusAccepted {
			t.Fatalf("refused resolution moved the ticket to %s", got.Status)
		}
		form.Set("reason", "电话告知：整机保修一年")
		if s, _, _ := b.post(loc+"/transition", form); s != 303 {
			t.Fatalf("resolve with a note: %d", s)
		}
		_, body = b.get(loc)
		if !regexp.MustCompile(`id="resolution"><strong>Resolution: </strong><span[^>]*>电话告知：整机保修一年</span>`).MatchString(body) {
			t.Error("the ticket page does not show the resolution note")
		}
		if got := arrivalPill.FindStringSubmatch(body); got == nil || got[1] != "Not applicable (resolved without a visit)" {
			t.Errorf("resolved consultation: arrival = %q, want not applicable", got)
		}
		if m := toSelect.FindStringSubmatch(body); m == nil || strings.Contains(m[1], `value="closed" selected`) || !strings.Contains(m[1], `<option value="" selected>`) {
			t.Errorf("after resolving, the status select preselects something other than the placeholder: %q", m)
		}

		// An administrator turns the rule off on the fields page.
		set, _ := db.Settings(app.Ctx)
		_, body = b.get("/fields")
		if !strings.Contains(body, `id="resolution-note-required" checked`) {
			t.Fatal("the fields page does not show the rule as on")
		}
		if s, _, h := b.post("/settings", url.Values{"version": {fmt.Sprint(set.Version)}}); s != 303 || h.Get("Location") != "/fields?ok=saved" {
			t.Fatalf("turn the rule off: %d %v", s, h)
		}
		if s, _, _ := b.post("/settings", url.Values{"version": {fmt.Sprint(set.Version)}, "resolution_note_required": {"on"}}); s != 409 {
			t.Fatalf("stale settings form: %d", s)
		}
		cur, _ := db.FindTicket(app.Ctx, tk.ID)
		if s, _, _ := b.post(loc+"/transition", url.Values{"to": {"accepted"}, "reason": {"客户追问"}, "version": {fmt.Sprint(cur.Version)}}); s != 303 {
			t.Fatalf("reopen: %d", s)
		}
		cur, _ = db.FindTicket(app.Ctx, tk.ID)
		if s, _, _ := b.post(loc+"/transition", url.Values{"to": {"resolved"}, "version": {fmt.Sprint(cur.Version)}}); s != 303 {
			t.Fatalf("resolve without a note when not required: %d", s)
		}

		// A technician may not change the rule.
		testutil.MustUser(t, app.Ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tb := newBrowser(t, app, "en")
		tb.login("tech@example.com", "password-123456")
		set, _ = db.Settings(app.Ctx)
		if s, _, _ := tb.post("/settings", url.Values{"version": {fmt.Sprint(set.Version)}, "resolution_note_required": {"on"}}); s != 403 {
			t.Errorf("technician changes settings: %d, want 403", s)
		}
	})
}

// The ticket list says how many tickets match in all, and filters by
// region or service point and by breached SLA.
func TestConsoleTicketListTotal(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		reg, _ := db.CreateServiceUnit(app.Ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东"})
		br, _ := db.CreateServiceUnit(app.Ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海", ParentID: &reg.ID})
		cust := testutil.MustCustomer(t, app.Ctx, db, "郑十")
		for i := range 3 {
			in := testutil.TicketInput(cust.ID, fmt.Sprintf("工单 %d", i))
			if i < 2 {
				in.ServiceUnitID = &br.ID
			}
			if _, err := db.CreateTicket(app.Ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		total := regexp.MustCompile(`<strong id="ticket-total">([^<]+)</strong>`)
		for _, tc := range []struct{ lang, path, want string }{
			{"zh-CN", "/tickets", "共 3 张工单"},
			{"en", "/tickets", "3 tickets"},
			{"en", fmt.Sprintf("/tickets?open=&region_id=%d&limit=1", reg.ID), "2 tickets"},
			{"en", fmt.Sprintf("/tickets?open=&region_id=%d", br.ID), "2 tickets"},
			{"en", "/tickets?open=&sla=breached", "0 tickets"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(tc.path)
			if m := total.FindStringSubmatch(body); s != 200 || m == nil || m[1] != tc.want {
				t.Errorf("%s %s: %d total %q, want %q", tc.lang, tc.path, s, m, tc.want)
			}
		}
		b := newBrowser(t, app, "en")
		b.login("admin@example.com", "admin-password-1")
		_, body := b.get(fmt.Sprintf("/tickets?open=&region_id=%d&sla=breached", reg.ID))
		if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>Region · 华东</option>`, reg.ID)) || !strings.Contains(body, `<option value="breached" selected>`) {
			t.Error("the list does not show the chosen region and SLA filters")
		}
	})
}
