package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// surveyRange is the period of invitations a survey report covers.
type surveyRange struct {
	From string `query:"from" required:"true" doc:"First day (local), YYYY-MM-DD" example:"2026-01-01"`
	To   string `query:"to" required:"true" doc:"Day after the last (local), YYYY-MM-DD" example:"2026-02-01"`
}

// surveys exposes survey templates, settings, links and the response
// bias. The public page that customers answer on is not part of the API.
func (a *API) surveys(h huma.API) {
	t := []string{"Surveys"}
	register(a, h, huma.Operation{OperationID: "list-survey-templates", Method: http.MethodGet, Path: "/surveys/templates", Tags: t,
		Summary: "Every version of every survey template (CSAT, NPS, CES), newest version first within a code"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.SurveyTemplate], error) {
			return respond(a.S.Surveys.SurveyTemplates(ctx))
		})
	register(a, h, huma.Operation{OperationID: "get-survey-template", Method: http.MethodGet, Path: "/surveys/templates/{id}", Tags: t,
		Summary: "One version of a survey template"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.SurveyTemplate], error) {
			return respond(a.S.Surveys.SurveyTemplate(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "save-survey-template", Method: http.MethodPost, Path: "/surveys/templates/{code}/versions", Tags: t,
		Summary: "Add the next version of a survey template (the first when the code is new)",
		Description: "A version is never changed: answers keep the version they answered. A template keeps its kind and asks its kind's score; " +
			"titles and questions are required in Chinese and English."},
		func(ctx context.Context, in *struct {
			Code string `path:"code" maxLength:"50" pattern:"^[a-z0-9][a-z0-9_-]*$"`
			Body aftersales.SurveyTemplateInput
		}) (*plain[*aftersales.SurveyTemplate], error) {
			return respond(a.S.Surveys.SaveSurveyTemplate(ctx, in.Code, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-survey-settings", Method: http.MethodGet, Path: "/surveys/settings", Tags: t,
		Summary: "What resolving a ticket does: whether a survey invitation is made, with which template, after what delay, valid how long"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.SurveySettings], error) {
			return respond(a.S.Surveys.SurveySettings(ctx))
		})
	register(a, h, huma.Operation{OperationID: "update-survey-settings", Method: http.MethodPut, Path: "/surveys/settings", Tags: t,
		Summary: "Change the survey settings; version must be the current one"},
		func(ctx context.Context, in *struct {
			Body struct {
				Enabled      bool   `json:"enabled"`
				TemplateCode string `json:"template_code" maxLength:"50"`
				DelayMinutes int    `json:"delay_minutes" minimum:"0" maximum:"10080"`
				ExpiryDays   int    `json:"expiry_days" minimum:"1" maximum:"90"`
				Version      int64  `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.SurveySettings], error) {
			b := in.Body
			return respond(a.S.Surveys.UpdateSurveySettings(ctx, b.Version, aftersales.SurveySettings{Enabled: b.Enabled, TemplateCode: b.TemplateCode,
				DelayMinutes: b.DelayMinutes, ExpiryDays: b.ExpiryDays}))
		})
	register(a, h, huma.Operation{OperationID: "get-survey-link", Method: http.MethodPost, Path: "/tickets/{id}/survey-link", Tags: t, DefaultStatus: http.StatusOK,
		Summary: "The ticket's survey link for SMS, WeChat or a reply, creating the invitation if needed",
		Description: "The link is signed and needs no login; it can be answered once, until it expires (asking again renews an expired, " +
			"unanswered link). `channel` records how it is handed out unless the invitation already went by email. `one_click` holds the " +
			"CSAT row for a reply: the page with a score preselected (a click opens it; nothing is recorded until the customer sends). " +
			"`message` is the invitation text in zh-CN and en."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Channel string `json:"channel,omitempty" enum:"sms,wechat,link," doc:"How the link is handed out (default link)"`
			}
		}) (*plain[*aftersales.SurveyLink], error) {
			return respond(a.S.Surveys.SurveyLink(ctx, in.ID, in.Body.Channel))
		})
	register(a, h, huma.Operation{OperationID: "get-survey-stats", Method: http.MethodGet, Path: "/surveys/stats", Tags: t,
		Summary: "The response bias: invitations made in the period, sent and answered, the response rate and mean scores, overall and by send channel, ticket channel, region and nature",
		Description: "Rate is answered ÷ sent. A drill-down to the invitations behind a row is `list-survey-invitations` with `dim` and `value`. " +
			"CES is shown here only: it is not a KPI of the catalog."},
		func(ctx context.Context, in *surveyRange) (*plain[*aftersales.SurveyStats], error) {
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Surveys.SurveyStats(ctx, aftersales.SurveyFilter{From: from, To: to}))
		})
	register(a, h, huma.Operation{OperationID: "list-survey-invitations", Method: http.MethodGet, Path: "/surveys/invitations", Tags: t,
		Summary: "Who was asked and who answered: invitations made in the period, newest first, with their scores"},
		func(ctx context.Context, in *struct {
			From     string `query:"from" required:"true" doc:"First day (local), YYYY-MM-DD" example:"2026-01-01"`
			To       string `query:"to" required:"true" doc:"Day after the last (local), YYYY-MM-DD" example:"2026-02-01"`
			Answered string `query:"answered" enum:"yes,no," doc:"Only answered (yes) or unanswered (no) invitations"`
			Dim      string `query:"dim" enum:"send_channel,channel,region,nature," doc:"With value: one row of the stats"`
			Value    string `query:"value" maxLength:"100"`
			Limit    int    `query:"limit" minimum:"0" maximum:"500"`
		}) (*plain[[]*aftersales.SurveyInvitation], error) {
			from, to, err := a.dates(in.From, in.To)
			if err != nil {
				return nil, err
			}
			f := aftersales.SurveyFilter{From: from, To: to, Dim: in.Dim, Value: in.Value, Limit: in.Limit}
			if in.Answered != "" {
				yes := in.Answered == "yes"
				f.Answered = &yes
			}
			return respond(a.S.Surveys.ListSurveyInvitations(ctx, f))
		})
}
