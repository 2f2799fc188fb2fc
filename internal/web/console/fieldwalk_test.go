package console_test

import (
	"fmt"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestConsoleCostTimelineKind: the timeline line of a cost names its kind
// in the page's language ("记录服务成本 备件 396.00 更换配件"), not the
// store's token ("parts"), when it is added and when it is voided.
func TestConsoleCostTimelineKind(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		ctx := app.Ctx
		cust := testutil.MustCustomer(t, ctx, db, "赵先生")
		tk := testutil.MustTicket(t, ctx, db, cust.ID, "冰箱不制冷")
		c, err := db.AddCost(ctx, tk.ID, aftersales.CostInput{Kind: aftersales.CostKind("parts"), Amount: 39600, Description: "更换配件"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.VoidCost(ctx, tk.ID, c.ID, "录错"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			lang      string
			want      []string
			forbidden string
		}{
			{"zh-CN", []string{"记录服务成本 备件 396.00 更换配件", "作废服务成本 备件 396.00 更换配件"}, "parts 396.00"},
			{"en", []string{"Parts 396.00 更换配件"}, "parts 396.00"},
		} {
			b := newBrowser(t, app, tc.lang)
			b.login("admin@example.com", "admin-password-1")
			s, body := b.get(fmt.Sprintf("/tickets/%d", tk.ID))
			if s != 200 {
				t.Fatalf("%s: ticket page %d", tc.lang, s)
			}
			tl := between(body, `id="timeline"`, "</ul>")
			for _, w := range tc.want {
				if !strings.Contains(tl, w) {
					t.Errorf("%s: the timeline lacks %q:\n%s", tc.lang, w, tl)
				}
			}
			if tc.forbidden != "" && strings.Contains(tl, tc.forbidden) {
				t.Errorf("%s: the timeline shows the raw cost kind %q:\n%s", tc.lang, tc.forbidden, tl)
			}
		}
	})
}
