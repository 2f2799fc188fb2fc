// Package httperr maps application error codes to HTTP statuses, once,
// for both the JSON API and the console.
package httperr

import (
	"net/http"

	"aftersales"
)

// Status returns the HTTP status for err's code.
func Status(err error) int {
	switch aftersales.ErrorCode(err) {
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
	default:
		return http.StatusInternalServerError
	}
}
