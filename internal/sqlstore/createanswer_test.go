package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

// TestCreateTicketAnswer checks that the ticket CreateTicket answers with,
// built from what it wrote instead of read back after the commit, is what
// a read returns: through each part of the configuration a create looks
// at (custom fields, an SLA policy, a routing rule, a team member as
// assignee, an automation, a webhook), added one after the other.
func TestCreateTicketAnswer(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "张三")
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "n", Name: "北区", Strategy: aftersales.StrategyManual})
		if err != nil {
			t.Fatal(err)
		}
		member := MustUser(t, ctx, db, "m@example.com", aftersales.RoleAgent, &team.ID)
		loner := MustUser(t, ctx, db, "l@example.com", aftersales.RoleAgent, nil)
		shanghai := Shanghai(t)
		var hook *aftersales.Webhook
		for _, tc := range []struct {
			name  string
			setup func(t *testing.T)
			in    func() aftersales.TicketInput
			// events are the kinds of the new ticket's timeline, in order.
			events []aftersales.EventKind
		}{
			{name: "plain", in: func() aftersales.TicketInput { return TicketInput(c.ID, "空调不制冷") },
				events: []aftersales.EventKind{aftersales.EventCreated}},
			{name: "every field",
				setup: func(t *testing.T) {
					for _, f := range []aftersales.CustomField{
						{Key: "model", LabelZH: "型号", Type: aftersales.FieldText, Active: true},
						{Key: "floors", LabelZH: "楼层", Type: aftersales.FieldNumber, Active: true},
					} {
						if _, err := db.CreateCustomField(ctx, f); err != nil {
							t.Fatal(err)
						}
					}
				},
				in: func() aftersales.TicketInput {
					in := TicketInput(c.ID, "外机噪音")
					in.Tags = Ptr([]string{" 噪音 ", "外机", "噪音"})
					in.Custom = map[string]any{"model": "KFR-35", "floors": 12}
					in.OccurredAt = Ptr(time.Date(2026, 11, 30, 9, 15, 1, 123456789, shanghai))
					in.ExternalID, in.Impact = Ptr("crm-1"), Ptr("整栋楼")
					in.TeamID, in.AssigneeID = &team.ID, &loner.ID
					return in
				},
				events: []aftersales.EventKind{aftersales.EventCreated, aftersales.EventAssigned}},
			{name: "SLA policy",
				setup: func(t *testing.T) {
					if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "std", Active: true, FirstResponseMin: 30, ResolutionMin: 600}); err != nil {
						t.Fatal(err)
					}
				},
				in:     func() aftersales.TicketInput { return TicketInput(c.ID, "漏水") },
				events: []aftersales.EventKind{aftersales.EventCreated, "sla_changed"}},
			{name: "routing rule",
				setup: func(t *testing.T) {
					if _, err := db.CreateRoutingRule(ctx, aftersales.RoutingRule{Name: "漏水", Active: true, Keywords: []string{"漏水"},
						Action: aftersales.RoutingAction{TeamID: &team.ID, AssigneeID: &member.ID, Urgency: Ptr(aftersales.UrgencyHigh)}}); err != nil {
						t.Fatal(err)
					}
				},
				in:     func() aftersales.TicketInput { return TicketInput(c.ID, "又漏水了") },
				events: []aftersales.EventKind{aftersales.EventCreated, aftersales.EventAssigned, aftersales.EventAssigned, "sla_changed"}},
			{name: "webhook",
				setup: func(t *testing.T) {
					if hook, err = db.CreateWebhook(ctx, aftersales.Webhook{URL: "http://127.0.0.1:9/x", Secret: "0123456789abcdef", Active: true,
						Events: []string{aftersales.HookTicketCreated}}); err != nil {
						t.Fatal(err)
					}
				},
				in:     func() aftersales.TicketInput { return TicketInput(c.ID, "不开机") },
				events: []aftersales.EventKind{aftersales.EventCreated, "sla_changed"}},
			{name: "automation changes it",
				setup: func(t *testing.T) {
					if _, err := db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "加急", Active: true, Trigger: aftersales.TriggerCreated,
						Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionSetUrgency, Urgency: aftersales.UrgencyUrgent}}}); err != nil {
						t.Fatal(err)
					}
				},
				in:     func() aftersales.TicketInput { return TicketInput(c.ID, "异响") },
				events: []aftersales.EventKind{aftersales.EventCreated, "sla_changed", aftersales.EventFieldChanged, "automation"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.setup != nil {
					tc.setup(t)
				}
				clock.Advance(time.Minute + 7*time.Microsecond)
				got, err := db.CreateTicket(ctx, tc.in())
				if err != nil {
					t.Fatal(err)
				}
				want, err := db.FindTicket(ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("answer differs from a read (-read +answer):\n%s", diff)
				}
				// A webhook's delivery carries the ticket as a read shows it.
				if tc.name == "webhook" {
					ds, err := db.ListDeliveries(ctx, hook.ID, 1)
					if err != nil || len(ds) != 1 {
						t.Fatalf("deliveries = %v, %v", ds, err)
					}
					var payload struct{ Ticket json.RawMessage }
					if err := json.Unmarshal([]byte(ds[0].Payload), &payload); err != nil {
						t.Fatal(err)
					}
					wantJSON, _ := json.Marshal(want)
					if diff := cmp.Diff(string(wantJSON), string(payload.Ticket)); diff != "" {
						t.Errorf("delivery's ticket differs from a read (-read +delivery):\n%s", diff)
					}
				}
				events, err := db.Timeline(ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				var kinds []aftersales.EventKind
				for _, e := range events {
					kinds = append(kinds, e.Kind)
				}
				if diff := cmp.Diff(tc.events, kinds); diff != "" {
					t.Errorf("timeline kinds (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestCreateSuggestsWithMovedConfig: a create scores its text with the
// configuration its process last saw, without reading the stamp first;
// when its transaction finds that the configuration moved (here: a text
// model activated through another instance), the create runs again with
// the new configuration, so the model applies at the very next create, as
// every other configuration change does (TestConfigAcrossInstances).
func TestCreateSuggestsWithMovedConfig(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			cu := MustCustomer(t, ctx, a, "客户")
			// b's configuration, without a model.
			MustTicket(t, ctx, b, cu.ID, "空调不制冷")
			for range 2 {
				for i := range repairTexts {
					for _, x := range []struct {
						text   string
						nature aftersales.Nature
					}{{repairTexts[i], aftersales.NatureRepair}, {complaintTexts[i], aftersales.NatureComplaint}} {
						in := TicketInput(cu.ID, x.text)
						in.Description, in.Nature = Ptr(""), &x.nature
						if _, err := a.CreateTicket(ctx, in); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if m, err := a.TrainTextModel(ctx, aftersales.SuggestNature); err != nil || m.Status != aftersales.ModelActive {
				t.Fatalf("model = %+v, %v", m, err)
			}
			if err := a.SetSuggestThreshold(ctx, aftersales.SuggestNature, 0.55); err != nil {
				t.Fatal(err)
			}
			in := TicketInput(cu.ID, "客服态度恶劣，投诉")
			in.Description, in.Nature = Ptr(""), nil
			tk, err := b.CreateTicket(ctx, in)
			if err != nil {
				t.Fatalf("b's create without a nature, after a's model: %v", err)
			}
			if tk.Nature != aftersales.NatureComplaint {
				t.Errorf("nature = %q, want complaint from the model activated through a", tk.Nature)
			}
			ss, err := a.ListSuggestions(ctx, tk.ID)
			if err != nil || len(ss) != 1 || ss[0].Status != aftersales.SuggestionApplied {
				t.Errorf("suggestions = %+v, %v", ss, err)
			}
			// The threshold raised through a: b's text scoring, with its
			// last configuration, would apply the model; its transaction
			// finds the move and the create runs again, where the model no
			// longer decides, and the nature is missing.
			if err := a.SetSuggestThreshold(ctx, aftersales.SuggestNature, 1); err != nil {
				t.Fatal(err)
			}
			if tk, err := b.CreateTicket(ctx, in); aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["nature"] == "" {
				t.Errorf("b's create after a raised the threshold: %+v, %v; want nature required", tk, err)
			}
		})
	}
}

// TestCreateAnswerWithUnmatchedAutomation: a rule of the created trigger
// that does not match the new ticket changes nothing, so the answer is
// the ticket as written, not read again after the commit (a change made
// right after the commit, here by AfterCommit, is not in it).
func TestCreateAnswerWithUnmatchedAutomation(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = NewClock(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)).Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "张三")
		if _, err := db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "贵宾加急", Active: true, Trigger: aftersales.TriggerCreated,
			Conditions: aftersales.AutomationConditions{SLAConditions: aftersales.SLAConditions{Tier: []string{"vip"}}},
			Actions:    []aftersales.AutomationAction{{Kind: aftersales.ActionSetUrgency, Urgency: aftersales.UrgencyUrgent}}}); err != nil {
			t.Fatal(err)
		}
		db.AfterCommit = func(ctx context.Context) {
			if err := db.ExecRaw(ctx, `UPDATE tickets SET title = 'changed after the commit' WHERE title = '不制冷'`); err != nil {
				t.Error(err)
			}
		}
		got, err := db.CreateTicket(ctx, TicketInput(c.ID, "不制冷"))
		db.AfterCommit = nil
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "不制冷" || got.Urgency != aftersales.UrgencyNormal {
			t.Errorf("answer: title %q, urgency %q; want the ticket as written (不制冷, normal)", got.Title, got.Urgency)
		}
		read, err := db.FindTicket(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if read.Title != "changed after the commit" {
			t.Errorf("read: title %q, want the change made after the commit", read.Title)
		}
	})
}
