package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
	"aftersales/internal/web"
	"aftersales/internal/web/webtest"
)

func TestChatWebhook(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		clock := testutil.NewClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		app := webtest.Start(t, db)
		post := func(body string, mutate func(h http.Header)) (int, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest("POST", app.Server.URL+web.ChatPath, strings.NewReader(body))
			ts := clock.Now().Unix()
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Aftersales-Timestamp", strconv.FormatInt(ts, 10))
			req.Header.Set("X-Aftersales-Signature", web.ChatSignature(webtest.ChatSecret, ts, []byte(body)))
			if mutate != nil {
				mutate(req.Header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var out map[string]any
			json.Unmarshal(b, &out)
			return res.StatusCode, out
		}
		msg := func(id, text string) string {
			b, _ := json.Marshal(map[string]any{"source": "wechat", "conversation_id": "oUser-42", "message_id": id,
				"name": "小李", "phone": "+86 139-0000-1111", "text": text})
			return string(b)
		}
		count := func() int {
			page, _ := db.ListTickets(app.Ctx, aftersales.TicketFilter{Limit: 100})
			return len(page.Tickets)
		}

		// Authentication: signature, timestamp, replay window.
		body := msg("m1", "冰箱冷藏室不制冷")
		for name, mutate := range map[string]func(http.Header){
			"no signature": func(h http.Header) { h.Del("X-Aftersales-Signature") },
			"wrong secret": func(h http.Header) {
				h.Set("X-Aftersales-Signature", web.ChatSignature("another-secret-000000", clock.Now().Unix(), []byte(body)))
			},
			"no timestamp": func(h http.Header) { h.Del("X-Aftersales-Timestamp") },
			"old timestamp": func(h http.Header) {
				ts := clock.Now().Add(-6 * time.Minute).Unix()
				h.Set("X-Aftersales-Timestamp", strconv.FormatInt(ts, 10))
				h.Set("X-Aftersales-Signature", web.ChatSignature(webtest.ChatSecret, ts, []byte(body)))
			},
			"timestamp swap": func(h http.Header) { h.Set("X-Aftersales-Timestamp", strconv.FormatInt(clock.Now().Unix()+1, 10)) },
		} {
			if s, _ := post(body, mutate); s != 401 {
				t.Errorf("%s: %d, want 401", name, s)
			}
		}
		// Bad input names the field.
		for in, field := range map[string]string{
			`{"source":"wechat","conversation_id":"c","message_id":"x","text":"hi","colour":"red"}`:  "body.colour",
			`{"source":"wechat","conversation_id":"c","message_id":"x","text":""}`:                   "body.text",
			`{"source":"wechat","conversation_id":"","message_id":"x","text":"hi"}`:                  "body.conversation_id",
			`{"source":"wechat","conversation_id":"c","message_id":"x","text":"hi","phone":"12"}`:    "body.phone",
			`{"source":"wechat","conversation_id":"c","message_id":"x","text":"hi","channel":"fax"}`: "body.channel",
			`{"source":"wechat","conversation_id":"c","message_id":5,"text":"hi"}`:                   "body.message_id",
		} {
			s, out := post(in, nil)
			errs, _ := out["errors"].([]any)
			if s != 422 || len(errs) == 0 || errs[0].(map[string]any)["location"] != field {
				t.Errorf("%s: %d %v, want 422 on %s", in, s, out, field)
			}
		}
		if count() != 0 {
			t.Fatal("a refused request created a ticket")
		}

		// The first message opens a ticket; the next appends; a repeat
		// changes nothing.
		s, out := post(body, nil)
		if num, ok := out["number"].(string); s != 201 || out["created"] != true || !ok || num == "" {
			t.Fatalf("first message: %d %v", s, out)
		}
		id := int64(out["ticket_id"].(float64))
		clock.Advance(time.Minute)
		if s, out := post(msg("m2", "型号 BCD-470"), nil); s != 200 || out["created"] != false || int64(out["ticket_id"].(float64)) != id {
			t.Fatalf("second message: %d %v", s, out)
		}
		if s, out := post(msg("m2", "型号 BCD-470"), nil); s != 200 || out["duplicate"] != true {
			t.Fatalf("repeat: %d %v", s, out)
		}
		tk, _ := db.FindTicket(app.Ctx, id)
		tl, _ := db.Timeline(app.Ctx, id)
		var said []string
		for _, e := range tl {
			if e.Kind == aftersales.EventCustomerMessage {
				said = append(said, e.Body)
			}
		}
		if tk.Channel != aftersales.ChannelChat || tk.Nature != aftersales.NatureRepair || strings.Join(said, "|") != "冰箱冷藏室不制冷|型号 BCD-470" {
			t.Fatalf("ticket %+v messages %q", tk, said)
		}
		cust, _ := db.FindCustomer(app.Ctx, *tk.CustomerID)
		if cust.Name != "小李" || cust.Phone != "13900001111" {
			t.Errorf("customer %q %q", cust.Name, cust.Phone)
		}

		// An agent's reply reaches the bridge through the comment webhook,
		// carrying the conversation id.
		if _, err := db.CreateWebhook(app.Ctx, aftersales.Webhook{URL: "http://127.0.0.1:9/hook", Secret: "bridge-secret-0123456789",
			Events: []string{aftersales.HookTicketComment}, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddComment(app.Ctx, id, aftersales.CommentInput{Body: "您好，请问购买多久了？", Public: true}); err != nil {
			t.Fatal(err)
		}
		due, _ := db.ClaimDeliveries(app.Ctx, 10, time.Minute)
		if len(due) != 1 || !strings.Contains(due[0].Payload, `"conversation_id":"wechat:oUser-42"`) {
			t.Fatalf("deliveries: %v", due)
		}

		// Once the ticket is closed, the conversation opens a new one.
		for _, to := range []aftersales.Status{aftersales.StatusAccepted, aftersales.StatusResolved, aftersales.StatusClosed} {
			cur, _ := db.FindTicket(app.Ctx, id)
			if _, err := db.Transition(app.Ctx, id, aftersales.TransitionInput{To: to, Version: cur.Version, Reason: "已处理"}); err != nil {
				t.Fatal(err)
			}
		}
		s, out = post(msg("m3", "又坏了"), nil)
		if s != 201 || int64(out["ticket_id"].(float64)) == id {
			t.Fatalf("after close: %d %v", s, out)
		}
		nt, _ := db.FindTicket(app.Ctx, int64(out["ticket_id"].(float64)))
		if !strings.Contains(nt.Description, tk.Number) || len(nt.Tags) != 1 || nt.Tags[0] != "follow-up" {
			t.Errorf("follow-up ticket: %q %v", nt.Description, nt.Tags)
		}
		if count() != 2 {
			t.Fatalf("tickets: %d", count())
		}
	})
}

func TestChatWebhookOff(t *testing.T) {
	db := testutil.OpenDB(t, sqlstore.SQLite)
	fs, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: db.Now,
		FormKey: []byte("test-form-key-0123456789"), Shared: db}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	res, err := http.Post(hs.URL+web.ChatPath, "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(string(b), "AFTERSALES_CHAT_SECRET") {
		t.Fatalf("without a secret: %d %s", res.StatusCode, b)
	}
}
