package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// technicianMay lists the operations a technician, the least-privileged
// role, may use. Each other operation must answer 403 to a technician,
// whatever the request holds; an operation added to the API must be
// placed here or refused.
var technicianMay = []string{
	// their own tickets and what hangs on them
	"list-tickets", "get-ticket", "get-ticket-by-number", "comment-ticket", "transition-ticket", "ticket-timeline",
	"list-attachments", "upload-attachment", "download-attachment", "ticket-sla", "route-dry-run", "record-feedback",
	"list-ticket-costs", "add-ticket-cost", "get-survey-link", "get-complaint", "list-complaint-targets",
	// customers and their units, read only
	"list-customers", "get-customer", "list-tiers", "list-assets", "get-asset",
	// reference data and settings, read only
	"list-categories", "list-products", "list-service-units", "list-departments", "list-teams", "list-users", "get-user",
	"list-custom-fields", "list-calendars", "list-sla-policies", "list-routing-rules", "list-automations",
	// the improvement loop: read, search, comment
	"list-improvement-items", "get-improvement-item", "comment-improvement-item", "list-root-cause-codes",
	"root-cause-pareto", "search-cases",
	// themselves
	"me", "list-tokens", "create-token", "list-notifications", "read-notification",
	// spare parts: read the catalog and stock, move and reserve parts
	"list-parts", "get-part", "list-stock-locations", "list-stock", "export-stock", "list-stock-movements",
	"export-stock-movements", "move-stock", "list-reservations", "reserve-parts", "release-reservation", "consume-reservation",
	// visits: read, offers, and the steps of their own visits
	"list-visits", "get-visit", "visit-history", "visit-report", "booking-offers", "visit-en-route", "check-in-visit", "complete-visit",
	"list-technicians", "get-technician", "technician-day",
	// dispatch: where they are now
	"report-position",
	// text classification: their tickets' suggestions, the models and thresholds, read only
	"list-ticket-suggestions", "list-text-models", "get-text-model", "get-suggestion-thresholds", "list-sentiment-models",
	// the knowledge base: read, search, give feedback (technicians read articles on site)
	"list-kb-articles", "get-kb-article", "post-kb-article-feedback", "list-kb-article-versions", "search-kb", "get-kb-synonyms",
	"list-similar-tickets",
	// service standards they tick, and what the customer pays on their tickets (issue #19)
	"list-checklists", "get-checklist", "get-ticket-checklist", "get-ticket-billing",
	// what customers wrote on the tickets they may see (ticket visibility)
	"get-ticket-text", "get-top-terms", "get-rising-terms", "get-sentiment-trend",
	// the segment rules behind customer tiers, read only (issue #20)
	"list-segment-rules",
}

// TestTechnicianPermissions calls every operation of the OpenAPI document
// as a technician, on the technician's own ticket and on objects that
// exist, with requests the document accepts: the operations that answer
// 403 must be exactly those not in technicianMay.
func TestTechnicianPermissions(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	ctx := app.Ctx
	base := app.Server.URL + "/api/v1"
	team, err := db.CreateTeam(ctx, aftersales.TeamInput{Code: "a", Name: "一组"})
	if err != nil {
		t.Fatal(err)
	}
	tech := testutil.MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, &team.ID)
	tok, err := db.CreateToken(ctx, tech.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, base: base, token: tok.Secret}
	cust := testutil.MustCustomer(t, ctx, db, "张三")
	tk := testutil.MustTicket(t, ctx, db, cust.ID, "空调不制冷")
	if tk, err = db.Assign(ctx, tk.ID, tk.Version, &team.ID, &tech.ID); err != nil {
		t.Fatal(err)
	}
	// Someone else's cost line on it, an attachment, an improvement item
	// someone else owns, with a cause and an action, and the ids of
	// everything else that exists.
	cost, err := db.AddCost(ctx, tk.ID, aftersales.CostInput{Kind: aftersales.CostLabour, Amount: 5000})
	if err != nil {
		t.Fatal(err)
	}
	att, err := app.Files.Attach(ctx, db, tk.ID, strings.NewReader("hello"), "note.txt", db.Now())
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "返修率高", OwnerID: &app.Admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	cause := &aftersales.Cause{Category: "method", Text: "培训不足"}
	if err := db.SaveCause(ctx, it.ID, cause); err != nil {
		t.Fatal(err)
	}
	action, err := db.SaveAction(ctx, it.ID, 0, 0, aftersales.ActionInput{Description: "培训", OwnerID: app.Admin.ID, Due: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"/tickets/": fmt.Sprint(tk.ID), "/attachments/": fmt.Sprint(att.ID),
		"/quality/improvement-items/": fmt.Sprint(it.ID), "/users/": fmt.Sprint(app.Admin.ID), "/teams/": fmt.Sprint(team.ID),
		"/customers/": fmt.Sprint(cust.ID)}
	values := map[string]string{"number": tk.Number, "cost": fmt.Sprint(cost.ID), "kpi": "fcr", "action": fmt.Sprint(action.ID),
		"cause": fmt.Sprint(cause.ID), "code": "x", "severity": "minor", "month": "2026-01", "visit": "1", "reservation": "1", "lang": "en", "field": "nature",
		"If-Match": fmt.Sprintf(`"%d"`, tk.Version)}
	var forbidden, allowed []string
	for _, op := range operations(t, base) {
		v := with(values, "id", "1")
		for prefix, id := range ids {
			if strings.HasPrefix(op.Path, prefix) {
				v["id"] = id
			}
		}
		r := send(t, c, op.request(t, base, v))
		if r.Status == http.StatusForbidden {
			forbidden = append(forbidden, op.ID)
		} else {
			allowed = append(allowed, op.ID)
		}
	}
	for _, id := range technicianMay {
		if slices.Contains(forbidden, id) {
			t.Errorf("%s: a technician may use it, but it answered 403", id)
		}
	}
	for _, id := range allowed {
		if !slices.Contains(technicianMay, id) {
			t.Errorf("%s: a technician got through (not 403); refuse it in its service method, or add it to technicianMay", id)
		}
	}
}
