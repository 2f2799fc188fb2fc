package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"aftersales"
)

// fishbone draws an Ishikawa diagram as inline SVG: the problem at the
// head, the 6M categories as bones (three above the spine, three below),
// each cause a short horizontal line on its bone with its sub-causes
// under it. Verified causes are red and bold, ruled-out ones grey and
// struck through. The server draws it, so it needs no script and prints.
func fishbone(problem string, causes []aftersales.Cause, catLabel func(string) string) template.HTML {
	type row struct {
		text, status string
		sub          bool
	}
	rows := map[string][]row{}
	children := map[int64][]aftersales.Cause{}
	for _, c := range causes {
		if c.ParentID != nil {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		}
	}
	for _, c := range causes {
		if c.ParentID != nil {
			continue
		}
		rows[c.Category] = append(rows[c.Category], row{c.Text, c.Status, false})
		for _, s := range children[c.ID] {
			rows[c.Category] = append(rows[c.Category], row{s.Text, s.Status, true})
		}
	}
	const (
		width, headW = 1080, 200
		lineH        = 20
		colW         = (width - headW - 40) / 3
	)
	most := 1
	for _, rs := range rows {
		most = max(most, len(rs))
	}
	half := 64 + most*lineH
	height := 2*half + 8
	spineY := half + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="fishbone" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		width, height, html.EscapeString(problem))
	fmt.Fprintf(&b, `<line x1="20" y1="%d" x2="%d" y2="%d" stroke="#1e293b" stroke-width="3"/>`, spineY, width-headW, spineY)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="64" rx="6" fill="#fee2e2" stroke="#dc2626"/>`, width-headW+4, spineY-32, headW-12)
	for i, line := range wrap(problem, 13, 3) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" font-weight="600" fill="#7f1d1d">%s</text>`, width-headW+14, spineY-12+i*17, html.EscapeString(line))
	}
	for i, cat := range aftersales.CauseCategories {
		col, top := i%3, i < 3
		joinX := 20 + (col+1)*colW
		labelY, dir := 20, 1
		if !top {
			labelY, dir = height-10, -1
		}
		startX := joinX - (half-20)*2/3
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#475569" stroke-width="2"/>`, startX, labelY+dir*6, joinX, spineY)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" font-weight="700" fill="#1e293b" text-anchor="middle" data-category="%s">%s</text>`,
			startX, labelY, cat, html.EscapeString(catLabel(cat)))
		for r, x := range rows[cat] {
			y := labelY + dir*(28+r*lineH)
			// The bone's x at height y.
			bx := startX + (joinX-startX)*(y-(labelY+dir*6))/(spineY-(labelY+dir*6))
			indent, size := 0, 12
			if x.sub {
				indent, size = 14, 11
			}
			color, weight, deco := "#1e293b", "400", ""
			switch x.status {
			case "verified":
				color, weight = "#b91c1c", "700"
			case "ruled_out":
				color, deco = "#94a3b8", ` text-decoration="line-through"`
			}
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#94a3b8"/>`, bx-indent-150, y+3, bx, y+3)
			text := x.text
			if r := []rune(text); len(r) > 18 {
				text = string(r[:17]) + "…"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="%d" font-weight="%s" fill="%s"%s text-anchor="end" data-status="%s"><title>%s</title>%s</text>`,
				bx-indent-4, y, size, weight, color, deco, x.status, html.EscapeString(x.text), html.EscapeString(text))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// wrap splits s into at most n lines of about width runes.
func wrap(s string, width, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > 0 && len(out) < n {
		k := min(width, len(r))
		if len(out) == n-1 && len(r) > k {
			out = append(out, string(r[:k-1])+"…")
			break
		}
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}
