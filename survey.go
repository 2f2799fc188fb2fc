package aftersales

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SurveyKind is what a survey's main question measures.
type SurveyKind string

const (
	// SurveyCSAT is customer satisfaction, 1 (very dissatisfied) to 5.
	SurveyCSAT SurveyKind = "csat"
	// SurveyNPS is the likelihood to recommend, 0 to 10.
	SurveyNPS SurveyKind = "nps"
	// SurveyCES is customer effort, 1 (very easy) to 7 (very hard).
	SurveyCES SurveyKind = "ces"
)

// SurveyKinds lists the kinds in display order.
var SurveyKinds = []SurveyKind{SurveyCSAT, SurveyNPS, SurveyCES}

// Valid reports whether k is a known kind.
func (k SurveyKind) Valid() bool { return oneOf(k, SurveyKinds) }

// Scale is the lowest and highest score of a kind.
func (k SurveyKind) Scale() (lo, hi int) {
	switch k {
	case SurveyNPS:
		return 0, 10
	case SurveyCES:
		return 1, 7
	}
	return 1, 5
}

// ChannelSurvey marks feedback a customer gave through a survey link.
// It is a feedback channel only, never a ticket's intake channel.
const ChannelSurvey Channel = "survey"

// Survey question types.
const (
	QuestionScore   = "score"   // a score on the scale of Scale
	QuestionReasons = "reasons" // reason codes picked from Options
	QuestionText    = "text"    // a free comment
)

// SurveyOption is a reason code a customer can pick.
type SurveyOption struct {
	Code string `json:"code" maxLength:"50" pattern:"^[a-z0-9][a-z0-9_-]*$"`
	ZH   string `json:"zh" maxLength:"100"`
	EN   string `json:"en" maxLength:"100"`
}

// SurveyQuestion is one question of a template, in both languages.
type SurveyQuestion struct {
	Key     string         `json:"key" maxLength:"50" pattern:"^[a-z0-9][a-z0-9_-]*$"`
	Type    string         `json:"type" enum:"score,reasons,text"`
	Scale   SurveyKind     `json:"scale,omitempty" enum:"csat,nps,ces," doc:"For a score question: which scale"`
	ZH      string         `json:"zh" maxLength:"300"`
	EN      string         `json:"en" maxLength:"300"`
	Options []SurveyOption `json:"options,omitempty" maxItems:"20" doc:"For a reasons question: the codes to pick from"`
}

// SurveyTemplateInput is what an administrator writes; saving it under a
// code that exists adds a version.
type SurveyTemplateInput struct {
	Kind      SurveyKind       `json:"kind" enum:"csat,nps,ces"`
	TitleZH   string           `json:"title_zh" maxLength:"200"`
	TitleEN   string           `json:"title_en" maxLength:"200"`
	Questions []SurveyQuestion `json:"questions" minItems:"1" maxItems:"10"`
}

// SurveyTemplate is one version of a survey. Answers keep the version
// they answered: a version is never changed, an edit adds the next.
type SurveyTemplate struct {
	ID        int64            `json:"id"`
	Code      string           `json:"code"`
	Version   int              `json:"version"`
	Kind      SurveyKind       `json:"kind"`
	TitleZH   string           `json:"title_zh"`
	TitleEN   string           `json:"title_en"`
	Questions []SurveyQuestion `json:"questions"`
	CreatedAt time.Time        `json:"created_at"`
}

// Validate checks a template saved under code: bilingual texts, unique
// keys, and a score question on the template's own scale (the one the
// ticket's feedback takes), at most one per scale.
func (in *SurveyTemplateInput) Validate(code string) error {
	var v Validator
	v.Check(validCode(code), "code", "must be lower-case letters, digits, '-' or '_'")
	in.TitleZH, in.TitleEN = strings.TrimSpace(in.TitleZH), strings.TrimSpace(in.TitleEN)
	v.Check(in.Kind.Valid(), "kind", "is not one of "+joinEnum(SurveyKinds))
	v.Check(in.TitleZH != "", "title_zh", "is required")
	v.Check(in.TitleEN != "", "title_en", "is required")
	v.Text("title_zh", in.TitleZH)
	v.Text("title_en", in.TitleEN)
	v.Check(len(in.Questions) >= 1 && len(in.Questions) <= 10, "questions", "must have 1 to 10 questions")
	keys, scales := map[string]bool{}, map[SurveyKind]bool{}
	for i := range in.Questions {
		q := &in.Questions[i]
		f := fmt.Sprintf("questions[%d]", i)
		q.ZH, q.EN = strings.TrimSpace(q.ZH), strings.TrimSpace(q.EN)
		v.Check(validCode(q.Key), f+".key", "must be lower-case letters, digits, '-' or '_'")
		v.Check(!keys[q.Key], f+".key", "is used twice")
		keys[q.Key] = true
		v.Check(q.ZH != "" && ValidText(q.ZH), f+".zh", "is required")
		v.Check(q.EN != "" && ValidText(q.EN), f+".en", "is required")
		switch q.Type {
		case QuestionScore:
			v.Check(q.Scale.Valid(), f+".scale", "is not one of "+joinEnum(SurveyKinds))
			v.Check(!scales[q.Scale], f+".scale", "is asked twice")
			scales[q.Scale] = true
		case QuestionReasons:
			v.Check(len(q.Options) >= 1 && len(q.Options) <= 20, f+".options", "must have 1 to 20 reasons")
			codes := map[string]bool{}
			for j, o := range q.Options {
				g := fmt.Sprintf("%s.options[%d]", f, j)
				v.Check(validCode(o.Code) && !codes[o.Code], g+".code", "must be a unique lower-case code")
				codes[o.Code] = true
				v.Check(strings.TrimSpace(o.ZH) != "" && strings.TrimSpace(o.EN) != "", g+".zh", "both names are required")
			}
		case QuestionText:
		default:
			v.Add(f+".type", "is not one of score, reasons, text")
		}
	}
	v.Check(!in.Kind.Valid() || scales[in.Kind], "questions", "must ask the "+string(in.Kind)+" score")
	return v.Err()
}

// SurveySettings decide what happens when a ticket is resolved.
type SurveySettings struct {
	// Enabled creates an invitation for every resolved ticket.
	Enabled bool `json:"enabled"`
	// TemplateCode names the template sent (its latest version).
	TemplateCode string `json:"template_code" maxLength:"50"`
	// DelayMinutes waits after the resolution before the email goes.
	DelayMinutes int `json:"delay_minutes" minimum:"0" maximum:"10080"`
	// ExpiryDays is how long a link can be answered.
	ExpiryDays int       `json:"expiry_days" minimum:"1" maximum:"90"`
	Version    int64     `json:"version"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks the ranges.
func (s *SurveySettings) Validate() error {
	var v Validator
	v.Check(validCode(s.TemplateCode), "template_code", "must name a template")
	v.Check(s.DelayMinutes >= 0 && s.DelayMinutes <= 10080, "delay_minutes", "must be 0 to 10080 (a week)")
	v.Check(s.ExpiryDays >= 1 && s.ExpiryDays <= 90, "expiry_days", "must be 1 to 90")
	return v.Err()
}

// Survey send channels: how an invitation reached the customer.
const (
	SendEmail  = "email"
	SendSMS    = "sms"
	SendWeChat = "wechat"
	SendLink   = "link" // handed out some other way
)

// SendChannels lists them.
var SendChannels = []string{SendEmail, SendSMS, SendWeChat, SendLink}

// SurveyInvitation is one ticket's survey: where it went and whether it
// was answered.
type SurveyInvitation struct {
	ID            int64      `json:"id"`
	TicketID      int64      `json:"ticket_id"`
	Number        string     `json:"number"`
	Customer      string     `json:"customer,omitempty"`
	TemplateID    int64      `json:"template_id"`
	Kind          SurveyKind `json:"kind"`
	Channel       string     `json:"channel,omitempty" doc:"How it reached the customer: email, sms, wechat, link; empty until sent"`
	TicketChannel Channel    `json:"ticket_channel"`
	Nature        Nature     `json:"nature"`
	RegionID      *int64     `json:"region_id,omitempty"`
	Region        string     `json:"region,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	CSAT          *int       `json:"csat,omitempty"`
	NPS           *int       `json:"nps,omitempty"`
	CES           *int       `json:"ces,omitempty"`
}

// SurveyLink is an invitation's public link, for SMS, WeChat or a reply.
type SurveyLink struct {
	Invitation *SurveyInvitation `json:"invitation"`
	Token      string            `json:"token"`
	URL        string            `json:"url" doc:"The public page; absolute when a public URL is configured"`
	// OneClick holds the CSAT row: the page with each score preselected.
	OneClick []string `json:"one_click,omitempty" doc:"For a CSAT survey: the link with score 1..5 preselected"`
	// Message is the invitation text, per language, ready for SMS/WeChat.
	Message map[string]string `json:"message"`
}

// SurveyAnswer is what the customer sends from the public page.
type SurveyAnswer struct {
	Scores  map[SurveyKind]int
	Reasons []string
	Comment string
	Lang    string
}

// SurveyResponse is a stored answer with the version it answered.
type SurveyResponse struct {
	TicketID   int64     `json:"ticket_id"`
	TemplateID int64     `json:"template_id"`
	CSAT       *int      `json:"csat,omitempty"`
	NPS        *int      `json:"nps,omitempty"`
	CES        *int      `json:"ces,omitempty"`
	Reasons    []string  `json:"reasons"`
	Comment    string    `json:"comment,omitempty"`
	Lang       string    `json:"lang"`
	At         time.Time `json:"at"`
}

// Score returns the response's score of kind k.
func (r *SurveyResponse) Score(k SurveyKind) *int {
	switch k {
	case SurveyCSAT:
		return r.CSAT
	case SurveyNPS:
		return r.NPS
	case SurveyCES:
		return r.CES
	}
	return nil
}

// Answer checks a customer's answer against this version, the one it
// answers: every score on its question's scale, the template's own score
// given, reasons from the list. It returns the response to store.
func (t *SurveyTemplate) Answer(a SurveyAnswer) (*SurveyResponse, error) {
	var v Validator
	r := &SurveyResponse{TemplateID: t.ID, Reasons: []string{}, Lang: a.Lang}
	if r.Lang != "en" {
		r.Lang = "zh-CN"
	}
	for _, q := range t.Questions {
		switch q.Type {
		case QuestionScore:
			s, ok := a.Scores[q.Scale]
			lo, hi := q.Scale.Scale()
			if !ok {
				v.Check(q.Scale != t.Kind, q.Key, "is required")
				continue
			}
			if s < lo || s > hi {
				v.Add(q.Key, fmt.Sprintf("must be %d to %d", lo, hi))
				continue
			}
			s2 := s
			switch q.Scale {
			case SurveyCSAT:
				r.CSAT = &s2
			case SurveyNPS:
				r.NPS = &s2
			case SurveyCES:
				r.CES = &s2
			}
		case QuestionReasons:
			for _, c := range a.Reasons {
				if !slices.ContainsFunc(q.Options, func(o SurveyOption) bool { return o.Code == c }) {
					v.Add(q.Key, "is not one of the listed reasons")
					break
				}
				if !slices.Contains(r.Reasons, c) {
					r.Reasons = append(r.Reasons, c)
				}
			}
		case QuestionText:
			r.Comment = strings.TrimSpace(a.Comment)
			v.Text(q.Key, r.Comment)
			v.Check(utf8.RuneCountInString(r.Comment) <= 2000, q.Key, "must be at most 2000 characters")
		}
	}
	for k := range a.Scores {
		v.Check(slices.ContainsFunc(t.Questions, func(q SurveyQuestion) bool { return q.Type == QuestionScore && q.Scale == k }),
			string(k), "is not asked by this survey")
	}
	return r, v.Err()
}

// SurveyForm is what the public page shows for a token.
type SurveyForm struct {
	Number    string          `json:"number"`
	Title     string          `json:"title"`
	Template  *SurveyTemplate `json:"template"`
	ExpiresAt time.Time       `json:"expires_at"`
	Expired   bool            `json:"expired"`
	// Response is the answer already given, if any.
	Response *SurveyResponse `json:"response,omitempty"`
}

// SurveyStatRow is the invitations of one group: how many were sent and
// answered, and the mean scores of the answers.
type SurveyStatRow struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	LabelEN  string   `json:"label_en,omitempty" doc:"The English name of a region, if it has one"`
	Invited  int64    `json:"invited"`
	Sent     int64    `json:"sent"`
	Answered int64    `json:"answered"`
	Rate     *float64 `json:"rate,omitempty" doc:"answered ÷ sent"`
	CSAT     *float64 `json:"csat,omitempty" doc:"Mean CSAT of the answers"`
	NPS      *float64 `json:"nps,omitempty" doc:"Net promoter score of the answers"`
	CES      *float64 `json:"ces,omitempty" doc:"Mean CES of the answers"`
}

// SurveyStats is the response bias: totals and the rows by dimension.
type SurveyStats struct {
	From  time.Time                   `json:"from"`
	To    time.Time                   `json:"to"`
	Total SurveyStatRow               `json:"total"`
	By    map[string][]*SurveyStatRow `json:"by" doc:"Rows per dimension: send_channel, channel (the ticket's), region, nature"`
}

// SurveyStatDims lists the dimensions of SurveyStats.By.
var SurveyStatDims = []string{"send_channel", "channel", "region", "nature"}

// SurveyFilter selects invitations.
type SurveyFilter struct {
	From, To time.Time
	// Answered filters answered (true) or unanswered (false) ones.
	Answered *bool
	// Dim and Value keep one group of SurveyStats (a drill-down).
	Dim    string
	Value  string
	Limit  int
	Locale string
}

// SurveyService runs surveys by link. OpenSurvey and AnswerSurvey are
// the public page's: the signed token is their authority.
type SurveyService interface {
	SurveyTemplates(ctx context.Context) ([]*SurveyTemplate, error)
	SurveyTemplate(ctx context.Context, id int64) (*SurveyTemplate, error)
	SaveSurveyTemplate(ctx context.Context, code string, in SurveyTemplateInput) (*SurveyTemplate, error)
	SurveySettings(ctx context.Context) (*SurveySettings, error)
	UpdateSurveySettings(ctx context.Context, version int64, s SurveySettings) (*SurveySettings, error)
	// SurveyLink returns a ticket's link, creating the invitation if
	// needed and recording how it is sent.
	SurveyLink(ctx context.Context, ticketID int64, channel string) (*SurveyLink, error)
	OpenSurvey(ctx context.Context, token string) (*SurveyForm, error)
	AnswerSurvey(ctx context.Context, token string, a SurveyAnswer) (*SurveyResponse, error)
	SurveyStats(ctx context.Context, f SurveyFilter) (*SurveyStats, error)
	ListSurveyInvitations(ctx context.Context, f SurveyFilter) ([]*SurveyInvitation, error)
}

// SurveyToken signs invitation id with key: "<id>.<mac>". The link's
// authority is the signature, so a guessed or edited id is refused
// without a lookup that would tell it exists.
func SurveyToken(key []byte, id int64) string {
	s := strconv.FormatInt(id, 10)
	return s + "." + surveyMAC(key, s)
}

// ParseSurveyToken returns the invitation id of a token signed with key.
func ParseSurveyToken(key []byte, tok string) (int64, bool) {
	s, mac, ok := strings.Cut(tok, ".")
	if !ok || len(s) > 19 {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, hmac.Equal([]byte(mac), []byte(surveyMAC(key, s)))
}

func surveyMAC(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("survey-link:" + s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
