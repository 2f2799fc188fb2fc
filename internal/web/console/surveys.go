package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"aftersales"
)

// The Surveys page: the response bias of surveys by link. Who was asked,
// who answered and who did not, by send channel, the ticket's channel,
// region and nature, each row a drill-down to the invitations and their
// tickets. CES is shown here: it is stored with the answers, not a KPI of
// the catalog.

type surveysView struct {
	From, To string // local dates, To exclusive
	Stats    *aftersales.SurveyStats
	Dims     []string
	List     []*aftersales.SurveyInvitation
	// The drill-down shown: a dimension's value, answered yes/no.
	Dim, Value, Answered string
	Settings             *aftersales.SurveySettings
	Templates            []*aftersales.SurveyTemplate
	// Codes are the template codes the settings can pick; CanEdit says
	// whether the user may change the settings.
	Codes   []string
	CanEdit bool
}

// Link is the page with the drill-down dim=value and answered set.
func (v *surveysView) Link(dim, value, answered string) string {
	q := url.Values{"from": {v.From}, "to": {v.To}}
	if dim != "" {
		q.Set("dim", dim)
		q.Set("value", value)
	}
	if answered != "" {
		q.Set("answered", answered)
	}
	return "/surveys?" + q.Encode() + "#invitations"
}

// RowLabel names a row of dimension dim in the page's language.
func (p *Page) RowLabel(dim string, r *aftersales.SurveyStatRow) string {
	switch dim {
	case "channel":
		return p.tOr("channel."+r.Key, r.Key)
	case "nature":
		return p.tOr("nature."+r.Key, r.Key)
	case "send_channel":
		if r.Key == "" {
			return p.T("survey.send.none")
		}
		return p.tOr("survey.send."+r.Key, r.Key)
	case "region":
		if r.Key == "" {
			return p.T("survey.no_region")
		}
	}
	if r.Label != "" || r.LabelEN != "" {
		return p.L(r.Label, r.LabelEN)
	}
	return r.Key
}

// Pct writes a rate as a percentage.
func (p *Page) Pct(f *float64) string {
	if f == nil {
		return "—"
	}
	v := 100 * *f
	return fnum1(&v) + "%"
}

// Num writes a mean with one decimal.
func (p *Page) Num(f *float64) string { return fnum1(f) }

func fnum1(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func (c *Console) surveyConsoleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /surveys", c.guard(c.surveysPage))
	mux.HandleFunc("POST /surveys/settings", c.guard(c.saveSurveySettings))
}

func (c *Console) surveysPage(w http.ResponseWriter, r *http.Request) { c.surveysShow(w, r, nil) }

func (c *Console) saveSurveySettings(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	s := aftersales.SurveySettings{Enabled: f.str("enabled") == "on", TemplateCode: f.str("template_code"),
		DelayMinutes: f.int("delay_minutes"), ExpiryDays: f.int("expiry_days")}
	err := f.v.Err()
	if err == nil {
		_, err = c.S.Surveys.UpdateSurveySettings(r.Context(), f.version(), s)
	}
	c.done(w, r, "/surveys?ok=saved#survey-setup", err, c.surveysShow)
}

func (c *Console) surveysShow(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "surveys", "surveys", "surveys.title", func(p *Page) error {
		q := r.URL.Query()
		today := c.Now().In(c.Zone)
		v := &surveysView{From: q.Get("from"), To: q.Get("to"), Dims: aftersales.SurveyStatDims, Dim: q.Get("dim"), Value: q.Get("value"), Answered: q.Get("answered")}
		if v.To == "" {
			v.To = today.AddDate(0, 0, 1).Format(time.DateOnly)
		}
		if v.From == "" {
			v.From = today.AddDate(0, 0, -90).Format(time.DateOnly)
		}
		var fv aftersales.Validator
		from, err := time.ParseInLocation(time.DateOnly, v.From, c.Zone)
		fv.Check(err == nil, "from", "must be a date as YYYY-MM-DD")
		to, err := time.ParseInLocation(time.DateOnly, v.To, c.Zone)
		fv.Check(err == nil, "to", "must be a date as YYYY-MM-DD")
		if err := fv.Err(); err != nil {
			return err
		}
		p.Data = v
		f := aftersales.SurveyFilter{From: from, To: to}
		if v.Stats, err = c.S.Surveys.SurveyStats(r.Context(), f); err != nil {
			return err
		}
		f.Dim, f.Value, f.Limit = v.Dim, v.Value, 200 // the newest; the API lists up to 500
		if v.Answered != "" {
			yes := v.Answered == "yes"
			f.Answered = &yes
		}
		if v.List, err = c.S.Surveys.ListSurveyInvitations(r.Context(), f); err != nil {
			return err
		}
		if v.Settings, err = c.S.Surveys.SurveySettings(r.Context()); err != nil {
			return err
		}
		if v.Templates, err = c.S.Surveys.SurveyTemplates(r.Context()); err != nil {
			return err
		}
		for _, t := range v.Templates {
			if !slices.Contains(v.Codes, t.Code) {
				v.Codes = append(v.Codes, t.Code)
			}
		}
		v.CanEdit = p.User != nil && p.User.Role.Can(aftersales.PermSettingsWrite)
		return nil
	}, formErr)
}
