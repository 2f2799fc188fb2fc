package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// Resolving needs a resolution note unless an administrator turned the
// rule off; the note lands on the timeline as the status change's body.
func TestResolutionNote(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "钱七")
		tk := MustTicket(t, ctx, db, c.ID, "咨询保修")
		tk, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		set, err := db.Settings(ctx)
		if err != nil || !set.ResolutionNoteRequired || set.Version != 1 {
			t.Fatalf("default settings = %+v, %v; want the note required", set, err)
		}
		for _, note := range []string{"", "   \n"} {
			_, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Reason: note, Version: tk.Version})
			if aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["reason"] == "" {
				t.Fatalf("resolve with note %q: err = %v, want EINVALID naming reason", note, err)
			}
		}
		if got, _ := db.FindTicket(ctx, tk.ID); got.Status != aftersales.StatusAccepted || got.Version != tk.Version {
			t.Fatalf("a refused resolution changed the ticket: %+v", got)
		}
		tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Reason: " 电话告知保修一年 ", Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		last := events[len(events)-1]
		if last.Kind != aftersales.EventStatusChanged || last.To != "resolved" || last.Body != "电话告知保修一年" {
			t.Errorf("last event = %+v, want the resolution with its note", last)
		}

		// Turned off: resolving without a note is allowed again.
		if _, err := db.UpdateSettings(ctx, 7, aftersales.Settings{}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale settings update err = %v", err)
		}
		set, err = db.UpdateSettings(ctx, set.Version, aftersales.Settings{ResolutionNoteRequired: false})
		if err != nil || set.ResolutionNoteRequired || set.Version != 2 || !set.UpdatedAt.Equal(clock.Now()) {
			t.Fatalf("settings after update = %+v, %v", set, err)
		}
		if es, _ := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "settings"}); len(es) != 1 {
			t.Errorf("audit entries for settings = %d, want 1", len(es))
		}
		tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Reason: "客户再次来电", Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: tk.Version}); err != nil {
			t.Fatalf("resolve without a note when not required: %v", err)
		}

		// Only an administrator changes settings.
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tctx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.Settings(tctx); err != nil {
			t.Errorf("a technician cannot read the settings: %v", err)
		}
		if _, err := db.UpdateSettings(tctx, set.Version, aftersales.Settings{ResolutionNoteRequired: true}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("technician update err = %v, want EFORBIDDEN", err)
		}
	})
}

// The list counts every match (on every page), and "breached" selects the
// tickets whose resolution or first-response SLA was breached, open or
// finished, including an open one whose deadline passed since its clocks
// were last stored.
func TestListTotalAndBreached(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "all", Active: true, FirstResponseMin: 30, ResolutionMin: 600}); err != nil {
			t.Fatal(err)
		}
		reg, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitRegion, Code: "east", Name: "华东"})
		br, _ := db.CreateServiceUnit(ctx, aftersales.ServiceUnitInput{Kind: aftersales.UnitBranch, Code: "sh", Name: "上海", ParentID: &reg.ID})
		c := MustCustomer(t, ctx, db, "周八")
		create := func(title string, unit *int64) *aftersales.Ticket {
			in := TicketInput(c.ID, title)
			in.ServiceUnitID = unit
			tk, err := db.CreateTicket(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		move := func(tk *aftersales.Ticket, to ...aftersales.Status) {
			for _, s := range to {
				next, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: s, Reason: "已处理", Version: tk.Version})
				if err != nil {
					t.Fatal(err)
				}
				*tk = *next
			}
		}
		reply := func(tk *aftersales.Ticket) {
			if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "您好", Public: true}); err != nil {
				t.Fatal(err)
			}
		}
		met := create("按时解决", &br.ID)  // answered and resolved in time
		late := create("超时解决", &br.ID) // answered late, resolved late
		silent := create("无人处理", nil)  // never touched: deadlines pass unseen
		clock.Advance(10 * time.Minute)
		reply(met)
		move(met, aftersales.StatusAccepted, aftersales.StatusResolved)
		clock.Advance(time.Hour)
		reply(late)
		clock.Advance(9*time.Hour + 30*time.Minute)
		fresh := create("新工单", nil) // answered in time, resolution not yet due
		clock.Advance(10 * time.Minute)
		reply(fresh)
		clock.Advance(40 * time.Minute)
		move(late, aftersales.StatusAccepted, aftersales.StatusResolved)

		open := true
		for _, tc := range []struct {
			name string
			f    aftersales.TicketFilter
			want []int64 // newest first
		}{
			{"breached", aftersales.TicketFilter{SLA: "breached"}, []int64{silent.ID, late.ID}},
			{"breached and open", aftersales.TicketFilter{SLA: "breached", Open: &open}, []int64{silent.ID}},
			{"region", aftersales.TicketFilter{RegionID: reg.ID}, []int64{late.ID, met.ID}},
			{"all", aftersales.TicketFilter{}, []int64{fresh.ID, silent.ID, late.ID, met.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// Pages of one: every page carries the same total.
				f := tc.f
				f.Limit, f.Count = 1, true
				var got []int64
				for {
					page, err := db.ListTickets(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if page.Total == nil || *page.Total != int64(len(tc.want)) {
						t.Fatalf("page %d: total = %v, want %d", len(got)+1, page.Total, len(tc.want))
					}
					for _, tk := range page.Tickets {
						got = append(got, tk.ID)
					}
					if page.NextCursor == "" {
						break
					}
					f.Cursor = page.NextCursor
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("tickets = %v, want %v", got, tc.want)
				}
			})
		}
		if page, _ := db.ListTickets(ctx, aftersales.TicketFilter{}); page.Total != nil {
			t.Errorf("total counted without being asked: %d", *page.Total)
		}
	})
}
