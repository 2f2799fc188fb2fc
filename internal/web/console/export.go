package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"aftersales/internal/dataio"
)

// exportTickets downloads the ticket list, with the list's filters (a
// drill-down's included), as CSV or XLSX in the columns the "aftersales"
// import mapping reads back: the export the CLI writes, streamed page by
// page, never the whole list in memory.
func (c *Console) exportTickets(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := c.page(r, "tickets", "tickets.title")
		f, _, err := c.listFilter(r)
		if err == nil {
			// The first page answers the filter's and the user's errors
			// while an error page can still be shown.
			probe := f
			probe.Limit = 1
			_, err = c.S.Tickets.ListTickets(ctx, probe)
		}
		var names dataio.Names
		if err == nil {
			names, err = dataio.ExportNames(ctx, c.S)
		}
		if err != nil {
			c.fail(w, r, "", p, err)
			return
		}
		ctype := "text/csv; charset=utf-8"
		if format == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(r.URL.Query(), c.Now().In(c.Zone).Format("20060102"))+"."+format+`"`)
		if err := dataio.Export(w, format, names, dataio.TicketPages(ctx, c.S.Tickets, f)); err != nil {
			c.logError(r, "console: export tickets", err)
		}
	}
}

// exportName names an export by its filters and the day it was taken:
// tickets_kpi-res_sla_kpi_from-2026-07-01_team_id-3_20261207. Only ASCII
// letters, digits, '-' and '_' survive, so the header needs no encoding.
func exportName(q url.Values, day string) string {
	var parts []string
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.Join(q[k], "+")
		if v == "" || k == "cursor" || k == "sort" {
			continue
		}
		parts = append(parts, k+"-"+v)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return -1
	}, strings.Join(append([]string{"tickets"}, parts...), "_"))
	if len(name) > 120 {
		name = name[:120]
	}
	return name + "_" + day
}
