package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"aftersales"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web/webtest"
)

// TestMergeCard merges a duplicate from its page in both languages: the
// number typed is previewed (title, customer), another customer's ticket
// is refused (no confirm button, and a post names why), the merge lands on the ticket kept with a flash,
// the duplicate shows a banner linking there, and a technician has no
// card and is refused.
func TestMergeCard(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		app := webtest.Start(t, db)
		li := testutil.MustCustomer(t, app.Ctx, db, "李明")
		wang := testutil.MustCustomer(t, app.Ctx, db, "王五")
		for _, tc := range []struct{ lang, preview, flash, banner, refused string }{
			{"zh-CN", "合并到", "已合并到本工单。", "已合并到", "合并后双方会看到对方的消息和附件"},
			{"en", "Merge ", "was merged into this ticket.", "Merged into", "each would see the other"},
		} {
			t.Run(tc.lang, func(t *testing.T) {
				keep := testutil.MustTicket(t, app.Ctx, db, li.ID, "洗衣机漏水 "+tc.lang)
				dup := testutil.MustTicket(t, app.Ctx, db, li.ID, "洗衣机还在漏水 "+tc.lang)
				theirs := testutil.MustTicket(t, app.Ctx, db, wang.ID, "别人的 "+tc.lang)
				b := newBrowser(t, app, tc.lang)
				b.login(app.Admin.Email, "admin-password-1")

				s, body := b.get(fmt.Sprintf("/tickets/%d?merge_into=%s", dup.ID, strings.ToLower(keep.Number)))
				if s != 200 || !strings.Contains(body, `id="merge-preview"`) || !strings.Contains(body, tc.preview) ||
					!strings.Contains(body, keep.Title) || !strings.Contains(body, `id="merge-target-customer">李明<`) {
					t.Fatalf("preview: %d %s", s, mergeExcerpt(body, "merge"))
				}
				if _, body := b.get(fmt.Sprintf("/tickets/%d?merge_into=AS209901-000009", dup.ID)); !strings.Contains(body, `id="merge-into"`) ||
					!strings.Contains(body, map[string]string{"zh-CN": "不是您可查看的工单", "en": "is no ticket you can see"}[tc.lang]) {
					t.Errorf("unknown number: %s", mergeExcerpt(body, "merge"))
				}
				// Another customer's ticket: previewed with why it cannot be
				// merged and no confirm button; a post anyway is refused.
				if _, body := b.get(fmt.Sprintf("/tickets/%d?merge_into=%s", dup.ID, theirs.Number)); !strings.Contains(body, `id="merge-other"`) ||
					strings.Contains(body, `id="merge-confirm"`) {
					t.Errorf("another customer's ticket offered for a merge: %s", mergeExcerpt(body, "merge"))
				}
				s, body, _ = b.post(fmt.Sprintf("/tickets/%d/merge", dup.ID), url.Values{"into": {theirs.Number}, "version": {"1"}})
				if s != 422 || !strings.Contains(body, tc.refused) || !strings.Contains(body, `id="merge-other"`) {
					t.Errorf("other customer: %d %s", s, mergeExcerpt(body, "flash"))
				}

				s, _, h := b.post(fmt.Sprintf("/tickets/%d/merge", dup.ID), url.Values{"into": {keep.Number}, "version": {"1"}, "note": {"同一故障"}})
				want := fmt.Sprintf("/tickets/%d?ok=merged&from=%s", keep.ID, dup.Number)
				if s != 303 || h.Get("Location") != want {
					t.Fatalf("merge: %d %q, want 303 to %s", s, h.Get("Location"), want)
				}
				_, body = b.get(want)
				if !strings.Contains(body, dup.Number+" "+tc.flash) && !strings.Contains(body, dup.Number+tc.flash) {
					t.Errorf("no flash %q on the ticket kept: %s", tc.flash, mergeExcerpt(body, "flash"))
				}
				if !strings.Contains(body, `class="merge-event"`) {
					t.Errorf("the ticket kept's timeline has no merge entry")
				}
				_, body = b.get(fmt.Sprintf("/tickets/%d", dup.ID))
				if !strings.Contains(body, `id="merged-banner"`) || !strings.Contains(body, tc.banner) ||
					!strings.Contains(body, fmt.Sprintf(`href="/tickets/%d" id="merged-link">%s<`, keep.ID, keep.Number)) || strings.Contains(body, `id="merge-find"`) {
					t.Errorf("duplicate's page: %s", mergeExcerpt(body, "merged"))
				}
			})
		}

		t.Run("technician", func(t *testing.T) {
			tech := testutil.MustUser(t, app.Ctx, db, "tech-merge@acme.cn", aftersales.RoleTechnician, nil)
			keep := testutil.MustTicket(t, app.Ctx, db, li.ID, "保留")
			in := testutil.TicketInput(li.ID, "重复")
			in.AssigneeID = &tech.ID
			dup, err := db.CreateTicket(app.Ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, app, "zh-CN")
			b.login(tech.Email, "password-123456")
			if s, body := b.get(fmt.Sprintf("/tickets/%d", dup.ID)); s != 200 || strings.Contains(body, `id="merge"`) {
				t.Errorf("technician's page: %d, merge card shown: %v", s, strings.Contains(body, `id="merge"`))
			}
			if s, _, _ := b.post(fmt.Sprintf("/tickets/%d/merge", dup.ID), url.Values{"into": {keep.Number}, "version": {"1"}}); s != 403 {
				t.Errorf("technician's merge: %d, want 403", s)
			}
		})
	})
}

// mergeExcerpt is the page around the first mention of word, for failures.
func mergeExcerpt(body, word string) string {
	i := strings.Index(body, word)
	if i < 0 {
		return "(no " + word + " in the page)"
	}
	return body[max(0, i-200):min(len(body), i+600)]
}
