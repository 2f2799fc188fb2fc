package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"aftersales"
	"aftersales/internal/dataio"
)

// bulkResult is what a bulk action did: how many tickets changed, and
// each refused one with its reason.
type bulkResult struct {
	Changed int
	Refused []bulkRefusal
}

type bulkRefusal struct {
	ID     int64
	Number string
	Reason string
}

// bulkTickets applies the list's bulk action to the ticked tickets, or to
// every ticket matching the list's filters ("all"), then shows the list
// again with what changed and what was refused and why.
func (c *Console) bulkTickets(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := &form{r: r}
	query := f.str("query")
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	// The list shown afterwards is the one the action was taken on.
	list := r.Clone(ctx)
	list.Method = http.MethodGet
	list.URL.RawQuery = q.Encode()
	in := aftersales.BulkChange{To: aftersales.Status(f.str("to")), Reason: f.str("reason"), TeamID: f.id("team_id"), AssigneeID: f.id("assignee_id")}
	if s := f.str("urgency"); s != "" {
		u := aftersales.Urgency(s)
		in.Urgency = &u
	}
	if f.str("all") == "1" {
		lf, err := c.ticketFilter(list)
		if err != nil {
			c.renderList(w, list, nil, err)
			return
		}
		next := dataio.TicketPages(ctx, c.S.Tickets, lf)
		for len(in.IDs) <= aftersales.MaxBulk {
			t, err := next()
			if err != nil {
				c.renderList(w, list, nil, err)
				return
			}
			if t == nil {
				break
			}
			in.IDs = append(in.IDs, t.ID)
		}
	} else {
		for _, s := range r.PostForm["ids"] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				f.v.Add("ids", "must be chosen from the list")
				continue
			}
			in.IDs = append(in.IDs, id)
		}
	}
	var out []aftersales.BulkOutcome
	if err = f.v.Err(); err == nil {
		out, err = c.S.Tickets.BulkChange(ctx, in)
	}
	if err != nil {
		switch aftersales.ErrorCode(err) {
		case aftersales.EINTERNAL, aftersales.EUNAVAILABLE, aftersales.EUNAUTHORIZED:
			c.fail(w, r, "", c.page(r, "tickets", "tickets.title"), err)
		default:
			c.renderList(w, list, nil, err)
		}
		return
	}
	p := c.bare(r, "tickets", "")
	res := &bulkResult{}
	for _, o := range out {
		if o.Err == nil {
			res.Changed++
			continue
		}
		res.Refused = append(res.Refused, bulkRefusal{ID: o.ID, Number: o.Number, Reason: c.bulkReason(p, o.Err)})
	}
	c.renderList(w, list, res, nil)
}

var cannotMove = regexp.MustCompile(`^A ticket cannot go from ([a-z_]+) to ([a-z_]+)\.$`)

// bulkReason says why a ticket (or the whole action) was refused, in the
// page's language.
func (c *Console) bulkReason(p *Page, err error) string {
	code := aftersales.ErrorCode(err)
	if m := cannotMove.FindStringSubmatch(aftersales.ErrorMessage(err)); m != nil {
		return fmt.Sprintf(p.T("bulk.refused.transition"), p.T("status."+m[1]), p.T("status."+m[2]))
	}
	for _, fe := range aftersales.ErrorFields(err) {
		switch fe.Field {
		case "reason":
			return p.T("bulk.refused.reason")
		case "version":
			return p.T("bulk.refused.conflict")
		case "ids":
			if strings.HasPrefix(fe.Reason, "at most") {
				return fmt.Sprintf(p.T("bulk.refused.too_many"), thousands(aftersales.MaxBulk))
			}
			return p.T("bulk.refused.ids")
		case "action":
			return p.T("bulk.refused.action")
		}
	}
	switch code {
	case aftersales.ENOTFOUND, aftersales.EFORBIDDEN, aftersales.ECONFLICT:
		return p.T("bulk.refused." + code)
	}
	msg := p.T("err." + code)
	if p.Lang == "en" && code != aftersales.EINTERNAL {
		msg = aftersales.ErrorMessage(err)
	}
	return msg + fieldSummary(err)
}
