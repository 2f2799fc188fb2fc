package console

import (
	"strings"

	"aftersales"
)

// dispatchFieldLabels name the board's form fields a refusal can point
// at, by the store's field names.
var dispatchFieldLabels = map[string]string{"window_start": "dispatch.window_from", "window_end": "dispatch.window_to",
	"technician_id": "dispatch.technician", "reason": "dispatch.reason", "day": "dispatch.day"}

// dispatchFields says, after a refusal's message, each bad field of the
// board's forms and why in the page's language ("时间窗结束：必须晚于时间窗
// 开始"): the board's forms sit in disclosures and blocks that come back
// closed, so the message is where the reason has to be.
func (p *Page) dispatchFields(err error) string {
	var out []string
	for _, f := range aftersales.ErrorFields(err) {
		key, ok := dispatchFieldLabels[f.Field]
		if !ok {
			continue
		}
		out = append(out, p.T(key)+p.T("book.field_sep")+p.cat.fieldReason(p.Lang, f.Reason))
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, p.T("dispatch.why.sep"))
}
