package kb

import (
	"html"
	"strings"
)

// Render turns an article's Markdown into HTML that is safe to put in a
// page as it is. It knows a small subset — headings (#, ##, ###), bulleted
// and numbered lists, fenced code, paragraphs, **bold**, `code` and
// [links](https://...) — and escapes everything else, raw HTML included:
// the output holds only the tags written here, and a link only an http,
// https or site-relative address. A small renderer of our own instead of a
// Markdown library: articles need little, and a subset that cannot pass
// HTML through needs no sanitiser after it.
func Render(src string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while a list is open
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			for i, l := range para {
				if i > 0 {
					b.WriteString("<br>")
				}
				inline(&b, l)
			}
			b.WriteString("</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		t := strings.TrimLeft(l, " \t")
		switch {
		case t == "":
			flushPara()
			closeList()
		case strings.HasPrefix(t, "```"):
			flushPara()
			closeList()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]))
				b.WriteString("\n")
			}
			b.WriteString("</code></pre>\n")
		case heading(t) > 0:
			flushPara()
			closeList()
			n := heading(t)
			tag := []string{"", "h2", "h3", "h4"}[n]
			b.WriteString("<" + tag + ">")
			inline(&b, strings.TrimSpace(t[n:]))
			b.WriteString("</" + tag + ">\n")
		case itemText(t) != "" || (list == "ol" || list == "") && orderedText(t) != "":
			flushPara()
			kind, text := "ul", itemText(t)
			if text == "" {
				kind, text = "ol", orderedText(t)
			}
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">\n")
				list = kind
			}
			b.WriteString("<li>")
			inline(&b, text)
			b.WriteString("</li>\n")
		default:
			closeList()
			para = append(para, t)
		}
	}
	flushPara()
	closeList()
	return b.String()
}

// heading returns the level (1 to 3) of a "# " line, or 0.
func heading(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 3 || n >= len(t) || t[n] != ' ' {
		return 0
	}
	return n
}

func itemText(t string) string {
	if len(t) > 2 && (t[0] == '-' || t[0] == '*') && t[1] == ' ' {
		return strings.TrimSpace(t[2:])
	}
	return ""
}

func orderedText(t string) string {
	n := 0
	for n < len(t) && n < 3 && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	if n == 0 || n+1 >= len(t) || (t[n] != '.' && t[n] != ')') || t[n+1] != ' ' {
		return ""
	}
	return strings.TrimSpace(t[n+2:])
}

// inline writes a line's text with **bold**, `code` and [links](url).
func inline(b *strings.Builder, s string) {
	for len(s) > 0 {
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString("<code>" + html.EscapeString(s[1:1+j]) + "</code>")
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if j := strings.Index(s[2:], "**"); j > 0 {
				b.WriteString("<strong>")
				inline(b, s[2:2+j])
				b.WriteString("</strong>")
				s = s[j+4:]
				continue
			}
		case s[0] == '[':
			if j := strings.Index(s, "]("); j > 0 {
				if k := strings.IndexByte(s[j+2:], ')'); k >= 0 {
					text, href := s[1:j], strings.TrimSpace(s[j+2:j+2+k])
					if safeURL(href) {
						b.WriteString(`<a href="` + html.EscapeString(href) + `" rel="nofollow noopener">`)
						inline(b, text)
						b.WriteString("</a>")
						s = s[j+3+k:]
						continue
					}
				}
			}
		}
		// Copy up to the next character that may start markup.
		j := strings.IndexAny(s[1:], "`*[")
		if j < 0 {
			j = len(s) - 1
		}
		b.WriteString(html.EscapeString(s[:j+1]))
		s = s[j+1:]
	}
}

// safeURL allows http, https and addresses on this site; anything else
// (javascript:, data:, protocol-relative //host) stays text.
func safeURL(u string) bool {
	if strings.ContainsAny(u, " \t\n\"'<>\\") {
		return false
	}
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") ||
		strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
}

// Plain strips an article's Markdown to text for snippets and indexing.
func Plain(src string) string {
	r := strings.NewReplacer("**", "", "`", "", "#", "", "```", "", "\r", "")
	return strings.Join(strings.Fields(r.Replace(src)), " ")
}
