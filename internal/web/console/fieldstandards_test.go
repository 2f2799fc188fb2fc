package console_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleFieldStandards: an administrator defines a service checklist
// and the rates on one page; the technician's work report offers the
// checklist, the ticked items are recorded with the visit, and the ticket
// page shows the automatic cost lines and what the customer pays.
func TestConsoleFieldStandards(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Now())
		db.Now = clock.Now
		app := webtest.Start(t, db)
		ctx := app.Ctx
		admin := newBrowser(t, app, "zh-CN")
		admin.login("admin@example.com", "admin-password-1")
		if s, body, _ := admin.post("/field-standards", url.Values{"name": {"上门规范"}, "required": {"  \n"}}); s != 422 || !strings.Contains(body, "至少需要一项") {
			t.Errorf("a checklist without items: %d", s)
		}
		if s, _, h := admin.post("/field-standards", url.Values{"name": {"上门规范"}, "required": {"出示工作证\n穿鞋套"}, "optional": {"清理现场"}}); s != 303 {
			t.Fatalf("create checklist: %d %v", s, h)
		}
		if s, _, _ := admin.post("/field-rates", url.Values{"labour_per_hour": {"120"}, "travel_per_km": {"2"}}); s != 303 {
			t.Fatalf("set rate: %d", s)
		}
		if s, body := admin.get("/field-standards"); s != 200 || !strings.Contains(body, "穿鞋套") || !strings.Contains(body, "¥120.00") || missingKey.MatchString(body) {
			t.Errorf("field standards page: %d %s", s, missingKey.FindString(body))
		}

		lat, lng := 30.66, 104.08
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "赵先生", Phone: "13900000002",
			Address: aftersales.Address{City: "成都市", Street: "人民南路四段 12 号", Lat: &lat, Lng: &lng}})
		if err != nil {
			t.Fatal(err)
		}
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		tech := testutil.MustUser(t, ctx, db, "wang@example.com", aftersales.RoleTechnician, nil)
		tk, err = db.Assign(ctx, tk.ID, tk.Version, nil, &tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		var shifts []aftersales.Shift
		for wd := range 7 {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 0, EndMin: 1440})
		}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		now := db.Now().In(db.Zone)
		mid := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, db.Zone)
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: mid, WindowEnd: mid.Add(23 * time.Hour), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = db.StepVisit(aftersales.NewContextWithUser(ctx, tech), tk.ID, v.ID, aftersales.VisitStep{To: aftersales.VisitCheckedIn, Version: v.Version}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(45 * time.Minute)
		b := newBrowser(t, app, "zh-CN")
		b.login("wang@example.com", "password-123456")
		day := "/my/day?date=" + mid.Format(time.DateOnly)
		s, body := b.get(day)
		if s != 200 || !strings.Contains(body, fmt.Sprintf(`id="check-%d-2"`, v.ID)) || !strings.Contains(body, "穿鞋套") {
			t.Fatalf("the work report lacks the checklist: %d\n%s", s, between(body, "<main", "</main>"))
		}
		// The report goes as the phone sends it: multipart, with photos and
		// the signature pad's PNG. A photo that is no image is refused and
		// the visit stays open.
		var img bytes.Buffer
		m := image.NewGray(image.Rect(0, 0, 4, 4))
		if err := png.Encode(&img, m); err != nil {
			t.Fatal(err)
		}
		sig := "data:image/png;base64," + base64.StdEncoding.EncodeToString(img.Bytes())
		report := url.Values{"to": {"completed"}, "outcome": {"fixed"}, "version": {fmt.Sprint(v.Version)}, "confirmed_by": {"赵先生"},
			"check": {"1", "3"}, "date": {mid.Format(time.DateOnly)}, "signature": {sig}}
		path := fmt.Sprintf("/my/day/visits/%d/%d", tk.ID, v.ID)
		if s, _ := postMultipart(b, path, report, map[string][]byte{"photo.jpg": []byte("not an image at all")}); s != 422 {
			t.Errorf("a photo that is no image: %d", s)
		}
		if got, _ := db.FindVisit(ctx, tk.ID, v.ID); got.Status != aftersales.VisitCheckedIn {
			t.Errorf("after a refused report the visit is %s", got.Status)
		}
		if s, _ := postMultipart(b, path, report, map[string][]byte{"IMG_0001.png": img.Bytes()}); s != 303 {
			t.Fatalf("complete: %d", s)
		}
		atts, err := db.ListAttachments(ctx, tk.ID)
		var names []string
		for _, a := range atts {
			names = append(names, a.Name+" "+a.ContentType)
		}
		want := []string{fmt.Sprintf("visit-%d-photo-1.png image/png", v.ID), fmt.Sprintf("visit-%d-signature.png image/png", v.ID)}
		if err != nil || !slices.Equal(names, want) {
			t.Errorf("attachments: %v %v, want %v", names, err, want)
		}
		rep, err := db.VisitReport(ctx, tk.ID, v.ID)
		if err != nil || len(rep.Checks) != 3 || !rep.Checks[0].Done || rep.Checks[1].Done || !rep.Checks[2].Done || aftersales.Compliant(rep.Checks) {
			t.Errorf("recorded checks: %+v %v", rep, err)
		}
		// No home base, no drive: 45 minutes of labour only; no warranty,
		// so the customer pays it.
		for _, tc := range []struct{ lang, want string }{{"zh-CN", "向客户收费（保外）"}, {"en", "Billable to the customer (out of warranty)"}} {
			ab := newBrowser(t, app, tc.lang)
			ab.login("admin@example.com", "admin-password-1")
			s, body := ab.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if !strings.Contains(body, `id="att-photos"><a href="/api/v1/attachments/`) {
				t.Errorf("%s: the ticket page does not show the photos", tc.lang)
			}
			if s != 200 || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="billables"`) || !strings.Contains(body, "#1 · 45 min") || !strings.Contains(body, "¥90.00") {
				t.Errorf("%s: ticket page lacks the automatic costs and billing: %d\n%s", tc.lang, s, between(body, `id="costs"`, `id="cost-form"`))
			}
		}
	})
}

// postMultipart posts a form with files, as a phone's browser does.
func postMultipart(b *browser, path string, form url.Values, files map[string][]byte) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		w, err := mw.CreateFormFile("photo", name)
		if err != nil {
			b.t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	s, body, _ := b.do(req)
	return s, body
}
