package sqlstore_test

import (
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestAssignCandidates ranks people for a ticket from what the store
// holds: the ticket's team first, on shift, then by open work counted
// from the tickets assigned to them.
func TestAssignCandidates(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		north, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "n", Name: "北区", Strategy: aftersales.StrategyManual, Capacity: 2})
		if err != nil {
			t.Fatal(err)
		}
		south, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "s", Name: "南区", Strategy: aftersales.StrategyManual})
		if err != nil {
			t.Fatal(err)
		}
		busy := MustUser(t, ctx, db, "busy@example.com", aftersales.RoleAgent, &north.ID)
		free := MustUser(t, ctx, db, "free@example.com", aftersales.RoleAgent, &north.ID)
		off := MustUser(t, ctx, db, "off@example.com", aftersales.RoleAgent, &north.ID)
		other := MustUser(t, ctx, db, "other@example.com", aftersales.RoleAgent, &south.ID)
		if err := db.SetAvailability(ctx, off.ID, false); err != nil {
			t.Fatal(err)
		}
		c := MustCustomer(t, ctx, db, "候选")
		for range 2 {
			in := TicketInput(c.ID, "在办")
			in.AssigneeID, in.TeamID = &busy.ID, &north.ID
			if _, err := db.CreateTicket(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		in := TicketInput(c.ID, "待分派")
		in.TeamID = &north.ID
		tk, err := db.CreateTicket(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.AssignCandidates(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var order []int64
		for _, c := range got {
			order = append(order, c.UserID)
		}
		want := []int64{free.ID, busy.ID, off.ID, other.ID}
		if len(order) != len(want) {
			t.Fatalf("candidates %v, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Fatalf("candidates %v, want %v (free, busy, off shift, other team)", order, want)
			}
		}
		if b := got[1]; b.Open != 2 || !b.AtCapacity || !b.InTeam || !b.OnShift {
			t.Errorf("busy = %+v, want 2 open, at capacity 2, in team, on shift", b)
		}
		if o := got[2]; o.OnShift {
			t.Errorf("off = %+v, want off shift", o)
		}
		if o := got[3]; o.InTeam || o.TeamName != "南区" {
			t.Errorf("other = %+v, want another team", o)
		}
	})
}
