package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/sqlstore"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium; CI must have it, a developer may not.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("AFTERSALES_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run must install it")
	}
	t.Skip("chromium not installed (apt-get install chromium); skipping the browser test")
	return ""
}

// startApp runs the real Main on a free port and returns its base URL.
// browser starts a headless chromium (exe) with its profile in dir, a
// w×h window and the language lang, for at most timeout; it closes when
// the test ends. extra adds allocator options.
func browser(t *testing.T, exe, dir string, w, h int, lang string, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(dir), chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("lang", lang),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return ctx
}

func startApp(t *testing.T, args []string, env map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{Args: args, Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &out,
			Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("Main exited %d: %s", code, out.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr, &out.buf
	case code := <-done:
		done <- code
		t.Fatalf("Main exited %d before listening: %s", code, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("server did not start: %s", out.String())
	}
	return "", nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func strconvQuote(s string) string { return strconv.Quote(s) }

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// TestBrowserCreateTicket signs in, creates a ticket through the console
// and finds it in the list, in Debian's chromium.
func TestBrowserCreateTicket(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	base, _ := startApp(t, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo", "--demo-tickets", "400"},
		map[string]string{"AFTERSALES_ADMIN_PASSWORD": "e2e-password-1"})

	ctx := browser(t, exe, filepath.Join(dir, "chrome"), 1280, 900, "zh-CN", 90*time.Second)
	csp := watchConsole(t, ctx)

	title := "E2E 测试：热水器不点火 " + time.Now().Format("150405")
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/tickets"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
	)
	if err != nil {
		t.Fatalf("login page: %v", err)
	}
	// The policy is in force: an inline script is refused and reported.
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.createElement("script");
		s.textContent = "window.__inlineRan = true"; document.head.appendChild(s); return !!window.__inlineRan; })()`))
	if err != nil || ran {
		t.Fatalf("an inline script ran (%v): no Content-Security-Policy", err)
	}
	if got := csp.drain(t, ctx); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "script-src") {
		t.Fatalf("the refused inline script was not reported: %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "e2e-password-1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-table")),
		chromedp.Click(chromedp.CSS("#new-ticket")),
		chromedp.WaitVisible(chromedp.CSS("#customer_q")),
		// Phone intake: find the customer by the first digits of a phone number.
		chromedp.SendKeys(chromedp.CSS("#customer_q"), "1"),
		chromedp.WaitVisible(chromedp.CSS(`#customer-pick input[name="customer_id"]`)),
		chromedp.Click(chromedp.CSS(`#customer-pick input[name="customer_id"]`)),
		chromedp.SendKeys(chromedp.CSS("#title"), title),
		chromedp.SendKeys(chromedp.CSS("#description"), "客户来电：燃气热水器打不着火。"),
		chromedp.Click(chromedp.CSS("#save-ticket")),
		chromedp.WaitVisible(chromedp.CSS("#ticket-number")),
	)
	if err != nil {
		t.Fatalf("create through the console: %v", err)
	}
	shot(t, ctx, "ticket.png")
	number, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#ticket-number")))
	if err != nil || !strings.HasPrefix(number, "AS") {
		t.Fatalf("ticket number %q, %v", number, err)
	}
	// Find it in the list by searching its Chinese title.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/tickets"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "热水器不点火 "+title[len(title)-6:]),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-table a[href]`)),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	// htmx swaps the rows in after its keyup delay: wait until the list
	// holds exactly the new ticket.
	js := `(() => { const rows = document.querySelectorAll("#ticket-table tbody tr");
		return rows.length === 1 && rows[0].innerText.includes(` + strconvQuote(number) + `); })()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the list never showed only %s: %v", number, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#ticket-table tbody")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows, number) || !strings.Contains(rows, title) {
		t.Fatalf("list does not show %s %q: %q", number, title, rows)
	}
	shot(t, ctx, "tickets.png")

	// The quality dashboard draws its charts (SVG) from the option JSON,
	// over the demo data.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS("#tiles")),
	)
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	drawn := `(() => ["#chart-trend", "#chart-techs", "#chart-pareto", "#chart-heat", "#chart-dist", "#chart-stages"].every(id => {
		const el = document.querySelector(id);
		return el && el.dataset.rendered === "1" && el.querySelectorAll("svg path").length > 3; }))()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("dashboard charts not drawn: %v", err)
	}
	sparks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".spark[data-rendered] svg").length`))
	if err != nil || sparks < 10 {
		t.Fatalf("%d sparklines drawn, %v", sparks, err)
	}
	shot(t, ctx, "dashboard.png")

	// The improvement loop: the board with its root-cause Pareto, then an
	// item under analysis (the demo's late-arrival complaints): its
	// fishbone is drawn, a cause and the root cause are recorded through
	// the forms, and the item moves on to planning.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/quality/items"),
		chromedp.WaitVisible(chromedp.CSS("#board")),
	)
	if err != nil {
		t.Fatalf("improvement board: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const el = document.querySelector("#chart-root-causes");
		return el && el.dataset.rendered === "1" && el.querySelectorAll("svg path").length > 2; })()`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("root-cause Pareto not drawn: %v", err)
	}
	shot(t, ctx, "improvement-board.png")
	// submit clicks a button that posts a form and waits for the page
	// the server redirects to.
	submit := func(sel string) error {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__stale = true`)); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			return err
		}
		// The old page's context goes away during the navigation, so
		// evaluation errors are retried.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__stale && document.readyState === "complete"`)); err == nil && ok {
				return nil
			}
		}
		return fmt.Errorf("no new page after clicking %s", sel)
	}
	if err := submit(`#board .col[data-status="analysing"] a.item`); err != nil {
		t.Fatalf("open the item: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#cause-form select[name="category"]`), "method"),
		chromedp.SendKeys(chromedp.CSS(`#cause-form input[name="text"]`), "派单不看技师位置"),
	)
	if err == nil {
		err = submit(`#cause-form button[type="submit"]`)
	}
	if err != nil {
		t.Fatalf("add a fishbone cause: %v", err)
	}
	bones, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#fishbone-diagram svg text title")).map(t => t.textContent).join("|")`))
	if err != nil || !strings.Contains(bones, "派单不看技师位置") {
		t.Fatalf("fishbone causes %q, %v", bones, err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`#root-cause-form select[name="code"]`), "method.dispatch_rule")); err != nil {
		t.Fatal(err)
	}
	if err := submit(`#root-cause-form button[type="submit"]`); err != nil {
		t.Fatalf("root cause: %v", err)
	}
	if err := submit(`#transitions button[data-to="planning"]`); err != nil {
		t.Fatalf("move to planning: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#item-status")))
	if err != nil || (status != "措施制定" && status != "Planning") {
		t.Fatalf("item status %q after moving to planning, %v", status, err)
	}
	shot(t, ctx, "improvement-item.png")
	// Nothing on any page broke the policy or threw: htmx, ECharts and the
	// chart script all run from files.
	if got := csp.drain(t, ctx); len(got) > 0 {
		t.Errorf("console errors or policy violations:\n%s", strings.Join(got, "\n"))
	}
	if os.Getenv("AFTERSALES_SCREENSHOT_DIR") != "" {
		// The same pages on a phone-sized screen.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#ticket-table"))); err == nil {
			shot(t, ctx, "phone-tickets.png")
		}
	}
}

// consoleWatch collects what the pages report to the console that means
// trouble: policy violations (from a securitypolicyviolation listener put
// into every document, and the browser's own report), uncaught exceptions
// and console errors. Network errors (a missing favicon) are not trouble.
type consoleWatch struct {
	mu       sync.Mutex
	problems []string
	marks    chan string
}

func watchConsole(t *testing.T, ctx context.Context) *consoleWatch {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", e => console.error("CSP violation: " + e.violatedDirective +
			" blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber));`})
	if err != nil {
		t.Fatal(err)
	}
	w := &consoleWatch{marks: make(chan string, 16)}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(m.Text, "e2e-mark-"):
				w.marks <- m.Text
			case m.IsException(), m.Type == chromedp.ConsoleError && m.Source != "network",
				m.Source == "security", strings.Contains(m.Text, "Content Security Policy"):
				w.mu.Lock()
				w.problems = append(w.problems, m.String()+" ("+m.URL+")")
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// drain returns the problems reported so far and forgets them. A mark
// logged through the page and read back makes sure every earlier message
// has been seen.
func (w *consoleWatch) drain(t *testing.T, ctx context.Context) []string {
	t.Helper()
	mark := "e2e-mark-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`console.log(`+strconvQuote(mark)+`)`)); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case m := <-w.marks:
			if m != mark {
				continue
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			got := w.problems
			w.problems = nil
			return got
		case <-ctx.Done():
			t.Fatalf("the console mark never came back: %v", ctx.Err())
		}
	}
}

// shot saves a full-page PNG when AFTERSALES_SCREENSHOT_DIR is set, so a
// developer can look at what the test saw.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("AFTERSALES_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name), png, 0o644)
}

// sideStore opens the database of a server started with --data-dir dir,
// beside it, in the app's default zone, and returns it with a context
// acting as its administrator: browser tests put their data in through
// the store the server reads.
func sideStore(t *testing.T, dir string) (*sqlstore.DB, context.Context) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(dir, "aftersales.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if db.Zone, err = time.LoadLocation("Asia/Shanghai"); err != nil {
		t.Fatal(err)
	}
	admin, err := db.FirstAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return db, aftersales.NewContextWithUser(context.Background(), admin)
}
