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

// TestConsoleTechnicianShifts: an administrator sets a technician's week
// on /technicians with time inputs (a split shift, an end at midnight, a
// day cleared); an end before the start and a shift overlapping another
// are refused under that row in the page's language, what was typed kept
// and the shifts unchanged. The certifications stay as they were.
func TestConsoleTechnicianShifts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		prof, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{CapacityVisits: 5,
			Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 510, EndMin: 1050}, {Weekday: 2, StartMin: 480, EndMin: 1020}},
			Certs:  []aftersales.Certification{{Code: "gas"}}})
		if err != nil {
			t.Fatal(err)
		}
		save := fmt.Sprintf("/technicians/%d/shifts", tech.ID)
		for _, tc := range []struct {
			lang, why string
			form      url.Values
			row       string
		}{
			{"zh-CN", "结束时间必须晚于开始时间", url.Values{"start_3": {"18:00"}, "end_3": {"09:00"}}, "shift_3_0"},
			{"en", "overlaps another shift that day", url.Values{"start_3": {"08:00", "11:00"}, "end_3": {"12:00", "14:00"}}, "shift_3_1"},
			{"zh-CN", "必须是时间，格式 HH:MM", url.Values{"start_4": {"8点"}, "end_4": {"12:00"}}, "shift_4_0"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			tc.form.Set("version", fmt.Sprint(prof.Version))
			s, body, _ := b.post(save, tc.form)
			form := between(body, fmt.Sprintf(`id="shifts-form-%d"`, tech.ID), "</form>")
			errID := fmt.Sprintf(`id="%s-err-%d">`, tc.row, tech.ID)
			if s != http.StatusUnprocessableEntity || !strings.Contains(form, errID+tc.why) || !strings.Contains(form, `value="`+tc.form.Get("start_3")) {
				t.Errorf("%s %v: %d\n%s", tc.lang, tc.form, s, form)
			}
			if missingKey.MatchString(body) {
				t.Errorf("%s: a raw key %s", tc.lang, missingKey.FindString(body))
			}
		}
		if got, _ := db.FindTechnician(ctx, tech.ID); got.Version != prof.Version || len(got.Shifts) != 2 {
			t.Fatalf("a refused week changed the profile: %+v", got)
		}

		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		_, page := b.get("/technicians")
		if !strings.Contains(page, `name="start_1" type="time" step="300" value="08:30"`) {
			t.Errorf("the shift form does not show Monday's shift:\n%s", between(page, fmt.Sprintf(`id="shifts-form-%d"`, tech.ID), "</form>"))
		}
		// Monday split, Tuesday cleared, Saturday to midnight.
		s, _, h := b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)},
			"start_1": {"08:00", "13:00"}, "end_1": {"12:00", "17:30"}, "start_2": {""}, "end_2": {""},
			"start_6": {"18:00"}, "end_6": {"00:00"}})
		if s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/technicians?ok=saved") {
			t.Fatalf("save the week: %d %q", s, h.Get("Location"))
		}
		got, err := db.FindTechnician(ctx, tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []aftersales.Shift{{Weekday: 1, StartMin: 480, EndMin: 720}, {Weekday: 1, StartMin: 780, EndMin: 1050}, {Weekday: 6, StartMin: 1080, EndMin: 1440}}
		if diff := cmp.Diff(want, got.Shifts); diff != "" {
			t.Errorf("shifts (-want +got):\n%s", diff)
		}
		if got.CapacityVisits != 5 || len(got.Certs) != 1 {
			t.Errorf("saving the week changed the rest: %+v", got)
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "周一 08:00–12:00; 周一 13:00–17:30; 周六 18:00–24:00") || !strings.Contains(body, "已保存") {
			t.Errorf("the page does not show the new week:\n%s", between(body, `<dl class="facts">`, "</dl>"))
		}
		// A stale version is refused, nothing written.
		if s, _, _ := b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)}, "start_0": {"09:00"}, "end_0": {"10:00"}}); s != http.StatusConflict {
			t.Errorf("a stale week: %d", s)
		}
		if again, _ := db.FindTechnician(ctx, tech.ID); again.Version != got.Version {
			t.Errorf("a stale week was written")
		}
	})
}

// TestConsoleTechnicianLeave: an administrator adds a period of leave
// with date inputs (whole days in the deployment's zone, the last day
// included) and a reason, and removes one to come; a last day before the
// first, and a missing first day, are refused under their fields with
// what was typed kept and the leave unchanged.
func TestConsoleTechnicianLeave(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		today := db.Now().In(db.Zone)
		day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
		prof, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{CapacityVisits: 3})
		if err != nil {
			t.Fatal(err)
		}
		save := fmt.Sprintf("/technicians/%d/leave", tech.ID)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		for _, tc := range []struct {
			form       url.Values
			field, why string
			typed      string
		}{
			{url.Values{"leave_start": {day(10)}, "leave_end": {day(8)}, "leave_reason": {"年假"}}, "leave_end", "不能早于开始日期", `value="年假"`},
			{url.Values{"leave_start": {""}, "leave_end": {day(8)}, "leave_reason": {"病假"}}, "leave_start", "必填", `value="病假"`},
		} {
			tc.form.Set("version", fmt.Sprint(prof.Version))
			s, body, _ := b.post(save, tc.form)
			form := between(body, fmt.Sprintf(`id="leave-form-%d"`, tech.ID), "</form>")
			field := between(form, `name="`+tc.field+`"`, "</div>")
			if s != http.StatusUnprocessableEntity || !strings.Contains(field, tc.why) || !strings.Contains(form, tc.typed) {
				t.Errorf("%v: %d\n%s", tc.form, s, form)
			}
		}
		if got, _ := db.FindTechnician(ctx, tech.ID); got.Version != prof.Version || len(got.Leave) != 0 {
			t.Fatalf("a refused leave changed the profile: %+v", got)
		}
		s, _, _ := b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)}, "leave_start": {day(3)}, "leave_end": {day(4)}, "leave_reason": {"年假"}})
		if s != http.StatusSeeOther {
			t.Fatalf("add leave: %d", s)
		}
		got, err := db.FindTechnician(ctx, tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		start, _ := time.ParseInLocation(time.DateOnly, day(3), db.Zone)
		want := []aftersales.Leave{{Start: start, End: start.AddDate(0, 0, 2), Reason: "年假"}}
		if len(got.Leave) != 1 || !got.Leave[0].Start.Equal(want[0].Start) || !got.Leave[0].End.Equal(want[0].End) || got.Leave[0].Reason != "年假" {
			t.Fatalf("leave after adding: %+v, want %+v", got.Leave, want)
		}
		if got.CapacityVisits != 3 {
			t.Errorf("adding leave changed the capacity to %d", got.CapacityVisits)
		}
		_, page := b.get("/technicians")
		if !strings.Contains(between(page, fmt.Sprintf(`id="leave-%d"`, tech.ID), "</dd>"), "年假") {
			t.Errorf("the page does not list the leave")
		}
		key := fmt.Sprint(start.UnixMilli())
		if !strings.Contains(page, `name="remove" value="`+key+`"`) {
			t.Fatalf("no remove button for the leave")
		}
		if s, _, _ := b.post(save, url.Values{"version": {fmt.Sprint(got.Version)}, "remove": {key}}); s != http.StatusSeeOther {
			t.Fatalf("remove leave: %d", s)
		}
		if got, _ := db.FindTechnician(ctx, tech.ID); len(got.Leave) != 0 {
			t.Errorf("the leave is still there: %+v", got.Leave)
		}
	})
}

// TestConsoleTechnicianBase: an administrator sets the service point and
// the home base; a latitude without a longitude, or out of range, is
// refused under its field in the page's language with what was typed
// kept; clearing both removes the home base.
func TestConsoleTechnicianBase(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		sp := mustServicePoint(t, app, db)
		prof, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{CapacityVisits: 2})
		if err != nil {
			t.Fatal(err)
		}
		save := fmt.Sprintf("/technicians/%d/base", tech.ID)
		for _, tc := range []struct {
			lang  string
			form  url.Values
			field string
			why   string
		}{
			{"zh-CN", url.Values{"home_lat": {"30.65"}, "home_lng": {""}}, "home_lng", "必填"},
			{"en", url.Values{"home_lat": {"95"}, "home_lng": {"104.06"}}, "home_lat", "must be between -90 and 90"},
			{"zh-CN", url.Values{"home_lat": {"95"}, "home_lng": {"104.06"}}, "home_lat", "必须在 -90 到 90 之间"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			tc.form.Set("version", fmt.Sprint(prof.Version))
			tc.form.Set("service_unit_id", fmt.Sprint(sp.ID))
			s, body, _ := b.post(save, tc.form)
			form := between(body, fmt.Sprintf(`id="base-form-%d"`, tech.ID), "</form>")
			field := between(form, `name="`+tc.field+`"`, "</div>")
			if s != http.StatusUnprocessableEntity || !strings.Contains(field, tc.why) || !strings.Contains(form, `value="`+tc.form.Get("home_lat")+`"`) {
				t.Errorf("%s %v: %d\n%s", tc.lang, tc.form, s, form)
			}
		}
		if got, _ := db.FindTechnician(ctx, tech.ID); got.Version != prof.Version {
			t.Fatalf("a refused base changed the profile")
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		if s, _, _ := b.post(save, url.Values{"version": {fmt.Sprint(prof.Version)}, "service_unit_id": {fmt.Sprint(sp.ID)},
			"home_lat": {"30.65"}, "home_lng": {"104.06"}}); s != http.StatusSeeOther {
			t.Fatalf("save the base: %d", s)
		}
		got, err := db.FindTechnician(ctx, tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ServiceUnitID == nil || *got.ServiceUnitID != sp.ID || got.Home == nil || *got.Home != (aftersales.Position{Lat: 30.65, Lng: 104.06}) || got.CapacityVisits != 2 {
			t.Fatalf("after saving the base: %+v", got)
		}
		if _, page := b.get("/technicians"); !strings.Contains(page, `<dd>`+sp.Name+`</dd>`) || !strings.Contains(page, `value="30.65"`) {
			t.Errorf("the page does not show the service point and home base")
		}
		if s, _, _ := b.post(save, url.Values{"version": {fmt.Sprint(got.Version)}, "service_unit_id": {""}, "home_lat": {""}, "home_lng": {""}}); s != http.StatusSeeOther {
			t.Fatalf("clear the base: %d", s)
		}
		if got, _ := db.FindTechnician(ctx, tech.ID); got.ServiceUnitID != nil || got.Home != nil {
			t.Errorf("after clearing: unit %v home %v", got.ServiceUnitID, got.Home)
		}
	})
}

// mustServicePoint makes the network down to a service point.
func mustServicePoint(t *testing.T, app *webtest.App, db *sqlstore.DB) *aftersales.ServiceUnit {
	t.Helper()
	var parent *int64
	var u *aftersales.ServiceUnit
	for _, k := range []struct {
		kind       aftersales.UnitKind
		code, name string
	}{{aftersales.UnitRegion, "sw", "西南"}, {aftersales.UnitBranch, "cd", "成都"}, {aftersales.UnitWorkstation, "cdw", "成都站"},
		{aftersales.UnitServicePoint, "cd1", "武侯网点"}} {
		var err error
		if u, err = db.CreateServiceUnit(app.Ctx, aftersales.ServiceUnitInput{Kind: k.kind, Code: k.code, Name: k.name, ParentID: parent}); err != nil {
			t.Fatal(err)
		}
		parent = &u.ID
	}
	return u
}
