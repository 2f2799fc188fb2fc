package console

import (
	"context"
	"net/http"
	"strings"

	"aftersales"
)

// The complaint closure panel of the ticket page (issue #20): severity
// and root cause, the attempts to reach the customer, their confirmation
// or rejection, and what the complaint still needs before it can close.

func (c *Console) complaintRoutes(mux *http.ServeMux, g func(http.HandlerFunc) http.HandlerFunc) {
	c.post(mux, "/tickets/{id}/complaint", needs(aftersales.PermTicketWrite), c.setComplaint)
	c.post(mux, "/tickets/{id}/complaint/attempts", needs(aftersales.PermTicketWrite), c.complaintAttempt)
	c.post(mux, "/tickets/{id}/complaint/answer", needs(aftersales.PermTicketWrite), c.complaintAnswer)
	c.post(mux, "/quality/complaint-targets", needs(aftersales.PermSettingsWrite), c.setComplaintTarget)
}

// setComplaintTarget changes a severity's closure target (the targets
// page's complaint card).
func (c *Console) setComplaintTarget(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	t := aftersales.ComplaintTarget{Severity: aftersales.ComplaintSeverity(f.str("severity")), Hours: f.int("hours")}
	err := f.v.Err()
	if err == nil {
		err = c.S.Complaints.SaveComplaintTarget(r.Context(), t)
	}
	c.done(w, r, "/quality/targets?ok=saved", err, c.targetsPage)
}

// complaintView is the panel's data.
type complaintView struct {
	C     *aftersales.Complaint
	Codes []*aftersales.RootCauseCode
	// Missing are the closure's missing requirements (field names), in
	// the order the domain lists them.
	Missing    []string
	Severities []aftersales.ComplaintSeverity
	Channels   []aftersales.ContactChannel
	Results    []aftersales.AttemptResult
	MinTries   int
	Failed     int
	Overdue    bool
}

// CodeName names a root-cause code in the page's language.
func (v *complaintView) CodeName(lang, code string) string {
	for _, x := range v.Codes {
		if x.Code == code {
			return x.Name(lang)
		}
	}
	return code
}

func (c *Console) loadComplaint(ctx context.Context, t *aftersales.Ticket) (*complaintView, error) {
	if t.Nature != aftersales.NatureComplaint || c.S.Complaints == nil {
		return nil, nil
	}
	cm, err := c.S.Complaints.FindComplaint(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	v := &complaintView{C: cm, Severities: aftersales.ComplaintSeverities, Channels: aftersales.ContactChannels,
		Results: aftersales.AttemptResults, MinTries: aftersales.ComplaintMinAttempts, Failed: cm.FailedAttempts()}
	if c.S.Improve != nil {
		codes, err := c.S.Improve.RootCauseCodes(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range codes {
			if x.Active || x.Code == cm.RootCause {
				v.Codes = append(v.Codes, x)
			}
		}
	}
	for _, f := range cm.ClosureCheck() {
		v.Missing = append(v.Missing, f.Field)
	}
	v.Overdue = cm.DueAt != nil && t.Status != aftersales.StatusClosed && c.Now().After(*cm.DueAt)
	return v, nil
}

func (c *Console) setComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		in := aftersales.ComplaintInput{Version: f.version()}
		if s := f.str("severity"); s != "" {
			in.Severity = ptr(aftersales.ComplaintSeverity(s))
		}
		if s := f.str("root_cause"); s != "" {
			in.RootCause = &s
		}
		_, err = c.S.Complaints.SetComplaint(r.Context(), id, in)
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) complaintAttempt(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		_, err = c.S.Complaints.LogComplaintAttempt(r.Context(), id, aftersales.ComplaintAttemptInput{
			Channel: aftersales.ContactChannel(f.str("channel")), Result: aftersales.AttemptResult(f.str("result")), Note: f.str("note")})
	}
	c.afterAction(w, r, id, err)
}

func (c *Console) complaintAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		f := &form{r: r}
		answer := f.str("answer")
		if answer != "confirm" && answer != "reject" {
			err = &aftersales.Error{Code: aftersales.EINVALID, Message: "Choose whether the customer confirms or rejects the closure.",
				Fields: []aftersales.FieldError{{Field: "answer", Reason: "must be chosen from the list"}}}
		} else {
			_, err = c.S.Complaints.AnswerComplaint(r.Context(), id, aftersales.ComplaintAnswer{Accepted: answer == "confirm",
				Channel: aftersales.ContactChannel(f.str("channel")), Note: f.str("note")})
		}
	}
	c.afterAction(w, r, id, err)
}

// complaintEventText says a complaint timeline entry in the page's
// language: what happened, and its coded value.
func (p *Page) ComplaintEvent(what, value string) string {
	out := p.tOr("complaint.event."+what, what)
	var v string
	switch what {
	case "severity":
		v = p.tOr("complaint.severity."+value, value)
	case "attempt":
		if ch, res, ok := strings.Cut(value, " "); ok {
			v = p.tOr("followup.channel."+ch, ch) + " · " + p.tOr("followup.result."+res, res)
		}
	case "confirmed", "rejected":
		v = p.tOr("followup.channel."+value, value)
	case "closed":
		v = p.tOr("complaint.basis."+value, value)
	default:
		v = value
	}
	if v == "" {
		return out
	}
	return out + ": " + v
}
