package sqlstore_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// catchUp runs what the kpi-rollups job does until nothing is pending:
// reads never fold changes in themselves.
func catchUp(t *testing.T, ctx context.Context, db *sqlstore.DB) {
	t.Helper()
	for {
		n, err := db.RefreshRollups(ctx, 2000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// metric answers q after the rollup job has caught up.
func metric(t *testing.T, ctx context.Context, db *sqlstore.DB, q aftersales.MetricQuery) *aftersales.MetricResult {
	t.Helper()
	catchUp(t, ctx, db)
	r, err := db.Metric(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q.KPI, err)
	}
	return r
}

func value(p aftersales.MetricPoint) float64 {
	if p.Value == nil {
		return math.NaN()
	}
	return *p.Value
}

// A hand-built history through the real write paths: replies, status
// changes, a reopen and follow-up answers, checked against numbers
// worked out by hand.
func TestMetricsFromTicketHistory(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 09:00 Monday in Shanghai
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "钱七")
		move := func(tk *aftersales.Ticket, to aftersales.Status) *aftersales.Ticket {
			t.Helper()
			next, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "客户要求"})
			if err != nil {
				t.Fatalf("→ %s: %v", to, err)
			}
			return next
		}
		reply := func(tk *aftersales.Ticket) {
			t.Helper()
			if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "您好", Public: true}); err != nil {
				t.Fatal(err)
			}
		}
		// A: reply after 30 min, resolved after 2 h: first contact.
		a := MustTicket(t, ctx, db, c.ID, "A 不制冷")
		clock.Advance(30 * time.Minute)
		reply(a)
		a = move(move(a, aftersales.StatusAccepted), aftersales.StatusInService)
		clock.Advance(90 * time.Minute)
		a = move(a, aftersales.StatusResolved)
		// B: reply after 10 min, resolved, reopened, resolved again.
		b := MustTicket(t, ctx, db, c.ID, "B 漏水")
		clock.Advance(10 * time.Minute)
		reply(b)
		b = move(move(b, aftersales.StatusAccepted), aftersales.StatusResolved)
		clock.Advance(time.Hour)
		b = move(b, aftersales.StatusAccepted)
		clock.Advance(time.Hour)
		b = move(b, aftersales.StatusResolved)
		// C: a complaint nobody has answered yet; D: cancelled.
		cin := TicketInput(c.ID, "C 投诉")
		cin.Nature = Ptr(aftersales.NatureComplaint)
		if _, err := db.CreateTicket(ctx, cin); err != nil {
			t.Fatal(err)
		}
		d := MustTicket(t, ctx, db, c.ID, "D 咨询")
		move(d, aftersales.StatusCancelled)
		// Follow-up answers: A 5 and 10, B 3 and 6.
		for _, f := range []aftersales.Feedback{{TicketID: a.ID, CSAT: Ptr(5), NPS: Ptr(10)}, {TicketID: b.ID, CSAT: Ptr(3), NPS: Ptr(6)}} {
			if err := db.RecordFeedback(ctx, &f); err != nil {
				t.Fatal(err)
			}
		}
		// Feedback on an open ticket and out-of-range scores are refused.
		if err := db.RecordFeedback(ctx, &aftersales.Feedback{TicketID: d.ID + 100, CSAT: Ptr(4)}); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("feedback on a missing ticket: %v", err)
		}
		if err := db.RecordFeedback(ctx, &aftersales.Feedback{TicketID: a.ID, CSAT: Ptr(9)}); fieldsOf(err)["csat"] == "" {
			t.Errorf("csat 9: %v", err)
		}

		march := func(kpi string) aftersales.MetricPoint {
			r := metric(t, ctx, db, aftersales.MetricQuery{KPI: kpi, From: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone),
				To: time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone), Grain: aftersales.GrainMonth})
			if len(r.Points) != 1 {
				t.Fatalf("%s: %d points", kpi, len(r.Points))
			}
			return r.Total
		}
		cases := []struct {
			kpi  string
			want float64
			n    int64
		}{
			{"created", 4, 4},
			{"frt_mean", 20, 2},            // (30 + 10) / 2 minutes
			{"resolution_rate", 50, 4},     // A and B
			{"fcr", 50, 2},                 // A; B was reopened
			{"reopen_rate", 50, 2},         // B
			{"complaint_rate", 25, 4},      // C
			{"complaint_timeliness", 0, 1}, // C unanswered
			{"csat_mean", 4, 2},            // (5 + 3) / 2
			{"csat_satisfied", 50, 2},      //
			{"nps", 0, 2},                  // one promoter, one detractor
			{"followup_rate", 100, 2},      //
			{"backlog", 1, 1},              // C is still open
			{"resolution_mean", 125, 2},    // A 120 min, B 130 min (its last resolution)
		}
		for _, c := range cases {
			got := march(c.kpi)
			if math.Abs(value(got)-c.want) > 1e-9 || got.N != c.n {
				t.Errorf("%s = %v (n %d), want %v (n %d)", c.kpi, value(got), got.N, c.want, c.n)
			}
		}
		// No arrival SLA, no data: the value is absent, not zero.
		if got := march("on_time_arrival"); got.Value != nil {
			t.Errorf("on-time arrival without an arrival SLA = %v", value(got))
		}
		// No sales revenue recorded, no cost ratio: absent, not zero.
		if r := metric(t, ctx, db, aftersales.MetricQuery{KPI: "cost_ratio", From: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone),
			To: time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone)}); r.Total.Value != nil || r.KPI.Unavailable != "" {
			t.Errorf("cost ratio without revenue = %v (unavailable %q)", value(r.Total), r.KPI.Unavailable)
		}
		// By nature, with labels.
		r := metric(t, ctx, db, aftersales.MetricQuery{KPI: "created", From: time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone),
			To: time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone), By: aftersales.DimNature})
		got := map[string]float64{}
		for _, p := range r.Points {
			got[p.Key] = value(p)
		}
		if got["complaint"] != 1 || got["repair"]+got["consultation"]+got["other"] != 3 {
			t.Errorf("created by nature = %v", got)
		}
		// Bad queries name the field.
		for field, q := range map[string]aftersales.MetricQuery{
			"kpi":   {KPI: "nope", From: clock.Now(), To: clock.Now().Add(time.Hour)},
			"to":    {KPI: "created", From: clock.Now(), To: clock.Now()},
			"by":    {KPI: "created", From: clock.Now(), To: clock.Now().Add(time.Hour), Filter: aftersales.DimUrgency, Value: "high", By: aftersales.DimTier},
			"grain": {KPI: "created", From: clock.Now(), To: clock.Now().Add(time.Hour), Grain: "year"},
		} {
			if _, err := db.Metric(ctx, q); fieldsOf(err)[field] == "" {
				t.Errorf("%s: err = %v, want a reason for %s", field, err, field)
			}
		}
		// Where the time went: A waited 30 min new and 90 in service; B 10
		// new, 60 accepted (after its reopen) and 60 resolved before the
		// reopen; D was cancelled at once.
		catchUp(t, ctx, db)
		rows, err := db.Stages(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone), "", "en")
		if err != nil || len(rows) != 1 {
			t.Fatal(rows, err)
		}
		stages := map[aftersales.Status]aftersales.StageTime{}
		for _, st := range rows[0].Stages {
			stages[st.Status] = st
		}
		want := map[aftersales.Status][2]float64{aftersales.StatusNew: {2, 20.0 / 60}, aftersales.StatusInService: {1, 1.5},
			aftersales.StatusAccepted: {1, 1}, aftersales.StatusResolved: {1, 1}, aftersales.StatusAwaitingParts: {0, 0}}
		for s, w := range want {
			if g := stages[s]; g.Tickets != int64(w[0]) || math.Abs(g.MeanHours-w[1]) > 1e-9 {
				t.Errorf("stage %s = %+v, want %v tickets, %v h", s, g, w[0], w[1])
			}
		}
		if rows[0].Tickets != 3 || rows[0].Slowest != aftersales.StatusInService || math.Abs(rows[0].Hops) > 1e-9 {
			t.Errorf("stages %+v", rows[0])
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences != 0 {
			t.Fatalf("recompute: %+v, %v", check, err)
		}
	})
}

// The maintained rollups equal a full computation from the tickets on
// the demo data, after incremental changes, and after a rebuild.
func TestRollupsEqualRecompute(t *testing.T) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		db.Now = func() time.Time { return end }
		if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 3, Tickets: 1500, End: end, Zone: db.Zone}); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := db.RefreshRollups(ctx, 400)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if check.Tickets != 1500 || check.Rows == 0 || check.Differences != 0 {
			t.Fatalf("check = %+v", check)
		}
		// Independent count: tickets created in October 2026 (local time).
		from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 11, 1, 0, 0, 0, 0, db.Zone)
		created := db.CountForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE created_at >= $1 AND created_at < $2`, from.UnixMilli(), to.UnixMilli())
		open := db.CountForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE status NOT IN ('resolved','closed','cancelled')`)
		r := metric(t, ctx, db, aftersales.MetricQuery{KPI: "created", From: from, To: to, Grain: aftersales.GrainWeek})
		if value(r.Total) != float64(created) || created == 0 {
			t.Errorf("October created = %v, counted %d", value(r.Total), created)
		}
		var sum float64
		for _, p := range r.Points {
			if p.Value != nil {
				sum += *p.Value
			}
		}
		if sum != float64(created) {
			t.Errorf("weekly points sum to %v, want %d", sum, created)
		}
		b := metric(t, ctx, db, aftersales.MetricQuery{KPI: "backlog", From: from, To: end.Add(24 * time.Hour), Grain: aftersales.GrainMonth})
		if value(b.Total) != float64(open) {
			t.Errorf("backlog now = %v, open tickets %d", value(b.Total), open)
		}
		// Per-team created sums to the total.
		bt := metric(t, ctx, db, aftersales.MetricQuery{KPI: "created", From: from, To: to, By: aftersales.DimTeam, Locale: "en"})
		var teams float64
		for _, p := range bt.Points {
			teams += value(p)
			if p.Label == "" || p.Label == p.Key {
				t.Errorf("team %s has no name", p.Key)
			}
		}
		noTeam := db.CountForTest(ctx, `SELECT COUNT(*) FROM tickets WHERE team_id IS NULL AND created_at >= $1 AND created_at < $2`,
			from.UnixMilli(), to.UnixMilli())
		if teams+float64(noTeam) != float64(created) {
			t.Errorf("teams sum %v + %d without a team, want %d", teams, noTeam, created)
		}

		// Change tickets through the write paths; the rollups follow.
		list, err := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 30, Status: []aftersales.Status{aftersales.StatusResolved}})
		if err != nil {
			t.Fatal(err)
		}
		for i, tk := range list.Tickets {
			if i%2 == 0 {
				if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusClosed, Version: tk.Version}); err != nil {
					t.Fatal(err)
				}
			} else if err := db.RecordFeedback(ctx, &aftersales.Feedback{TicketID: tk.ID, CSAT: Ptr(1 + i%5), NPS: Ptr(i % 11)}); err != nil {
				t.Fatal(err)
			}
		}
		check, err = db.RecomputeRollups(ctx, false)
		if err != nil || check.Differences != 0 {
			t.Fatalf("after changes: %+v, %v", check, err)
		}
		// Corrupt a row: the check finds it, the repair fixes it.
		if err := db.ExecRaw(ctx, `UPDATE kpi_daily SET created = created + 1 WHERE dim = 'channel' AND day = (SELECT MAX(day) FROM kpi_daily WHERE dim = 'channel')`); err != nil {
			t.Fatal(err)
		}
		if check, _ = db.RecomputeRollups(ctx, false); check.Differences == 0 {
			t.Fatal("corruption not found")
		}
		if check, err = db.RecomputeRollups(ctx, true); err != nil || !check.Repaired {
			t.Fatal(check, err)
		}
		if check, _ = db.RecomputeRollups(ctx, false); check.Differences != 0 {
			t.Fatalf("after repair: %+v", check)
		}
	})
}

// A KPI grouped by one dimension within another (technicians of one
// channel) comes from the monthly pair rollups and must equal counting
// the tickets directly.
func TestMetricsGroupedWithinFilter(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "分组")
		techs := []*aftersales.User{
			MustUser(t, ctx, db, "t1@example.com", aftersales.RoleTechnician, nil),
			MustUser(t, ctx, db, "t2@example.com", aftersales.RoleTechnician, nil),
		}
		channels := []aftersales.Channel{aftersales.ChannelPhone, aftersales.ChannelWeb}
		_, _, maxID, _ := db.MaxIDs(ctx)
		var b aftersales.Bulk
		type key struct {
			ch   aftersales.Channel
			tech int64
		}
		resolved, fcr := map[key]int{}, map[key]int{}
		phone := 0
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, db.Zone)
		for i := range 300 {
			maxID++
			created := start.Add(time.Duration(i) * 5 * time.Hour) // March to mid-May
			done := created.Add(4 * time.Hour)
			k := key{channels[i%2], techs[(i/2)%2].ID}
			tk := &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202603-7%05d", maxID), Channel: k.ch, Nature: aftersales.NatureRepair,
				Urgency: aftersales.UrgencyNormal, Status: aftersales.StatusResolved, Title: "维修", CustomerID: &c.ID, CreatedAt: created,
				UpdatedAt: done, StatusChangedAt: done, ResolvedAt: &done, AssignCount: 1, AssigneeID: &k.tech}
			if i%7 == 0 {
				tk.ReopenCount = 1
			}
			if i%11 == 0 {
				tk.AssigneeID = nil // no technician: in the channel's total, in no technician's group
			}
			b.Tickets = append(b.Tickets, tk)
			if done.Month() == time.March || done.Month() == time.April {
				if k.ch == aftersales.ChannelPhone {
					phone++
				}
				if tk.AssigneeID != nil {
					resolved[k]++
					if tk.ReopenCount == 0 {
						fcr[k]++
					}
				}
			}
		}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		march, may := time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 5, 1, 0, 0, 0, 0, db.Zone)
		catchUp(t, ctx, db)
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "fcr", From: march, To: may, Filter: aftersales.DimChannel, Value: "phone", By: aftersales.DimTechnician})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != 2 || res.Total.N != int64(phone) {
			t.Fatalf("points %+v, total n %d, want 2 technicians and %d phone tickets", res.Points, res.Total.N, phone)
		}
		for _, p := range res.Points {
			k := key{aftersales.ChannelPhone, 0}
			k.tech, _ = strconv.ParseInt(p.Key, 10, 64)
			if p.N != int64(resolved[k]) || p.Num != int64(fcr[k]) || p.Label == "" {
				t.Errorf("technician %s: %d of %d, want %d of %d", p.Key, p.Num, p.N, fcr[k], resolved[k])
			}
		}
		// The reverse orientation: web tickets of one technician by channel.
		res, err = db.Metric(ctx, aftersales.MetricQuery{KPI: "fcr", From: march, To: may, Filter: aftersales.DimTechnician,
			Value: strconv.FormatInt(techs[0].ID, 10), By: aftersales.DimChannel})
		if err != nil || len(res.Points) != 2 {
			t.Fatalf("by channel within a technician: %+v %v", res, err)
		}
		for _, p := range res.Points {
			k := key{aftersales.Channel(p.Key), techs[0].ID}
			if p.N != int64(resolved[k]) || p.Num != int64(fcr[k]) {
				t.Errorf("channel %s: %d of %d, want %d of %d", p.Key, p.Num, p.N, fcr[k], resolved[k])
			}
		}
		// What the pair rollups cannot answer is refused, naming the field.
		for field, q := range map[string]aftersales.MetricQuery{
			"by":    {KPI: "fcr", From: march, To: may, Filter: aftersales.DimUrgency, Value: "normal", By: aftersales.DimTier},
			"from":  {KPI: "fcr", From: march.AddDate(0, 0, 3), To: may, Filter: aftersales.DimChannel, Value: "phone", By: aftersales.DimTechnician},
			"grain": {KPI: "fcr", From: march, To: may, Grain: aftersales.GrainWeek, Filter: aftersales.DimChannel, Value: "phone", By: aftersales.DimTechnician},
		} {
			if _, err := db.Metric(ctx, q); aftersales.ErrorCode(err) != aftersales.EINVALID || aftersales.ErrorFields(err)[0].Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		// And the rollups, pair rows included, still equal a recompute.
		if check, err := db.RecomputeRollups(ctx, false); err != nil || check.Differences != 0 {
			t.Fatalf("recompute: %+v %v", check, err)
		}
	})
}

// Aging: open tickets by age now, overall and per channel; resolved ones
// are not counted.
func TestAging(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "积压")
		_, _, maxID, _ := db.MaxIDs(ctx)
		var b aftersales.Bulk
		// Ages in days: 0.5 and 2 (phone), 5, 10, 20 and 45 (web), and one resolved.
		for i, d := range []float64{0.5, 2, 5, 10, 20, 45, 3} {
			maxID++
			created := now.Add(-time.Duration(d * 24 * float64(time.Hour)))
			ch, st := aftersales.ChannelWeb, aftersales.StatusAccepted
			if i < 2 {
				ch = aftersales.ChannelPhone
			}
			tk := &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202606-6%05d", maxID), Channel: ch, Nature: aftersales.NatureRepair,
				Urgency: aftersales.UrgencyNormal, Status: st, Title: "积压", CustomerID: &c.ID, CreatedAt: created, UpdatedAt: created, StatusChangedAt: created}
			if i == 6 {
				tk.Status, tk.ResolvedAt = aftersales.StatusResolved, &now
			}
			b.Tickets = append(b.Tickets, tk)
		}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		catchUp(t, ctx, db)
		rows, err := db.Aging(ctx, aftersales.AgingQuery{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("%+v %v", rows, err)
		}
		if r := rows[0]; fmt.Sprint(r.Counts) != "[1 1 1 1 1 1]" || r.Open != 6 || r.MedianDays != 7.5 || r.OldestDays != 45 {
			t.Fatalf("overall %+v", r)
		}
		rows, err = db.Aging(ctx, aftersales.AgingQuery{By: aftersales.DimChannel, Locale: "en"})
		if err != nil || len(rows) != 2 || rows[0].Key != "web" || rows[0].Open != 4 || fmt.Sprint(rows[1].Counts) != "[1 1 0 0 0 0]" || rows[0].Label == "" {
			t.Fatalf("by channel %+v %v", rows, err)
		}
		rows, err = db.Aging(ctx, aftersales.AgingQuery{Filter: aftersales.DimChannel, Value: "phone"})
		if err != nil || len(rows) != 1 || rows[0].Open != 2 {
			t.Fatalf("phone %+v %v", rows, err)
		}
		// Grouped within a filter on another dimension: from the facts, same numbers.
		rows, err = db.Aging(ctx, aftersales.AgingQuery{Filter: aftersales.DimUrgency, Value: "normal", By: aftersales.DimChannel})
		if err != nil || len(rows) != 2 || rows[0].Key != "web" || fmt.Sprint(rows[0].Counts) != "[0 0 1 1 1 1]" || rows[0].MedianDays != 15 {
			t.Fatalf("by channel within normal urgency %+v %v", rows, err)
		}
		if _, err := db.Aging(ctx, aftersales.AgingQuery{Filter: aftersales.DimChannel}); fieldsOf(err)["value"] == "" {
			t.Errorf("filter without value: %v", err)
		}
	})
}

// Warranty claims per 1,000 units in service, computed by hand: five
// units of one product in service by the end of March; in March a repair
// and a return under warranty are claims, a repair after the warranty, a
// consultation and a cancelled repair are not.
func TestWarrantyClaimRate(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "保修")
		cat, err := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "heater", NameZH: "热水器"})
		if err != nil {
			t.Fatal(err)
		}
		prod, err := db.CreateProduct(ctx, aftersales.ProductInput{CategoryID: cat.ID, Model: "JSQ30", Name: "燃气热水器", WarrantyMonths: 12})
		if err != nil {
			t.Fatal(err)
		}
		var assets []int64
		for i, w := range []aftersales.Date{"2027-01-01", "2026-02-15", "2027-01-01", "2027-01-01", "2027-01-01"} {
			installed := aftersales.Date("2026-01-10")
			if i == 4 {
				installed = "2026-03-15"
			}
			a, err := db.CreateAsset(ctx, aftersales.AssetInput{ProductID: prod.ID, CustomerID: c.ID, SerialNo: fmt.Sprintf("SN%d", i), InstalledOn: installed, WarrantyEnds: w})
			if err != nil {
				t.Fatal(err)
			}
			assets = append(assets, a.ID)
		}
		_, _, maxID, _ := db.MaxIDs(ctx)
		var b aftersales.Bulk
		for i, n := range []aftersales.Nature{aftersales.NatureRepair, aftersales.NatureRepair, aftersales.NatureConsultation, aftersales.NatureReturn, aftersales.NatureRepair} {
			maxID++
			created := time.Date(2026, 3, 20, 10, 0, 0, 0, db.Zone)
			st := aftersales.StatusNew
			if i == 4 {
				st = aftersales.StatusCancelled
			}
			b.Tickets = append(b.Tickets, &aftersales.Ticket{ID: maxID, Number: fmt.Sprintf("AS202603-5%05d", maxID), Channel: aftersales.ChannelPhone,
				Nature: n, Urgency: aftersales.UrgencyNormal, Status: st, Title: "热水器", CustomerID: &c.ID, AssetID: &assets[i], ProductID: &prod.ID,
				CategoryID: &cat.ID, CreatedAt: created, UpdatedAt: created, StatusChangedAt: created})
		}
		if err := db.BulkLoad(ctx, &b); err != nil {
			t.Fatal(err)
		}
		march, april := time.Date(2026, 3, 1, 0, 0, 0, 0, db.Zone), time.Date(2026, 4, 1, 0, 0, 0, 0, db.Zone)
		catchUp(t, ctx, db)
		for _, q := range []aftersales.MetricQuery{
			{KPI: "warranty_claim_rate", From: march, To: april},
			{KPI: "warranty_claim_rate", From: march, To: april, Filter: aftersales.DimProduct, Value: strconv.FormatInt(prod.ID, 10)},
		} {
			res, err := db.Metric(ctx, q)
			if err != nil || res.Total.Value == nil || *res.Total.Value != 400 || res.Total.Num != 2 || res.Total.N != 5 {
				t.Fatalf("%+v: %+v %v", q, res, err)
			}
		}
		// By category: the same five units; in February, four units and no claims.
		res, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "warranty_claim_rate", From: march, To: april, By: aftersales.DimCategory})
		if err != nil || len(res.Points) != 1 || *res.Points[0].Value != 400 {
			t.Fatalf("by category: %+v %v", res, err)
		}
		res, err = db.Metric(ctx, aftersales.MetricQuery{KPI: "warranty_claim_rate", From: march.AddDate(0, -1, 0), To: april, Grain: aftersales.GrainMonth})
		if err != nil || len(res.Points) != 2 || res.Points[0].N != 4 || *res.Points[0].Value != 0 || *res.Points[1].Value != 400 {
			t.Fatalf("by month: %+v %v", res, err)
		}
		if _, err := db.Metric(ctx, aftersales.MetricQuery{KPI: "warranty_claim_rate", From: march, To: april, By: aftersales.DimChannel}); fieldsOf(err)["by"] == "" {
			t.Errorf("by channel: %v", err)
		}
		// A warranty moved back marks its tickets: the return is no longer a claim.
		if err := db.ExecRaw(ctx, `UPDATE assets SET warranty_ends = '2026-03-01' WHERE id = $1`, assets[3]); err != nil {
			t.Fatal(err)
		}
		// Until the rollup job runs, the answer says a ticket is pending.
		res, err = db.Metric(ctx, aftersales.MetricQuery{KPI: "warranty_claims", From: march, To: april})
		if err != nil || res.Lag.Pending != 1 {
			t.Fatalf("before the rollup job: %+v %v", res, err)
		}
		catchUp(t, ctx, db)
		res, err = db.Metric(ctx, aftersales.MetricQuery{KPI: "warranty_claims", From: march, To: april})
		if err != nil || *res.Total.Value != 1 || res.Lag.Pending != 0 {
			t.Fatalf("after the warranty change: %+v %v", res, err)
		}
	})
}
