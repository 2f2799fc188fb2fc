package sqlstore_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"
	. "aftersales/internal/testutil"
)

var portalLink = regexp.MustCompile(`/portal/link/(asl_[A-Z0-9]+)`)

// portalSignIn mails a link to email and spends it, returning the
// portal user's context.
func portalSignIn(t *testing.T, db *sqlstore.DB, email string) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := db.RequestPortalLink(ctx, email, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	body, err := db.LatestMailTo(ctx, email)
	m := portalLink.FindStringSubmatch(body)
	if err != nil || m == nil {
		t.Fatalf("no sign-in link mailed to %s: %q %v", email, body, err)
	}
	s, err := db.UsePortalLink(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.PortalUserBySession(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	return aftersales.NewContextWithPortalUser(ctx, u)
}

func TestPortal(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		ctx, _ := Admin(t, db)
		acme, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Kind: aftersales.CustomerCompany, Name: "蓝海酒店"})
		if err != nil {
			t.Fatal(err)
		}
		other := MustCustomer(t, ctx, db, "隔壁客户")
		boss, err := db.InvitePortalUser(ctx, acme.ID, aftersales.PortalInvite{Email: " Boss@Acme.example ", Name: "王总", Role: aftersales.PortalAdmin})
		if err != nil || boss.Email != "boss@acme.example" || !boss.Company {
			t.Fatalf("invite: %+v %v", boss, err)
		}
		clerk, err := db.InvitePortalUser(ctx, acme.ID, aftersales.PortalInvite{Email: "clerk@acme.example"})
		if err != nil || clerk.Role != aftersales.PortalMember {
			t.Fatalf("invite member: %+v %v", clerk, err)
		}
		if _, err := db.InvitePortalUser(ctx, other.ID, aftersales.PortalInvite{Email: "clerk@acme.example"}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("same email for another customer: %v", err)
		}
		if _, err := db.InvitePortalUser(ctx, other.ID, aftersales.PortalInvite{Email: "not-an-email"}); fieldsOf(err)["email"] == "" {
			t.Errorf("bad email: %v", err)
		}
		if _, err := db.InvitePortalUser(ctx, other.ID, aftersales.PortalInvite{Email: "li@example.com"}); err != nil {
			t.Fatal(err)
		}

		// Links: once, short-lived, a few an hour; unknown addresses
		// get the same silence and no mail.
		if err := db.RequestPortalLink(context.Background(), "nobody@example.com", "en"); err != nil {
			t.Errorf("unknown address: %v", err)
		}
		if body, _ := db.LatestMailTo(context.Background(), "nobody@example.com"); body != "" {
			t.Errorf("mail to an unknown address: %q", body)
		}
		bg := context.Background()
		if err := db.RequestPortalLink(bg, "boss@acme.example", "en"); err != nil {
			t.Fatal(err)
		}
		body, _ := db.LatestMailTo(bg, "boss@acme.example")
		tok := portalLink.FindStringSubmatch(body)[1]
		clock.Advance(aftersales.PortalLinkTTL + time.Second)
		if _, err := db.UsePortalLink(bg, tok); fieldsOf(err)["link"] != sqlstore.PortalLinkExpired {
			t.Errorf("expired link: %v", err)
		}
		if _, err := db.UsePortalLink(bg, "asl_NOPE"); fieldsOf(err)["link"] != sqlstore.PortalLinkUnknown {
			t.Errorf("unknown link: %v", err)
		}
		for range aftersales.PortalLinksPerHour - 1 {
			if err := db.RequestPortalLink(bg, "boss@acme.example", "en"); err != nil {
				t.Fatal(err)
			}
		}
		last, _ := db.LatestMailTo(bg, "boss@acme.example")
		tok = portalLink.FindStringSubmatch(last)[1]
		if err := db.RequestPortalLink(bg, "boss@acme.example", "en"); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.LatestMailTo(bg, "boss@acme.example"); again != last {
			t.Errorf("a link over the hourly limit was mailed")
		}
		s, err := db.UsePortalLink(bg, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UsePortalLink(bg, tok); fieldsOf(err)["link"] != sqlstore.PortalLinkUsed {
			t.Errorf("used link: %v", err)
		}
		bu, err := db.PortalUserBySession(bg, s.Token)
		if err != nil || bu.ID != boss.ID {
			t.Fatalf("session: %+v %v", bu, err)
		}
		if _, err := db.UserBySession(bg, s.Token); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Errorf("a portal session opens a staff session: %v", err)
		}
		bossCtx := aftersales.NewContextWithPortalUser(bg, bu)

		// Password sign-in once set.
		if _, err := db.PortalSignIn(bg, "boss@acme.example", "long-password-1"); aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
			t.Errorf("password sign-in without a password: %v", err)
		}
		if err := db.SetPortalPassword(bossCtx, "short"); fieldsOf(err)["password"] == "" {
			t.Errorf("short password: %v", err)
		}
		if err := db.SetPortalPassword(bossCtx, "long-password-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PortalSignIn(bg, "BOSS@acme.example", "long-password-1"); err != nil {
			t.Errorf("password sign-in: %v", err)
		}

		// What each sees: the member their own, the admin the company's.
		staffTicket := MustTicket(t, ctx, db, acme.ID, "前台空调不制冷")
		otherTicket := MustTicket(t, ctx, db, other.ID, "隔壁的工单")
		clerkCtx := portalSignIn(t, db, "clerk@acme.example")
		mine, err := db.PortalCreateTicket(clerkCtx, aftersales.PortalTicketInput{Title: "客房热水器漏水", Description: "302 房间", Nature: aftersales.NatureRepair})
		if err != nil || mine.OpenedBy != "clerk@acme.example" || mine.Status != aftersales.StatusNew {
			t.Fatalf("create: %+v %v", mine, err)
		}
		if _, err := db.PortalCreateTicket(clerkCtx, aftersales.PortalTicketInput{Title: " "}); fieldsOf(err)["title"] == "" {
			t.Errorf("empty title: %v", err)
		}
		ids := func(ctx context.Context) []int64 {
			ts, err := db.PortalTickets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, t := range ts {
				out = append(out, t.ID)
			}
			return out
		}
		if got := ids(clerkCtx); len(got) != 1 || got[0] != mine.ID {
			t.Errorf("member sees %v, want only %d", got, mine.ID)
		}
		if got := ids(bossCtx); len(got) != 2 {
			t.Errorf("admin sees %v, want the company's 2", got)
		}
		if _, err := db.PortalTicket(clerkCtx, staffTicket.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("member reads a company ticket: %v", err)
		}
		for _, c := range []context.Context{clerkCtx, bossCtx} {
			if _, err := db.PortalTicket(c, otherTicket.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
				t.Errorf("reads another customer's ticket: %v", err)
			}
			if err := db.PortalReply(c, otherTicket.ID, "hi"); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
				t.Errorf("replies to another customer's ticket: %v", err)
			}
		}
		// The admin grants the clerk the company's tickets.
		if _, err := db.SetPortalRole(clerkCtx, boss.ID, aftersales.PortalMember); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("member grants a role: %v", err)
		}
		if _, err := db.SetPortalRole(bossCtx, boss.ID, aftersales.PortalMember); fieldsOf(err)["id"] == "" {
			t.Errorf("admin demotes themselves: %v", err)
		}
		if _, err := db.SetPortalRole(bossCtx, clerk.ID, aftersales.PortalCompany); err != nil {
			t.Fatal(err)
		}
		clerkCtx = portalSignIn(t, db, "clerk@acme.example")
		if got := ids(clerkCtx); len(got) != 2 {
			t.Errorf("after the grant the clerk sees %v", got)
		}

		// Reply; internal notes never show.
		if err := db.PortalReply(clerkCtx, mine.ID, "还在漏水"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(ctx, mine.ID, aftersales.CommentInput{Body: "内部：客户难缠"}); err != nil {
			t.Fatal(err)
		}
		d, err := db.PortalTicket(clerkCtx, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Messages) != 2 || d.Messages[1].Body != "还在漏水" || !d.Messages[1].Customer {
			t.Errorf("messages: %+v", d.Messages)
		}

		// Revoked: the session ends and links stop.
		if err := db.RevokePortalUser(ctx, acme.ID, clerk.ID); err != nil {
			t.Fatal(err)
		}
		before, _ := db.LatestMailTo(bg, "clerk@acme.example")
		if err := db.RequestPortalLink(bg, "clerk@acme.example", "zh-CN"); err != nil {
			t.Fatal(err)
		}
		if after, _ := db.LatestMailTo(bg, "clerk@acme.example"); after != before {
			t.Errorf("a revoked user got a sign-in link")
		}
		if _, err := db.UsePortalLink(bg, portalLink.FindStringSubmatch(before)[1]); fieldsOf(err)["link"] != sqlstore.PortalLinkUnknown {
			t.Errorf("a revoked user's link: %v", err)
		}
		if err := db.RevokePortalUser(ctx, other.ID, boss.ID); aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
			t.Errorf("revoke through another customer: %v", err)
		}
		users, _ := db.ListPortalUsers(ctx, acme.ID)
		if len(users) != 2 || users[1].Active {
			t.Errorf("after revoke: %+v", users)
		}
	})
}

// TestPortalMoveVisit: the customer picks a window from the visit's
// booking offers; the move keeps the visit's history, and a window that
// is not offered is refused.
func TestPortalMoveVisit(t *testing.T) {
	ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC) } // Tue 2026-12-01 07:00 local
		ctx, _ := Admin(t, db)
		tech := MustUser(t, ctx, db, "tech@example.com", aftersales.RoleTechnician, nil)
		var shifts []aftersales.Shift
		for wd := 1; wd <= 5; wd++ {
			shifts = append(shifts, aftersales.Shift{Weekday: wd, StartMin: 8 * 60, EndMin: 17 * 60})
		}
		if _, err := db.SetTechnician(ctx, tech.ID, aftersales.TechnicianProfileInput{Home: &aftersales.Position{Lat: 30.65, Lng: 104.06}, Shifts: shifts}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCustomer(ctx, aftersales.CustomerInput{Name: "王女士", Address: aftersales.Address{Lat: Ptr(30.66), Lng: Ptr(104.07)}})
		if err != nil {
			t.Fatal(err)
		}
		tk := MustTicket(t, ctx, db, c.ID, "空调不制冷")
		day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, db.Zone) }
		v, err := db.CreateVisit(ctx, tk.ID, aftersales.VisitInput{WindowStart: day(2, 9), WindowEnd: day(2, 11), DurationMin: 60, TechnicianID: &tech.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.InvitePortalUser(ctx, c.ID, aftersales.PortalInvite{Email: "wang@example.com"}); err != nil {
			t.Fatal(err)
		}
		pctx := portalSignIn(t, db, "wang@example.com")
		ws, err := db.PortalWindows(pctx, tk.ID, v.ID)
		if err != nil || len(ws) == 0 {
			t.Fatalf("windows: %v %v", ws, err)
		}
		for _, w := range ws {
			if w.WindowStart.Equal(v.WindowStart) || w.WindowEnd.Sub(w.WindowStart) != 2*time.Hour {
				t.Errorf("window %v-%v: the current one, or not two hours", w.WindowStart, w.WindowEnd)
			}
		}
		if _, err := db.PortalMoveVisit(pctx, tk.ID, v.ID, aftersales.PortalMove{WindowStart: day(3, 3), Version: v.Version}); fieldsOf(err)["window_start"] == "" {
			t.Errorf("a window not offered: %v", err)
		}
		pick := ws[len(ws)-1]
		moved, err := db.PortalMoveVisit(pctx, tk.ID, v.ID, aftersales.PortalMove{WindowStart: pick.WindowStart, Version: v.Version})
		if err != nil || !moved.WindowStart.Equal(pick.WindowStart) || moved.Version != v.Version+1 {
			t.Fatalf("move: %+v %v", moved, err)
		}
		if _, err := db.PortalMoveVisit(pctx, tk.ID, v.ID, aftersales.PortalMove{WindowStart: pick.WindowStart, Version: v.Version}); aftersales.ErrorCode(err) != aftersales.ECONFLICT {
			t.Errorf("a stale version: %v", err)
		}
		hist, err := db.VisitHistory(ctx, tk.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		if last.Kind != "rescheduled" || last.ActorID != nil || !strings.Contains(last.Reason, "wang@example.com") {
			t.Errorf("history: %+v", last)
		}
	})
}
