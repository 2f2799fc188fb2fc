package api

import (
	"context"
	"net/http"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// kb exposes the knowledge base: articles with their versions, the search
// (articles and, for staff, the improvement cases), feedback, the report,
// synonyms and a ticket's similar solved tickets. The public help pages
// and the web form's suggestions are console pages, not API operations.
//
// The store lets a caller without a user read public articles (the help
// pages); the API never does: every operation needs a user (401).
func (a *API) kb(h huma.API) {
	t := []string{"Knowledge base"}
	register(a, h, huma.Operation{OperationID: "list-kb-articles", Method: http.MethodGet, Path: "/kb/articles", Tags: t,
		Summary: "The articles, by category then title"},
		func(ctx context.Context, in *struct {
			Category string `query:"category" enum:"ac,washer,fridge,heater,tv,general,"`
		}) (*plain[[]*aftersales.Article], error) {
			return respond(a.S.KB.Articles(ctx, in.Category))
		})
	register(a, h, huma.Operation{OperationID: "create-kb-article", Method: http.MethodPost, Path: "/kb/articles", Tags: t,
		Summary: "Write an article (its version 1)", Description: "Both languages are required. The body is Markdown; raw HTML is shown as text."},
		func(ctx context.Context, in *struct {
			Body aftersales.ArticleInput
		}) (*plain[*aftersales.Article], error) {
			return respond(a.S.KB.CreateArticle(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-kb-article", Method: http.MethodGet, Path: "/kb/articles/{id}", Tags: t,
		Summary: "One article, its current version"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.Article], error) {
			if err := signedIn(ctx); err != nil {
				return nil, err
			}
			return respond(a.S.KB.Article(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-kb-article", Method: http.MethodPut, Path: "/kb/articles/{id}", Tags: t,
		Summary: "Save the next version of an article", Description: "`version` is the version edited; a save since answers 409. The version before is kept in the history."},
		func(ctx context.Context, in *struct {
			IDParam
			Body struct {
				aftersales.ArticleInput
				Version int64 `json:"version" minimum:"1"`
			}
		}) (*plain[*aftersales.Article], error) {
			return respond(a.S.KB.UpdateArticle(ctx, in.ID, in.Body.Version, in.Body.ArticleInput))
		})
	register(a, h, huma.Operation{OperationID: "list-kb-article-versions", Method: http.MethodGet, Path: "/kb/articles/{id}/versions", Tags: t,
		Summary: "Every version of an article, newest first, with its author and date"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.ArticleVersion], error) {
			if err := signedIn(ctx); err != nil {
				return nil, err
			}
			return respond(a.S.KB.ArticleVersions(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "post-kb-article-feedback", Method: http.MethodPost, Path: "/kb/articles/{id}/feedback", Tags: t,
		Summary: "Record whether an article helped, and why", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDParam
			Body aftersales.KBFeedbackInput
		}) (*struct{}, error) {
			if err := signedIn(ctx); err != nil {
				return nil, err
			}
			return nil, a.S.KB.ArticleFeedback(ctx, in.ID, in.Body)
		})
	register(a, h, huma.Operation{OperationID: "search-kb", Method: http.MethodGet, Path: "/kb/search", Tags: t,
		Summary: "Search the knowledge base, best first",
		Description: "Ranked by BM25 over words segmented in Chinese and stemmed in English, with the synonyms; titles weigh more than bodies. " +
			"`cases` adds the improvement loop's case library (kind `case`). A search without result is counted in the report."},
		func(ctx context.Context, in *struct {
			Q        string `query:"q" required:"true" maxLength:"200"`
			Lang     string `query:"lang" enum:"zh-CN,en," doc:"The language of titles and snippets (default zh-CN)"`
			Category string `query:"category" enum:"ac,washer,fridge,heater,tv,general,"`
			Cases    bool   `query:"cases"`
			Limit    int    `query:"limit" minimum:"0" maximum:"50"`
		}) (*plain[[]aftersales.KBHit], error) {
			if err := signedIn(ctx); err != nil {
				return nil, err
			}
			return respond(a.S.KB.SearchKB(ctx, aftersales.KBQuery{Text: in.Q, Lang: in.Lang, Category: in.Category, Cases: in.Cases, Limit: in.Limit, Log: true}))
		})
	register(a, h, huma.Operation{OperationID: "get-kb-report", Method: http.MethodGet, Path: "/kb/report", Tags: t,
		Summary: "Searches without result (query, count, last seen), the latest feedback, and deflection on the public form"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.KBReport], error) {
			return respond(a.S.KB.KBReport(ctx))
		})
	type synonyms struct {
		Synonyms string `json:"synonyms" maxLength:"100000" doc:"One group a line, phrases separated by commas"`
	}
	register(a, h, huma.Operation{OperationID: "get-kb-synonyms", Method: http.MethodGet, Path: "/kb/synonyms", Tags: t,
		Summary: "The search's synonym groups"},
		func(ctx context.Context, in *struct{}) (*plain[synonyms], error) {
			s, err := a.S.KB.Synonyms(ctx)
			return respond(synonyms{s}, err)
		})
	register(a, h, huma.Operation{OperationID: "set-kb-synonyms", Method: http.MethodPut, Path: "/kb/synonyms", Tags: t,
		Summary: "Replace the synonym groups", Description: "A line with fewer than two phrases is refused, naming the line."},
		func(ctx context.Context, in *struct {
			Body synonyms
		}) (*plain[synonyms], error) {
			if err := a.S.KB.SetSynonyms(ctx, in.Body.Synonyms); err != nil {
				return nil, err
			}
			return respond(in.Body, nil)
		})
	register(a, h, huma.Operation{OperationID: "list-similar-tickets", Method: http.MethodGet, Path: "/tickets/{id}/similar", Tags: t,
		Summary: "Solved tickets like this one, by text, with their resolution notes"},
		func(ctx context.Context, in *struct {
			IDParam
			Limit int `query:"limit" minimum:"0" maximum:"20"`
		}) (*plain[[]aftersales.SimilarTicket], error) {
			return respond(a.S.KB.SimilarTickets(ctx, in.ID, in.Limit))
		})
}

// signedIn refuses a caller without a user.
func signedIn(ctx context.Context) error {
	if aftersales.UserFromContext(ctx) == nil {
		return aftersales.Errorf(aftersales.EUNAUTHORIZED, "Authentication required.")
	}
	return nil
}
