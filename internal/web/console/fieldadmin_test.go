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

// fieldErr is the reason shown under input name in form (the field's
// div up to its end).
func fieldErr(form, name string) string {
	return between(form, `name="`+name+`"`, "</div>")
}

// TestConsoleStockParts: a parts keeper creates a part with both names,
// the models it fits and its money, then edits it (inactive, a new
// price); a number with a space, an amount that is not one and a number
// already used are refused under their fields in the page's language,
// what was typed kept and the catalog unchanged; a stale edit is refused.
func TestConsoleStockParts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		if _, err := db.CreatePart(ctx, aftersales.PartInput{Number: "FAN-1", NameZH: "风扇"}); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			t.Helper()
			ps, err := db.ListParts(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			return len(ps)
		}
		part := func(num, zh, cost string) url.Values {
			return url.Values{"number": {num}, "name_zh": {zh}, "name_en": {"Compressor"}, "models": {"KFR-35GW, KFR-50GW\nKFR-72LW"},
				"unit_cost": {cost}, "price": {"450"}}
		}
		for _, tc := range []struct {
			lang, field, why string
			form             url.Values
			status           int
		}{
			{"zh-CN", "number", "必须是 1 到 60 个字符，不含空格", part("CMP 100", "压缩机", "300.50"), http.StatusUnprocessableEntity},
			{"zh-CN", "unit_cost", "须为金额，例如 125.50", part("CMP-100", "压缩机", "三百"), http.StatusUnprocessableEntity},
			{"en", "number", "is already in use", part("FAN-1", "压缩机", "300.50"), http.StatusConflict},
			{"zh-CN", "number", "已被使用", part("FAN-1", "压缩机", "300.50"), http.StatusConflict},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body, _ := b.post("/stock/parts", tc.form)
			form := between(body, `id="part-form"`, "</form>")
			if s != tc.status || !strings.Contains(fieldErr(form, tc.field), tc.why) || !strings.Contains(form, `value="压缩机"`) ||
				!strings.Contains(form, "KFR-72LW</textarea>") {
				t.Errorf("%s %s: %d\n%s", tc.lang, tc.form.Get("number"), s, form)
			}
			if missingKey.MatchString(body) {
				t.Errorf("a raw key %s", missingKey.FindString(body))
			}
		}
		if n := count(); n != 1 {
			t.Fatalf("refused parts were created: %d parts", n)
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, _, h := b.post("/stock/parts", part("CMP-100", "压缩机", "¥300.50"))
		if s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=created") {
			t.Fatalf("create: %d %q", s, h.Get("Location"))
		}
		ps, err := db.ListParts(ctx, "CMP-100")
		if err != nil || len(ps) != 1 {
			t.Fatalf("after creating: %v %v", ps, err)
		}
		p := ps[0]
		want := aftersales.Part{ID: p.ID, Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor", Models: []string{"KFR-35GW", "KFR-50GW", "KFR-72LW"},
			UnitCost: 30050, Price: 45000, Active: true, Version: p.Version, CreatedAt: p.CreatedAt}
		if diff := cmp.Diff(want, *p); diff != "" {
			t.Errorf("the part (-want +got):\n%s", diff)
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "已创建") || !strings.Contains(body, "CMP-100 压缩机") {
			t.Errorf("the page does not show the new part")
		}
		// Edit: the form shows the part, saving changes it.
		_, body := b.get(fmt.Sprintf("/stock?part=%d", p.ID))
		form := between(body, `id="part-form"`, "</form>")
		if !strings.Contains(body, fmt.Sprintf(`action="/stock/parts/%d" class="stack" id="part-form"`, p.ID)) {
			t.Errorf("the part form does not edit the part")
		}
		for _, w := range []string{`value="CMP-100"`, `value="300.50"`, "KFR-50GW\nKFR-72LW</textarea>", `name="active" value="1" checked`} {
			if !strings.Contains(form, w) {
				t.Errorf("the edit form lacks %q:\n%s", w, form)
			}
		}
		edit := url.Values{"version": {fmt.Sprint(p.Version)}, "number": {"CMP-100"}, "name_zh": {"压缩机（新款）"}, "name_en": {"Compressor"},
			"models": {"KFR-35GW"}, "unit_cost": {"300.50"}, "price": {"480"}}
		if s, _, _ := b.post(fmt.Sprintf("/stock/parts/%d", p.ID), edit); s != http.StatusSeeOther {
			t.Fatalf("edit: %d", s)
		}
		got, err := db.FindPart(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.NameZH != "压缩机（新款）" || got.Price != 48000 || got.Active || fmt.Sprint(got.Models) != "[KFR-35GW]" {
			t.Errorf("after editing: %+v", got)
		}
		// The same version again is stale: refused, nothing written.
		edit.Set("price", "1")
		if s, _, _ := b.post(fmt.Sprintf("/stock/parts/%d", p.ID), edit); s != http.StatusConflict {
			t.Errorf("a stale edit: %d", s)
		}
		if again, _ := db.FindPart(ctx, p.ID); again.Price != 48000 {
			t.Errorf("a stale edit wrote the price %v", again.Price)
		}
	})
}

// TestConsoleStockLocations: a parts keeper creates a van driven by a
// technician and a service point's stock; a van without its technician
// and a code with capitals are refused under their fields in Chinese,
// nothing created.
func TestConsoleStockLocations(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		sp := mustServicePoint(t, app, db)
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		_, page := b.get("/stock")
		lf := between(page, `id="location-form"`, "</form>")
		for _, w := range []string{`<option value="van">车辆库位</option>`, fmt.Sprintf(`<option value="%d">%s</option>`, tech.ID, tech.Name), fmt.Sprintf(`<option value="%d">武侯网点</option>`, sp.ID)} {
			if !strings.Contains(lf, w) {
				t.Errorf("the location form lacks %q:\n%s", w, lf)
			}
		}
		for _, tc := range []struct {
			form       url.Values
			field, why string
		}{
			{url.Values{"loc_kind": {"van"}, "loc_code": {"van-wang"}, "loc_name": {"王师傅的车"}}, "loc_tech", "车辆库位必须选择技师"},
			{url.Values{"loc_kind": {"warehouse"}, "loc_code": {"WH-CD"}, "loc_name": {"成都仓"}}, "loc_code", "只能包含小写字母"},
		} {
			s, body, _ := b.post("/stock/locations", tc.form)
			form := between(body, `id="location-form"`, "</form>")
			if s != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(form, tc.field), tc.why) || !strings.Contains(form, `value="`+tc.form.Get("loc_name")+`"`) {
				t.Errorf("%v: %d\n%s", tc.form, s, form)
			}
		}
		if ls, _ := db.ListStockLocations(ctx); len(ls) != 0 {
			t.Fatalf("refused locations were created: %v", ls)
		}
		for _, f := range []url.Values{
			{"loc_kind": {"van"}, "loc_code": {"van-wang"}, "loc_name": {"王师傅的车"}, "loc_tech": {fmt.Sprint(tech.ID)}},
			{"loc_kind": {"service_point"}, "loc_code": {"cd1"}, "loc_name": {"武侯网点库"}, "loc_unit": {fmt.Sprint(sp.ID)}},
		} {
			if s, _, h := b.post("/stock/locations", f); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=created") {
				t.Fatalf("create %v: %d", f, s)
			}
		}
		ls, err := db.ListStockLocations(ctx)
		if err != nil || len(ls) != 2 {
			t.Fatalf("locations: %v %v", ls, err)
		}
		byCode := map[string]*aftersales.StockLocation{}
		for _, l := range ls {
			byCode[l.Code] = l
		}
		if v := byCode["van-wang"]; v == nil || v.Kind != aftersales.LocationVan || v.TechnicianID == nil || *v.TechnicianID != tech.ID {
			t.Errorf("the van: %+v", v)
		}
		if v := byCode["cd1"]; v == nil || v.Kind != aftersales.LocationServicePoint || v.ServiceUnitID == nil || *v.ServiceUnitID != sp.ID {
			t.Errorf("the service point's stock: %+v", v)
		}
		if _, page := b.get("/stock"); !strings.Contains(between(page, `id="locations"`, "</table>"), "王师傅的车") {
			t.Errorf("the location list lacks the van")
		}

		// Edit the van: the form shows it; an empty name is refused under
		// the name, nothing changed; renaming and deactivating saves; the
		// same version again is stale.
		van := byCode["van-wang"]
		_, page = b.get(fmt.Sprintf("/stock?loc=%d", van.ID))
		if !strings.Contains(page, fmt.Sprintf(`action="/stock/locations/%d" class="stack" id="location-form"`, van.ID)) ||
			!strings.Contains(between(page, `id="location-form"`, "</form>"), `value="王师傅的车"`) {
			t.Fatalf("the location form does not edit the van:\n%s", between(page, `id="locations"`, "</form>"))
		}
		save := fmt.Sprintf("/stock/locations/%d", van.ID)
		f := url.Values{"loc_version": {fmt.Sprint(van.Version)}, "loc_kind": {"van"}, "loc_code": {"van-wang"}, "loc_name": {" "}, "loc_tech": {fmt.Sprint(tech.ID)}}
		s, body, _ := b.post(save, f)
		if form := between(body, `id="location-form"`, "</form>"); s != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(form, "loc_name"), "必填") {
			t.Errorf("an empty name: %d\n%s", s, form)
		}
		f.Set("loc_name", "王师傅的新车")
		if s, _, h := b.post(save, f); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=saved") {
			t.Fatalf("edit the van: %d", s)
		}
		ls, _ = db.ListStockLocations(ctx)
		for _, l := range ls {
			if l.ID == van.ID && (l.Name != "王师傅的新车" || l.Active) {
				t.Errorf("after editing the van: %+v", l)
			}
		}
		f.Set("loc_name", "又一个名字")
		if s, _, _ := b.post(save, f); s != http.StatusConflict {
			t.Errorf("a stale edit: %d", s)
		}
	})
}

// TestConsoleStockLevelsAndMoves: a parts keeper sets a reorder point
// and order-up-to level, records a receipt (the ledger gets exactly one
// receipt line) and an adjustment with its reason; an adjustment that
// would leave less than is on hand, one without a reason and an
// order-up-to level not above the reorder point are refused under their
// fields in the page's language, what was typed kept, nothing written.
func TestConsoleStockLevelsAndMoves(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "CMP-100", NameZH: "压缩机", NameEN: "Compressor"})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "中心仓"})
		if err != nil {
			t.Fatal(err)
		}
		ids := url.Values{"mv_part": {fmt.Sprint(part.ID)}, "mv_location": {fmt.Sprint(wh.ID)}}
		move := func(b *browser, kind, qty, reason string) (int, string, http.Header) {
			f := url.Values{"mv_kind": {kind}, "mv_qty": {qty}, "mv_reason": {reason}}
			for k, v := range ids {
				f[k] = v
			}
			return b.post("/stock/move", f)
		}
		ledger := func() []string {
			t.Helper()
			ms, err := db.ListMovements(ctx, aftersales.StockFilter{PartID: part.ID})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, fmt.Sprintf("%s %d %s", m.Kind, m.OnHand, m.Reason))
			}
			return out
		}
		b := newBrowser(t, app, "zh-CN")
		b.login("admin@example.com", "admin-password-1")
		s, _, h := move(b, "receipt", "5", "")
		if s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=received") {
			t.Fatalf("receipt: %d %q", s, h.Get("Location"))
		}
		if diff := cmp.Diff([]string{"receipt 5 "}, ledger()); diff != "" {
			t.Errorf("the ledger after the receipt (-want +got):\n%s", diff)
		}
		if _, body := b.get(h.Get("Location")); !strings.Contains(body, "已入库") {
			t.Errorf("no flash after the receipt")
		}
		for _, tc := range []struct {
			lang, kind, qty, reason string
			field, why              string
			status                  int
		}{
			{"zh-CN", "adjust", "-6", "盘亏", "mv_qty", "超出可用数量 5（配件 CMP-100，库位 wh）", http.StatusConflict},
			{"en", "adjust", "-6", "lost", "mv_qty", "exceeds the 5 available of part CMP-100 at wh", http.StatusConflict},
			{"zh-CN", "adjust", "-1", " ", "mv_reason", "调整时必须填写原因", http.StatusUnprocessableEntity},
			{"zh-CN", "receipt", "0", "", "mv_qty", "必须在 1 到 1000000 之间", http.StatusUnprocessableEntity},
			{"zh-CN", "receipt", "两个", "", "mv_qty", "必须是整数", http.StatusUnprocessableEntity},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body, _ := move(b, tc.kind, tc.qty, tc.reason)
			form := between(body, `id="move-form"`, "</form>")
			if s != tc.status || !strings.Contains(fieldErr(form, tc.field), tc.why) || !strings.Contains(form, `value="`+tc.qty+`"`) {
				t.Errorf("%s %s %s: %d\n%s", tc.lang, tc.kind, tc.qty, s, form)
			}
			if strings.Contains(between(body, `id="transfer-form"`, "</form>"), `class="err"`) {
				t.Errorf("the move's refusal shows under the transfer form too")
			}
		}
		if diff := cmp.Diff([]string{"receipt 5 "}, ledger()); diff != "" {
			t.Errorf("refused moves wrote to the ledger (-want +got):\n%s", diff)
		}
		if s, _, h := move(b, "adjust", "-2", "盘点少两件"); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=adjusted") {
			t.Fatalf("adjust: %d", s)
		}
		if diff := cmp.Diff([]string{"receipt 5 ", "adjust -2 盘点少两件"}, ledger()); diff != "" {
			t.Errorf("the ledger after the adjustment (-want +got):\n%s", diff)
		}

		// Reorder levels.
		level := func(rp, upto string) (int, string, http.Header) {
			return b.post("/stock/levels", url.Values{"lv_part": {fmt.Sprint(part.ID)}, "lv_location": {fmt.Sprint(wh.ID)}, "lv_reorder": {rp}, "lv_upto": {upto}})
		}
		s, body, _ := level("5", "5")
		form := between(body, `id="level-form"`, "</form>")
		if s != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(form, "lv_upto"), "必须大于补货点") || !strings.Contains(form, `value="5"`) {
			t.Errorf("order up to = reorder point: %d\n%s", s, form)
		}
		if s, _, h := level("3", "10"); s != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/stock?ok=level_set") {
			t.Fatalf("set the level: %d", s)
		}
		bs, err := db.ListStock(ctx, aftersales.StockFilter{PartID: part.ID, LocationID: wh.ID})
		if err != nil || len(bs) != 1 || bs[0].ReorderPoint != 3 || bs[0].OrderUpTo != 10 || bs[0].OnHand != 3 || bs[0].Suggested != 7 {
			t.Fatalf("the balance after setting the level: %+v %v", bs, err)
		}
		if _, page := b.get("/stock"); !strings.Contains(page, "建议订购 7") {
			t.Errorf("/stock does not suggest the order")
		}
	})
}
