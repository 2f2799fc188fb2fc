package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"aftersales/internal/web/api"
	"aftersales/internal/web/httperr"
)

// storeFailed answers a request the store could not serve (the database is
// down, frozen or too slow): a 503 with Retry-After, as problem JSON for
// the API and the chat webhook, and as the console's error page otherwise.
// Never a 401 or a wrong password: the caller's credentials were not found
// wanting, they could not be checked.
func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.Log.Error(what, "err", err, "request_id", w.Header().Get("X-Request-Id"))
	w.Header().Set("Retry-After", httperr.RetryAfter)
	if s.console == nil || r.URL.Path == ChatPath || strings.HasPrefix(r.URL.Path, api.Prefix+"/") || strings.HasPrefix(r.URL.Path, api.PortalPrefix+"/") {
		writeProblem(w, http.StatusServiceUnavailable, httperr.Unavailable.Message)
		return
	}
	s.console.Unavailable(w, r)
}

// LongRequestTimeout is the deadline of requests that legitimately run
// long: console imports and attachment transfers.
const LongRequestTimeout = 30 * time.Minute

// finishTimeout bounds storing an idempotent answer after the request's
// own context may have ended (a client that hung up).
const finishTimeout = 10 * time.Second

// deadline gives every request a deadline (RequestTimeout), so a database
// that stopped answering turns into a 503 at the deadline rather than a
// request that hangs for the whole outage. Statements take the request's
// context, so they are cancelled with it.
func (s *Server) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.RequestTimeout <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		d := s.RequestTimeout
		if longRequest(r) {
			d = max(d, LongRequestTimeout)
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// longRequest reports whether r moves a file or runs an import.
func longRequest(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && (p == "/imports" || strings.HasPrefix(p, "/uploads/")):
		return true
	case strings.HasSuffix(p, "/attachments") || strings.HasPrefix(p, "/attachments/") || strings.HasPrefix(p, api.Prefix+"/attachments/"):
		return true
	}
	return false
}
