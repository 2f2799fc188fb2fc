package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

// textTopics mounts the complaint clusters and the domain dictionary under
// /text (issue #21).
func (a *API) textTopics(h huma.API) {
	t := tag("Text analytics")
	register(a, h, huma.Operation{OperationID: "list-text-clusters", Method: http.MethodGet, Path: "/text/clusters", Tags: t,
		Summary: "Cluster the complaint texts of a scope and period into topics",
		Description: "Titles and descriptions are segmented (with the domain dictionary), weighed by TF-IDF and grouped by spherical k-means " +
			"(cosine), seeded, k chosen in 2..8 by the highest mean silhouette. Each topic keeps the id and name of the stored topic whose " +
			"top terms it matches (cosine ≥ 0.5), so a topic that persists is recognised across runs. The run is stored: the tickets of " +
			"the scope move to their topic, which GET /tickets?topic_id= lists. At most 5000 tickets, the newest."},
		func(ctx context.Context, in *aftersales.TopicScope) (*plain[*aftersales.TopicRun], error) {
			f, err := in.Filter(a.zone())
			if err != nil {
				return nil, err
			}
			return respond(a.S.Topics.RunTopics(ctx, f))
		})
	register(a, h, huma.Operation{OperationID: "get-text-cluster", Method: http.MethodGet, Path: "/text/clusters/{id}", Tags: t,
		Summary: "A stored topic with its tickets in a scope (as the latest run put them)"},
		func(ctx context.Context, in *struct {
			IDParam
			aftersales.TopicScope
			Cursor string `query:"cursor"`
			Limit  int    `query:"limit" default:"50" minimum:"1" maximum:"500"`
		}) (*plain[*aftersales.TopicDetail], error) {
			f, err := in.TopicScope.Filter(a.zone())
			if err != nil {
				return nil, err
			}
			f.Cursor, f.Limit, f.Count = in.Cursor, in.Limit, true
			return respond(a.S.Topics.TopicDetail(ctx, in.ID, f))
		})
	register(a, h, huma.Operation{OperationID: "open-text-cluster-item", Method: http.MethodPost, Path: "/text/clusters/{id}/improvement-item", Tags: t,
		Summary: "Open an improvement item for a topic, its tickets in the scope linked as evidence"},
		func(ctx context.Context, in *struct {
			IDParam
			Idem
			aftersales.TopicScope
		}) (*plain[*aftersales.ImprovementItem], error) {
			f, err := in.TopicScope.Filter(a.zone())
			if err != nil {
				return nil, err
			}
			return respond(a.S.Topics.OpenTopicItem(ctx, in.ID, f, func(r *aftersales.TopicRecord, n int) (string, string) {
				terms := make([]string, len(r.Terms))
				for i, t := range r.Terms {
					terms[i] = t.Term
				}
				return "Complaint topic: " + r.Name, fmt.Sprintf("Opened from the complaint clusters: %d tickets. Top terms: %s.", n, strings.Join(terms, ", "))
			}))
		})
	register(a, h, huma.Operation{OperationID: "list-text-dictionary", Method: http.MethodGet, Path: "/text/dictionary", Tags: t,
		Summary: "The domain dictionary: words the segmenter keeps whole"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.DictWord], error) {
			return respond(a.S.Topics.Dictionary(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-text-dictionary-word", Method: http.MethodPost, Path: "/text/dictionary", Tags: t,
		Summary: "Add a word to the domain dictionary", Description: "Every instance's segmenter takes it at its next text run."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.DictWordInput
		}) (*plain[*aftersales.DictWord], error) {
			return respond(a.S.Topics.CreateDictWord(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "import-text-dictionary", Method: http.MethodPost, Path: "/text/dictionary/import", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Add or replace many words, all or nothing",
		Description: "A bad row refuses the whole import; each error names its word (words[N].field, N from 0)."},
		func(ctx context.Context, in *struct {
			Idem
			Body struct {
				Words []aftersales.DictWordInput `json:"words" minItems:"1" maxItems:"10000"`
			}
		}) (*plain[importedWords], error) {
			n, err := a.S.Topics.ImportDictionary(ctx, in.Body.Words)
			return respond(importedWords{Words: n}, err)
		})
	register(a, h, huma.Operation{OperationID: "update-text-dictionary-word", Method: http.MethodPut, Path: "/text/dictionary/{id}", Tags: t,
		Summary: "Change a word of the domain dictionary"},
		func(ctx context.Context, in *versionBody[dictWordUpdate]) (*plain[*aftersales.DictWord], error) {
			v, err := in.version(in.Body.Version)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Topics.UpdateDictWord(ctx, in.ID, v, in.Body.DictWordInput))
		})
	register(a, h, huma.Operation{OperationID: "delete-text-dictionary-word", Method: http.MethodDelete, Path: "/text/dictionary/{id}", Tags: t,
		Summary: "Remove a word from the domain dictionary", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDParam) (*struct{}, error) {
			return &struct{}{}, a.S.Topics.DeleteDictWord(ctx, in.ID)
		})
}

type importedWords struct {
	Words int `json:"words" doc:"Words added or replaced"`
}

type dictWordUpdate struct {
	aftersales.DictWordInput
	Version int64 `json:"version,omitempty" doc:"Alternative to If-Match"`
}
