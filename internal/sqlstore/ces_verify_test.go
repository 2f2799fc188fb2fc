package sqlstore_test

import (
	"context"
	"math"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// cesAnswers records the effort answers of TestVerifyCES (30 in the
// before window, 32 in the after one), brings the rollups up to date and
// returns an administrator's context on 1 December.
func cesAnswers(t *testing.T, db *sqlstore.DB) context.Context {
	t.Helper()
	clock := NewClock(time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC))
	db.Now = clock.Now
	ctx, _ := Admin(t, db)
	set, err := db.SurveySettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Enabled, set.TemplateCode = true, "ces"
	if _, err := db.UpdateSurveySettings(ctx, set.Version, *set); err != nil {
		t.Fatal(err)
	}
	c := MustCustomer(t, ctx, db, "费力度客户")
	answered := func(day, score int) {
		t.Helper()
		clock.Advance(time.Date(2026, 11, day, 10, 0, 0, 0, db.Zone).Sub(clock.Now()) + time.Minute)
		tk := MustTicket(t, ctx, db, c.ID, "维修")
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
			if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Version: tk.Version, Reason: "已修复"}); err != nil {
				t.Fatal(err)
			}
		}
		link, err := db.SurveyLink(ctx, tk.ID, "sms")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerSurvey(context.Background(), link.Token, aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{aftersales.SurveyCES: score}}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, g := range []struct{ first, count, score int }{
		{2, 10, 3}, {2, 10, 4}, {2, 10, 5}, {16, 8, 2}, {16, 12, 3}, {16, 8, 4}, {16, 4, 6},
	} {
		for range g.count {
			answered(g.first+n%10, g.score)
			n++
		}
	}
	clock.Advance(time.Date(2026, 12, 1, 9, 0, 0, 0, db.Zone).Sub(clock.Now()))
	catchUp(t, ctx, db)
	return ctx
}

// TestVerifyCES verifies an improvement item on ces_mean from customers'
// effort answers, as csat_mean is: Welch's t on the answers of the
// tickets resolved in each window (the values of analytics'
// TestCESVerification). Before this, CreateItem and Verify refused the
// KPI ("ces_mean is a count").
//
//	before (2-13 Nov): 10 × 3, 10 × 4, 10 × 5       mean 4
//	after (16-27 Nov): 8 × 2, 12 × 3, 8 × 4, 4 × 6  mean 3.375
func TestVerifyCES(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := cesAnswers(t, db)
		it, err := db.CreateItem(ctx, aftersales.ItemInput{Title: "降低客户费力度", KPI: "ces_mean"})
		if err != nil {
			t.Fatalf("an item on ces_mean: %v", err)
		}
		v, err := db.Verify(ctx, it.ID, aftersales.VerifyInput{BeforeFrom: "2026-11-02", BeforeTo: "2026-11-16", AfterFrom: "2026-11-16", AfterTo: "2026-11-30"})
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if v.Test.Method != "Welch t" || v.Test.N1 != 30 || v.Test.N2 != 32 || v.Before == nil || *v.Before != 4 || v.After == nil || *v.After != 3.375 ||
			math.Abs(float64(v.Test.Estimate)+0.625) > 1e-12 || math.Abs(float64(v.Test.Stat)+2.3477075126313176) > 1e-9 ||
			math.Abs(float64(v.Test.P)-0.0225497268359995) > 1e-9 {
			t.Errorf("test %+v before %v after %v; want Welch t = -2.347708 (p = 0.022550) on 32 answers after and 30 before, 4 → 3.375", v.Test, v.Before, v.After)
		}
		if v.Verdict != aftersales.VerdictEffective || !v.Supported {
			t.Errorf("verdict %s (%s): %s", v.Verdict, v.ReasonCode, v.Reason)
		}
	})
}
