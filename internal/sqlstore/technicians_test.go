package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestBookingOffers books from real calendars: the technician with the
// part in their van and the skill is offered, after their booked visit
// and the drive, and not on their leave day.
func TestBookingOffers(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC) } // Tue 2026-12-01 07:00 local
		ctx, _ := Admin(t, db)
		f := newStock(t, ctx, db)
		other := MustUser(t, ctx, db, "other@example.com", aftersales.RoleTechnician, nil)
		cat, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调"})
		if err != nil {
			t.Fatal(err)
		}
		tech, err := db.FindUser(ctx, f.tech.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateUser(ctx, tech.ID, tech.Version, aftersales.UserInput{Email: tech.Email, Name: tech.Name, Role: tech.Role,
			Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 4}}}); err != nil {
			t.Fatal(err)
		}
		day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, db.Zone) }
		var shifts []aftersales.Shift
		for wd := 1; wd <= 5; wd++ {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 8 * 60, EndMin: 12 * 60})
		}
		in := aftersales.TechnicianProfileInput{Home: &aftersales.Position{Lat: 30.65, Lng: 104.06}, CapacityVisits: 3, Shifts: shifts,
			Certs: []aftersales.Certification{{Code: "r32", Name: "制冷剂", Expires: "2027-06-30"}},
			Leave: []aftersales.Leave{{Start: day(2, 0), End: day(3, 0), Reason: "年假"}}}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Shifts: []aftersales.Shift{{Weekday: 1, StartMin: 600, EndMin: 500}}}); fieldsOf(err)["shifts[0].end_min"] == "" {
			t.Errorf("shift ending before it starts: %v", err)
		}
		p, err := db.SetTechnician(ctx, tech.ID, in)
		if err != nil || p.Version != 1 || len(p.Shifts) != 5 || len(p.Leave) != 1 || len(p.Skills) != 1 {
			t.Fatalf("profile: %+v %v", p, err)
		}
		if _, err := db.SetTechnician(ctx, tech.ID, in); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("stale profile version: %v", err)
		}
		if _, err := db.SetTechnician(ctx, other.ID, aftersales.TechnicianProfileInput{Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		mustMove(t, ctx, db, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: f.part.ID, LocationID: f.van.ID, Qty: 1})
		c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王女士", Phone: "13900000000",
			Address: aftersales.Address{Lat: Ptr(30.65 + 5/111.19508), Lng: Ptr(104.06)}})
		if err != nil {
			t.Fatal(err)
		}
		tk := MustTicket(t, ctx, db, c.ID, "空调不制冷")
		if _, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: day(1, 8), WindowEnd: day(1, 10), DurationMin: 60,
			TechnicianID: &tech.ID}); err != nil {
			t.Fatal(err)
		}
		offers, err := db.Offers(ctx, tk.ID, aftersales.OfferRequest{DurationMin: 90, Skills: []aftersales.Skill{{CategoryID: cat.ID, Level: 3}},
			Certs: []string{"r32"}, Parts: []aftersales.PartQty{{PartID: f.part.ID, Qty: 1}}, Days: 2, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range offers {
			got = append(got, o.WindowStart.In(db.Zone).Format("01-02 15:04")+" "+o.Arrive.In(db.Zone).Format("15:04")+" "+o.Why.From+" "+o.Why.PartsFrom)
			if o.TechnicianID != tech.ID {
				t.Errorf("offer from technician %d, who lacks the skill and the part", o.TechnicianID)
			}
		}
		// The booked visit (08:00-09:00 at the customer's own address) and
		// a zero drive: 09:00; then 10:00; the 2nd is leave; on the 3rd the
		// 13-minute drive from home puts the first arrival at 08:15.
		want := []string{"12-01 08:00 09:00 previous_visit van-7", "12-01 10:00 10:00 previous_visit van-7", "12-03 08:00 08:15 home van-7"}
		if len(got) != len(want) {
			t.Fatalf("offers %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("offer %d: %q, want %q", i, got[i], want[i])
			}
		}
		if _, err := db.Offers(ctx, tk.ID, aftersales.OfferRequest{DurationMin: 0}); fieldsOf(err)["duration_min"] == "" {
			t.Errorf("offers without a duration: %v", err)
		}
	})
}
