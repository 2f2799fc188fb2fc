package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// ticketPath matches the operations that name a ticket, or a part of one,
// in their path.
var ticketPath = regexp.MustCompile(`^/(tickets|ticket-numbers|attachments)/\{`)

var digits = regexp.MustCompile(`[0-9]+`)

// TestEveryTicketOperationHidesOtherTeamsTickets walks every operation of
// the OpenAPI document that names a ticket (or one of its files) in its
// path, as a technician outside the ticket's team, with a request that is
// otherwise valid: each must answer exactly as it does for a ticket that
// does not exist (404, same problem), and change nothing. Visibility comes
// before permission, validation and state checks, so none of those can
// reveal a hidden ticket or its status.
func TestEveryTicketOperationHidesOtherTeamsTickets(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		base := app.Server.URL + "/api/v1"
		admin := &client{t: t, base: base, token: app.Token}

		teamA, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "a", Name: "一组"})
		if err != nil {
			t.Fatal(err)
		}
		teamB, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "b", Name: "二组"})
		if err != nil {
			t.Fatal(err)
		}
		owner := testutil.MustUser(t, ctx, db, "owner@example.com", aftersales.RoleTechnician, &teamA.ID)
		outsider := testutil.MustUser(t, ctx, db, "outsider@example.com", aftersales.RoleTechnician, &teamB.ID)
		tok, err := db.CreateToken(ctx, outsider.ID, "t")
		if err != nil {
			t.Fatal(err)
		}
		tech := &client{t: t, base: base, token: tok.Secret}

		// A resolved ticket of team A, with a cost line, a file and a
		// follow-up answer: every operation has something to act on.
		cust := testutil.MustCustomer(t, ctx, db, "张三")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		if tk, err = db.Assign(ctx, tk.ID, tk.Version, &teamA.ID, &owner.ID); err != nil {
			t.Fatal(err)
		}
		// A visit with parts reserved for it.
		at := time.Date(2026, 12, 1, 9, 0, 0, 0, db.Zone)
		visit, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: at, WindowEnd: at.Add(2 * time.Hour), DurationMin: 60,
			TechnicianID: &owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		part, err := db.CreatePart(ctx, aftersales.PartInput{Number: "P-1", NameZH: "压缩机"})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := db.CreateStockLocation(ctx, aftersales.StockLocationInput{Kind: aftersales.LocationWarehouse, Code: "wh", Name: "仓库"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveStock(ctx, aftersales.StockMoveInput{Kind: aftersales.MoveReceipt, PartID: part.ID, LocationID: wh.ID, Qty: 3}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Reserve(ctx, tk.ID, aftersales.ReservationInput{PartID: part.ID, LocationID: wh.ID, VisitID: &visit.ID, Qty: 1})
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = db.FindTicket(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已处理"}); err != nil {
				t.Fatal(err)
			}
		}
		cost, err := db.AddCost(ctx, tk.ID, aftersales.CostInput{Kind: aftersales.CostLabour, Amount: 5000})
		if err != nil {
			t.Fatal(err)
		}
		att, err := app.Files.Attach(ctx, db, tk.ID, strings.NewReader("hello"), "note.txt", db.Now())
		if err != nil {
			t.Fatal(err)
		}
		five := 5
		if err := db.RecordFeedback(ctx, &aftersales.Feedback{TicketID: tk.ID, CSAT: &five}); err != nil {
			t.Fatal(err)
		}
		if r := tech.do("GET", fmt.Sprintf("/tickets/%d", tk.ID), nil); r.Status != 404 {
			t.Fatalf("the outsider sees the ticket: %d %s", r.Status, r.Raw)
		}

		hidden := map[string]string{"id": fmt.Sprint(tk.ID), "number": tk.Number, "cost": fmt.Sprint(cost.ID),
			"visit": fmt.Sprint(visit.ID), "reservation": fmt.Sprint(res.ID), "field": "nature",
			"If-Match": fmt.Sprintf(`"%d"`, tk.Version)}
		missing := map[string]string{"id": "987654", "number": "AS209901-987654", "cost": fmt.Sprint(cost.ID),
			"visit": fmt.Sprint(visit.ID), "reservation": fmt.Sprint(res.ID), "field": "nature",
			"If-Match": fmt.Sprintf(`"%d"`, tk.Version)}
		before := snapshot(admin, tk.ID)
		n := 0
		for _, op := range operations(t, base) {
			if !ticketPath.MatchString(op.Path) {
				continue
			}
			n++
			t.Run(op.ID, func(t *testing.T) {
				h, m := hidden, missing
				if strings.HasPrefix(op.Path, "/attachments/") {
					h, m = with(hidden, "id", fmt.Sprint(att.ID)), with(missing, "id", "987655")
				}
				got := send(t, tech, op.request(t, base, h))
				want := send(t, tech, op.request(t, base, m))
				if got.Status != http.StatusNotFound {
					t.Errorf("%s %s on another team's ticket: %d %s", op.Method, op.Path, got.Status, got.Raw)
				}
				g, w := digits.ReplaceAllString(string(got.Raw), "N"), digits.ReplaceAllString(string(want.Raw), "N")
				if got.Status != want.Status || g != w {
					t.Errorf("%s %s tells a hidden ticket from a missing one:\nhidden  %d %s\nmissing %d %s", op.Method, op.Path, got.Status, g, want.Status, w)
				}
			})
		}
		if n < 15 {
			t.Fatalf("only %d ticket operations in the document", n)
		}
		if after := snapshot(admin, tk.ID); after != before {
			t.Errorf("refused requests changed the ticket:\nbefore %s\nafter  %s", before, after)
		}

		// The finding of issue #16, spelled out: the outsider could
		// overwrite the follow-up answer of a ticket they cannot see.
		r := tech.do("PUT", fmt.Sprintf("/tickets/%d/feedback", tk.ID), map[string]any{"csat": 1, "nps": 0})
		if r.Status != 404 {
			t.Errorf("feedback on another team's ticket: %d %s", r.Status, r.Raw)
		}
	})
}

// snapshot is what an administrator reads of a ticket and its parts,
// with the audit trail: a refused request must change none of it.
func snapshot(c *client, id int64) string {
	var b strings.Builder
	for _, p := range []string{"/tickets/%d", "/tickets/%d/timeline", "/tickets/%d/costs", "/tickets/%d/attachments",
		"/tickets/%d/visits", "/tickets/%d/reservations",
		"/audit?entity=ticket&entity_id=%d"} {
		r := c.do("GET", fmt.Sprintf(p, id), nil)
		fmt.Fprintf(&b, "%d %s\n", r.Status, r.Raw)
	}
	return b.String()
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// send sends req with the client's token.
func send(t *testing.T, c *client, req *http.Request) resp {
	t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Raw: bytes.TrimSpace(raw)}
}
