package sqlstore_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"

	"github.com/google/go-cmp/cmp"
)

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	for _, f := range aftersales.ErrorFields(err) {
		out[f.Field] = f.Reason
	}
	return out
}

func TestCreateTicket(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)) // 2026-12-01 01:00 in Shanghai
		db.Now = clock.Now
		ctx, admin := Admin(t, db)
		c := MustCustomer(t, ctx, db, "张三")

		t.Run("OK", func(t *testing.T) {
			in := TicketInput(c.ID, "空调外机噪音很大")
			in.Tags = Ptr([]string{" 噪音 ", "噪音", "外机"})
			tk, err := db.CreateTicket(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			// The month follows the deployment zone, not UTC.
			if tk.Number != "AS202612-000001" {
				t.Errorf("number = %q, want AS202612-000001", tk.Number)
			}
			if tk.Status != aftersales.StatusNew || tk.Version != 1 || tk.CustomerName != "张三" || *tk.CreatedBy != admin.ID {
				t.Errorf("unexpected ticket %+v", tk)
			}
			if diff := cmp.Diff([]string{"噪音", "外机"}, tk.Tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			tk2 := MustTicket(t, ctx, db, c.ID, "second")
			if tk2.Number != "AS202612-000002" {
				t.Errorf("second number = %q", tk2.Number)
			}
			events, err := db.Timeline(ctx, tk.ID)
			if err != nil || len(events) != 1 || events[0].Kind != aftersales.EventCreated || events[0].To != tk.Number {
				t.Fatalf("timeline = %+v, %v", events, err)
			}
		})

		t.Run("ErrFieldsNamed", func(t *testing.T) {
			bad := aftersales.Channel("fax")
			_, err := db.CreateTicket(ctx, aftersales.TicketInput{Channel: &bad, Title: Ptr("  ")})
			if aftersales.ErrorCode(err) != aftersales.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			want := []string{"channel", "customer_id", "nature", "title", "urgency"}
			got := fieldsOf(err)
			for _, f := range want {
				if got[f] == "" {
					t.Errorf("field %s not named in %v", f, err)
				}
			}
		})

		t.Run("ErrReferenceToNothing", func(t *testing.T) {
			in := TicketInput(c.ID, "x")
			in.AssetID, in.TeamID, in.CustomerID = Ptr(int64(999)), Ptr(int64(777)), Ptr(int64(555))
			_, err := db.CreateTicket(ctx, in)
			f := fieldsOf(err)
			if aftersales.ErrorCode(err) != aftersales.EINVALID || f["asset_id"] == "" || f["team_id"] == "" || f["customer_id"] == "" {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("ErrAssetOfOtherCustomer", func(t *testing.T) {
			cat, _ := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调"})
			p, err := db.CreateProduct(ctx, aftersales.ProductInput{CategoryID: cat.ID, Model: "KFR-35GW", Name: "挂机", WarrantyMonths: 36})
			if err != nil {
				t.Fatal(err)
			}
			other := MustCustomer(t, ctx, db, "李四")
			a, err := db.CreateAsset(ctx, aftersales.AssetInput{ProductID: p.ID, CustomerID: other.ID, SerialNo: "SN1", InstalledOn: "2024-01-31"})
			if err != nil {
				t.Fatal(err)
			}
			if a.WarrantyEnds != "2027-01-31" {
				t.Errorf("derived warranty end = %q, want 2027-01-31", a.WarrantyEnds)
			}
			in := TicketInput(c.ID, "x")
			in.AssetID = &a.ID
			_, err = db.CreateTicket(ctx, in)
			if fieldsOf(err)["asset_id"] != "belongs to another customer" {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("ErrDuplicateExternalID", func(t *testing.T) {
			in := TicketInput(c.ID, "x")
			in.ExternalID = Ptr("EXT-1")
			if _, err := db.CreateTicket(ctx, in); err != nil {
				t.Fatal(err)
			}
			before, _ := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 500})
			_, err := db.CreateTicket(ctx, in)
			if aftersales.ErrorCode(err) != aftersales.ECONFLICT || fieldsOf(err)["external_id"] == "" {
				t.Fatalf("err = %v, want ECONFLICT on external_id", err)
			}
			after, _ := db.ListTickets(ctx, aftersales.TicketFilter{Limit: 500})
			if len(after.Tickets) != len(before.Tickets) {
				t.Fatal("a rejected create left a row behind")
			}
		})

		t.Run("CustomFields", func(t *testing.T) {
			if _, err := db.CreateCustomField(ctx, aftersales.CustomField{Key: "fault_code", LabelZH: "故障代码", Type: aftersales.FieldSelect, Options: []string{"E1", "E2"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateCustomField(ctx, aftersales.CustomField{Key: "visits", LabelEN: "Visits", Type: aftersales.FieldNumber}); err != nil {
				t.Fatal(err)
			}
			in := TicketInput(c.ID, "x")
			in.Custom = map[string]any{"fault_code": "E9", "visits": "two", "colour": "red"}
			_, err := db.CreateTicket(ctx, in)
			f := fieldsOf(err)
			if f["custom.fault_code"] == "" || f["custom.visits"] == "" || f["custom.colour"] == "" {
				t.Fatalf("err = %v", err)
			}
			in.Custom = map[string]any{"fault_code": "E2", "visits": 2.0}
			tk, err := db.CreateTicket(ctx, in)
			if err != nil || tk.Custom["fault_code"] != "E2" || tk.Custom["visits"] != 2.0 {
				t.Fatalf("custom = %v, %v", tk, err)
			}
		})
	})
}

func TestUpdateTicketOptimistic(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "王五")
		tk := MustTicket(t, ctx, db, c.ID, "漏水")
		up, err := db.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Title: Ptr("室内机漏水"), Urgency: Ptr(aftersales.UrgencyUrgent)})
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || up.Title != "室内机漏水" || up.Urgency != aftersales.UrgencyUrgent {
			t.Fatalf("updated = %+v", up)
		}
		// A stale write gets ECONFLICT and changes nothing.
		_, err = db.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Title: Ptr("stale")})
		if aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale update err = %v", err)
		}
		got, _ := db.FindTicket(ctx, tk.ID)
		if got.Title != "室内机漏水" || got.Version != 2 {
			t.Fatalf("stale write changed the ticket: %+v", got)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		var fields []string
		for _, e := range events {
			if e.Kind == aftersales.EventFieldChanged {
				fields = append(fields, e.Field+":"+e.From+"→"+e.To)
			}
		}
		want := []string{"urgency:normal→urgent", "title:漏水→室内机漏水"}
		if diff := cmp.Diff(want, fields); diff != "" {
			t.Errorf("field events (-want +got):\n%s", diff)
		}
		if _, err := db.UpdateTicket(ctx, 424242, 1, aftersales.TicketInput{Title: Ptr("x")}); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Fatalf("missing ticket err = %v", err)
		}
	})
}

func TestTransitionsAndMilestones(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "赵六")
		tk := MustTicket(t, ctx, db, c.ID, "不制冷")
		move := func(to aftersales.Status) (*aftersales.Ticket, error) {
			clock.Advance(10 * time.Minute)
			next, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已处理"})
			if err == nil {
				tk = next
			}
			return next, err
		}
		if _, err := move(aftersales.StatusResolved); aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["to"] == "" {
			t.Fatalf("new → resolved err = %v, want EINVALID naming to", err)
		}
		// A reply stamps the first response once.
		clock.Advance(5 * time.Minute)
		if _, err := db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "您好，已收到", Public: true}); err != nil {
			t.Fatal(err)
		}
		firstReply := clock.Now()
		clock.Advance(time.Minute)
		db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "内部备注", Public: false})
		db.AddComment(ctx, tk.ID, aftersales.CommentInput{Body: "second reply", Public: true})
		for _, s := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusDiagnosing, aftersales.StatusAwaitingParts,
			aftersales.StatusInService, aftersales.StatusResolved} {
			if _, err := move(s); err != nil {
				t.Fatalf("→ %s: %v", s, err)
			}
		}
		if tk.FirstResponseAt == nil || !tk.FirstResponseAt.Equal(firstReply) {
			t.Errorf("first_response_at = %v, want %v", tk.FirstResponseAt, firstReply)
		}
		accepted := *tk.AcceptedAt
		if tk.ResolvedAt == nil || !tk.ResolvedAt.Equal(clock.Now()) {
			t.Errorf("resolved_at = %v", tk.ResolvedAt)
		}
		if _, err := move(aftersales.StatusClosed); err != nil {
			t.Fatal(err)
		}
		// Reopen from closed: counted, resolution cleared, acceptance kept.
		if _, err := move(aftersales.StatusAccepted); err != nil {
			t.Fatal(err)
		}
		if tk.ReopenCount != 1 || tk.ResolvedAt != nil || tk.ClosedAt != nil || !tk.AcceptedAt.Equal(accepted) {
			t.Errorf("after reopen: reopen=%d resolved=%v closed=%v accepted=%v", tk.ReopenCount, tk.ResolvedAt, tk.ClosedAt, tk.AcceptedAt)
		}
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusCancelled, Version: tk.Version}); fieldsOf(err)["reason"] == "" {
			t.Fatalf("cancel without reason err = %v", err)
		}
		if _, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusCancelled, Version: tk.Version - 1, Reason: "dup"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale transition err = %v", err)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		var statuses []string
		for _, e := range events {
			if e.Kind == aftersales.EventStatusChanged {
				statuses = append(statuses, e.To)
			}
		}
		if got := strings.Join(statuses, ","); got != "accepted,diagnosing,awaiting_parts,in_service,resolved,closed,accepted" {
			t.Errorf("status events = %s", got)
		}
	})
}

func TestTimelineAndAuditAppendOnly(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "c")
		MustTicket(t, ctx, db, c.ID, "x")
		for _, q := range []string{
			`UPDATE ticket_events SET body = 'forged'`, `DELETE FROM ticket_events`,
			`UPDATE audit_log SET actor = 'forged'`, `DELETE FROM audit_log`,
		} {
			if err := db.ExecRaw(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only refusal", q, err)
			}
		}
		entries, err := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "ticket"})
		if err != nil || len(entries) != 1 || entries[0].Action != "create" || entries[0].Actor != "admin@example.com" {
			t.Fatalf("audit = %+v, %v", entries, err)
		}
	})
}

func TestListTickets(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "sh-1", Name: "上海一组"})
		if err != nil {
			t.Fatal(err)
		}
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, &team.ID)
		parent, _ := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac", NameZH: "空调"})
		child, _ := db.CreateCategory(ctx, aftersales.CategoryInput{Code: "ac-wall", NameZH: "挂机", ParentID: &parent.ID})
		c1 := MustCustomer(t, ctx, db, "甲")
		c2 := MustCustomer(t, ctx, db, "乙")
		titles := []string{"空调不制冷", "洗衣机漏水", "空调外机噪音", "冰箱不通电", "50% off refund", "Noise from AC"}
		var ids []int64
		for i, title := range titles {
			clock.Advance(time.Hour)
			in := TicketInput(c1.ID, title)
			if i%2 == 1 {
				in.CustomerID = &c2.ID
				in.Urgency = Ptr(aftersales.UrgencyUrgent)
			}
			if strings.Contains(title, "空调") {
				in.CategoryID = &child.ID
				in.TeamID = &team.ID
			}
			if i == 3 {
				in.AssigneeID = &tech.ID
				in.Tags = Ptr([]string{"vip"})
			}
			tk, err := db.CreateTicket(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		from := time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
		to := time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			name string
			f    aftersales.TicketFilter
			want []int64 // newest first
		}{
			{"all", aftersales.TicketFilter{}, []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"chinese substring", aftersales.TicketFilter{Query: "空调"}, []int64{ids[2], ids[0]}},
			{"two chinese chars in description", aftersales.TicketFilter{Query: "漏水"}, []int64{ids[1]}},
			{"case-insensitive latin", aftersales.TicketFilter{Query: "noise"}, []int64{ids[5]}},
			{"like wildcard is literal", aftersales.TicketFilter{Query: "50%"}, []int64{ids[4]}},
			{"percent alone matches nothing literal", aftersales.TicketFilter{Query: "%%"}, nil},
			{"number", aftersales.TicketFilter{Query: "-000002"}, []int64{ids[1]}},
			{"urgency", aftersales.TicketFilter{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}}, []int64{ids[5], ids[3], ids[1]}},
			{"customer", aftersales.TicketFilter{CustomerID: c1.ID}, []int64{ids[4], ids[2], ids[0]}},
			{"category includes subtree", aftersales.TicketFilter{CategoryID: parent.ID}, []int64{ids[2], ids[0]}},
			{"team", aftersales.TicketFilter{TeamID: team.ID}, []int64{ids[2], ids[0]}},
			{"assignee", aftersales.TicketFilter{AssigneeID: tech.ID}, []int64{ids[3]}},
			{"tag", aftersales.TicketFilter{Tag: "vip"}, []int64{ids[3]}},
			{"created range", aftersales.TicketFilter{CreatedFrom: &from, CreatedTo: &to}, []int64{ids[2], ids[1]}},
			{"oldest first", aftersales.TicketFilter{Sort: aftersales.SortCreatedAsc, Limit: 2}, []int64{ids[0], ids[1]}},
			{"urgency sort", aftersales.TicketFilter{Sort: aftersales.SortUrgencyDesc, Limit: 3}, []int64{ids[5], ids[3], ids[1]}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := db.ListTickets(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, tk := range page.Tickets {
					got = append(got, tk.ID)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}

		t.Run("cursor pages cover everything once", func(t *testing.T) {
			for _, s := range aftersales.TicketSorts {
				seen := map[int64]bool{}
				f := aftersales.TicketFilter{Sort: s, Limit: 4}
				pages := 0
				for {
					page, err := db.ListTickets(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					pages++
					for _, tk := range page.Tickets {
						if seen[tk.ID] {
							t.Fatalf("%s: ticket %d on two pages", s, tk.ID)
						}
						seen[tk.ID] = true
					}
					if page.NextCursor == "" {
						break
					}
					f.Cursor = page.NextCursor
				}
				if len(seen) != len(ids) || pages != 2 {
					t.Errorf("%s: saw %d tickets in %d pages", s, len(seen), pages)
				}
			}
		})

		t.Run("technician sees own and team tickets only", func(t *testing.T) {
			tctx := aftersales.NewContextWithUser(context.Background(), tech)
			page, err := db.ListTickets(tctx, aftersales.TicketFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Tickets) != 3 {
				t.Fatalf("technician sees %d tickets, want 3", len(page.Tickets))
			}
			if _, err := db.FindTicket(tctx, ids[1]); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
				t.Errorf("foreign ticket err = %v, want ENOTFOUND", err)
			}
			if _, err := db.UpdateTicket(tctx, ids[0], 1, aftersales.TicketInput{Title: Ptr("x")}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
				t.Errorf("technician edit err = %v, want EFORBIDDEN", err)
			}
		})

		t.Run("bad filter values", func(t *testing.T) {
			_, err := db.ListTickets(ctx, aftersales.TicketFilter{Status: []aftersales.Status{"lost"}, Sort: "title", Limit: 9999, Cursor: "%%%"})
			f := fieldsOf(err)
			if f["status"] == "" || f["sort"] == "" || f["limit"] == "" {
				t.Fatalf("err = %v", err)
			}
			_, err = db.ListTickets(ctx, aftersales.TicketFilter{Cursor: "bm9wZQ"})
			if fieldsOf(err)["cursor"] == "" {
				t.Fatalf("cursor err = %v", err)
			}
		})
	})
}

func TestNumbersUnderConcurrency(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "c")
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := db.CreateTicket(ctx, TicketInput(c.ID, fmt.Sprint("t", i)))
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		page, _ := db.ListTickets(ctx, aftersales.TicketFilter{Limit: n})
		seen := map[string]bool{}
		re := regexp.MustCompile(`^AS\d{6}-\d{6}$`)
		for _, tk := range page.Tickets {
			if seen[tk.Number] || !re.MatchString(tk.Number) {
				t.Fatalf("bad or duplicate number %q", tk.Number)
			}
			seen[tk.Number] = true
		}
		if len(seen) != n {
			t.Fatalf("%d numbers, want %d", len(seen), n)
		}
	})
}

// A phone number is stored in one canonical form, however it is typed, and
// found again however the agent types it.
func TestCustomerPhoneSearch(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "周先生", Phone: "+86 139-0000-2222"})
		if err != nil || c.Phone != "13900002222" {
			t.Fatalf("stored phone %q, %v", c.Phone, err)
		}
		for _, q := range []string{"+86 139 0000 2222", "139-0000-2222", "0000222", "周"} {
			got, err := db.ListCustomers(ctx, aftersales.CustomerFilter{Query: q})
			if err != nil || len(got) != 1 || got[0].ID != c.ID {
				t.Errorf("search %q: %d results, %v", q, len(got), err)
			}
		}
		if got, _ := db.ListCustomers(ctx, aftersales.CustomerFilter{Phone: "0086 13900002222"}); len(got) != 1 {
			t.Errorf("exact phone filter: %d", len(got))
		}
	})
}
