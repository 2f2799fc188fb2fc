package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

func TestEmailNotifications(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		sk := testutil.StartSMTP(t, 1)

		clock := testutil.NewClock(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		db.EmailNotifications = true
		ctx, _ := testutil.Admin(t, db)
		team, _ := db.CreateTeam(ctx, aftersales.TeamInput{Code: "t", Name: "组"})
		testutil.MustUser(t, ctx, db, "supervisor@example.com", aftersales.RoleSupervisor, &team.ID)
		if _, err := db.CreateAutomation(ctx, aftersales.AutomationRule{Name: "新工单提醒", Active: true, Trigger: aftersales.TriggerCreated,
			Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionNotify, Notify: aftersales.NotifySupervisor, Text: "有新的工单，请关注。"}}}); err != nil {
			t.Fatal(err)
		}
		c := testutil.MustCustomer(t, ctx, db, "客户")
		in := testutil.TicketInput(c.ID, "空调漏水")
		in.TeamID = &team.ID
		tk, _ := db.CreateTicket(ctx, in)

		sender := &mail.Sender{Addr: sk.Addr, From: "aftersales@example.com", TLS: mail.TLSNone, Timeout: 5 * time.Second}
		send := jobs.SendEmails(db, sender, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := send(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(sk.Messages()) != 0 {
			t.Fatal("the refused message was counted as sent")
		}
		clock.Advance(10 * time.Second) // before the 30 s backoff: nothing is due
		send(context.Background())
		clock.Advance(25 * time.Second)
		send(context.Background())
		clock.Advance(time.Hour)
		send(context.Background())
		if len(sk.Messages()) != 1 {
			t.Fatalf("emails received: %d", len(sk.Messages()))
		}
		msg := sk.Messages()[0].Data
		if sk.Messages()[0].To != "supervisor@example.com" || !strings.Contains(msg, "Subject:") || !strings.Contains(msg, tk.Number) {
			t.Fatalf("message = %.400s", msg)
		}
	})
}

func TestSenderErrors(t *testing.T) {
	s := &mail.Sender{Addr: "no-port", From: "a@example.com"}
	if err := s.Send(context.Background(), &aftersales.Email{To: "b@example.com", Subject: "s", Body: "b"}); err == nil || !strings.Contains(err.Error(), "smtp address") {
		t.Fatalf("bad address: %v", err)
	}
	s = &mail.Sender{Addr: "127.0.0.1:1", From: "a@example.com", Timeout: time.Second}
	if err := s.Send(context.Background(), &aftersales.Email{To: "b@example.com", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
}
