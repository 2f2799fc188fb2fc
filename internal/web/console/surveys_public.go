package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"aftersales"
)

// DefaultCatalog loads the embedded message catalog, for texts written
// outside a page (the survey invitation a store queues).
func DefaultCatalog() (*Catalog, error) { return LoadCatalog(localeFS) }

// The public survey page, /s/{token}: no sign-in, the signed token is
// the authority. It is one screen of big tap targets that works without
// script. Against forgery: the token is a secret only its customer has,
// the cross-origin check refuses posts from other sites, and the form
// carries a nonce signed over the token and the time it was shown, so an
// answer must come from a page this server rendered for this link within
// a day. A GET never records anything: mail scanners open links, so the
// one-click row (?score=N) only preselects the score.
const surveyFormMaxAge = 24 * time.Hour

func (c *Console) surveyRoutes(mux *http.ServeMux) {
	// Not framed by other sites (unlike the web form): a page that takes
	// an answer with one tap must not be clickjacked.
	mux.HandleFunc("GET /s/{token}", c.survey)
	mux.HandleFunc("POST /s/{token}", c.answerSurvey)
}

// surveyNonce signs the token with the time the form was shown.
func (c *Console) surveyNonce(tok string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts + "." + c.surveySig(tok, ts)
}

func (c *Console) surveySig(tok, ts string) string {
	m := hmac.New(sha256.New, c.FormKey)
	m.Write([]byte("survey:" + tok + ":" + ts))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

func (c *Console) surveyNonceOK(tok, n string, now time.Time) bool {
	ts, sig, ok := strings.Cut(n, ".")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(c.surveySig(tok, ts))) {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	return age >= -time.Minute && age <= surveyFormMaxAge
}

// surveyQ is a question as the page shows it.
type surveyQ struct {
	aftersales.SurveyQuestion
	Points []int
	Chosen int // -1: none
	Picked map[string]bool
}

type surveyView struct {
	Token, Nonce, Lang string
	// State is open, answered, done (just answered), expired or invalid.
	State     string
	Form      *aftersales.SurveyForm
	Questions []surveyQ
	Comment   string
	Switch    string // the same page in the other language
}

// Reason names a reason code of the answered template.
func (v *surveyView) Reason(code string) aftersales.SurveyOption {
	for _, q := range v.Form.Template.Questions {
		for _, o := range q.Options {
			if o.Code == code {
				return o
			}
		}
	}
	return aftersales.SurveyOption{Code: code, ZH: code, EN: code}
}

func (c *Console) surveyPage(r *http.Request, tok string) (*Page, *surveyView) {
	p := c.publicPage(r, "survey.title")
	if l := r.PostFormValue("lang"); l == "en" || l == "zh-CN" {
		p.Lang, p.Title = l, p.T("survey.title")
	}
	other := map[string]string{"en": "zh-CN", "zh-CN": "en"}[p.Lang]
	q := url.Values{"lang": {other}}
	if s := r.URL.Query().Get("score"); s != "" {
		q.Set("score", s)
	}
	v := &surveyView{Token: tok, Lang: p.Lang, Nonce: c.surveyNonce(tok, c.Now()), Switch: "/s/" + url.PathEscape(tok) + "?" + q.Encode()}
	p.Data = v
	return p, v
}

// questions prepares the template's questions with the chosen values:
// from the form sent, or the one-click score in the link.
func (v *surveyView) questions(r *http.Request) {
	t := v.Form.Template
	for _, q := range t.Questions {
		sq := surveyQ{SurveyQuestion: q, Chosen: -1, Picked: map[string]bool{}}
		switch q.Type {
		case aftersales.QuestionScore:
			lo, hi := q.Scale.Scale()
			for i := lo; i <= hi; i++ {
				sq.Points = append(sq.Points, i)
			}
			raw := r.PostFormValue("score_" + string(q.Scale))
			if raw == "" && q.Scale == t.Kind {
				raw = r.URL.Query().Get("score")
			}
			if n, err := strconv.Atoi(raw); err == nil && n >= lo && n <= hi {
				sq.Chosen = n
			}
		case aftersales.QuestionReasons:
			for _, c := range r.PostForm["reason"] {
				sq.Picked[c] = true
			}
		}
		v.Questions = append(v.Questions, sq)
	}
	v.Comment = r.PostFormValue("comment")
}

func (c *Console) survey(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	p, v := c.surveyPage(r, tok)
	f, err := c.S.Surveys.OpenSurvey(r.Context(), tok)
	if err != nil {
		c.surveyRefused(w, r, p, v, err)
		return
	}
	v.Form = f
	switch {
	case f.Response != nil:
		v.State = "answered"
		if r.URL.Query().Get("done") == "1" {
			v.State = "done"
		}
	case f.Expired:
		v.State, p.Status = "expired", http.StatusGone
	default:
		v.State = "open"
		v.questions(r)
	}
	c.render(w, r, "survey", p)
}

// surveyRefused shows a link that is not ours (404) or an error, in the
// page's language and never with internal detail.
func (c *Console) surveyRefused(w http.ResponseWriter, r *http.Request, p *Page, v *surveyView, err error) {
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		v.State, p.Status = "invalid", http.StatusNotFound
		c.render(w, r, "survey", p)
		return
	}
	c.fail(w, r, "", p, err)
}

func (c *Console) answerSurvey(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	p, v := c.surveyPage(r, tok)
	// Counted before the body is read, as the web form.
	if c.SurveyLimit != nil {
		ok, err := c.SurveyLimit.Allow(r.Context(), clientIP(r))
		if err == nil && !ok {
			err = aftersales.Errorf(aftersales.ERATELIMIT, "Too many answers from this address; try again in an hour.")
		}
		if err != nil {
			c.fail(w, r, "", p, err)
			return
		}
	}
	if err := parseForm(r); err != nil {
		c.fail(w, r, "", p, err)
		return
	}
	p, v = c.surveyPage(r, tok) // the language sent with the form
	f, err := c.S.Surveys.OpenSurvey(r.Context(), tok)
	if err != nil {
		c.surveyRefused(w, r, p, v, err)
		return
	}
	v.Form = f
	if !c.surveyNonceOK(tok, r.PostFormValue("n"), c.Now()) {
		v.State, p.Status, p.Flash = "open", http.StatusBadRequest, p.T("survey.stale")
		v.questions(r)
		c.render(w, r, "survey", p)
		return
	}
	a := aftersales.SurveyAnswer{Scores: map[aftersales.SurveyKind]int{}, Reasons: r.PostForm["reason"], Comment: r.PostFormValue("comment"), Lang: p.Lang}
	for _, k := range aftersales.SurveyKinds {
		if s := r.PostFormValue("score_" + string(k)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				n = -1 // out of every scale: refused with the field named
			}
			a.Scores[k] = n
		}
	}
	_, err = c.S.Surveys.AnswerSurvey(r.Context(), tok, a)
	switch code := aftersales.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/s/"+url.PathEscape(tok)+"?"+url.Values{"lang": {p.Lang}, "done": {"1"}}.Encode(), http.StatusSeeOther)
	case code == aftersales.ECONFLICT:
		// Answered meanwhile, or expired: show what the link shows now.
		if f, err = c.S.Surveys.OpenSurvey(r.Context(), tok); err != nil {
			c.surveyRefused(w, r, p, v, err)
			return
		}
		v.Form = f
		v.State, p.Status = "answered", http.StatusConflict
		if f.Response == nil {
			v.State, p.Status = "expired", http.StatusGone
		}
		c.render(w, r, "survey", p)
	case code == aftersales.EINVALID:
		v.State, p.Status, p.Flash = "open", http.StatusUnprocessableEntity, p.T("survey.fix")
		for _, fe := range aftersales.ErrorFields(err) {
			p.Errs[fe.Field] = p.cat.fieldReason(p.Lang, fe.Reason)
		}
		v.questions(r)
		c.render(w, r, "survey", p)
	default:
		c.surveyRefused(w, r, p, v, err)
	}
}
