package web

import (
	"net/http"
)

// RetryAfter is what a 503 answer tells clients to wait, in seconds.
const RetryAfter = "5"

// storeFailed answers a request the store could not serve: the database
// is down, frozen or too slow. That is a 503 with Retry-After, never a 401
// or a wrong password: the caller's credentials were not found wanting,
// they were not checked.
func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.Log.Error(what, "err", err, "request_id", w.Header().Get("X-Request-Id"))
	w.Header().Set("Retry-After", RetryAfter)
	writeProblem(w, http.StatusServiceUnavailable, "The service is temporarily unavailable; try again shortly.")
}
