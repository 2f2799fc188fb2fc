package console_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestQualityLinks follows the quality pages' links: every improvement
// item on the alerts page opens its item, a rule that opened an item
// links to it, and the data-quality page draws its trend and sends
// uploads to /imports rather than to the command line.
func TestQualityLinks(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	app := webtest.Start(t, db)
	if _, err := demo.Load(app.Ctx, db.Services(), db, demo.Options{Seed: 1, Tickets: 300, End: time.Now(), Zone: testutil.Shanghai(t)}); err != nil {
		t.Fatal(err)
	}
	// A rule every month of the demo breaches opens an item.
	limit := 100.0
	if err := db.SaveAlertRule(app.Ctx, &aftersales.AlertRule{KPI: "fcr", Grain: aftersales.GrainMonth, Threshold: &limit, Active: true}); err != nil {
		t.Fatal(err)
	}
	// A rule scoped to a region, shown by the region's name.
	units, err := db.ListServiceUnits(app.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	var region *aftersales.ServiceUnit
	for _, u := range units {
		if u.Kind == aftersales.UnitRegion {
			region = u
			break
		}
	}
	if region == nil {
		t.Fatal("the demo has no region")
	}
	if err := db.SaveAlertRule(app.Ctx, &aftersales.AlertRule{KPI: "fcr", Grain: aftersales.GrainMonth, Threshold: &limit, Active: true,
		Dim: aftersales.DimRegion, Value: fmt.Sprint(region.ID)}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.EvaluateAlerts(app.Ctx); err != nil || n == 0 {
		t.Fatalf("evaluate alerts: %d, %v", n, err)
	}
	items, err := db.ImprovementItems(app.Ctx, aftersales.ItemFilter{})
	if err != nil || len(items) == 0 {
		t.Fatalf("demo items: %d, %v", len(items), err)
	}
	ruled := 0
	for _, lang := range []string{"zh-CN", "en"} {
		b := newBrowser(t, app, lang)
		b.login("admin@example.com", "admin-password-1")
		s, body := b.get("/quality/alerts")
		if s != 200 {
			t.Fatalf("%s alerts: %d", lang, s)
		}
		colon := map[string]string{"zh-CN": "：", "en": ": "}[lang]
		if !strings.Contains(body, colon+region.LocalName(lang)+"</td>") || regexp.MustCompile(`(区域|Region) `+fmt.Sprint(region.ID)+`\b`).MatchString(body) {
			t.Errorf("%s: the region-scoped rule does not name its region %q", lang, region.LocalName(lang))
		}
		for _, it := range items {
			if !strings.Contains(body, fmt.Sprintf(`<a href="/quality/items/%d" data-item="%s">`, it.ID, it.Number)) {
				t.Errorf("%s: item %s is not linked", lang, it.Number)
			}
			if it.RuleID != nil {
				ruled++
				if !strings.Contains(body, fmt.Sprintf(`<a href="/quality/items/%d" data-rule-item=`, it.ID)) &&
					!regexp.MustCompile(`data-rule-item="`+regexp.QuoteMeta(it.Number)).MatchString(body) {
					// Only a rule's latest item is linked from the rule.
					latest := true
					for _, o := range items {
						if o.RuleID != nil && *o.RuleID == *it.RuleID && o.ID > it.ID {
							latest = false
						}
					}
					if latest {
						t.Errorf("%s: rule %d does not link its item %s", lang, *it.RuleID, it.Number)
					}
				}
			}
		}
		// Items the alerts opened are titled in the page's language, by names.
		_, board := b.get("/quality/items")
		wantTitle := map[string]string{"zh-CN": "一次解决率 超出控制界限：", "en": "out of bounds: "}[lang]
		if !strings.Contains(board, wantTitle) || (lang == "zh-CN" && strings.Contains(board, "out of bounds for")) {
			t.Errorf("%s: the board does not title alert items in the page's language", lang)
		}
		s, body = b.get("/data-quality")
		if s != 200 {
			t.Fatalf("%s data quality: %d", lang, s)
		}
		for _, want := range []string{`id="chart-dq-trend"`, `<script type="application/json" id="c-dq-trend">`, `vendor/echarts-`, `<a href="/imports" id="import-link">`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: data-quality page lacks %s", lang, want)
			}
		}
		for _, cli := range []string{"aftersales import", "命令"} {
			if strings.Contains(body, cli) {
				t.Errorf("%s: data-quality page still sends people to the command line (%q)", lang, cli)
			}
		}
	}
	if ruled == 0 {
		t.Error("the demo data has no item opened by an alert rule: the rule links went untested")
	}
}
