package console

import (
	"fmt"
	"net/http"
	"strconv"

	"aftersales"
)

// textModelRoutes mounts the text models page (issue #21) and the ticket
// page's one-click decisions on a suggestion.
func (c *Console) textModelRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/models", c.guard(c.textModelsPage))
	mux.HandleFunc("POST /admin/models/train", c.guard(c.trainTextModel))
	mux.HandleFunc("POST /admin/models/threshold", c.guard(c.setSuggestThreshold))
	mux.HandleFunc("POST /tickets/{id}/suggestions/{field}/{decision}", c.guard(c.decideSuggestion))
	mux.HandleFunc("POST /admin/models/sentiment/train", c.guard(c.trainSentimentModel))
	mux.HandleFunc("POST /tickets/{id}/sentiment", c.guard(c.correctSentiment))
}

// textModelsView is the page's data: per field, its threshold, whether a
// training waits, and its versions newest first.
type textModelsView struct {
	Fields  []textFieldView
	CanEdit bool
	// Names maps a category id to its name, for category classes.
	Names map[string]string
	// Sentiment lists the sentiment model's versions (sentiment.go).
	Sentiment sentimentModelsView
}

type textFieldView struct {
	Field     string
	Threshold float64
	Requested bool
	Models    []*aftersales.TextModel
}

func (c *Console) textModelsPage(w http.ResponseWriter, r *http.Request) { c.textModelsShow(w, r, nil) }

func (c *Console) textModelsShow(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "text_models", "text_models", "models.title", func(p *Page) error {
		ctx := r.Context()
		// The models' scores are quality figures: the roles that read
		// the KPIs read them (the navigation shows it to those only).
		if !p.User.Role.Can(aftersales.PermMetricsRead) {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "The text models are shown to the roles that read the KPIs.")
		}
		v := &textModelsView{CanEdit: p.User.Role.Can(aftersales.PermSettingsWrite), Names: map[string]string{}}
		p.Data = v
		th, err := c.S.TextClass.SuggestThresholds(ctx)
		if err != nil {
			return err
		}
		waiting, err := c.S.TextClass.TrainingRequested(ctx)
		if err != nil {
			return err
		}
		models, err := c.S.TextClass.ListTextModels(ctx, "")
		if err != nil {
			return err
		}
		cats, err := c.S.Catalog.ListCategories(ctx)
		if err != nil {
			return err
		}
		for _, cat := range cats {
			v.Names[strconv.FormatInt(cat.ID, 10)] = p.L(cat.NameZH, cat.NameEN)
		}
		for _, f := range aftersales.SuggestFields {
			fv := textFieldView{Field: f, Threshold: th[f]}
			for _, w := range waiting {
				fv.Requested = fv.Requested || w == f
			}
			for _, m := range models {
				if m.Field == f {
					fv.Models = append(fv.Models, m)
				}
			}
			v.Fields = append(v.Fields, fv)
		}
		return c.loadSentimentModels(ctx, &v.Sentiment)
	}, formErr)
}

func (c *Console) trainTextModel(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	err := c.S.TextClass.RequestTraining(r.Context(), f.str("field"))
	c.done(w, r, "/admin/models?ok=saved#field-"+f.str("field"), err, c.textModelsShow)
}

func (c *Console) setSuggestThreshold(w http.ResponseWriter, r *http.Request) {
	f := &form{r: r}
	t := f.float("threshold")
	err := f.v.Err()
	if err == nil && t == nil {
		var v aftersales.Validator
		v.Add("threshold", "is required")
		err = v.Err()
	}
	if err == nil {
		err = c.S.TextClass.SetSuggestThreshold(r.Context(), f.str("field"), *t)
	}
	c.done(w, r, "/admin/models?ok=saved#field-"+f.str("field"), err, c.textModelsShow)
}

func (c *Console) decideSuggestion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		c.fail(w, r, "", c.page(r, "tickets", "ticket.title"), err)
		return
	}
	d := r.PathValue("decision")
	if d != "accept" && d != "reject" {
		http.NotFound(w, r)
		return
	}
	if _, err := c.S.TextClass.DecideSuggestion(r.Context(), id, r.PathValue("field"), d == "accept"); err != nil {
		c.renderTicket(w, r, id, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d?ok=saved#suggestions", id), http.StatusSeeOther)
}

// ClassName shows a model's class in the page's language: a nature or
// urgency through the catalog, a category by its name.
func (p *Page) ClassName(field, class string, names map[string]string) string {
	if field == aftersales.SuggestCategory {
		if n, ok := names[class]; ok {
			return n
		}
		return class
	}
	return p.FieldValue(field, class)
}

// Pct1 writes a share in [0, 1] as a percentage with one decimal.
func (p *Page) Pct1(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// loadSuggestions reads a ticket's suggestions and, when one is for the
// category, the categories' names.
func (c *Console) loadSuggestions(r *http.Request, p *Page, id int64) ([]*aftersales.Suggestion, map[string]string, error) {
	ss, err := c.S.TextClass.ListSuggestions(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, s := range ss {
		if s.Field != aftersales.SuggestCategory {
			continue
		}
		cats, err := c.S.Catalog.ListCategories(r.Context())
		if err != nil {
			return nil, nil, err
		}
		for _, cat := range cats {
			names[strconv.FormatInt(cat.ID, 10)] = p.L(cat.NameZH, cat.NameEN)
		}
		break
	}
	return ss, names, nil
}
