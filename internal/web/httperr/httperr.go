// Package httperr maps application error codes to HTTP statuses, once,
// for both the JSON API and the console.
package httperr

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"aftersales"
)

// RetryAfter is the Retry-After, in seconds, of a 503 answer.
const RetryAfter = "5"

// Status returns the HTTP status for err's code.
func Status(err error) int {
	switch aftersales.ErrorCode(Classify(err)) {
	case aftersales.EINVALID:
		return http.StatusUnprocessableEntity
	case aftersales.ENOTFOUND:
		return http.StatusNotFound
	case aftersales.ECONFLICT:
		return http.StatusConflict
	case aftersales.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case aftersales.EFORBIDDEN:
		return http.StatusForbidden
	case aftersales.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case aftersales.ERATELIMIT:
		return http.StatusTooManyRequests
	case aftersales.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Unavailable is the error of a request the store could not serve.
var Unavailable = &aftersales.Error{Code: aftersales.EUNAVAILABLE, Message: "The service is temporarily unavailable; please try again shortly."}

// Classify returns err as an EUNAVAILABLE error when it is an internal
// error caused by the database being unreachable, down, frozen or too slow
// (so the caller is told to retry, with a 503, instead of getting a 500),
// and err unchanged otherwise. The cause stays in the chain for the log.
func Classify(err error) error {
	if aftersales.ErrorCode(err) != aftersales.EINTERNAL || !unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", Unavailable, err)
}

// unavailable recognises storage failures by what the standard library and
// the drivers share, so this package needs no driver: deadlines, broken
// or refused connections, and PostgreSQL's SQLSTATE classes 08
// (connection exception), 53 (insufficient resources) and 57 (operator
// intervention: shutdown, statement_timeout).
func unavailable(err error) bool {
	for _, target := range []error{context.DeadlineExceeded, driver.ErrBadConn, sql.ErrConnDone, io.ErrUnexpectedEOF,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		c := st.SQLState()
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57")
	}
	return false
}
