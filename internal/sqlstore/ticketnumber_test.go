package sqlstore

import (
	"fmt"
	"testing"
)

func TestTicketNumberAsSprintf(t *testing.T) {
	for _, seq := range []int64{0, 1, 9, 10, 99999, 100000, 999999, 1000000, 1234567890123, -1, -123456} {
		if got, want := ticketNumber("202611", seq), fmt.Sprintf("AS%s-%06d", "202611", seq); got != want {
			t.Errorf("ticketNumber(%d) = %q, want %q", seq, got, want)
		}
	}
}
