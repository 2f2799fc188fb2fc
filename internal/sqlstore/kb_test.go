package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func kbInput(slug, vis, zh, en string) aftersales.ArticleInput {
	return aftersales.ArticleInput{Slug: slug, Category: "washer", Visibility: aftersales.KBVisibility(vis), TitleZH: zh, TitleEN: en,
		BodyZH: zh + "：先检查排水管。", BodyEN: en + ": check the drain hose first.", Tags: []string{"洗衣机"}}
}

// TestKnowledgeBase covers the articles' versions, visibility, search
// kept current on save, synonyms, feedback, searches without result and
// deflection, on both engines.
func TestKnowledgeBase(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, admin := Admin(t, db)
		public := context.Background()

		// Validation names every bad field at once.
		_, err := db.CreateArticle(ctx, aftersales.ArticleInput{Slug: "Bad Slug", Category: "car", Visibility: "secret"})
		want := []string{"body_en", "body_zh", "category", "slug", "title_en", "title_zh", "visibility"}
		if got := fieldNames(err); !cmp.Equal(got, want) {
			t.Fatalf("invalid article: fields %v, want %v", got, want)
		}
		leak, err := db.CreateArticle(ctx, kbInput("washer-leak", "public", "洗衣机底部漏水", "Washer leaks underneath"))
		if err != nil {
			t.Fatal(err)
		}
		internal, err := db.CreateArticle(ctx, kbInput("fee", "internal", "上门费规则", "Visit fee rules"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateArticle(ctx, kbInput("washer-leak", "public", "重复", "Duplicate")); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("duplicate slug: %v, want ECONFLICT", err)
		}
		// A public reader sees public articles only.
		if _, err := db.Article(public, internal.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Fatalf("internal article without login: %v, want ENOTFOUND", err)
		}
		if _, err := db.Article(public, leak.ID); err != nil {
			t.Fatalf("public article without login: %v", err)
		}

		search := func(c context.Context, q string, log bool) []string {
			t.Helper()
			hits, err := db.SearchKB(c, aftersales.KBQuery{Text: q, Lang: "en", Log: log})
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, h := range hits {
				out = append(out, fmt.Sprintf("%s:%s", h.Kind, h.Title))
			}
			return out
		}
		if got := search(ctx, "上门费", false); !cmp.Equal(got, []string{"article:Visit fee rules"}) {
			t.Errorf("staff search: %v", got)
		}
		if got := search(public, "上门费", true); len(got) != 0 {
			t.Errorf("public search found an internal article: %v", got)
		}

		// Editing adds a version; the index follows the save.
		clock.Advance(time.Minute)
		in := kbInput("washer-leak", "public", "洗衣机门封漏水", "Washer door seal leaks")
		if _, err := db.UpdateArticle(ctx, leak.ID, 2, in); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale version: %v, want ECONFLICT", err)
		}
		upd, err := db.UpdateArticle(ctx, leak.ID, 1, in)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Version != 2 || upd.AuthorID != admin.ID {
			t.Fatalf("updated: version %d author %d", upd.Version, upd.AuthorID)
		}
		vs, err := db.ArticleVersions(ctx, leak.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].TitleZH != "洗衣机门封漏水" || vs[1].TitleZH != "洗衣机底部漏水" || vs[1].Author == "" {
			t.Fatalf("versions: %+v", vs)
		}
		if got := search(ctx, "门封", false); !cmp.Equal(got, []string{"article:Washer door seal leaks"}) {
			t.Errorf("after the edit: %v", got)
		}

		// Synonyms: "dripping" finds 漏水 once the group says so.
		if got := search(public, "滴水", true); len(got) != 0 {
			t.Errorf("before synonyms: %v", got)
		}
		if err := db.SetSynonyms(ctx, "only-one"); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Fatalf("malformed synonyms: %v", err)
		}
		if err := db.SetSynonyms(ctx, "漏水, 滴水, dripping"); err != nil {
			t.Fatal(err)
		}
		if got := search(public, "滴水", true); !cmp.Equal(got, []string{"article:Washer door seal leaks"}) {
			t.Errorf("with synonyms: %v", got)
		}

		// Feedback and deflection.
		if err := db.ArticleFeedback(public, leak.ID, aftersales.KBFeedbackInput{Helpful: false, Reason: "unclear", Comment: "看不懂"}); err != nil {
			t.Fatal(err)
		}
		if err := db.ArticleFeedback(public, leak.ID, aftersales.KBFeedbackInput{Helpful: true, Reason: "nonsense"}); aftersales.ErrorCode(err) != aftersales.EINVALID {
			t.Fatalf("bad reason: %v", err)
		}
		if err := db.ArticleFeedback(public, internal.ID, aftersales.KBFeedbackInput{Helpful: true}); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Fatalf("feedback on an internal article without login: %v", err)
		}
		ev := func(s string, id int64, e string) {
			t.Helper()
			if err := db.RecordDeflection(public, s, id, e); err != nil {
				t.Fatal(err)
			}
		}
		ev("s1", leak.ID, "open")
		ev("s1", leak.ID, "open") // twice counts once
		ev("s1", leak.ID, "solved")
		ev("s2", leak.ID, "open") // left without sending
		ev("s3", leak.ID, "open")
		ev("s3", 0, "submit") // sent the ticket anyway
		ev("s4", 0, "submit") // never met a suggestion
		clock.Advance(2 * time.Hour)
		rep, err := db.KBReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (aftersales.KBDeflection{Sessions: 3, Solved: 1, Left: 1, Deflected: 2, Submitted: 1}); rep.Deflection != want {
			t.Errorf("deflection %+v, want %+v", rep.Deflection, want)
		}
		missed := map[string]int{}
		for _, m := range rep.Missed {
			missed[m.Query] = m.Count
		}
		if !cmp.Equal(missed, map[string]int{"上门费": 1, "滴水": 1}) {
			t.Errorf("missed searches: %v", missed)
		}
		if len(rep.Feedback) != 1 || rep.Feedback[0].Helpful || rep.Feedback[0].Reason != "unclear" {
			t.Errorf("feedback: %+v", rep.Feedback)
		}
		a, err := db.Article(ctx, leak.ID)
		if err != nil || a.Unhelpful != 1 || a.Helpful != 0 {
			t.Errorf("counts: %+v %v", a, err)
		}
	})
}

// TestSimilarTickets ranks solved tickets by their text's likeness and
// carries each one's latest resolution note.
func TestSimilarTickets(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "相似")
		solve := func(title, note string) *aftersales.Ticket {
			t.Helper()
			tk := MustTicket(t, ctx, db, c.ID, title)
			var err error
			for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved} {
				if tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: to, Reason: note, Version: tk.Version}); err != nil {
					t.Fatal(err)
				}
			}
			return tk
		}
		washer := solve("洗衣机底部漏水", "更换进水管密封圈")
		solve("空调不制冷", "补充冷媒")
		MustTicket(t, ctx, db, c.ID, "洗衣机漏水 unsolved") // open: never a suggestion
		now := MustTicket(t, ctx, db, c.ID, "滚筒洗衣机漏水了")
		got, err := db.SimilarTickets(ctx, now.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].ID != washer.ID || got[0].Resolution != "更换进水管密封圈" {
			t.Fatalf("similar: %+v, want the washer ticket first with its note", got)
		}
		for _, s := range got {
			if s.Title == "洗衣机漏水 unsolved" {
				t.Errorf("an open ticket was suggested: %+v", s)
			}
		}
	})
}
