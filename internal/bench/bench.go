// Package bench is the load generator behind `aftersales bench`: a fixed
// number of clients send a weighted mix of API requests (create a ticket,
// change one of the tickets it created, read a list page, read a
// dashboard KPI) to a running server for a bounded time or number of
// requests, and the run is summed up per operation: count, errors by
// status, throughput and latency percentiles. It speaks only the public
// HTTP API, so users can point it at their own server; it never touches a
// database.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The operations a mix can name.
const (
	OpCreate    = "create"    // POST /tickets
	OpUpdate    = "update"    // PATCH /tickets/{id}: urgency and title of a ticket this run created
	OpList      = "list"      // GET /tickets: the first page of 50
	OpDashboard = "dashboard" // GET /metrics/kpis/res_sla: 12 months by team, as a dashboard chart
)

// Ops lists the operations in report order.
var Ops = []string{OpCreate, OpUpdate, OpList, OpDashboard}

// Weight is one operation's share of a mix, in percent.
type Weight struct {
	Op      string
	Percent int
}

// ParseMix reads "create=20,update=20,list=40,dashboard=20". The shares
// are whole percentages that sum to 100; every operation is known and
// named once. Errors name the --mix flag, as the command shows them.
func ParseMix(s string) ([]Weight, error) {
	var mix []Weight
	sum := 0
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, pct, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fmt.Errorf("--mix: %q is not operation=percent", part)
		}
		if !slices.Contains(Ops, name) {
			return nil, fmt.Errorf("--mix: unknown operation %q (known: %s)", name, strings.Join(Ops, ", "))
		}
		if slices.ContainsFunc(mix, func(w Weight) bool { return w.Op == name }) {
			return nil, fmt.Errorf("--mix: operation %q is named twice", name)
		}
		n, err := strconv.Atoi(strings.TrimSpace(pct))
		if err != nil || n < 0 || n > 100 {
			return nil, fmt.Errorf("--mix: share of %q must be a whole percentage 0-100, not %q", name, pct)
		}
		sum += n
		if n > 0 {
			mix = append(mix, Weight{name, n})
		}
	}
	if sum != 100 {
		return nil, fmt.Errorf("--mix: shares sum to %d, they must sum to 100", sum)
	}
	return mix, nil
}

// Schedule spreads a mix over 100 slots so that every stretch of requests
// follows the mix closely (smooth weighted round robin): request i runs
// operation Schedule[i%100]. A run of N requests therefore holds each
// operation a known number of times.
func Schedule(mix []Weight) []string {
	cur := make([]int, len(mix))
	out := make([]string, 0, 100)
	for range 100 {
		best := 0
		for i, w := range mix {
			cur[i] += w.Percent
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= 100
		out = append(out, mix[best].Op)
	}
	return out
}

// Config is one run.
type Config struct {
	URL      string // the server's base URL, e.g. http://127.0.0.1:8080
	Token    string // an API token (Bearer)
	Mix      []Weight
	Clients  int
	Duration time.Duration // measured time; 0 = until Requests are done
	Requests int           // measured requests in all; 0 = until Duration is over
	Warmup   time.Duration // requests before the measurement, not counted
	Timeout  time.Duration // per request
	HTTP     *http.Client  // nil: one made for the run
	Now      func() time.Time
}

// Validate checks a configuration, naming the flag at fault.
func (c *Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	if c.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--url: must be the server's http(s) address, e.g. http://127.0.0.1:8080"))
	}
	if c.Token == "" {
		errs = append(errs, fmt.Errorf("--token: an API token is required (aftersales token create --user EMAIL)"))
	}
	if len(c.Mix) == 0 {
		errs = append(errs, fmt.Errorf("--mix: at least one operation is required"))
	}
	if c.Clients < 1 || c.Clients > 10000 {
		errs = append(errs, fmt.Errorf("--clients: must be between 1 and 10000"))
	}
	if c.Duration < 0 || c.Requests < 0 || c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("--duration, --requests, --warmup: must not be negative"))
	}
	if c.Duration == 0 && c.Requests == 0 {
		errs = append(errs, fmt.Errorf("--duration or --requests: a run needs a bound"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout: must be positive"))
	}
	return errors.Join(errs...)
}

// Stats sums up one operation, or all of them.
type Stats struct {
	Op       string
	Count    int            // requests finished (successes and errors)
	Errors   map[string]int // by HTTP status, or "network"
	PerSec   float64        // Count per second of the measured time
	P50, P95 time.Duration  // latency of successful requests
	P99      time.Duration
	Max      time.Duration
}

// ErrorCount is the number of failed requests.
func (s Stats) ErrorCount() int {
	n := 0
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// Report is a finished run.
type Report struct {
	Clients int
	Elapsed time.Duration // the measured time, from its start to the last answer
	Ops     []Stats       // in mix order
	Total   Stats
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d clients, %s measured\n", r.Clients, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "%-10s %9s %7s %10s %9s %9s %9s %9s\n", "operation", "requests", "errors", "req/s", "p50", "p95", "p99", "max")
	line := func(s Stats) {
		fmt.Fprintf(w, "%-10s %9d %7d %10.1f %9s %9s %9s %9s\n", s.Op, s.Count, s.ErrorCount(), s.PerSec,
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	}
	for _, s := range r.Ops {
		line(s)
	}
	line(r.Total)
	for _, s := range r.Ops {
		if len(s.Errors) == 0 {
			continue
		}
		var keys []string
		for k := range s.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s×%d", k, s.Errors[k]))
		}
		fmt.Fprintf(w, "errors of %s: %s\n", s.Op, strings.Join(parts, ", "))
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

// sample is one finished request.
type sample struct {
	op      int
	latency time.Duration
	status  string // "" on success
}

// owned is a ticket this run created, with the version last seen; a
// client takes it out of the pool to change it, so no two requests
// race on one version. Answers decode straight into it: a ticket's
// other fields are skipped in the one pass over the body.
type owned struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
}

type runner struct {
	cfg      Config
	http     *http.Client
	base     string
	customer int64
	day      string // today, for titles
	auth     string // the Authorization header's value
	// conns are the clients' own keep-alive connections to a plain http
	// URL (one each, used only by its client's goroutine); nil when the
	// requests go through http (an https URL, or Config.HTTP given).
	conns []*conn
	host  string // host:port to dial for conns
	// bodies are each client's create body: the same for every create of
	// the run, so it is encoded once.
	bodies [][]byte

	mu   sync.Mutex
	pool []owned
}

// Run performs the run: a setup (one customer, and one ticket per client
// when the mix updates), the warmup, then the measured requests.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &runner{cfg: cfg, http: cfg.HTTP, base: strings.TrimRight(cfg.URL, "/") + "/api/v1", auth: "Bearer " + cfg.Token}
	if u, err := url.Parse(cfg.URL); err == nil && r.http == nil && u.Scheme == "http" {
		r.conns = make([]*conn, cfg.Clients)
		r.host = u.Host
		if u.Port() == "" {
			r.host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	if r.http == nil {
		r.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients}}
	}
	r.day = cfg.Now().Format("2006-01-02")
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	sched := Schedule(cfg.Mix)
	ops := make([]string, len(cfg.Mix))
	for i, w := range cfg.Mix {
		ops[i] = w.Op
	}
	index := func(op string) int { return slices.Index(ops, op) }

	if cfg.Warmup > 0 {
		var next atomic.Int64
		end := cfg.Now().Add(cfg.Warmup)
		r.phase(ctx, func() (int, bool) {
			if !cfg.Now().Before(end) {
				return 0, false
			}
			return index(sched[next.Add(1)%100]), true
		}, nil)
	}

	var next atomic.Int64
	start := cfg.Now()
	end := start.Add(cfg.Duration)
	results := make([][]sample, cfg.Clients)
	r.phase(ctx, func() (int, bool) {
		if cfg.Duration > 0 && !cfg.Now().Before(end) {
			return 0, false
		}
		i := next.Add(1) - 1
		if cfg.Requests > 0 && i >= int64(cfg.Requests) {
			return 0, false
		}
		return index(sched[i%100]), true
	}, results)
	elapsed := cfg.Now().Sub(start)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return summarise(ops, results, elapsed, cfg.Clients), nil
}

// phase runs the clients until pick says stop; results, when given, get
// each client's samples.
func (r *runner) phase(ctx context.Context, pick func() (int, bool), results [][]sample) {
	var wg sync.WaitGroup
	for c := range r.cfg.Clients {
		wg.Go(func() {
			var mine []sample
			for ctx.Err() == nil {
				op, ok := pick()
				if !ok {
					break
				}
				t0 := r.cfg.Now()
				status := r.do(ctx, r.cfg.Mix[op].Op, c)
				mine = append(mine, sample{op: op, latency: r.cfg.Now().Sub(t0), status: status})
			}
			if results != nil {
				results[c] = mine
			}
		})
	}
	wg.Wait()
}

func summarise(ops []string, results [][]sample, elapsed time.Duration, clients int) *Report {
	rep := &Report{Clients: clients, Elapsed: elapsed}
	lat := make([][]time.Duration, len(ops))
	var all []time.Duration
	rep.Ops = make([]Stats, len(ops))
	for i, op := range ops {
		rep.Ops[i] = Stats{Op: op, Errors: map[string]int{}}
	}
	rep.Total = Stats{Op: "total", Errors: map[string]int{}}
	for _, rs := range results {
		for _, s := range rs {
			st := &rep.Ops[s.op]
			st.Count++
			rep.Total.Count++
			if s.status != "" {
				st.Errors[s.status]++
				rep.Total.Errors[s.status]++
				continue
			}
			lat[s.op] = append(lat[s.op], s.latency)
			all = append(all, s.latency)
		}
	}
	fill := func(st *Stats, l []time.Duration) {
		if elapsed > 0 {
			st.PerSec = float64(st.Count) / elapsed.Seconds()
		}
		if len(st.Errors) == 0 {
			st.Errors = nil
		}
		if len(l) == 0 {
			return
		}
		slices.Sort(l)
		st.P50, st.P95, st.P99, st.Max = quantile(l, 0.50), quantile(l, 0.95), quantile(l, 0.99), l[len(l)-1]
	}
	for i := range rep.Ops {
		fill(&rep.Ops[i], lat[i])
	}
	fill(&rep.Total, all)
	return rep
}

// quantile is the type-7 quantile (linear interpolation between order
// statistics), the definition the KPIs use, of sorted latencies.
func quantile(s []time.Duration, p float64) time.Duration {
	h := p * float64(len(s)-1)
	lo := int(h)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + time.Duration((h-float64(lo))*float64(s[lo+1]-s[lo]))
}

// setup finds what the operations need: a customer for new tickets and,
// when the mix updates tickets, one ticket per client to start from.
func (r *runner) setup(ctx context.Context) error {
	var cust struct {
		ID int64 `json:"id"`
	}
	status, err := r.call(ctx, 0, http.MethodPost, "/customers", "", map[string]any{"name": "aftersales bench", "kind": "person"}, &cust)
	if err != nil {
		return fmt.Errorf("setup: create a customer: %w", err)
	}
	if status != "" {
		return fmt.Errorf("setup: create a customer: %s (does --token belong to a user who may create customers and tickets?)", status)
	}
	r.customer = cust.ID
	r.bodies = make([][]byte, r.cfg.Clients)
	for c := range r.cfg.Clients {
		b, err := json.Marshal(map[string]any{
			"channel": "api", "nature": "repair", "urgency": "normal", "customer_id": r.customer,
			"title":       fmt.Sprintf("bench %s client %d", r.day, c),
			"description": "Created by aftersales bench.",
		})
		if err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		r.bodies[c] = b
	}
	for _, w := range r.cfg.Mix {
		if w.Op != OpUpdate {
			continue
		}
		for c := range r.cfg.Clients {
			if st := r.do(ctx, OpCreate, c); st != "" {
				return fmt.Errorf("setup: create a ticket to update: %s", st)
			}
		}
	}
	return nil
}

var urgencies = []string{"low", "normal", "high", "urgent"}

// do runs one operation and returns "" or the failure: the HTTP status,
// or "network".
func (r *runner) do(ctx context.Context, op string, client int) string {
	switch op {
	case OpCreate:
		var t owned
		st, _ := r.call(ctx, client, http.MethodPost, "/tickets", "", json.RawMessage(r.bodies[client]), &t)
		if st == "" && t.ID != 0 {
			r.mu.Lock()
			r.pool = append(r.pool, t)
			r.mu.Unlock()
		}
		return st
	case OpUpdate:
		r.mu.Lock()
		if len(r.pool) == 0 {
			r.mu.Unlock()
			return "no ticket to update"
		}
		// The newest ticket first, so updates land on recent, hot rows
		// as they do on a busy desk.
		t := r.pool[len(r.pool)-1]
		r.pool = r.pool[:len(r.pool)-1]
		r.mu.Unlock()
		var got owned
		st, _ := r.call(ctx, client, http.MethodPatch, "/tickets/"+strconv.FormatInt(t.ID, 10), strconv.FormatInt(t.Version, 10),
			map[string]any{"urgency": urgencies[(t.Version+int64(client))%int64(len(urgencies))]}, &got)
		if st == "" {
			t.Version = got.Version
		}
		if st == "" || st != "409" {
			r.mu.Lock()
			r.pool = append(r.pool, t)
			r.mu.Unlock()
		}
		return st
	case OpList:
		st, _ := r.call(ctx, client, http.MethodGet, "/tickets?limit=50", "", nil, nil)
		return st
	case OpDashboard:
		now := r.cfg.Now().UTC()
		to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		from := to.AddDate(0, -12, 0)
		st, _ := r.call(ctx, client, http.MethodGet, "/metrics/kpis/res_sla?grain=month&by=team&from="+from.Format("2006-01-02")+
			"&to="+to.Format("2006-01-02"), "", nil, nil)
		return st
	}
	return "unknown operation"
}

// call sends one request on client's connection. It returns "" on a 2xx
// answer, else the status code or "network"; err carries the detail.
func (r *runner) call(ctx context.Context, client int, method, path, ifMatch string, in, out any) (string, error) {
	var body []byte
	if raw, ok := in.(json.RawMessage); ok {
		body = raw
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "encode", err
		}
		body = b
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(method, r.base+path, bytes.NewReader(body))
	} else {
		req, err = http.NewRequest(method, r.base+path, nil)
	}
	if err != nil {
		return "network", err
	}
	req.Header.Set("Authorization", r.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	var res *http.Response
	var done func()
	if r.conns != nil {
		res, done, err = r.roundTrip(ctx, client, req)
	} else {
		tctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
		defer cancel()
		res, err = r.http.Do(req.WithContext(tctx))
		if err == nil {
			done = func() { res.Body.Close() }
		}
	}
	if err != nil {
		return "network", err
	}
	defer done()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
		return strconv.Itoa(res.StatusCode), fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, res.Body)
	} else {
		err = json.NewDecoder(res.Body).Decode(out)
	}
	if err != nil {
		return "network", err
	}
	return "", nil
}

// conn is one client's HTTP/1.1 connection, kept alive between its
// requests: the request is written and the answer read with net/http's
// own wire format (Request.Write, ReadResponse), on the client's
// goroutine. http.Transport would hand every request to a writer and a
// reader goroutine of the connection, three goroutine switches a request
// on the two cores the server shares with the bench.
type conn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

// roundTrip sends req on client's connection (dialled when it has none)
// within the timeout, or until ctx ends. done reads what is left of the
// answer, so the connection can carry the next request, and drops the
// connection when that is not possible or the server closes it.
//
// A kept-alive connection that the server closed meanwhile (its idle
// timeout) fails the next write, or ends before the first byte of an
// answer: the request then goes once more on a new connection, as
// http.Transport retries it. The server never read that request.
func (r *runner) roundTrip(ctx context.Context, client int, req *http.Request) (*http.Response, func(), error) {
	for attempt := 0; ; attempt++ {
		c := r.conns[client]
		reused := c != nil
		if c == nil {
			var d net.Dialer
			dctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
			nc, err := d.DialContext(dctx, "tcp", r.host)
			cancel()
			if err != nil {
				return nil, nil, err
			}
			c = &conn{nc: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc)}
			r.conns[client] = c
		}
		drop := func() {
			c.nc.Close()
			if r.conns[client] == c {
				r.conns[client] = nil
			}
		}
		c.nc.SetDeadline(time.Now().Add(r.cfg.Timeout))
		stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
		closed := false // the server closed the connection before answering
		res, err := func() (*http.Response, error) {
			if err := req.Write(c.bw); err != nil {
				closed = errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
				return nil, err
			}
			if err := c.bw.Flush(); err != nil {
				closed = errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
				return nil, err
			}
			if _, err := c.br.Peek(1); err != nil {
				closed = err == io.EOF || errors.Is(err, syscall.ECONNRESET)
				return nil, err
			}
			return http.ReadResponse(c.br, req)
		}()
		if err != nil {
			stopped := stop()
			drop()
			if closed && reused && stopped && attempt == 0 && (req.Body == nil || req.GetBody != nil) {
				if req.GetBody != nil {
					if req.Body, err = req.GetBody(); err != nil {
						return nil, nil, err
					}
				}
				continue
			}
			return nil, nil, err
		}
		return res, func() {
			_, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if !stop() || err != nil || res.Close {
				drop()
			}
		}, nil
	}
}
