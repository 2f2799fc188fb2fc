// Package web is the HTTP edge: the server, its middleware (request ids,
// logs, metrics, CSRF protection, authentication, idempotency), health
// endpoints and static files. The JSON API lives in web/api and the staff
// console in web/console; both sit behind the same middleware.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/web/api"
	"aftersales/internal/web/console"
	"aftersales/internal/web/httperr"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// SessionCookie names the console session cookie.
const SessionCookie = console.SessionCookie

const metricsPath = "/metrics"

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server serves the API, the console and the operational endpoints.
type Server struct {
	Services     aftersales.Services
	Idempotency  aftersales.IdempotencyStore
	DB           Pinger
	Files        *files.Store
	Log          *slog.Logger
	Now          func() time.Time
	Version      string
	Zone         *time.Location
	SecureCookie bool // set the Secure flag (always when served over TLS)
	// MaxAPIBody bounds JSON request bodies (uploads have their own limit).
	MaxAPIBody int64
	// ChatSecret is the HMAC key of the chat webhook; empty turns it off.
	ChatSecret string
	// Uploads keeps files uploaded for import in the console.
	Uploads aftersales.BlobStore
	// FormRate is how many web-form submissions one address may make per
	// hour (default 10).
	FormRate int
	// SurveyRate is how many survey answers one address may send per
	// hour (default 30).
	SurveyRate int
	// FormKey signs the web form's spam-trap tokens, and Shared counts its
	// submissions. Every instance on one database must share both, so that
	// a form shown by one instance is accepted by another and after a
	// restart, and an address has one budget: app reads the key from the
	// database at start (Shared.Secret(ctx, FormKeySecret)). Handler
	// needs both; OpsHandler neither.
	FormKey []byte
	Shared  aftersales.SharedState
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string
	// ServerEmail is the email configuration the flags set (shown
	// read-only on the Channels page); ChannelTester tries settings
	// against the mail servers (nil: no test buttons).
	ServerEmail   aftersales.ServerEmail
	ChannelTester aftersales.ChannelTester

	login  *loginGuard // password guesses
	tokens *backoff    // API token guesses, per address
	chats  *backoff    // chat signature guesses, per address
	// Collectors are further metrics for /metrics (the email channel's).
	Collectors []prometheus.Collector
	// RequestTimeout is every request's deadline, so that a frozen or
	// overloaded database answers 503 instead of holding requests; zero
	// means none. Imports and file transfers get LongRequestTimeout.
	RequestTimeout time.Duration

	console  *console.Console
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// FormKeySecret names the web form's signing key among the database's
// secrets (aftersales.SharedState).
const FormKeySecret = "web-form-key"

// setup fills in defaults, builds the metrics and returns a mux with the
// operational endpoints: /healthz, /readyz and /metrics.
func (s *Server) setup() *http.ServeMux {
	if s.MaxAPIBody == 0 {
		s.MaxAPIBody = 1 << 20
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aftersales_http_requests_total",
		Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "aftersales_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration)
	s.registry.MustRegister(s.Collectors...)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET "+metricsPath, s.metricsAuth(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	return mux
}

// OpsHandler serves only the operational endpoints (/healthz, /readyz,
// /metrics): what an instance that runs the background jobs and no
// screens (serve --role worker) offers.
func (s *Server) OpsHandler() http.Handler {
	mux := s.setup()
	var h http.Handler = mux
	h = securityHeaders(h)
	h = s.deadline(h)
	h = s.observe(mux, h)
	return h
}

// Handler builds the complete handler.
func (s *Server) Handler() http.Handler {
	if len(s.FormKey) < 16 || s.Shared == nil {
		panic("web: Server needs FormKey (at least 16 bytes) and Shared, the same for every instance on the database")
	}
	mux := s.setup()
	s.login, s.tokens, s.chats = newLoginGuard(s.Shared, s.Now), newGuessBackoff(s.Shared, "token:", s.Now), newGuessBackoff(s.Shared, "chat:", s.Now)
	api.Register(mux, &api.API{S: s.Services, Files: s.Files, Log: s.Log, Now: s.Now, Zone: s.Zone,
		ServerEmail: s.ServerEmail, ChannelTester: s.ChannelTester}, s.Version)
	mux.HandleFunc("POST "+ChatPath, s.chat)
	if s.FormRate == 0 {
		s.FormRate = 10
	}
	if s.SurveyRate == 0 {
		s.SurveyRate = 30
	}
	c := &console.Console{S: s.Services, Files: s.Files, Log: s.Log, Now: s.Now, Zone: s.Zone, SecureCookie: s.SecureCookie, Version: s.Version,
		FormLimit: &sharedLimiter{Store: s.Shared, Prefix: "form:", Rate: s.FormRate, Per: time.Hour, Now: s.Now}, FormKey: s.FormKey,
		SurveyLimit: &sharedLimiter{Store: s.Shared, Prefix: "survey:", Rate: s.SurveyRate, Per: time.Hour, Now: s.Now},
		Uploads:     s.Uploads, Login: s.login, ServerEmail: s.ServerEmail, ChannelTester: s.ChannelTester,
		PortalLimit: &sharedLimiter{Store: s.Shared, Prefix: "portal:", Rate: 20, Per: time.Hour, Now: s.Now}}
	c.Mount(mux)
	s.console = c
	api.RegisterPortal(mux, &api.API{S: s.Services, Files: s.Files, Log: s.Log, Now: s.Now, Zone: s.Zone}, s.Version)

	var h http.Handler = mux
	h = s.idempotent(h)
	h = s.portalAuth(h)
	h = s.authenticate(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	h = s.limitBodies(mux, h)
	h = s.deadline(h)
	h = s.observe(mux, h)
	return h
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Warn("readyz: database not ready", "err", err)
		http.Error(w, "database unavailable\n", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// metricsAuth asks for the metrics token when one is configured. The
// token is not a user's API token: the authenticate middleware leaves
// /metrics alone.
func (s *Server) metricsAuth(next http.Handler) http.Handler {
	if s.MetricsToken == "" {
		return next
	}
	want := sha256.Sum256([]byte(s.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(strings.TrimSpace(secret)))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aftersales-metrics"`)
			writeProblem(w, http.StatusUnauthorized, "The metrics token is missing or wrong.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// apiCSP is the API's policy: it answers JSON and loads nothing. Every
// other page gets the console's (see console.ContentSecurityPolicy).
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	consoleCSP := console.ContentSecurityPolicy("'none'")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, api.Prefix+"/") || strings.HasPrefix(r.URL.Path, api.PortalPrefix+"/") {
			h.Set("Content-Security-Policy", apiCSP)
		} else {
			h.Set("Content-Security-Policy", consoleCSP)
		}
		next.ServeHTTP(w, r)
	})
}

// recorder captures the status (and, when asked, the body) of a response.
type recorder struct {
	http.ResponseWriter
	status int
	buf    *bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	// Every 503 says when to come back, whichever handler wrote it.
	if code == http.StatusServiceUnavailable && r.Header().Get("Retry-After") == "" {
		r.Header().Set("Retry-After", httperr.RetryAfter)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.buf != nil {
		r.buf.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe assigns a request id, records the client for the audit log,
// recovers from panics, logs each request once and counts it by route.
func (s *Server) observe(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = rand.Text()[:16]
		}
		w.Header().Set("X-Request-Id", id)
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		ctx := aftersales.NewContextWithClient(r.Context(), aftersales.Client{IP: ip, UserAgent: r.UserAgent(), RequestID: id})
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, "Internal error.", http.StatusInternalServerError)
				}
			}
			_, route := mux.Handler(r)
			if route == "" {
				route = "unmatched"
			}
			s.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
			s.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			// Typed attributes: no key-value pairs to box and sort out per request.
			s.Log.LogAttrs(ctx, level, "http", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int64("ms", time.Since(start).Milliseconds()),
				slog.String("ip", ip))
		}()
		serveWithContext(next, rec, r, ctx)
	})
}

// serveWithContext serves a copy of r carrying ctx, then removes the
// temporary files of a multipart form parsed on that copy: net/http only
// removes those of the request it handed to the server's handler, never
// a copy's (huma's attachment upload spills every file over 8 KiB).
func serveWithContext(next http.Handler, w http.ResponseWriter, r *http.Request, ctx context.Context) {
	serveCopy(next, w, r, r.WithContext(ctx))
}

// serveCopy serves r2, a copy of r, and removes the temporary files of a
// multipart form parsed on it (see serveWithContext).
func serveCopy(next http.Handler, w http.ResponseWriter, r, r2 *http.Request) {
	defer func() {
		if r2.MultipartForm != nil && r2.MultipartForm != r.MultipartForm {
			r2.MultipartForm.RemoveAll()
		}
	}()
	next.ServeHTTP(w, r2)
}

// Bodies of the anonymous forms, which carry short fields and no files:
// sign-in, and the public web form, whose 20,000-character description
// takes up to 180 KB URL-encoded when it is Chinese.
const (
	loginBody   = 64 << 10
	webFormBody = 256 << 10
)

// bodyLimit is the largest body a route accepts: uploads their own size,
// the anonymous forms little, everything else MaxAPIBody.
func (s *Server) bodyLimit(pattern string) int64 {
	switch {
	case strings.HasSuffix(pattern, "/attachments") && s.Files != nil:
		return s.Files.MaxSize + 64<<10
	case pattern == "POST /imports":
		return console.MaxImportBytes + 1<<20
	case pattern == "POST /quality/revenue/import" || pattern == "POST /quality/revenue":
		return console.MaxRevenueBytes + 64<<10
	case pattern == "POST /login":
		return loginBody
	case pattern == "POST /form":
		return webFormBody
	case pattern == "POST /portal/tickets" && s.Files != nil:
		return s.Files.MaxSize + webFormBody
	}
	return s.MaxAPIBody
}

// limitBodies bounds every request body before anything reads it, so no
// form parse (which spills files to the temporary directory) ever sees
// more than its route allows: http.MaxBytesReader cuts the body off and
// the handler names the error (the console on its page). An API request
// that declares a length over the limit is refused at once.
func (s *Server) limitBodies(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		_, pattern := mux.Handler(r)
		limit := s.bodyLimit(pattern)
		if r.ContentLength > limit && strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			// Closing keeps the client from sending the rest.
			w.Header().Set("Connection", "close")
			writeProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body must be at most %d bytes.", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// authenticate puts the acting user into the context from a bearer token
// or the session cookie. Anonymous requests pass on; the services refuse
// them where a user is required.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.URL.Path == metricsPath {
			next.ServeHTTP(w, r) // guarded by its own token (metricsAuth)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			// The store may read what the request needs next (the stamps
			// of its caches) with the throttle's count, in one read.
			ctx = aftersales.NewContextWithMemo(ctx)
			addr := aftersales.ClientFromContext(ctx).IP
			if d, err := s.tokens.Wait(ctx, addr); err != nil {
				s.storeFailed(w, r, "token throttle", err)
				return
			} else if d > 0 {
				retryAfter(w, d)
				writeProblem(w, http.StatusTooManyRequests, "Too many unknown API tokens from this address; try again later.")
				return
			}
			secret, ok := strings.CutPrefix(h, "Bearer ")
			var u *aftersales.User
			var err error
			if ok {
				u, err = s.Services.Users.UserByToken(ctx, strings.TrimSpace(secret))
			}
			if ok && err != nil && aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED {
				// The token could not be checked: that is no reason to
				// call it unknown.
				s.storeFailed(w, r, "authenticate token", err)
				return
			}
			if !ok || aftersales.ErrorCode(err) == aftersales.EUNAUTHORIZED {
				if err := s.tokens.Fail(ctx, addr); err != nil {
					s.storeFailed(w, r, "token throttle", err)
					return
				}
			}
			if !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="aftersales"`)
				writeProblem(w, http.StatusUnauthorized, "The API token is unknown or revoked.")
				return
			}
			serveWithContext(next, w, r, aftersales.NewContextWithUser(ctx, u))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			u, err := s.Services.Users.UserBySession(ctx, c.Value)
			switch {
			case err == nil:
				ctx = aftersales.NewContextWithUser(ctx, u)
			case aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED:
				// Not an expired session but one that could not be
				// checked: sending the user to the login page would only
				// fail again, and tell them their password is wrong.
				s.storeFailed(w, r, "authenticate session", err)
				return
			}
		}
		// The services check permissions on every call; refusing anonymous
		// API calls here as well means no request body is even parsed for
		// them. Only the API description is public.
		if aftersales.UserFromContext(ctx) == nil && strings.HasPrefix(r.URL.Path, api.Prefix+"/") && r.URL.Path != api.Prefix+"/openapi.json" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aftersales"`)
			writeProblem(w, http.StatusUnauthorized, "You must sign in.")
			return
		}
		serveWithContext(next, w, r, ctx)
	})
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"status":%d,"title":%q,"detail":%q}`, status, http.StatusText(status), detail)
}

// replayHeaders are the headers of an answer that a replay repeats.
func replayHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"Content-Type", "ETag", "Location", "Link"} {
		if v := h.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// rebuild answers a request whose work committed but whose answer was
// lost, by reading the record the work created or changed.
func (s *Server) rebuild(next http.Handler, r *http.Request, res *aftersales.IdempotentResult) *aftersales.StoredResponse {
	paths := map[string]string{"ticket": "/tickets/%d", "customer": "/customers/%d"}
	rec := &bufferWriter{header: http.Header{}}
	if p, ok := paths[res.Kind]; ok {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		get.URL.Path = api.Prefix + fmt.Sprintf(p, res.ID)
		get.URL.RawPath, get.URL.RawQuery, get.RequestURI = "", "", ""
		get.Body, get.ContentLength = http.NoBody, 0
		next.ServeHTTP(rec, get)
	} else {
		writeProblem(rec, http.StatusConflict, "A request with this Idempotency-Key was carried out, but its answer is not available.")
	}
	out := &aftersales.StoredResponse{Status: rec.status, Header: replayHeaders(rec.header), Body: rec.buf.Bytes()}
	if out.Status == http.StatusOK && res.Created {
		out.Status = http.StatusCreated
	}
	return out
}

// bufferWriter is a ResponseWriter that keeps the answer in memory.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

// idempotent replays the first answer to an API POST carrying an
// Idempotency-Key, so a retried create makes no duplicate.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		u := aftersales.UserFromContext(r.Context())
		if r.Method != http.MethodPost || key == "" || u == nil || !strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			writeProblem(w, http.StatusUnprocessableEntity, "Idempotency-Key must be at most 200 characters.")
			return
		}
		limit := s.MaxAPIBody
		if s.Files != nil && strings.HasSuffix(r.URL.Path, "/attachments") {
			limit = s.Files.MaxSize + 64<<10
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "The request body could not be read.")
			return
		}
		if int64(len(body)) > limit {
			writeProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body must be at most %d bytes.", limit))
			return
		}
		sum := sha256.Sum256(body)
		ctx := r.Context()
		req := &aftersales.IdempotentRequest{UserID: u.ID, Key: key, Method: r.Method, Path: r.URL.RequestURI(), BodyHash: hex.EncodeToString(sum[:])}
		stored, err := s.Idempotency.BeginIdempotent(ctx, req)
		if err != nil {
			var e *aftersales.Error
			if errors.As(err, &e) && e.Code == aftersales.ECONFLICT {
				writeProblem(w, http.StatusConflict, e.Message)
				return
			}
			s.storeFailed(w, r, "idempotency", err)
			return
		}
		if stored != nil && stored.Status == 0 {
			// The work committed but its answer was lost: answer with the
			// record it created or changed, as it is now.
			stored = s.rebuild(next, r, stored.Result)
			if stored.Status < 500 {
				req.Recorded = true
				if err := s.Idempotency.FinishIdempotent(ctx, req, *stored); err != nil {
					s.Log.Error("idempotency finish", "err", err)
				}
			}
		}
		if stored != nil {
			for k, v := range stored.Header {
				w.Header().Set(k, v)
			}
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", "application/json") // answers stored before headers were
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			w.Write(stored.Body)
			return
		}
		r2 := r.WithContext(aftersales.NewContextWithIdempotent(ctx, req))
		r2.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, buf: &bytes.Buffer{}}
		// The key's row commits with the work (the store writes it); what
		// is left is the answer. A 5xx answer is not kept: if the work did
		// not commit the retry runs it, and if it did the retry rebuilds
		// the answer from the row. FinishIdempotent outlives a client that
		// hung up.
		defer func() {
			if rec.status >= 500 || rec.status == 0 {
				return
			}
			resp := aftersales.StoredResponse{Status: rec.status, Body: rec.buf.Bytes(), Header: replayHeaders(w.Header())}
			done, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
			defer cancel()
			if err := s.Idempotency.FinishIdempotent(done, req, resp); err != nil {
				s.Log.Error("idempotency finish", "err", err)
			}
		}()
		serveCopy(next, rec, r, r2)
	})
}
