package console

import (
	"fmt"
	"net/http"
	"strconv"

	"aftersales"
	"aftersales/internal/dataio"
)

// dataQuality shows completeness, flags, rejected rows and the trend, each
// number linking to the rows behind it.
func (c *Console) dataQuality(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "quality", "quality", "quality.title", func(p *Page) error {
		rep, err := c.S.Imports.DataQuality(r.Context())
		if err != nil {
			return err
		}
		v := &qualityView{DataQualityReport: rep,
			Trend: qualityTrend(rep.Months, c.Zone, p.T("quality.tickets"), p.T("quality.flagged"), p.T("quality.flagged_share"))}
		p.Charts = len(rep.Months) > 0
		if c.S.Intake != nil {
			if v.Quarantined, v.Bouncing, err = c.S.Intake.MailProblems(r.Context(), 50); err != nil {
				return err
			}
		}
		p.Data = v
		return nil
	}, nil)
}

// qualityView adds the email channel's problems to the report: messages
// quarantined after repeated failures and addresses that bounce.
type qualityView struct {
	*aftersales.DataQualityReport
	Quarantined []*aftersales.MailFailure
	Bouncing    []*aftersales.BouncingAddress
	Trend       opt
}

func (c *Console) dataIssues(w http.ResponseWriter, r *http.Request) {
	c.adminPage(w, r, "quality", "quality_issues", "quality.issues", func(p *Page) error {
		q := r.URL.Query()
		batch, _ := strconv.ParseInt(q.Get("batch"), 10, 64)
		is, err := c.S.Imports.ListIssues(r.Context(), aftersales.IssueFilter{Kind: q.Get("kind"), BatchID: batch, Limit: aftersales.MaxListLimit})
		p.Data = is
		return err
	}, nil)
}

// importReport downloads a batch's row-level report as CSV.
func (c *Console) importReport(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if _, err := aftersales.Require(r.Context(), aftersales.PermDataImport); err != nil {
		c.fail(w, r, "", c.page(r, "quality", "quality.title"), err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-report.csv"`, id))
	rw, err := dataio.NewReportWriter(w)
	if err == nil {
		err = c.S.Imports.ImportIssues(r.Context(), id, rw.Write)
	}
	if err == nil {
		err = rw.Close()
	}
	if err != nil {
		c.logError(r, "console: import report", err)
	}
}
