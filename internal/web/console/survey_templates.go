package console

import (
	"fmt"
	"net/http"
	"strings"

	"aftersales"
)

// The survey template editor (issue #20): a form for a template's kind,
// titles and questions in both languages; saving adds the next version
// (answers keep the version they answered); a preview shows the questions
// as the customer's page asks them, in the page's language.

// templateRows is how many question rows the form offers.
const templateRows = 8

func (c *Console) surveyTemplateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /surveys/templates/edit", c.guard(c.surveyTemplatePage))
	c.post(mux, "/surveys/templates", needs(aftersales.PermSettingsWrite), c.saveSurveyTemplate)
}

// questionRow is one row of the form: the question's kind is csat, nps
// or ces (a score on that scale), choice (reason codes) or text.
type questionRow struct {
	Key, Kind, ZH, EN, Options string
	// Parsed is the question the row makes, for the preview.
	Parsed *aftersales.SurveyQuestion
}

type surveyTemplateView struct {
	Code    string
	Latest  *aftersales.SurveyTemplate // nil for a new template
	Kind    aftersales.SurveyKind
	TitleZH string
	TitleEN string
	Rows    []questionRow
	Kinds   []aftersales.SurveyKind
	// QKinds are the row kinds, in the form's order.
	QKinds  []string
	Preview []aftersales.SurveyQuestion
	Saved   int // the version just saved
}

// ScaleRange is a score question's lowest and highest score.
func (v *surveyTemplateView) ScaleRange(k aftersales.SurveyKind) string {
	lo, hi := k.Scale()
	return fmt.Sprintf("%d–%d", lo, hi)
}

func rowOf(q aftersales.SurveyQuestion) questionRow {
	r := questionRow{Key: q.Key, ZH: q.ZH, EN: q.EN}
	switch q.Type {
	case aftersales.QuestionScore:
		r.Kind = string(q.Scale)
	case aftersales.QuestionReasons:
		r.Kind = "choice"
		var lines []string
		for _, o := range q.Options {
			lines = append(lines, o.Code+" | "+o.ZH+" | "+o.EN)
		}
		r.Options = strings.Join(lines, "\n")
	default:
		r.Kind = aftersales.QuestionText
	}
	return r
}

// parseRow turns a filled row into a question; an empty row is none.
func parseRow(r questionRow) (aftersales.SurveyQuestion, bool) {
	if r.Key == "" && r.ZH == "" && r.EN == "" && r.Options == "" {
		return aftersales.SurveyQuestion{}, false
	}
	q := aftersales.SurveyQuestion{Key: r.Key, ZH: r.ZH, EN: r.EN}
	switch r.Kind {
	case string(aftersales.SurveyCSAT), string(aftersales.SurveyNPS), string(aftersales.SurveyCES):
		q.Type, q.Scale = aftersales.QuestionScore, aftersales.SurveyKind(r.Kind)
	case "choice":
		q.Type = aftersales.QuestionReasons
		for _, line := range strings.Split(r.Options, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			parts := strings.SplitN(line, "|", 3)
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			q.Options = append(q.Options, aftersales.SurveyOption{Code: strings.TrimSpace(parts[0]), ZH: strings.TrimSpace(parts[1]), EN: strings.TrimSpace(parts[2])})
		}
	case aftersales.QuestionText:
		q.Type = aftersales.QuestionText
	default:
		q.Type = r.Kind
	}
	return q, true
}

func (c *Console) surveyTemplatePage(w http.ResponseWriter, r *http.Request) {
	c.surveyTemplateShow(w, r, nil)
}

func (c *Console) surveyTemplateShow(w http.ResponseWriter, r *http.Request, formErr error) {
	c.adminPage(w, r, "surveys", "survey_template", "surveys.editor.title", func(p *Page) error {
		v := &surveyTemplateView{Kinds: aftersales.SurveyKinds, QKinds: []string{"csat", "nps", "ces", "choice", "text"}}
		p.Data = v
		code := strings.TrimSpace(r.URL.Query().Get("code"))
		if r.Method == http.MethodPost {
			code = strings.TrimSpace(r.PostFormValue("code"))
		}
		v.Code = code
		all, err := c.S.Surveys.SurveyTemplates(r.Context())
		if err != nil {
			return err
		}
		for _, t := range all {
			if t.Code == code && (v.Latest == nil || t.Version > v.Latest.Version) {
				v.Latest = t
			}
		}
		fmt.Sscan(r.URL.Query().Get("saved"), &v.Saved)
		if r.Method == http.MethodPost {
			in, rows := readTemplateForm(r)
			v.Kind, v.TitleZH, v.TitleEN, v.Rows = in.Kind, in.TitleZH, in.TitleEN, rows
			v.Preview = in.Questions
			return nil
		}
		if t := v.Latest; t != nil {
			v.Kind, v.TitleZH, v.TitleEN = t.Kind, t.TitleZH, t.TitleEN
			for _, q := range t.Questions {
				v.Rows = append(v.Rows, rowOf(q))
			}
			v.Preview = t.Questions
		} else {
			v.Kind = aftersales.SurveyCSAT
		}
		for len(v.Rows) < templateRows {
			v.Rows = append(v.Rows, questionRow{Kind: aftersales.QuestionText})
		}
		return nil
	}, formErr)
}

// readTemplateForm reads the editor's form; rows keep what was typed so
// that a refused form shows it again.
func readTemplateForm(r *http.Request) (aftersales.SurveyTemplateInput, []questionRow) {
	f := &form{r: r}
	in := aftersales.SurveyTemplateInput{Kind: aftersales.SurveyKind(f.str("kind")), TitleZH: f.str("title_zh"), TitleEN: f.str("title_en")}
	// Filled rows first, so that row i is questions[i] of the domain's
	// field errors.
	var rows, empty []questionRow
	for i := range templateRows {
		n := func(s string) string { return fmt.Sprintf("q%d_%s", i, s) }
		row := questionRow{Key: f.str(n("key")), Kind: f.str(n("kind")), ZH: f.str(n("zh")), EN: f.str(n("en")), Options: f.str(n("options"))}
		if q, ok := parseRow(row); ok {
			in.Questions = append(in.Questions, q)
			rows = append(rows, row)
		} else {
			empty = append(empty, row)
		}
	}
	return in, append(rows, empty...)
}

// ErrPrefix is the first field error under prefix (a question's options
// are checked one by one: questions[2].options[0].code).
func (p *Page) ErrPrefix(prefix string) string {
	best := ""
	for k := range p.Errs {
		if strings.HasPrefix(k, prefix) && (best == "" || k < best) {
			best = k
		}
	}
	if best == "" {
		return ""
	}
	return p.Errs[best]
}

func (c *Console) saveSurveyTemplate(w http.ResponseWriter, r *http.Request) {
	in, _ := readTemplateForm(r)
	code := strings.TrimSpace(r.PostFormValue("code"))
	if r.PostFormValue("preview") != "" {
		// A preview saves nothing; the form's mistakes show all the same.
		c.surveyTemplateShow(w, r, in.Validate(code))
		return
	}
	t, err := c.S.Surveys.SaveSurveyTemplate(r.Context(), code, in)
	if err != nil {
		c.surveyTemplateShow(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/templates/edit?code=%s&saved=%d", t.Code, t.Version), http.StatusSeeOther)
}
