package demo_test

import (
	"strconv"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// TestDemoFieldHistory: the demo's history has field visits, parts and
// checklists, so the field KPIs read values by region and month, and the
// south-west's story shows in them: late arrivals against the promised
// window and long parts waits until route planning and a regional parts
// stock arrive four months before the end (22 July 2026 here), clearly
// better in the three full months after it (August-October) than in the
// three before it (April-June), when it was also worse than the other
// regions. Before the field history, every one of these read no data.
func TestDemoFieldHistory(t *testing.T) {
	end := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return end }
		ctx, _ := testutil.Admin(t, db)
		zone := testutil.Shanghai(t)
		db.Zone = zone
		if _, err := demo.Load(ctx, services(db), db, demo.Options{Seed: 7, Tickets: 8000, End: end, Zone: zone}); err != nil {
			t.Fatal(err)
		}
		units, err := db.ListServiceUnits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		region := map[string]string{}
		for _, u := range units {
			if u.Kind == aftersales.UnitRegion {
				region[u.Code] = strconv.FormatInt(u.ID, 10)
			}
		}
		month := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, zone) }
		// value asks a KPI of a region (or all, "") over months [from, to).
		value := func(kpi, reg string, from, to time.Month) aftersales.MetricPoint {
			t.Helper()
			q := aftersales.MetricQuery{KPI: kpi, From: month(from), To: month(to), Grain: aftersales.GrainMonth}
			if reg != "" {
				q.Filter, q.Value = aftersales.DimRegion, region[reg]
			}
			res, err := db.Metric(ctx, q)
			if err != nil {
				t.Fatalf("%s %s: %v", kpi, reg, err)
			}
			if res.Total.Value == nil {
				t.Fatalf("%s in %s, months %d-%d: no data", kpi, reg, from, to-1)
			}
			return res.Total
		}
		// Every field KPI has a value in every region and month of the
		// history's full months.
		for _, kpi := range []string{"first_time_fix", "standard_compliance", "window_on_time", "parts_wait_median", "parts_wait_p90",
			"stock_out_rate", "visits_per_ticket", "travel_per_visit", "technician_utilisation"} {
			for reg := range region {
				q := aftersales.MetricQuery{KPI: kpi, From: month(time.January), To: month(time.November), Grain: aftersales.GrainMonth,
					Filter: aftersales.DimRegion, Value: region[reg]}
				res, err := db.Metric(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Points) != 10 {
					t.Errorf("%s in %s: %d months, want 10", kpi, reg, len(res.Points))
				}
				for _, p := range res.Points {
					if p.Value == nil {
						t.Errorf("%s in %s, %s: no data", kpi, reg, p.Period.Format("2006-01"))
					}
				}
			}
		}
		pct := func(p aftersales.MetricPoint) float64 { return *p.Value }
		for _, kpi := range []string{"first_time_fix", "standard_compliance"} {
			if v := pct(value(kpi, "", time.January, time.November)); v < 75 || v > 92 {
				t.Errorf("%s over the year: %.1f%%, want 75-92%%", kpi, v)
			}
		}
		type story struct {
			kpi                        string
			before, after, othersEarly float64
		}
		var got []story
		for _, kpi := range []string{"window_on_time", "parts_wait_median", "stock_out_rate", "travel_per_visit"} {
			s := story{kpi: kpi, before: pct(value(kpi, "southwest", time.April, time.July)), after: pct(value(kpi, "southwest", time.August, time.November))}
			var sum float64
			for _, reg := range []string{"east", "south", "north"} {
				sum += pct(value(kpi, reg, time.April, time.July))
			}
			s.othersEarly = sum / 3
			got = append(got, s)
			t.Logf("%s in the south-west: %.1f before, %.1f after; other regions before: %.1f", kpi, s.before, s.after, s.othersEarly)
		}
		onTime, wait, stockOut, travel := got[0], got[1], got[2], got[3]
		if onTime.before > 70 || onTime.after < 85 || onTime.othersEarly < 88 {
			t.Errorf("on time against the window: south-west %.1f%% before, %.1f%% after, others %.1f%%; want under 70, over 85, over 88",
				onTime.before, onTime.after, onTime.othersEarly)
		}
		if wait.before < 3*24*60 || wait.after > 0.8*wait.before || wait.othersEarly > 0.8*wait.before {
			t.Errorf("parts wait median: south-west %.0f min before, %.0f after, others %.0f; want over 3 days before, a fifth shorter after and elsewhere",
				wait.before, wait.after, wait.othersEarly)
		}
		if stockOut.before < 70 || stockOut.after > 35 || stockOut.othersEarly > 35 {
			t.Errorf("stock-out rate: south-west %.1f%% before, %.1f%% after, others %.1f%%", stockOut.before, stockOut.after, stockOut.othersEarly)
		}
		if travel.after > 0.7*travel.before || travel.othersEarly > 0.7*travel.before {
			t.Errorf("travel per visit: south-west %.1f km before, %.1f after, others %.1f", travel.before, travel.after, travel.othersEarly)
		}
		// The ledger never went below zero and ends where the balances say.
		stock, err := db.ListStock(ctx, aftersales.StockFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stock {
			if s.OnHand < 0 || s.Reserved < 0 || s.Available < 0 {
				t.Errorf("balance %+v", s)
			}
		}
		moves, err := db.ListMovements(ctx, aftersales.StockFilter{Limit: 1000})
		if err != nil || len(moves) == 0 {
			t.Fatalf("movements: %d, %v", len(moves), err)
		}
	})
}
