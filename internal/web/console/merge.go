package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"aftersales"
)

// Merging a duplicate ticket: the ticket page's "Merge into…" card asks
// for the ticket to keep by number (a GET that previews it: title,
// customer, status), then confirms with a POST; the store refuses what it
// must (itself, a closed or merged target, another customer's ticket,
// open visits) and the page shows why. Done, the browser lands on the
// ticket kept with a flash naming the duplicate.

// mergePreview fills the merge card's preview from the number typed
// (?merge_into= on the page, or the refused form's "into").
func (c *Console) mergePreview(r *http.Request, p *Page, v *ticketView) {
	into := r.URL.Query().Get("merge_into")
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/merge") {
		into = r.PostFormValue("into")
	}
	if into == "" || v.T.MergedInto != nil || !v.T.Status.Open() {
		return
	}
	v.MergeInto = into
	t, err := c.mergeTarget(r.Context(), into)
	if err == nil && t.ID == v.T.ID {
		err = &aftersales.Error{Code: aftersales.EINVALID, Message: "A ticket cannot be merged into itself.",
			Fields: []aftersales.FieldError{{Field: "into", Reason: "is this ticket itself"}}}
	}
	if err != nil {
		for _, f := range aftersales.ErrorFields(err) {
			p.Errs[f.Field] = p.cat.fieldReasonFor(p.Lang, f.Field, f.Reason)
		}
		if len(aftersales.ErrorFields(err)) == 0 {
			p.Errs["into"] = p.T("err." + aftersales.ErrorCode(err))
		}
		return
	}
	v.MergeTarget = t
	v.MergeOther = v.T.CustomerID != nil && t.CustomerID != nil && *v.T.CustomerID != *t.CustomerID
}

// mergeTarget finds the ticket to keep by its number (any case) or id; one
// the caller cannot see is the field's fault.
func (c *Console) mergeTarget(ctx context.Context, into string) (*aftersales.Ticket, error) {
	into = strings.ToUpper(strings.TrimSpace(into))
	var t *aftersales.Ticket
	var err error
	if id, perr := strconv.ParseInt(into, 10, 64); perr == nil && id > 0 {
		t, err = c.S.Tickets.FindTicket(ctx, id)
	} else {
		t, err = c.S.Tickets.FindTicketByNumber(ctx, into)
	}
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The ticket to merge into was not found.",
			Fields: []aftersales.FieldError{{Field: "into", Reason: "is no ticket you can see"}}}
	}
	return t, err
}

func (c *Console) mergeTicket(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	f := &form{r: r}
	src, err := c.S.Tickets.FindTicket(r.Context(), id)
	var into *aftersales.Ticket
	if err == nil {
		into, err = c.mergeTarget(r.Context(), f.str("into"))
	}
	if err == nil {
		_, err = c.S.Tickets.MergeTicket(r.Context(), id, into.ID, aftersales.MergeInput{Version: f.version(), Note: f.str("note")})
	}
	if err != nil {
		c.afterAction(w, r, id, err)
		return
	}
	http.Redirect(w, r, "/tickets/"+strconv.FormatInt(into.ID, 10)+"?ok=merged&from="+url.QueryEscape(src.Number), http.StatusSeeOther)
}

// ticketNumberRe is what a flash may name as the merged duplicate.
var ticketNumberRe = regexp.MustCompile(`^AS\d{6}-\d{6,}$`)
