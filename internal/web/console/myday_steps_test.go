package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleMyDaySteps: a visit's steps on the technician's page answer
// htmx with the visit's card alone (the other visits' times and the
// day's totals out of band), far smaller than the page, and a plain form
// post with a redirect to the day at the card; a refused step comes back
// with the reason next to the field and what was typed, in both
// languages. Both paths store the same outcome.
func TestConsoleMyDaySteps(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		// Tomorrow at 07:00 local time, before the windows, whatever the
		// hour the suite runs at; tomorrow, so the session cookies do not
		// expire in the jar.
		now := time.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, db.Zone)
		db.Now = testutil.NewClock(mid.Add(7 * time.Hour)).Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		home := aftersales.Position{Lat: 30.65, Lng: 104.06}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &home, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		book := func(name string, km float64, from int) *aftersales.Visit {
			c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: name, Phone: "13900000001",
				Address: aftersales.Address{City: "成都", Street: "人民南路" + name, Lat: testutil.Ptr(home.Lat), Lng: testutil.Ptr(home.Lng + km/96.2)}})
			if err != nil {
				t.Fatal(err)
			}
			tk := testutil.MustTicket(t, ctx, db, c.ID, name+"的空调不制冷")
			if tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID); err != nil {
				t.Fatal(err)
			}
			v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid.Add(time.Duration(from) * time.Hour),
				WindowEnd: mid.Add(time.Duration(from+4) * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		plain, htmx := book("甲", 4, 8), book("乙", 2, 14)
		// A few more visits, so the page is a day's size.
		for i := range 4 {
			book(fmt.Sprint("丙", i), float64(3+i), 9+i)
		}
		type step struct {
			form url.Values
			hx   bool
		}
		post := func(b *browser, v *aftersales.Visit, s step) (int, string, http.Header) {
			t.Helper()
			cur, err := db.FindVisit(ctx, v.TicketID, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.form.Set("version", fmt.Sprint(cur.Version))
			req, _ := http.NewRequest("POST", b.base+fmt.Sprintf("/my/day/visits/%d/%d", v.TicketID, v.ID), strings.NewReader(s.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if s.hx {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", fmt.Sprintf("stop-%d", v.ID))
			}
			return b.do(req)
		}
		card := func(v *aftersales.Visit) string {
			return fmt.Sprintf(`<section class="card visit-card" id="stop-%d"`, v.ID)
		}

		// Without script: each step redirects to the day at the card; a
		// bad outcome shows the whole day, the reason at the field and
		// the diagnosis typed.
		en := newBrowser(t, app, "en")
		en.login("wang@example.com", "password-123456")
		_, page := en.get("/my/day")
		// Bytes of each step: without script the redirect and the day it
		// loads again; with htmx the answer alone.
		sizes := map[string]int{}
		plainStep := func(name string, form url.Values) {
			t.Helper()
			s, body, h := post(en, plain, step{form: form})
			if s != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), fmt.Sprintf("#stop-%d", plain.ID)) {
				t.Fatalf("plain %s: %d %q", name, s, h.Get("Location"))
			}
			_, page := en.get(h.Get("Location"))
			sizes["plain "+name] = len(body) + len(page)
		}
		plainStep("check-in", url.Values{"to": {"checked_in"}})
		s, body, _ := post(en, plain, step{form: url.Values{"to": {"completed"}, "outcome": {"bogus"}, "diagnosis": {"压缩机烧毁"}}})
		for _, want := range []string{"<html", fmt.Sprintf(`<div class="err" id="err-outcome-%d">must be one of`, plain.ID),
			fmt.Sprintf(`aria-invalid="true" aria-describedby="err-outcome-%d" autofocus`, plain.ID), ">压缩机烧毁</textarea>", card(htmx)} {
			if s != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("plain bad outcome: %d, the answer lacks %q", s, want)
			}
		}
		report := url.Values{"to": {"completed"}, "outcome": {"fixed"}, "diagnosis": {"压缩机烧毁"}, "work_done": {"更换压缩机"}, "confirmed_by": {"甲"}}
		plainStep("check-out", report)

		// With htmx: the card alone comes back, in place.
		zh := newBrowser(t, app, "zh-CN")
		zh.login("wang@example.com", "password-123456")
		s, body, h := post(zh, htmx, step{form: url.Values{"to": {"checked_in"}}, hx: true})
		for _, want := range []string{card(htmx), fmt.Sprintf(`id="complete-%d"`, htmx.ID), `<div class="flash ok" role="status"`, "已签到",
			`<div id="day-head" hx-swap-oob="true">`, fmt.Sprintf(`<p id="plan-%d" hx-swap-oob="true">`, plain.ID), "autofocus"} {
			if s != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("htmx check in: %d, the answer lacks %q", s, want)
			}
		}
		if !strings.HasPrefix(strings.TrimSpace(body), card(htmx)) || strings.Contains(body, "<html") || strings.Contains(body, card(plain)) {
			t.Errorf("htmx check in: the answer is not the visit's card:\n%.300s", body)
		}
		if h.Get("Location") != "" {
			t.Errorf("htmx check in redirected to %q", h.Get("Location"))
		}
		sizes["htmx check-in"] = len(body)
		if len(body)*3 > len(page) || len(page) > 200<<10 {
			t.Errorf("the htmx answer is %d bytes, the page %d", len(body), len(page))
		}
		s, body, _ = post(zh, htmx, step{form: url.Values{"to": {"completed"}, "outcome": {"bogus"}, "confirmed_by": {"乙"}, "check": {"1"}}, hx: true})
		for _, want := range []string{card(htmx), fmt.Sprintf(`<div class="err" id="err-outcome-%d">必须是以下之一`, htmx.ID), "提交的内容有误",
			fmt.Sprintf(`aria-invalid="true" aria-describedby="err-outcome-%d" autofocus`, htmx.ID), `value="乙"`} {
			if s != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("htmx bad outcome: %d, the answer lacks %q", s, want)
			}
		}
		if strings.Contains(body, "hx-swap-oob") {
			t.Errorf("a refused step changes nothing else on the page")
		}
		// Someone else's step first: the card says so.
		stale := url.Values{"to": {"completed"}, "outcome": {"fixed"}}
		stale.Set("version", "1")
		req, _ := http.NewRequest("POST", zh.base+fmt.Sprintf("/my/day/visits/%d/%d", htmx.TicketID, htmx.ID), strings.NewReader(stale.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		if s, body, _ := zh.do(req); s != http.StatusOK || !strings.Contains(body, "记录已被他人修改") || !strings.Contains(body, card(htmx)) {
			t.Errorf("htmx stale step: %d %.300s", s, body)
		}
		s, body, _ = post(zh, htmx, step{form: report, hx: true})
		if s != http.StatusOK || !strings.Contains(body, card(htmx)) || strings.Contains(body, fmt.Sprintf(`id="complete-%d"`, htmx.ID)) || !strings.Contains(body, "已签出") {
			t.Errorf("htmx check out: %d %.300s", s, body)
		}
		sizes["htmx check-out"] = len(body)
		t.Logf("bytes per step (6 visits): %v", sizes)
		for name, n := range sizes {
			if n > 200<<10 {
				t.Errorf("%s: %d bytes", name, n)
			}
		}

		// A visit that is not the technician's: without script the error
		// page (404), with htmx the same page in place of the day's.
		other := testutil.MustUser(t, ctx, db, "li@example.com", aftersales.RoleTechnician, nil)
		oc := testutil.MustCustomer(t, ctx, db, "丁")
		ot := testutil.MustTicket(t, ctx, db, oc.ID, "丁的冰箱不制冷")
		if ot, err := db.Assign(ctx, ot.ID, ot.Version, nil, &other.ID); err != nil || ot == nil {
			t.Fatal(err)
		}
		ov, err := db.CreateVisit(ctx, ot.ID, aftersales.VisitInput{WindowStart: mid.Add(9 * time.Hour), WindowEnd: mid.Add(12 * time.Hour),
			DurationMin: 60, TechnicianID: &other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if s, _, _ := post(en, ov, step{form: url.Values{"to": {"checked_in"}}}); s != http.StatusNotFound {
			t.Errorf("plain step on another's visit: %d", s)
		}
		s, body, h = post(zh, ov, step{form: url.Values{"to": {"checked_in"}}, hx: true})
		if s != http.StatusOK || h.Get("HX-Retarget") != "body" || !strings.Contains(body, "<html") {
			t.Errorf("htmx step on another's visit: %d %v %.200s", s, h, body)
		}

		// The same outcome stored either way.
		type stored struct {
			Status                         aftersales.VisitStatus
			Outcome                        aftersales.VisitOutcome
			Diagnosis, WorkDone, Confirmed string
		}
		read := func(v *aftersales.Visit) stored {
			got, err := db.FindVisit(ctx, v.TicketID, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := db.VisitReport(ctx, v.TicketID, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			return stored{got.Status, got.Outcome, rep.Diagnosis, rep.WorkDone, rep.ConfirmedBy}
		}
		want := stored{aftersales.VisitCompleted, aftersales.OutcomeFixed, "压缩机烧毁", "更换压缩机", "甲"}
		for name, v := range map[string]*aftersales.Visit{"plain": plain, "htmx": htmx} {
			if diff := cmp.Diff(want, read(v)); diff != "" {
				t.Errorf("%s: stored (-want +got):\n%s", name, diff)
			}
		}
	})
}
