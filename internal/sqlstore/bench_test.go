package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// BenchmarkCreateTicket measures one ticket creation: validation,
// reference checks, numbering, the ticket, its timeline and audit rows,
// in one transaction; "+sla" also matches an SLA policy on a business
// calendar and stores the ticket's clocks.
func BenchmarkCreateTicket(b *testing.B) {
	for _, e := range testutil.Engines() {
		for _, withSLA := range []bool{false, true} {
			name := string(e)
			if withSLA {
				name += "+sla"
			}
			b.Run(name, func(b *testing.B) { benchCreate(b, e, withSLA) })
		}
	}
}

func benchCreate(b *testing.B, e sqlstore.Engine, withSLA bool) {
	db := testutil.OpenDB(b, e)
	ctx, _ := testutil.Admin(b, db)
	if withSLA {
		day := []aftersales.TimeRange{{Start: "08:30", End: "12:00"}, {Start: "13:30", End: "18:00"}}
		cal, err := db.CreateCalendar(ctx, aftersales.BusinessCalendar{Code: "c", Name: "c", TimeZone: "Asia/Shanghai",
			Week: map[string][]aftersales.TimeRange{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "std", Active: true, CalendarID: &cal.ID, FirstResponseMin: 60, ResolutionMin: 1440}); err != nil {
			b.Fatal(err)
		}
	}
	c := testutil.MustCustomer(b, ctx, db, "bench")
	in := testutil.TicketInput(c.ID, "空调外机噪音很大，师傅上门两次都没修好")
	in.Tags = testutil.Ptr([]string{"噪音"})
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.CreateTicket(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListTickets measures filtered list pages over the demo company
// (24,000 tickets, 196,000 events).
func BenchmarkListTickets(b *testing.B) {
	for _, e := range testutil.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := testutil.OpenDB(b, e)
			ctx, _ := testutil.Admin(b, db)
			s := db.Services()
			if _, err := demo.Load(ctx, s, db, demo.Options{Seed: 1, Tickets: 24000, End: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Zone: testutil.Shanghai(b)}); err != nil {
				b.Fatal(err)
			}
			cats, _ := db.ListCategories(ctx)
			teams, _ := db.ListTeams(ctx)
			first, _ := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 50})
			open := true
			for _, tc := range []struct {
				name string
				f    aftersales.TicketFilter
			}{
				{"newest-50", aftersales.TicketFilter{Limit: 50}},
				{"page-2-cursor", aftersales.TicketFilter{Limit: 50, Cursor: first.NextCursor}},
				{"open-urgent-by-urgency", aftersales.TicketFilter{Open: &open, Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent, aftersales.UrgencyHigh}, Sort: aftersales.SortUrgencyDesc}},
				{"team-status", aftersales.TicketFilter{TeamID: teams[0].ID, Status: []aftersales.Status{aftersales.StatusClosed}}},
				{"category-subtree", aftersales.TicketFilter{CategoryID: cats[0].ID}},
				{"chinese-substring", aftersales.TicketFilter{Query: "外机噪音"}},
				{"chinese-substring-rare", aftersales.TicketFilter{Query: "燃气味"}},
				{"sla-overdue-by-urgency", aftersales.TicketFilter{SLA: "overdue", Sort: aftersales.SortUrgencyDesc}},
				{"sla-due-soon", aftersales.TicketFilter{SLA: "due_soon"}},
				// With the total the console shows (one COUNT on the same conditions).
				{"newest-50+count", aftersales.TicketFilter{Limit: 50, Count: true}},
				{"open-urgent-by-urgency+count", aftersales.TicketFilter{Open: &open, Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent, aftersales.UrgencyHigh}, Sort: aftersales.SortUrgencyDesc, Count: true}},
				{"chinese-substring+count", aftersales.TicketFilter{Query: "外机噪音", Count: true}},
				{"sla-breached+count", aftersales.TicketFilter{SLA: "breached", Count: true}},
			} {
				b.Run(tc.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := db.ListTickets(ctx, tc.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
