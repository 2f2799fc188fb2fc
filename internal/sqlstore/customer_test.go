package sqlstore_test

import (
	"regexp"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestCreateReadsCustomerOnce: a create checks that its customer exists,
// routes by the customer's tier and address, plans the SLA and runs the
// automations by its tier, and reads the customer's row once for all of
// it (it read it three or four times). Each create of a batch sharing a
// transaction reads its own customer, and what each step decides still
// follows the customer's tier.
// customersTable finds a statement that reads a customer's row by its id
// (the create reads it joined to the configuration stamp; a read of the
// ticket joined to its customer's name is not one).
var customersTable = regexp.MustCompile(`FROM customers|customers c ON c\.id = \$1`)

func TestCreateReadsCustomerOnce(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)).Now
		ctx, _ := Admin(t, db)
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "vip", Name: "贵宾组"})
		if err != nil {
			t.Fatal(err)
		}
		vip := aftersales.SLAConditions{Tier: []string{"vip"}}
		if _, err := db.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "贵宾", Active: true, Conditions: vip,
			Action: aftersales.RoutingAction{TeamID: &team.ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "贵宾", Active: true, Conditions: vip, ResolutionMin: 120}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "贵宾备注", Active: true, Trigger: aftersales.TriggerCreated,
			Conditions: aftersales.AutomationConditions{SLAConditions: vip},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionAddNote, Text: "贵宾客户"}}}); err != nil {
			t.Fatal(err)
		}
		plain := MustCustomer(t, ctx, db, "普通客户")
		special := MustCustomer(t, ctx, db, "贵宾客户")
		if err := db.ExecRaw(ctx, `UPDATE customers SET tier = 'vip' WHERE id = $1`, special.ID); err != nil {
			t.Fatal(err)
		}
		var reads int
		db.TraceForTest(func(q string) {
			if customersTable.MatchString(q) {
				reads++
			}
		})
		defer db.TraceForTest(nil)
		for _, c := range []struct {
			customer *aftersales.Customer
			vip      bool
		}{{special, true}, {plain, false}, {special, true}} {
			reads = 0
			tk, err := db.CreateTicket(ctx, TicketInput(c.customer.ID, "空调不制冷"))
			if err != nil {
				t.Fatal(err)
			}
			if reads != 1 {
				t.Errorf("customer %d: %d reads of the customer in the create, want 1", c.customer.ID, reads)
			}
			routed := tk.TeamID != nil && *tk.TeamID == team.ID
			s, err := db.TicketSLA(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			planned := s.PolicyID != nil
			tl, err := db.Timeline(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			noted := false
			for _, e := range tl {
				noted = noted || e.Kind == aftersales.EventNote && e.Body == "贵宾客户"
			}
			if routed != c.vip || planned != c.vip || noted != c.vip {
				t.Errorf("customer %d (vip %v): routed %v, SLA policy %v, automation note %v", c.customer.ID, c.vip, routed, planned, noted)
			}
		}
		// A customer that does not exist is still named.
		db.TraceForTest(nil)
		if _, err := db.CreateTicket(ctx, TicketInput(999999, "x")); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Errorf("unknown customer: %v, want EINVALID", err)
		}
	})
}
