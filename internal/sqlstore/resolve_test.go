package sqlstore_test

import (
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// Resolving needs a resolution note unless an administrator turned the
// rule off; the note lands on the timeline as the status change's body.
func TestResolutionNote(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		c := MustCustomer(t, ctx, db, "钱七")
		tk := MustTicket(t, ctx, db, c.ID, "咨询保修")
		tk, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		set, err := db.Settings(ctx)
		if err != nil || !set.ResolutionNoteRequired || set.Version != 1 {
			t.Fatalf("default settings = %+v, %v; want the note required", set, err)
		}
		for _, note := range []string{"", "   \n"} {
			_, err := db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Reason: note, Version: tk.Version})
			if aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["reason"] == "" {
				t.Fatalf("resolve with note %q: err = %v, want EINVALID naming reason", note, err)
			}
		}
		if got, _ := db.FindTicket(ctx, tk.ID); got.Status != aftersales.StatusAccepted || got.Version != tk.Version {
			t.Fatalf("a refused resolution changed the ticket: %+v", got)
		}
		tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Reason: " 电话告知保修一年 ", Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		events, _ := db.Timeline(ctx, tk.ID)
		last := events[len(events)-1]
		if last.Kind != aftersales.EventStatusChanged || last.To != "resolved" || last.Body != "电话告知保修一年" {
			t.Errorf("last event = %+v, want the resolution with its note", last)
		}

		// Turned off: resolving without a note is allowed again.
		if _, err := db.UpdateSettings(ctx, 7, aftersales.Settings{}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Fatalf("stale settings update err = %v", err)
		}
		set, err = db.UpdateSettings(ctx, set.Version, aftersales.Settings{ResolutionNoteRequired: false})
		if err != nil || set.ResolutionNoteRequired || set.Version != 2 || !set.UpdatedAt.Equal(clock.Now()) {
			t.Fatalf("settings after update = %+v, %v", set, err)
		}
		if es, _ := db.ListAudit(ctx, aftersales.AuditFilter{Entity: "settings"}); len(es) != 1 {
			t.Errorf("audit entries for settings = %d, want 1", len(es))
		}
		tk, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusAccepted, Reason: "客户再次来电", Version: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = db.Transition(ctx, tk.ID, aftersales.TransitionInput{To: aftersales.StatusResolved, Version: tk.Version}); err != nil {
			t.Fatalf("resolve without a note when not required: %v", err)
		}

		// Only an administrator changes settings.
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		tctx := aftersales.NewContextWithUser(ctx, tech)
		if _, err := db.Settings(tctx); err != nil {
			t.Errorf("a technician cannot read the settings: %v", err)
		}
		if _, err := db.UpdateSettings(tctx, set.Version, aftersales.Settings{ResolutionNoteRequired: true}); aftersales.ErrorCode(err) != aftersales.EFORBIDDEN {
			t.Errorf("technician update err = %v, want EFORBIDDEN", err)
		}
	})
}
