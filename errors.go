// Package aftersales holds the domain of the after-sales service platform:
// the types every other package speaks (tickets, customers, assets, the
// service network, users), the rules that need no storage (allowed status
// transitions, validation, permissions) and the service interfaces that
// internal/sqlstore implements and internal/web consumes. It imports only
// the standard library.
package aftersales

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Error codes. The HTTP edge maps each to one status, once.
const (
	EINVALID      = "EINVALID"      // 400/422: the input is wrong; Fields says where
	ENOTFOUND     = "ENOTFOUND"     // 404
	ECONFLICT     = "ECONFLICT"     // 409: stale version, duplicate, state does not allow it
	EUNAUTHORIZED = "EUNAUTHORIZED" // 401: no or bad credentials
	EFORBIDDEN    = "EFORBIDDEN"    // 403: authenticated but not allowed
	ETOOLARGE     = "ETOOLARGE"     // 413
	ERATELIMIT    = "ERATELIMIT"    // 429
	EUNAVAILABLE  = "EUNAVAILABLE"  // 503: the database is down or too slow; retry later
	EINTERNAL     = "EINTERNAL"     // 500: never shown in detail to users
)

// FieldError names one bad field and why it is bad. Field uses the JSON
// name (dotted for nested values, e.g. "custom.serial").
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the application error. Message is safe to show to a user.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the field errors carried by err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validator collects field errors so that a request reports every bad field
// at once rather than the first one.
type Validator struct {
	fields []FieldError
}

// Add records that field is bad for reason.
func (v *Validator) Add(field, reason string) { v.fields = append(v.fields, FieldError{field, reason}) }

// Check records reason for field when ok is false.
func (v *Validator) Check(ok bool, field, reason string) {
	if !ok {
		v.Add(field, reason)
	}
}

// Text records a reason when s is not valid UTF-8 or holds a NUL
// character. The engines disagree on such text (SQLite's LIKE stops at a
// NUL, so a search for "\x00" matched every row; PostgreSQL refuses it),
// so it is refused before it reaches either.
func (v *Validator) Text(field, s string) {
	v.Check(ValidText(s), field, "must be valid UTF-8 without NUL characters")
}

// ValidText reports whether s is valid UTF-8 without NUL characters.
func ValidText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// JoinInvalid merges the field errors of several checks into one EINVALID
// error, so that a form learns every bad field in one answer instead of
// one check's fields per round. A field named by several keeps its first
// reason. An error that is not EINVALID wins as it is; all nil is nil.
func JoinInvalid(errs ...error) error {
	var v Validator
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		if ErrorCode(err) != EINVALID {
			return err
		}
		for _, f := range ErrorFields(err) {
			if !seen[f.Field] {
				seen[f.Field] = true
				v.Add(f.Field, f.Reason)
			}
		}
	}
	for _, err := range errs {
		if err != nil && len(v.fields) == 0 {
			return err // an EINVALID without fields: keep its message
		}
	}
	return v.Err()
}

// Err returns nil when nothing was recorded, otherwise an EINVALID error
// listing every field, sorted by field name for stable output.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	fs := append([]FieldError(nil), v.fields...)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
	return &Error{Code: EINVALID, Message: "The request has invalid fields.", Fields: fs}
}
