package console

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"aftersales"
)

func TestAuditLines(t *testing.T) {
	long := strings.Repeat("长", 100)
	v := func(s string) auditValue { return auditValue{Short: s} }
	tests := []struct {
		name, detail string
		want         []auditLine
	}{
		{"empty", "", nil},
		{"plain text", "password reset", []auditLine{{New: v("password reset")}}},
		{"ticket changes", `[{"field":"title","from":"a","to":"b"},{"field":"urgency","from":"normal","to":"high"}]`,
			[]auditLine{{Field: "title", Old: v("a"), New: v("b"), Change: true}, {Field: "urgency", Old: v("normal"), New: v("high"), Change: true}}},
		{"transition", `{"from":"new","to":"assigned"}`, []auditLine{{Old: v("new"), New: v("assigned"), Change: true}}},
		{"nested object flattened", `{"name":"X","address":{"city":"上海","geo":{"lat":31.2,"lng":121}},"tags":["a","b"],"vip":true,"note":null}`,
			[]auditLine{{Field: "address.city", New: v("上海")}, {Field: "address.geo.lat", New: v("31.2")}, {Field: "address.geo.lng", New: v("121")},
				{Field: "name", New: v("X")}, {Field: "note", New: v("∅")}, {Field: "tags", New: v("a, b")}, {Field: "vip", New: v("true")}}},
		{"nested change", `{"status":{"old":"open","new":"closed"},"n":1000000}`,
			[]auditLine{{Field: "n", New: v("1000000")}, {Field: "status", Old: v("open"), New: v("closed"), Change: true}}},
		{"list of objects", `{"rules":[{"k":1},{"k":2}]}`, []auditLine{{Field: "rules[0].k", New: v("1")}, {Field: "rules[1].k", New: v("2")}}},
		{"long value cut, full kept", `{"description":"` + long + `"}`,
			[]auditLine{{Field: "description", New: auditValue{Short: strings.Repeat("长", auditValueRunes) + "…", Full: long}}}},
		{"not JSON after all", `{"a":1} trailing`, []auditLine{{New: v(`{"a":1} trailing`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, auditLines(tt.detail)); diff != "" {
				t.Errorf("auditLines(%s) (-want +got):\n%s", tt.detail, diff)
			}
		})
	}
}

func TestAuditRowFolds(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"field":"f","from":"a","to":"b"}`)
	}
	b.WriteString("]")
	for _, tt := range []struct {
		detail                string
		shown, folded, hidden int
	}{
		{`{"a":1}`, 1, 0, 0},
		{b.String(), auditShown, auditFolded, 300 - auditShown - auditFolded},
	} {
		row := newAuditRow(&aftersales.AuditEntry{Detail: tt.detail})
		if len(row.Lines) != tt.shown || len(row.More) != tt.folded || row.Hidden != tt.hidden {
			t.Errorf("%.20s: shown %d, folded %d, hidden %d; want %d, %d, %d", tt.detail, len(row.Lines), len(row.More), row.Hidden, tt.shown, tt.folded, tt.hidden)
		}
	}
}
