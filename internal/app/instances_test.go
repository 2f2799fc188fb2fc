package app

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/sqlstore"
	"aftersales/internal/testutil"
)

// InstancesDurationEnv sets how long TestInstancesUnderLoad drives the
// instances (a Go duration, at least 5s; default one minute): shorter for
// a quick check while working (15s), longer for a soak on demand:
// AFTERSALES_INSTANCES_DURATION=10m go test ./internal/app -run TestInstancesUnderLoad -timeout 30m
const InstancesDurationEnv = "AFTERSALES_INSTANCES_DURATION"

// TestInstancesUnderLoad is the proof of issue #18 across processes: the
// aftersales binary is built once and started as separate OS processes on
// one fresh PostgreSQL database, sharing nothing but it: A (--role all),
// B (--role web), C (--role worker) and D (--role all, killed with
// SIGKILL while a delivery it sent waits for its answer). `aftersales bench` drives A and B with the bench mix
// while the jobs run, and the webhooks and notification emails go to a
// real HTTP receiver and a real SMTP server on loopback. Then:
//   - every ticket acknowledged exists once (bench counts and D's creates);
//   - every webhook delivery id and every email arrives exactly once, and
//     they are the outbox's rows, all sent; only rows D had claimed when it
//     died may arrive twice, with the same delivery id (at least once);
//   - every SLA step due fired once and was announced by one webhook;
//   - the improvement loop's reminders and escalations were sent once;
//   - a policy changed through A is used by B's next create;
//   - a file uploaded through A downloads through B;
//   - a form shown by A is accepted by B.
func TestInstancesUnderLoad(t *testing.T) {
	dsn := testutil.DSN(t, sqlstore.Postgres) // skips without PostgreSQL, fails under CI=true
	dur := time.Minute
	if v := os.Getenv(InstancesDurationEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 5*time.Second {
			t.Fatalf("%s=%q: want a Go duration of at least 5s", InstancesDurationEnv, v)
		}
		dur = d
	}
	exe := buildAftersales(t)
	ctx := context.Background()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })

	// The configuration, written through a store of the test's own (it is
	// not one of the instances): a team of two, a supervisor for the
	// escalations, an SLA policy whose warning and escalation fall due
	// within the run, a second one the test changes, an automation that
	// mails the supervisor of every new ticket and a webhook.
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	db.Zone, db.EmailNotifications, db.Instance = testutil.Shanghai(t), true, "test"
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actx, _ := testutil.Admin(t, db)
	team, err := db.CreateTeam(actx, aftersales.TeamInput{Code: "hotline", Name: "热线组"})
	if err != nil {
		t.Fatal(err)
	}
	tech := testutil.MustUser(t, actx, db, "tech@example.com", aftersales.RoleTechnician, &team.ID)
	lead := testutil.MustUser(t, actx, db, "lead@example.com", aftersales.RoleSupervisor, &team.ID)
	if _, err := db.CreatePolicy(actx, aftersales.SLAPolicy{Name: "电话一分钟响应", Priority: 20, Active: true,
		Conditions:       aftersales.SLAConditions{Channel: []aftersales.Channel{aftersales.ChannelPhone}},
		FirstResponseMin: 1, WarnAt: []float64{0.5},
		Escalations: []aftersales.EscalationStep{{AfterMinutes: 0, Notify: aftersales.NotifySupervisor}}}); err != nil {
		t.Fatal(err)
	}
	urgent, err := db.CreatePolicy(actx, aftersales.SLAPolicy{Name: "紧急工单", Priority: 10, Active: true,
		Conditions: aftersales.SLAConditions{Urgency: []aftersales.Urgency{aftersales.UrgencyUrgent}}, ResolutionMin: 600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAutomation(actx, aftersales.AutomationRule{Name: "新工单提醒", Active: true, Trigger: aftersales.TriggerCreated,
		Actions: []aftersales.AutomationAction{{Kind: aftersales.ActionNotify, Notify: aftersales.NotifySupervisor, Text: "有新的工单"}}}); err != nil {
		t.Fatal(err)
	}
	rc := &deliveries{got: map[string]int{}, steps: map[string]map[string]bool{}}
	hookSrv := httptest.NewServer(rc)
	t.Cleanup(hookSrv.Close)
	if _, err := db.CreateWebhook(actx, aftersales.Webhook{URL: hookSrv.URL + "/hook", Secret: "two-instances-secret", Active: true,
		Events: []string{aftersales.HookTicketCreated, aftersales.HookSLAWarning, aftersales.HookSLAEscalation}}); err != nil {
		t.Fatal(err)
	}
	sink := testutil.StartSMTP(t, 0)

	// Phone tickets of the team, created five minutes ago: their warning
	// and escalation are due when the instances start, so the first SLA
	// sweeps of A, C and D race for them.
	cust := testutil.MustCustomer(t, actx, db, "电话客户")
	seed := func(n int, age time.Duration, title string) {
		t.Helper()
		db.Now = func() time.Time { return time.Now().Add(-age) }
		defer func() { db.Now = time.Now }()
		for i := range n {
			in := testutil.TicketInput(cust.ID, fmt.Sprintf("%s %d", title, i))
			in.TeamID = &team.ID
			if _, err := db.CreateTicket(actx, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	const seeded = 100
	seed(seeded, 5*time.Minute, "开机前已超时")

	// Improvement items past their target date, each with an action due
	// tomorrow (a reminder) and one due yesterday (an escalation): the
	// improvement loop of A, C and D sweeps when each starts.
	const items = 10
	today := time.Now().In(db.Zone)
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	for i := range items {
		it, err := db.CreateItem(actx, aftersales.ItemInput{Title: fmt.Sprintf("首次响应太慢 %d", i), KPI: "frt_mean", TargetDate: day(-2), OwnerID: &lead.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, due := range []string{day(1), day(-1)} {
			if _, err := db.SaveAction(actx, it.ID, 0, 0, aftersales.ActionInput{Description: "回访培训 " + due, OwnerID: tech.ID, Due: due}); err != nil {
				t.Fatal(err)
			}
		}
	}

	code, tok := run(t, map[string]string{"AFTERSALES_DB": dsn}, "token", "create", "--user", "admin@example.com")
	if code != 0 {
		t.Fatalf("token: %s", tok)
	}
	tok = strings.TrimSpace(tok)

	env := []string{"AFTERSALES_DB=" + dsn, "AFTERSALES_SMTP_ADDR=" + sink.Addr, "AFTERSALES_SMTP_TLS=none",
		"AFTERSALES_SMTP_FROM=service@example.com", "AFTERSALES_ADMIN_PASSWORD=admin-password-1", "AFTERSALES_LOG_FORMAT=json"}
	a := startServe(t, exe, "A", env, "--role", "all")
	b := startServe(t, exe, "B", env, "--role", "web")
	c := startServe(t, exe, "C", env, "--role", "worker")
	d := startServe(t, exe, "D", env, "--role", "all")
	api := &apiClient{t: t, token: tok}

	// A form shown by A now is posted to B after the load (past the
	// form's minimum age).
	formTok := showForm(t, a.url)

	// The load: one bench process on A and one on B, at once.
	type benchRun struct {
		out  bytes.Buffer
		err  error
		done chan struct{}
	}
	var benches []*benchRun
	for _, base := range []string{a.url, b.url} {
		br := &benchRun{done: make(chan struct{})}
		benches = append(benches, br)
		cmd := exec.Command(exe, "bench", "--url", base, "--mix", "create=20,update=20,list=40,dashboard=20",
			"--clients", "4", "--duration", dur.String(), "--timeout", "30s")
		cmd.Env = append(baseEnv(), "AFTERSALES_TOKEN="+tok)
		cmd.Stdout, cmd.Stderr = &br.out, &br.out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { br.err = cmd.Wait(); close(br.done) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-br.done })
	}
	loadStart := time.Now()

	// Phone tickets created 30 s ago, now: their warning is due at once
	// and their escalation halfway through the load.
	const seededLive = 40
	seed(seededLive, 30*time.Second, "负载中超时")

	// A policy changed through A is used by B's next create.
	create := func(base, title string, urgency aftersales.Urgency) (map[string]any, int) {
		var tk map[string]any
		st := api.do("POST", base+"/api/v1/tickets", map[string]any{"channel": "api", "nature": "repair", "urgency": urgency,
			"customer_id": cust.ID, "title": title, "description": "两个实例"}, &tk)
		return tk, st
	}
	target := func(tk map[string]any) time.Duration {
		t.Helper()
		created, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(tk["created_at"]))
		due, err := time.Parse(time.RFC3339Nano, fmt.Sprint(tk["resolution_due_at"]))
		if err != nil {
			t.Fatalf("ticket without a resolution deadline: %v", tk)
		}
		return due.Sub(created).Round(time.Minute)
	}
	if tk, st := create(b.url, "策略修改前", aftersales.UrgencyUrgent); st != 201 || target(tk) != 600*time.Minute {
		t.Fatalf("create through B before the change: %d, target %v", st, tk["resolution_due_at"])
	}
	changed := *urgent
	changed.ResolutionMin, changed.ID, changed.Version = 300, 0, 0
	var updated aftersales.SLAPolicy
	if st := api.doIfMatch("PUT", fmt.Sprintf("%s/api/v1/sla-policies/%d", a.url, urgent.ID), strconv.FormatInt(urgent.Version, 10), changed, &updated); st != 200 {
		t.Fatalf("change the policy through A: %d", st)
	}
	changedAt := time.Now()
	tk, st := create(b.url, "策略修改后", aftersales.UrgencyUrgent)
	policyLag := time.Since(changedAt)
	if st != 201 || target(tk) != 300*time.Minute {
		t.Errorf("B's next create after the change through A: %d, target %v, want 300 min", st, target(tk))
	}

	// A file uploaded through A downloads through B.
	content := bytes.Repeat([]byte("两个实例共用一个数据库。\n"), 30000)
	ticketID := int64(tk["id"].(float64))
	var att struct{ ID int64 }
	if st := api.upload(fmt.Sprintf("%s/api/v1/tickets/%d/attachments", a.url, ticketID), "现场照片.txt", content, &att); st != 201 && st != 200 {
		t.Fatalf("upload through A: %d", st)
	}
	if st, got := api.get(fmt.Sprintf("%s/api/v1/attachments/%d", b.url, att.ID)); st != 200 || !bytes.Equal(got, content) {
		t.Errorf("download through B: %d, %d of %d bytes", st, len(got), len(content))
	}

	// D takes creates until it has acknowledged 50 (or the load is half
	// over), and is then killed: no ticket it acknowledged may be lost.
	var dAcked []int64
	for i := 0; len(dAcked) < 50 && time.Since(loadStart) < dur/2; i++ {
		if tk, st := create(d.url, fmt.Sprintf("实例D %d", i), aftersales.UrgencyNormal); st == 201 {
			dAcked = append(dAcked, int64(tk["id"].(float64)))
		}
	}
	// Then the receiver holds the first delivery D sends, and D is killed
	// while it waits for the answer: D sent it and never recorded it.
	dClaim := fmt.Sprintf("%%:%d/%%", d.cmd.Process.Pid)
	caught := rc.hunt(func(id string) bool {
		var n int
		err := raw.QueryRow(`SELECT count(*) FROM webhook_outbox WHERE delivery_id = $1 AND status = 'pending' AND claimed_by LIKE $2`, id, dClaim).Scan(&n)
		return err == nil && n == 1
	})
	// Tickets made meanwhile keep deliveries coming should the load be
	// over already, so D's next tick finds some to claim.
	more := time.NewTicker(500 * time.Millisecond)
	huntLimit := time.After(time.Minute)
	for hunting := true; hunting; {
		select {
		case <-caught:
			hunting = false
		case <-more.C:
			create(b.url, "等待实例D发送", aftersales.UrgencyNormal)
		case <-huntLimit:
			t.Error("instance D sent no delivery it had claimed within a minute")
			rc.hunt(nil)
			hunting = false
		}
	}
	more.Stop()
	d.kill(t)
	// What D had claimed and not recorded stays pending under its claim
	// until the lease (10 minutes) runs out; the test ends the lease as
	// the clock would, and the others send those rows again.
	heldHooks := stringSet(t, raw, `SELECT delivery_id FROM webhook_outbox WHERE status = 'pending' AND claimed_by LIKE $1`, dClaim)
	heldMails := stringSet(t, raw, `SELECT lower(to_addr) || ' ' || subject FROM email_outbox WHERE status = 'pending' AND claimed_by LIKE $1`, dClaim)
	for _, table := range []string{"webhook_outbox", "email_outbox"} {
		if _, err := raw.ExecContext(ctx, `UPDATE `+table+` SET next_attempt_at = 0 WHERE status = 'pending' AND claimed_by LIKE $1`, dClaim); err != nil {
			t.Fatal(err)
		}
	}

	for _, br := range benches {
		<-br.done
		if br.err != nil {
			t.Fatalf("bench: %v\n%s", br.err, br.out.String())
		}
	}
	loadTime := time.Since(loadStart)
	if s, body := postForm(t, b.url, formTok); s != http.StatusSeeOther {
		t.Errorf("form shown by A, posted to B: %d %.300s", s, body)
	}

	// Drained: every due SLA step fired and no outbox row is pending.
	// The jobs tick every 10 to 30 s; this waits for their outcome, with
	// a bound, and never for a fixed time.
	wantSteps := 2 * (seeded + seededLive)
	var pendingHooks, pendingMails, steps int
	drained := func() bool {
		t.Helper()
		err := raw.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM webhook_outbox WHERE status = 'pending'),
			(SELECT count(*) FROM email_outbox WHERE status = 'pending'), (SELECT count(*) FROM sla_steps)`).Scan(&pendingHooks, &pendingMails, &steps)
		if err != nil {
			t.Fatal(err)
		}
		return pendingHooks == 0 && pendingMails == 0 && steps >= wantSteps
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(3 * time.Minute)
	for !drained() {
		select {
		case <-tick.C:
		case <-limit:
			t.Fatalf("not drained after 3 minutes: %d webhooks and %d emails pending, %d of %d SLA steps fired", pendingHooks, pendingMails, steps, wantSteps)
		}
	}
	drainTime := time.Since(loadStart) - loadTime
	// The survivors stop cleanly, so the receivers hold everything sent.
	for _, p := range []*serveProc{a, b, c} {
		p.stop(t)
	}

	// Tickets: every acknowledged create exists, once.
	acked := 0
	for _, br := range benches {
		got := map[string][2]int{}
		for _, m := range benchLine.FindAllStringSubmatch(br.out.String(), -1) {
			n, _ := strconv.Atoi(m[2])
			e, _ := strconv.Atoi(m[3])
			got[m[1]] = [2]int{n, e}
		}
		if got["total"][0] == 0 || got["total"][1] != 0 {
			t.Errorf("bench: %d requests, %d errors:\n%s", got["total"][0], got["total"][1], br.out.String())
		}
		acked += got["create"][0] - got["create"][1] + 4 // and one ticket per client before the measurement
	}
	var benchTickets, distinctNumbers, lostD int
	if err := raw.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT number) FROM tickets WHERE title LIKE 'bench %'`).Scan(&benchTickets, &distinctNumbers); err != nil {
		t.Fatal(err)
	}
	if benchTickets != acked || distinctNumbers != benchTickets {
		t.Errorf("bench tickets: %d in the database (%d numbers), %d acknowledged", benchTickets, distinctNumbers, acked)
	}
	for _, id := range dAcked {
		var n int
		if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM tickets WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
			lostD++
		}
	}
	if len(dAcked) == 0 || lostD != 0 {
		t.Errorf("instance D acknowledged %d tickets before SIGKILL; %d of them are not in the database", len(dAcked), lostD)
	}

	// Webhooks: the outbox's rows, each delivered and received once; a
	// row D held when it died may have arrived twice, never more.
	outbox := stringSet(t, raw, `SELECT delivery_id FROM webhook_outbox`)
	sent := stringSet(t, raw, `SELECT delivery_id FROM webhook_outbox WHERE status = 'delivered'`)
	rc.mu.Lock()
	twice, unknown, missing := 0, 0, 0
	for id, n := range rc.got {
		switch {
		case !outbox[id]:
			unknown++
		case n == 2 && heldHooks[id]:
			twice++
		case n != 1:
			t.Errorf("webhook delivery %s arrived %d times", id, n)
		}
	}
	for id := range outbox {
		if rc.got[id] == 0 {
			missing++
		}
	}
	received, arrivals := len(rc.got), 0
	for _, n := range rc.got {
		arrivals += n
	}
	stepHooks := rc.steps
	rc.mu.Unlock()
	if twice == 0 {
		t.Errorf("no delivery arrived again after D died, though D was killed holding %d: %v", len(heldHooks), heldHooks)
	}
	if unknown != 0 || missing != 0 || len(sent) != len(outbox) {
		t.Errorf("webhooks: %d outbox rows, %d delivered, %d received; %d unknown ids, %d never received", len(outbox), len(sent), received, unknown, missing)
	}

	// SLA steps: each fired once (the primary key says so) and was
	// announced by exactly one delivery.
	rows, err := raw.QueryContext(ctx, `SELECT ticket_id, step FROM sla_steps`)
	if err != nil {
		t.Fatal(err)
	}
	fired := 0
	for rows.Next() {
		var id int64
		var step string
		if err := rows.Scan(&id, &step); err != nil {
			t.Fatal(err)
		}
		fired++
		if ids := stepHooks[fmt.Sprintf("%d %s", id, step)]; len(ids) != 1 {
			t.Errorf("SLA step %s of ticket %d: announced by %d deliveries %v", step, id, len(ids), ids)
		}
	}
	rows.Close()
	if fired != wantSteps {
		t.Errorf("SLA steps fired: %d, want %d", fired, wantSteps)
	}

	// Emails: the same messages as the outbox's rows (by recipient and
	// subject), each once, all sent.
	wantMail := map[string]int{}
	rows, err = raw.QueryContext(ctx, `SELECT to_addr, subject, status FROM email_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	unsent := 0
	for rows.Next() {
		var to, subject, status string
		if err := rows.Scan(&to, &subject, &status); err != nil {
			t.Fatal(err)
		}
		wantMail[strings.ToLower(to)+" "+subject]++
		if status != "sent" {
			unsent++
		}
	}
	rows.Close()
	gotMail := map[string]int{}
	msgs := sink.Messages()
	for _, m := range msgs {
		gotMail[strings.ToLower(strings.Trim(m.To, "<>"))+" "+mailSubject(t, m.Data)]++
	}
	mailTwice := 0
	for k, n := range gotMail {
		switch w := wantMail[k]; {
		case n == w:
		case n > w && n <= 2*w && heldMails[k]:
			mailTwice += n - w
		default:
			t.Errorf("email %q: %d received, %d in the outbox", k, n, w)
		}
	}
	for k, w := range wantMail {
		if gotMail[k] == 0 {
			t.Errorf("email %q (%d in the outbox) never arrived", k, w)
		}
	}
	if unsent != 0 {
		t.Errorf("emails: %d outbox rows not sent", unsent)
	}

	// The improvement loop: every reminder and escalation once, though
	// three instances swept at their start.
	var reminders, overdue, repeated int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE kind = 'improvement.reminder'), count(*) FILTER (WHERE kind = 'improvement.overdue'),
		count(*) - count(DISTINCT (user_id, kind, title)) FROM notifications WHERE kind LIKE 'improvement.%'`).Scan(&reminders, &overdue, &repeated); err != nil {
		t.Fatal(err)
	}
	if reminders != items || overdue < 2*items || repeated != 0 {
		t.Errorf("improvement loop: %d reminders (want %d), %d escalations (want at least %d), %d notified again", reminders, items, overdue, 2*items, repeated)
	}

	var tickets int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&tickets); err != nil {
		t.Fatal(err)
	}
	t.Logf("load %s (+%s to drain): %d tickets (%d by bench, %d acknowledged by D before SIGKILL, %d of them lost); "+
		"%d webhook deliveries in the outbox, %d received in %d requests (%d twice after D's death, of %d it held); "+
		"%d emails in the outbox, %d received (%d again after D's death, of %d it held); %d SLA steps fired; "+
		"improvement loop: %d reminders and %d escalations; B's create after A's policy change: %s after it",
		loadTime.Round(time.Second), drainTime.Round(time.Second), tickets, benchTickets, len(dAcked), lostD,
		len(outbox), received, arrivals, twice, len(heldHooks), sum(wantMail), len(msgs), mailTwice, len(heldMails), fired,
		reminders, overdue, policyLag.Round(time.Millisecond))
	for _, br := range benches {
		t.Logf("bench:\n%s", br.out.String())
	}
}

// deliveries is the webhook receiver: it counts deliveries by
// X-Aftersales-Delivery, and SLA announcements by ticket and step. A
// delivery that catch picks is counted, then held unanswered (a stuck
// receiver) and sent to caught; the hold ends when the sender goes away.
type deliveries struct {
	mu     sync.Mutex
	got    map[string]int
	steps  map[string]map[string]bool // "ticket step" → the delivery ids that announced it
	catch  func(id string) bool
	caught chan string
}

func (d *deliveries) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Event  string `json:"event"`
		Ticket struct {
			ID int64 `json:"id"`
		} `json:"ticket"`
		Data struct {
			Step string `json:"step"`
		} `json:"data"`
	}
	err := json.NewDecoder(r.Body).Decode(&body)
	id := r.Header.Get("X-Aftersales-Delivery")
	d.mu.Lock()
	d.got[id]++
	if err == nil && strings.HasPrefix(body.Event, "sla.") {
		// Counted by delivery id: a delivery D held when it was killed
		// is legitimately sent again, and is still one announcement.
		key := fmt.Sprintf("%d %s", body.Ticket.ID, body.Data.Step)
		if d.steps[key] == nil {
			d.steps[key] = map[string]bool{}
		}
		d.steps[key][id] = true
	}
	catch := d.catch
	d.mu.Unlock()
	if catch != nil && catch(id) {
		d.mu.Lock()
		first := d.catch != nil
		d.catch = nil
		d.mu.Unlock()
		if first {
			d.caught <- id
			<-r.Context().Done()
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// hunt makes the receiver hold the first delivery catch picks.
func (d *deliveries) hunt(catch func(id string) bool) <-chan string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.catch, d.caught = catch, make(chan string, 1)
	return d.caught
}

// buildAftersales builds the aftersales command once for the test.
func buildAftersales(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	exe := filepath.Join(t.TempDir(), "aftersales")
	if out, err := exec.Command(goTool, "build", "-o", exe, "aftersales/cmd/aftersales").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// baseEnv is the environment of a started process: only what it needs
// to run, so the developer's AFTERSALES_* settings do not leak in.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// serveProc is one `aftersales serve` process.
type serveProc struct {
	name string
	url  string
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe starts `aftersales serve` on a free port with its own data
// directory and waits until it listens. The process is stopped when the
// test ends; its output is shown if the test failed.
func startServe(t *testing.T, exe, name string, env []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(append(baseEnv(), env...), "AFTERSALES_DATA_DIR="+t.TempDir())
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(&p.out, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("instance %s:\n%s", p.name, tail(p.out.String(), 4000))
		}
	})
	select {
	case p.url = <-ready:
	case <-p.done:
		t.Fatalf("instance %s exited before listening:\n%s", name, p.out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("instance %s did not start:\n%s", name, p.out.String())
	}
	return p
}

// stop ends the process as an operator does (SIGTERM) and waits for it.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("instance %s did not stop", p.name)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("instance %s exited %d:\n%s", p.name, code, tail(p.out.String(), 4000))
	}
}

// kill ends the process with SIGKILL: no shutdown, no cleanup.
func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// apiClient calls the JSON API with a token.
type apiClient struct {
	t     *testing.T
	token string
}

func (c *apiClient) send(req *http.Request, out any) (int, []byte) {
	c.t.Helper()
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil // a refused connection: the instance is gone
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(body, out); err != nil {
			c.t.Fatalf("%s %s: %v: %.300s", req.Method, req.URL, err, body)
		}
	}
	return res.StatusCode, body
}

func (c *apiClient) do(method, u string, in, out any) int { return c.doIfMatch(method, u, "", in, out) }

func (c *apiClient) doIfMatch(method, u, ifMatch string, in, out any) int {
	c.t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		c.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	st, _ := c.send(req, out)
	return st
}

func (c *apiClient) get(u string) (int, []byte) {
	req, _ := http.NewRequest("GET", u, nil)
	return c.send(req, nil)
}

func (c *apiClient) upload(u, name string, content []byte, out any) int {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, _ := c.send(req, out)
	return st
}

var formField = regexp.MustCompile(`name="ft" value="([^"]+)"`)

// showForm loads the public web form and returns its signed token.
func showForm(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/form?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := formField.FindSubmatch(b)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("form: %d", res.StatusCode)
	}
	return string(m[1])
}

// postForm submits the web form with token; 303 means accepted.
func postForm(t *testing.T, base, token string) (int, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/form", url.Values{"ft": {token}, "lang": {"en"}, "name": {"陈先生"}, "phone": {"138 0013 8000"},
		"nature": {"repair"}, "title": {"洗衣机不脱水"}, "description": {"滚筒洗衣机脱水时报 E21。"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// stringSet runs a query of one text column.
func stringSet(t *testing.T, db *sql.DB, q string, args ...any) map[string]bool {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[s] = true
	}
	return out
}

// mailSubject is a received message's decoded Subject.
func mailSubject(t *testing.T, data string) string {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("unreadable email: %v", err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", m.Header.Get("Subject"), err)
	}
	return s
}
