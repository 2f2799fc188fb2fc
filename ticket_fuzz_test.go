package aftersales

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzTicketInput: any JSON body either fails to decode, fails validation
// with EINVALID and at least one named field, or passes with a title that
// is non-empty and no longer than 200 characters.
func FuzzTicketInput(f *testing.F) {
	f.Add([]byte(`{"channel":"phone","nature":"repair","urgency":"high","title":"空调不制冷","customer_id":1}`))
	f.Add([]byte(`{"channel":"fax","title":"  ","tags":["a","a",""],"occurred_at":"1900-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"customer_id":-1,"custom":{"x":null}}`))
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in TicketInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		err := in.Validate(true, now)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorFields(err)) == 0 {
				t.Fatalf("Validate(%s) = %v", body, err)
			}
			return
		}
		if n := len([]rune(*in.Title)); n == 0 || n > 200 {
			t.Fatalf("accepted title of %d characters", n)
		}
		if in.Tags != nil && len(*in.Tags) > MaxTags {
			t.Fatalf("accepted %d tags", len(*in.Tags))
		}
	})
}
