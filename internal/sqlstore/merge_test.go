package sqlstore_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

func TestMergeTicket(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		db.EmailNotifications = true // acknowledgements are sent and threaded
		ctx, _ := Admin(t, db)
		bg := context.Background()
		if _, err := db.CreatePolicy(ctx, aftersales.SLAPolicy{Name: "std", Active: true, FirstResponseMin: 30, ResolutionMin: 600}); err != nil {
			t.Fatal(err)
		}
		mail := func(id, subject, text string, inReplyTo ...string) *aftersales.IntakeResult {
			t.Helper()
			res, err := db.ReceiveEmail(bg, &aftersales.InboundEmail{MessageID: id, From: "li@example.cn", FromName: "李明",
				Subject: subject, Text: text, InReplyTo: inReplyTo})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// The customer writes twice about the same leak: two tickets.
		first := mail("m1@example.cn", "洗衣机漏水", "洗衣机底部漏水。")
		clock.Advance(time.Hour)
		second := mail("m2@example.cn", "洗衣机还在漏水", "昨天写过，还在漏水，请尽快上门。")
		if !first.Created || !second.Created || first.TicketID == second.TicketID {
			t.Fatalf("two tickets expected: %+v %+v", first, second)
		}
		target, source := first.TicketID, second.TicketID
		if _, err := db.AddComment(ctx, source, aftersales.CommentInput{Body: "客户说地上有水渍"}); err != nil {
			t.Fatal(err)
		}
		att := &aftersales.Attachment{TicketID: source, Name: "leak.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "abc", Path: "merge/leak.jpg"}
		if err := db.AddAttachment(ctx, att); err != nil {
			t.Fatal(err)
		}
		// The acknowledgement the source's customer got: their answer to it
		// must reach the ticket kept after the merge.
		outID := db.StringForTest(bg, `SELECT message_id FROM channel_messages WHERE ticket_id = $1 AND direction = 'out' ORDER BY id LIMIT 1`, source)
		if outID == "" {
			t.Fatal("no outgoing message on the source")
		}
		src, err := db.FindTicket(ctx, source)
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := db.FindTicket(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		otherCust := MustCustomer(t, ctx, db, "王五")
		other := MustTicket(t, ctx, db, otherCust.ID, "别人的工单")
		cancelled := MustTicket(t, ctx, db, *tgt.CustomerID, "已取消")
		if _, err := db.Transition(ctx, cancelled.ID, aftersales.TransitionInput{To: aftersales.StatusCancelled, Reason: "误建", Version: cancelled.Version}); err != nil {
			t.Fatal(err)
		}
		withVisit := MustTicket(t, ctx, db, *tgt.CustomerID, "有上门")
		day := time.Date(2026, 12, 9, 1, 0, 0, 0, time.UTC)
		if _, err := db.CreateVisit(ctx, withVisit.ID, aftersales.VisitInput{WindowStart: day, WindowEnd: day.Add(2 * time.Hour), DurationMin: 60}); err != nil {
			t.Fatal(err)
		}
		withVisit, _ = db.FindTicket(ctx, withVisit.ID)

		quality := MustUser(t, ctx, db, "qa@acme.cn", aftersales.RoleQuality, nil)
		qctx := aftersales.NewContextWithUser(bg, quality)
		tech := MustUser(t, ctx, db, "tech@acme.cn", aftersales.RoleTechnician, nil)
		if _, err := db.UpdateTicket(ctx, source, src.Version, aftersales.TicketInput{AssigneeID: &tech.ID}); err != nil {
			t.Fatal(err)
		}
		src, _ = db.FindTicket(ctx, source)
		tctx := aftersales.NewContextWithUser(bg, tech)

		eventsBefore := db.CountForTest(bg, `SELECT COUNT(*) FROM ticket_events WHERE ticket_id IN ($1, $2)`, target, source)
		for _, c := range []struct {
			name         string
			ctx          context.Context
			source, into int64
			in           aftersales.MergeInput
			code, field  string
			reasonHas    string
		}{
			{"itself", ctx, source, source, aftersales.MergeInput{Version: src.Version}, aftersales.EINVALID, "into", "itself"},
			{"no version", ctx, source, target, aftersales.MergeInput{}, aftersales.EINVALID, "version", "required"},
			{"stale", ctx, source, target, aftersales.MergeInput{Version: src.Version - 1}, aftersales.ECONFLICT, "version", "stale"},
			{"into cancelled", ctx, source, cancelled.ID, aftersales.MergeInput{Version: src.Version}, aftersales.EINVALID, "into", "cancelled"},
			{"into nothing", ctx, source, 99999, aftersales.MergeInput{Version: src.Version}, aftersales.EINVALID, "into", "no ticket"},
			{"other customer", ctx, source, other.ID, aftersales.MergeInput{Version: src.Version}, aftersales.EINVALID, "into", "王五"},
			{"open visit", ctx, withVisit.ID, target, aftersales.MergeInput{Version: withVisit.Version}, aftersales.ECONFLICT, "id", "visits #1"},
			{"quality may not", qctx, source, target, aftersales.MergeInput{Version: src.Version}, aftersales.EFORBIDDEN, "", ""},
			{"technician may not", tctx, source, target, aftersales.MergeInput{Version: src.Version}, aftersales.EFORBIDDEN, "", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := db.MergeTicket(c.ctx, c.source, c.into, c.in)
				if got := aftersales.ErrorCode(err); got != c.code {
					t.Fatalf("code = %s (%v), want %s", got, err, c.code)
				}
				if c.field != "" {
					if r, ok := fieldsOf(err)[c.field]; !ok || !strings.Contains(r, c.reasonHas) {
						t.Errorf("fields = %v, want %s naming %q", fieldsOf(err), c.field, c.reasonHas)
					}
				}
			})
		}
		// Nothing was half-written by the refusals.
		if n := db.CountForTest(bg, `SELECT COUNT(*) FROM ticket_events WHERE ticket_id IN ($1, $2)`, target, source); n != eventsBefore {
			t.Fatalf("the two tickets have %d events after the refusals, %d before", n, eventsBefore)
		}

		// Rollups current before the merge, so its own marks are seen.
		if _, err := db.RefreshRollups(bg, 1000); err != nil {
			t.Fatal(err)
		}
		if n := db.CountForTest(bg, `SELECT COUNT(*) FROM kpi_dirty`); n != 0 {
			t.Fatalf("%d dirty marks left after a refresh", n)
		}
		got, err := db.MergeTicket(ctx, source, target, aftersales.MergeInput{Version: src.Version, Note: "同一故障"})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != target || got.Status == aftersales.StatusCancelled || got.MergedInto != nil {
			t.Errorf("merge returned %+v, want the target still open", got)
		}
		src, _ = db.FindTicket(ctx, source)
		if src.Status != aftersales.StatusCancelled || src.MergedInto == nil || *src.MergedInto != target || src.MergedIntoNumber != tgt.Number || src.ResolvedAt != nil {
			t.Errorf("source after merge: status %s merged_into %v %q resolved %v", src.Status, src.MergedInto, src.MergedIntoNumber, src.ResolvedAt)
		}
		if sla, err := db.TicketSLA(ctx, source); err != nil || sla.Resolution == nil || !sla.Resolution.Cancelled && sla.Resolution.StoppedAt == nil {
			t.Errorf("the source's resolution clock still runs after the merge: %+v %v", sla, err)
		}
		if n := db.CountForTest(bg, `SELECT COUNT(*) FROM kpi_dirty WHERE ticket_id IN ($1, $2)`, source, target); n != 2 {
			t.Errorf("%d of the two tickets marked for the rollups, want 2", n)
		}

		tl, err := db.Timeline(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		var mergedFrom *aftersales.TicketEvent
		for _, e := range tl {
			bodies = append(bodies, string(e.Kind)+":"+e.Body+e.To)
			if e.Field == aftersales.MergedFromField {
				mergedFrom = e
			}
		}
		joined := strings.Join(bodies, "\n")
		for _, want := range []string{"customer_message:昨天写过", "note:客户说地上有水渍", "attachment:leak.jpg"} {
			if !strings.Contains(joined, want) {
				t.Errorf("target timeline lacks %q:\n%s", want, joined)
			}
		}
		if mergedFrom == nil || mergedFrom.To != src.Number || mergedFrom.Body != "同一故障" {
			t.Errorf("target's merge entry = %+v, want from %s", mergedFrom, src.Number)
		}
		stl, _ := db.Timeline(ctx, source)
		var into bool
		for _, e := range stl {
			into = into || e.Field == aftersales.MergedIntoField && e.To == tgt.Number
		}
		if !into {
			t.Errorf("source timeline has no merged-into entry: %+v", stl)
		}
		files, err := db.ListAttachments(ctx, target)
		if err != nil || len(files) != 1 || files[0].ID != att.ID {
			t.Errorf("target files = %+v, %v; want leak.jpg", files, err)
		}

		// The customer answers the source's acknowledgement: it lands on
		// the ticket kept, not on a new one.
		clock.Advance(time.Hour)
		reply := mail("m3@example.cn", "Re: 洗衣机还在漏水", "师傅几点到？", outID)
		if reply.Created || reply.TicketID != target {
			t.Errorf("reply to the source's thread: %+v, want ticket %d", reply, target)
		}
		// And a message naming the source's number in its subject too.
		tagged := mail("m4@example.cn", "Re: [#"+src.Number+"] 洗衣机还在漏水", "还是漏。")
		if tagged.Created || tagged.TicketID != target {
			t.Errorf("message tagged with the source's number: %+v, want ticket %d", tagged, target)
		}

		// The customer's portal lists the duplicate as merged, linking the
		// ticket kept.
		if _, err := db.InvitePortalUser(ctx, *tgt.CustomerID, aftersales.PortalInvite{Email: "li@example.cn"}); err != nil {
			t.Fatal(err)
		}
		pctx := portalSignIn(t, db, "li@example.cn")
		mine, err := db.PortalTickets(pctx)
		if err != nil {
			t.Fatal(err)
		}
		var listed bool
		for _, p := range mine {
			if p.ID == source {
				listed = p.MergedInto != nil && *p.MergedInto == target && p.MergedIntoNumber == tgt.Number
			}
		}
		if !listed {
			t.Errorf("portal list does not show %s merged into %s: %+v", src.Number, tgt.Number, mine)
		}

		t.Run("again", func(t *testing.T) {
			_, err := db.MergeTicket(ctx, source, target, aftersales.MergeInput{Version: src.Version})
			if aftersales.ErrorCode(err) != aftersales.ECONFLICT || fieldsOf(err)["id"] == "" {
				t.Errorf("second merge: %v, want ECONFLICT on id", err)
			}
			cancelledTgt := MustTicket(t, ctx, db, *tgt.CustomerID, "第三张")
			_, err = db.MergeTicket(ctx, cancelledTgt.ID, source, aftersales.MergeInput{Version: cancelledTgt.Version})
			if aftersales.ErrorCode(err) != aftersales.EINVALID || fieldsOf(err)["into"] == "" {
				t.Errorf("merge into a merged ticket: %v, want EINVALID on into", err)
			}
		})
		t.Run("other customer never", func(t *testing.T) {
			// The kept ticket's customer would read the other's messages
			// and download its files on the portal.
			o, _ := db.FindTicket(ctx, other.ID)
			_, err := db.MergeTicket(ctx, other.ID, target, aftersales.MergeInput{Version: o.Version})
			if r := fieldsOf(err)["into"]; aftersales.ErrorCode(err) != aftersales.EINVALID || !strings.Contains(r, "each would see the other's messages and files") {
				t.Errorf("merge across customers: %v, want EINVALID on into", err)
			}
			if o2, _ := db.FindTicket(ctx, other.ID); o2.MergedInto != nil || o2.Status != o.Status {
				t.Errorf("the refused merge changed the ticket: %+v", o2)
			}
		})

		if _, err := db.RefreshRollups(bg, 1000); err != nil {
			t.Fatal(err)
		}
		check, err := db.RecomputeRollups(bg, false)
		if err != nil || check.Differences != 0 {
			t.Fatalf("rollups differ from a recompute after merges: %+v %v", check, err)
		}
	})
}

// A customer's answer read while a merge of its ticket is in flight
// continues on the ticket kept: the intake waits for the merge's lock on
// the duplicate and then follows the merge the lock shows, instead of the
// link it read before the lock (a follow-up ticket opened beside the
// duplicate, cancelled by the merge).
func TestMailDuringMerge(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		bg := context.Background()
		mail := func(id, subject string, inReplyTo ...string) *aftersales.IntakeResult {
			t.Helper()
			res, err := db.ReceiveEmail(bg, &aftersales.InboundEmail{MessageID: id, From: "li@example.cn", FromName: "李明",
				Subject: subject, Text: subject, InReplyTo: inReplyTo})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		kept := mail("k1@example.cn", "洗衣机漏水")
		clock.Advance(time.Hour)
		dup := mail("d1@example.cn", "洗衣机还在漏水")
		src, err := db.FindTicket(ctx, dup.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		tickets := db.CountForTest(bg, `SELECT COUNT(*) FROM tickets`)

		type answer struct {
			res *aftersales.IntakeResult
			err error
		}
		answered := make(chan answer, 1)
		err = db.MergeHeldForTest(ctx, dup.TicketID, kept.TicketID, aftersales.MergeInput{Version: src.Version}, func() {
			before := db.WaitsForTest(bg)
			go func() {
				res, err := db.ReceiveEmail(bg, &aftersales.InboundEmail{MessageID: "d2@example.cn", From: "li@example.cn",
					Subject: "Re: 洗衣机还在漏水", Text: "今天下午在家。", InReplyTo: []string{"d1@example.cn"}})
				answered <- answer{res, err}
			}()
			// Commit only once the answer waits behind the merge.
			for db.WaitsForTest(bg) <= before {
				select {
				case a := <-answered:
					answered <- a
					return // it did not wait: the outcome below tells
				default:
					runtime.Gosched()
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		a := <-answered
		if a.err != nil {
			t.Fatal(a.err)
		}
		if a.res.TicketID != kept.TicketID || a.res.Created {
			t.Errorf("the answer went to ticket %d (created %v), want the kept %d (the duplicate is %d)",
				a.res.TicketID, a.res.Created, kept.TicketID, dup.TicketID)
		}
		if n := db.CountForTest(bg, `SELECT COUNT(*) FROM tickets`); n != tickets {
			t.Errorf("%d tickets after the answer, %d before", n, tickets)
		}
		if n := db.CountForTest(bg, `SELECT COUNT(*) FROM ticket_events WHERE ticket_id = $1 AND body LIKE '%今天下午在家%'`, kept.TicketID); n != 1 {
			t.Errorf("the kept ticket has the answer %d times, want once", n)
		}
	})
}

// A merged duplicate's timeline keeps linking to the files the merge moved
// to the ticket kept: whoever could open them on the duplicate still can
// (its technician, who does not see the kept ticket; its customer on the
// portal, where the duplicate's page still lists them), and nobody else.
func TestMergedDuplicateFiles(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		bg := context.Background()
		cust, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "李明", Email: "li@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		kept := MustTicket(t, ctx, db, cust.ID, "洗衣机漏水")
		dup := MustTicket(t, ctx, db, cust.ID, "洗衣机还在漏水")
		otherCust := MustCustomer(t, ctx, db, "王五")
		other := MustTicket(t, ctx, db, otherCust.ID, "别人的工单")
		tech := MustUser(t, ctx, db, "tech@acme.cn", aftersales.RoleTechnician, nil)
		stranger := MustUser(t, ctx, db, "tech2@acme.cn", aftersales.RoleTechnician, nil)
		if _, err := db.UpdateTicket(ctx, dup.ID, dup.Version, aftersales.TicketInput{AssigneeID: &tech.ID}); err != nil {
			t.Fatal(err)
		}
		att := &aftersales.Attachment{TicketID: dup.ID, Name: "leak.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "abc", Path: "merge/leak.jpg"}
		if err := db.AddAttachment(ctx, att); err != nil {
			t.Fatal(err)
		}
		theirs := &aftersales.Attachment{TicketID: other.ID, Name: "theirs.jpg", ContentType: "image/jpeg", Size: 3, SHA256: "def", Path: "merge/theirs.jpg"}
		if err := db.AddAttachment(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		if _, err := db.InvitePortalUser(ctx, cust.ID, aftersales.PortalInvite{Email: "li@example.cn"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.InvitePortalUser(ctx, otherCust.ID, aftersales.PortalInvite{Email: "wang@example.cn"}); err != nil {
			t.Fatal(err)
		}
		d, _ := db.FindTicket(ctx, dup.ID)
		if _, err := db.MergeTicket(ctx, dup.ID, kept.ID, aftersales.MergeInput{Version: d.Version}); err != nil {
			t.Fatal(err)
		}
		if owner := db.CountForTest(bg, `SELECT ticket_id FROM attachments WHERE id = $1`, att.ID); owner != kept.ID {
			t.Fatalf("the file is on ticket %d after the merge, want the kept %d", owner, kept.ID)
		}

		tctx := aftersales.NewContextWithUser(bg, tech)
		if _, err := db.FindTicket(tctx, kept.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Fatalf("the technician sees the kept ticket (%v): the case needs one who does not", err)
		}
		if got, err := db.FindAttachment(tctx, att.ID); err != nil || got.Path != att.Path {
			t.Errorf("the duplicate's technician opens its file: %+v %v, want %s", got, err, att.Path)
		}
		if list, err := db.ListAttachments(tctx, dup.ID); err != nil || len(list) != 1 || list[0].ID != att.ID || list[0].TicketID != kept.ID {
			t.Errorf("the duplicate's files: %+v %v, want %d, now on the kept %d", list, err, att.ID, kept.ID)
		}
		if list, err := db.ListAttachments(ctx, kept.ID); err != nil || len(list) != 1 || list[0].ID != att.ID {
			t.Errorf("the kept ticket's files: %+v %v, want %d once", list, err, att.ID)
		}
		sctx := aftersales.NewContextWithUser(bg, stranger)
		if _, err := db.FindAttachment(sctx, att.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("a technician of neither ticket opens the file: %v, want ENOTFOUND", err)
		}
		if _, err := db.FindAttachment(tctx, theirs.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("the technician opens another ticket's file: %v, want ENOTFOUND", err)
		}

		pctx := portalSignIn(t, db, "li@example.cn")
		page, err := db.PortalTicket(pctx, dup.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Attachments) != 1 || page.Attachments[0].ID != att.ID || page.Attachments[0].TicketID != dup.ID {
			t.Errorf("the duplicate's portal page lists files %+v, want %d through ticket %d", page.Attachments, att.ID, dup.ID)
		}
		for _, id := range []int64{dup.ID, kept.ID} {
			if got, err := db.PortalAttachment(pctx, id, att.ID); err != nil || got.Path != att.Path {
				t.Errorf("the customer opens the file through ticket %d: %+v %v", id, got, err)
			}
		}
		if _, err := db.PortalAttachment(pctx, dup.ID, theirs.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("another customer's file through the duplicate: %v, want ENOTFOUND", err)
		}
		wctx := portalSignIn(t, db, "wang@example.cn")
		if _, err := db.PortalAttachment(wctx, dup.ID, att.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("another customer opens the file: %v, want ENOTFOUND", err)
		}
	})
}
