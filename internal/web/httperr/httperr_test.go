package httperr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"aftersales"
)

type sqlState string

func (s sqlState) Error() string    { return "SQLSTATE " + string(s) }
func (s sqlState) SQLState() string { return string(s) }

// TestStatus: storage failures are 503 whatever wraps them; other internal
// errors stay 500 and application codes keep their status.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"deadline", fmt.Errorf("sqlstore: list tickets: %w", context.DeadlineExceeded), 503},
		{"refused", fmt.Errorf("sqlstore: connect: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), 503},
		{"admin shutdown", fmt.Errorf("sqlstore: find: %w", sqlState("57P01")), 503},
		{"statement timeout", sqlState("57014"), 503},
		{"connection failure", sqlState("08006"), 503},
		{"syntax error", sqlState("42601"), 500},
		{"plain", errors.New("boom"), 500},
		{"not found", aftersales.Errorf(aftersales.ENOTFOUND, "no"), 404},
		{"unavailable", Unavailable, 503},
		{"client gone", context.Canceled, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.err); got != tc.want {
				t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.want)
			}
			if tc.want == 503 && aftersales.ErrorMessage(Classify(tc.err)) != Unavailable.Message {
				t.Errorf("message %q", aftersales.ErrorMessage(Classify(tc.err)))
			}
		})
	}
}
