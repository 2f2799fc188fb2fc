package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/analytics"
	"aftersales/internal/demo"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

// TestRebuildLetsWritesThrough: while a rollup rebuild's transaction is
// open (held after it read the tickets), an update of a ticket that was
// waiting for the rollups commits without waiting for the rebuild, stays
// queued, and the next refresh folds it in: the rollups then equal the
// tickets. On SQLite every write waits for the one writer, so the check
// is PostgreSQL's; there it waited for the whole rebuild (tens of seconds
// after serve --demo) while the rebuild deleted the queue's marks in its
// own transaction.
func TestRebuildLetsWritesThrough(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("SQLite has one writer: every write waits for the open transaction")
		}
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "客户")
		tk := MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		MustTicket(t, ctx, db, cust.ID, "洗衣机漏水")
		if lag, err := db.RollupLag(ctx); err != nil || lag.Pending != 2 {
			t.Fatalf("lag %+v, %v; want 2 pending", lag, err)
		}
		var updErr error
		held := 0
		db.HoldRebuildForTest(func() {
			held++
			// Bounded only so that the old behaviour fails instead of
			// hanging: the update waited for this transaction's commit.
			uctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			_, updErr = db.UpdateTicket(uctx, tk.ID, tk.Version, aftersales.TicketInput{Urgency: Ptr(aftersales.UrgencyUrgent)})
		})
		if _, err := db.RecomputeRollups(ctx, true); err != nil {
			t.Fatal(err)
		}
		db.HoldRebuildForTest(nil)
		if held != 1 {
			t.Fatalf("the rebuild ran the hold %d times, want 1", held)
		}
		if updErr != nil {
			t.Fatalf("update during the rebuild: %v", updErr)
		}
		if lag, err := db.RollupLag(ctx); err != nil || lag.Pending != 1 {
			t.Fatalf("after the rebuild: lag %+v, %v; want the updated ticket pending", lag, err)
		}
		if n, err := db.RefreshRollups(ctx, 100); err != nil || n != 1 {
			t.Fatalf("refresh folded %d, %v; want 1", n, err)
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if check.Differences != 0 {
			t.Fatalf("rollups differ from the tickets: %+v", check.Mismatches)
		}
	})
}

// TestRebuildReadsBesideWriter: while a rollup rebuild reads the tickets
// (held after it read them, before it stores anything), a ticket create
// through the store commits, and so does a writer transaction that takes
// the rollups' lock (as a delta refresh and the rebuild's own writes do);
// the new ticket stays queued and the next refresh folds it in, so the
// rollups then equal the tickets, also when the rebuild writes its rows
// in several transactions. On SQLite the rebuild read inside the one
// writer's transaction, and the create waited for it (seconds on the
// demo): it hit its deadline here. On PostgreSQL it read inside one
// writer transaction holding the rollups' lock, which the locking
// transaction waited for.
func TestRebuildReadsBesideWriter(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "客户")
		MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		MustTicket(t, ctx, db, cust.ID, "洗衣机漏水")
		db.RebuildBatchForTest(1) // several writer transactions
		var createErr error
		held := 0
		db.HoldRebuildForTest(func() {
			held++
			// Bounded only so that the old behaviour fails instead of
			// hanging: the create waited for the rebuild's transaction.
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_, createErr = db.CreateTicket(cctx, TicketInput(cust.ID, "冰箱不制冷"))
			if createErr == nil {
				createErr = db.LockRollupsForTest(cctx)
			}
		})
		if _, err := db.RecomputeRollups(ctx, true); err != nil {
			t.Fatal(err)
		}
		db.HoldRebuildForTest(nil)
		if held != 1 {
			t.Fatalf("the rebuild ran the hold %d times, want 1", held)
		}
		if createErr != nil {
			t.Fatalf("create or rollups' lock during the rebuild: %v", createErr)
		}
		if lag, err := db.RollupLag(ctx); err != nil || lag.Pending != 1 {
			t.Fatalf("after the rebuild: lag %+v, %v; want the new ticket pending", lag, err)
		}
		if n, err := db.RefreshRollups(ctx, 100); err != nil || n < 1 {
			t.Fatalf("refresh folded %d, %v; want the new ticket", n, err)
		}
		check, err := db.RecomputeRollups(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if check.Differences != 0 || check.Tickets != 3 {
			t.Fatalf("rollups differ from the tickets (%d tickets): %+v", check.Tickets, check.Mismatches)
		}
	})
}

// TestRefreshKeepsMarkOfOpenWrite: a write of an already dirty ticket
// that is still open while a refresh folds the ticket in keeps it queued,
// so its change reaches the rollups with the next refresh. With the marks
// set by ON CONFLICT DO NOTHING the refresh read the ticket before the
// write committed and deleted its mark: the change was lost until the
// daily recompute (the check below found the rollups different); the
// same with a rebuild's hold instead of a refresh. On SQLite a refresh is
// one transaction of the one writer, so no write can be open beside it.
func TestRefreshKeepsMarkOfOpenWrite(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != sqlstore.Postgres {
			t.Skip("SQLite has one writer: no write is open beside a refresh")
		}
		ctx, _ := Admin(t, db)
		cust := MustCustomer(t, ctx, db, "客户")
		for _, tc := range []struct {
			name    string
			refresh func(ctx context.Context) error
		}{
			{"delta", func(ctx context.Context) error { _, err := db.RefreshRollups(ctx, 100); return err }},
			{"rebuild", func(ctx context.Context) error { _, err := db.RecomputeRollups(ctx, true); return err }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tk := MustTicket(t, ctx, db, cust.ID, "空调不制冷")
				// The open write changes a dimension of the already
				// marked ticket.
				commit, err := db.OpenWriteForTest(ctx, `UPDATE tickets SET urgency = 'urgent', urgency_rank = 4 WHERE id = $1`, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.refresh(ctx); err != nil {
					t.Fatal(err)
				}
				if err := commit(); err != nil {
					t.Fatal(err)
				}
				check, err := db.RecomputeRollups(ctx, false)
				if err != nil {
					t.Fatal(err)
				}
				if check.Differences != 0 {
					t.Fatalf("the open write's change was lost: %d differences: %v", check.Differences, check.Mismatches)
				}
			})
		}
	})
}

// TestRebuildTwoInstances: two instances rebuild and refresh the rollups
// at once, one of them while the other's rebuild reads, with tickets
// created meanwhile: nothing is applied twice or lost, and once both
// caught up the rollups equal the tickets. On PostgreSQL the second
// rebuild waits for the first (the rebuild lock) and then finds nothing
// held; on SQLite the rollup generation sends one of them into the
// writer.
func TestRebuildTwoInstances(t *testing.T) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
			a, b := twoInstances(t, e, clock)
			ctx, _ := Admin(t, a)
			cust := MustCustomer(t, ctx, a, "客户")
			for _, title := range []string{"空调不制冷", "洗衣机漏水", "冰箱不制冷"} {
				MustTicket(t, ctx, a, cust.ID, title)
			}
			a.RebuildBatchForTest(1)
			b.RebuildBatchForTest(1)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			held := 0
			a.HoldRebuildForTest(func() {
				held++
				if held > 1 {
					return
				}
				wg.Go(func() { _, errs[0] = b.RecomputeRollups(ctx, true) })
				wg.Go(func() {
					for range 3 {
						if _, err := b.CreateTicket(ctx, TicketInput(cust.ID, "热水器不加热")); err != nil {
							errs[1] = err
							return
						}
						if _, err := b.RefreshRollups(ctx, 100); err != nil {
							errs[1] = err
							return
						}
					}
				})
				_, errs[2] = a.CreateTicket(ctx, TicketInput(cust.ID, "电视无信号"))
			})
			if _, err := a.RecomputeRollups(ctx, true); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			a.HoldRebuildForTest(nil)
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, db := range []*sqlstore.DB{a, b} {
				if _, err := db.RefreshRollups(ctx, 100); err != nil {
					t.Fatal(err)
				}
			}
			check, err := b.RecomputeRollups(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			if check.Differences != 0 || check.Tickets != 7 {
				t.Fatalf("rollups differ from the tickets (%d tickets): %+v", check.Tickets, check.Mismatches)
			}
			if n := a.CountForTest(ctx, `SELECT COUNT(*) FROM kpi_facts`); n != 7 {
				t.Fatalf("%d facts, want one for each of the 7 tickets", n)
			}
		})
	}
}

// TestRollupCheckBesideWriter: the daily rollup check (RecomputeRollups
// without repair) reads one snapshot beside the writer. While it reads
// (held after it compared), a ticket create commits, and on PostgreSQL a
// writer transaction taking the rollups' lock; before, the check read
// inside a writer transaction (SQLite's one writer, PostgreSQL's rollups'
// lock) and both waited for it. And the check is exact while changes
// wait for the rollup job: tickets created or changed and a visit booked
// since the last refresh count as the rollups hold them, so the check
// finds no difference; a real one it finds.
func TestRollupCheckBesideWriter(t *testing.T) {
	end := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(end)
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		if _, err := demo.Load(ctx, db.Services(), db, demo.Options{Seed: 5, Tickets: 300, End: end, Zone: db.Zone}); err != nil {
			t.Fatal(err)
		}
		cust := MustCustomer(t, ctx, db, "客户")
		tk := MustTicket(t, ctx, db, cust.ID, "空调不制冷")
		catchUp(t, ctx, db)
		// Changes waiting for the rollup job: a changed ticket, a new
		// one, a visit booked for a technician.
		if _, err := db.UpdateTicket(ctx, tk.ID, tk.Version, aftersales.TicketInput{Urgency: Ptr(aftersales.UrgencyUrgent)}); err != nil {
			t.Fatal(err)
		}
		tk2 := MustTicket(t, ctx, db, cust.ID, "洗衣机漏水")
		techs, err := db.ListTechnicians(ctx)
		if err != nil || len(techs) == 0 {
			t.Fatalf("technicians: %d, %v", len(techs), err)
		}
		at := end.Add(48 * time.Hour)
		if _, err := db.CreateVisit(ctx, tk2.ID, aftersales.VisitInput{WindowStart: at, WindowEnd: at.Add(2 * time.Hour), DurationMin: 90, TechnicianID: &techs[0].UserID}); err != nil {
			t.Fatal(err)
		}
		if lag, err := db.RollupLag(ctx); err != nil || lag.Pending < 2 {
			t.Fatalf("lag %+v, %v; want the two tickets pending", lag, err)
		}
		check, err := db.CheckRollupsForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if check.Differences != 0 {
			t.Fatalf("with changes waiting: %d differences: %v", check.Differences, check.Mismatches)
		}

		var heldErr error
		held := 0
		db.HoldCheckForTest(func() {
			held++
			// Bounded only so that the old behaviour fails instead of
			// hanging: the create waited for the check's transaction.
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if _, heldErr = db.CreateTicket(cctx, TicketInput(cust.ID, "冰箱不制冷")); heldErr == nil && db.Engine() == sqlstore.Postgres {
				heldErr = db.LockRollupsForTest(cctx)
			}
		})
		check, err = db.RecomputeRollups(ctx, false)
		db.HoldCheckForTest(nil)
		if err != nil {
			t.Fatal(err)
		}
		if held != 1 || heldErr != nil {
			t.Fatalf("while the check read: held %d times, %v", held, heldErr)
		}
		if check.Differences != 0 {
			t.Fatalf("after folding in: %d differences: %v", check.Differences, check.Mismatches)
		}

		// A real difference is still found.
		if err := db.ExecRaw(ctx, `UPDATE kpi_daily SET `+analytics.MeasureNames[0]+` = `+analytics.MeasureNames[0]+` + 1 WHERE day = (SELECT MAX(day) FROM kpi_daily)`); err != nil {
			t.Fatal(err)
		}
		if check, err = db.CheckRollupsForTest(ctx); err != nil || check.Differences == 0 {
			t.Fatalf("a changed rollup row went unnoticed: %+v, %v", check, err)
		}
	})
}
