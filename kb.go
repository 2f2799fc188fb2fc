package aftersales

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// KBVisibility says who may read an article.
type KBVisibility string

const (
	// KBPublic articles are on the public help pages and suggested to
	// customers as they write a ticket.
	KBPublic KBVisibility = "public"
	// KBInternal articles are for staff only.
	KBInternal KBVisibility = "internal"
)

// KBVisibilities lists the visibilities in display order.
var KBVisibilities = []KBVisibility{KBPublic, KBInternal}

// Valid reports whether v is a known visibility.
func (v KBVisibility) Valid() bool { return oneOf(v, KBVisibilities) }

// KBCategories are the article categories, by product group and a general
// one: codes shown through the message catalog.
var KBCategories = []string{"ac", "washer", "fridge", "heater", "tv", "general"}

// ArticleInput is what an author writes. Both languages are required: the
// help pages and the suggestions are shown in either.
type ArticleInput struct {
	Slug       string       `json:"slug" maxLength:"80" pattern:"^[a-z0-9][a-z0-9_-]*$" doc:"A stable name, used in links and the labelled query set"`
	Category   string       `json:"category" enum:"ac,washer,fridge,heater,tv,general"`
	Visibility KBVisibility `json:"visibility" enum:"public,internal"`
	TitleZH    string       `json:"title_zh" maxLength:"200"`
	TitleEN    string       `json:"title_en" maxLength:"200"`
	BodyZH     string       `json:"body_zh" maxLength:"50000" doc:"Markdown: headings, lists, bold, code, links; raw HTML is shown as text"`
	BodyEN     string       `json:"body_en" maxLength:"50000"`
	Tags       []string     `json:"tags,omitempty" maxItems:"20"`
}

// Validate trims the input and checks every field.
func (in *ArticleInput) Validate() error {
	var v Validator
	in.Slug = strings.TrimSpace(in.Slug)
	in.TitleZH, in.TitleEN = strings.TrimSpace(in.TitleZH), strings.TrimSpace(in.TitleEN)
	in.BodyZH, in.BodyEN = strings.TrimSpace(in.BodyZH), strings.TrimSpace(in.BodyEN)
	v.Check(validCode(in.Slug) && len(in.Slug) <= 80, "slug", "must be lower-case letters, digits, '-' or '_'")
	v.Check(oneOf(in.Category, KBCategories), "category", "is not one of "+strings.Join(KBCategories, ", "))
	v.Check(in.Visibility.Valid(), "visibility", "is not one of "+joinEnum(KBVisibilities))
	for _, f := range []struct {
		name, s string
		max     int
	}{{"title_zh", in.TitleZH, 200}, {"title_en", in.TitleEN, 200}, {"body_zh", in.BodyZH, 50000}, {"body_en", in.BodyEN, 50000}} {
		v.Check(f.s != "", f.name, "is required")
		v.Check(utf8.RuneCountInString(f.s) <= f.max, f.name, "is too long")
		v.Text(f.name, f.s)
	}
	tags := in.Tags[:0:0]
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !oneOf(t, tags) {
			tags = append(tags, t)
		}
	}
	in.Tags = tags
	v.Check(len(in.Tags) <= 20, "tags", "must have at most 20 tags")
	for _, t := range in.Tags {
		v.Check(utf8.RuneCountInString(t) <= 40 && ValidText(t), "tags", "must be at most 40 characters each")
	}
	return v.Err()
}

// Article is the current version of a knowledge-base article.
type Article struct {
	ID int64 `json:"id"`
	ArticleInput
	Version   int64     `json:"version" doc:"Starts at 1; each save adds one and keeps the one before in the history"`
	AuthorID  int64     `json:"author_id" doc:"Who wrote this version"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Helpful   int       `json:"helpful"`
	Unhelpful int       `json:"unhelpful"`
}

// Title is the article's title in lang ("en" or zh-CN).
func (a *Article) Title(lang string) string {
	if lang == "en" {
		return a.TitleEN
	}
	return a.TitleZH
}

// Body is the article's Markdown in lang.
func (a *Article) Body(lang string) string {
	if lang == "en" {
		return a.BodyEN
	}
	return a.BodyZH
}

// ArticleVersion is one saved version of an article, kept unchanged.
type ArticleVersion struct {
	ArticleID int64 `json:"article_id"`
	Version   int64 `json:"version"`
	ArticleInput
	AuthorID  int64     `json:"author_id"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// KBAttachment is a file attached to an article; its body is in the
// BlobStore under a key the program chose.
type KBAttachment struct {
	ID          int64     `json:"id"`
	ArticleID   int64     `json:"article_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	BlobKey     string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// KBHitKind tells an article from a case of the improvement library.
type KBHitKind string

const (
	KBHitArticle KBHitKind = "article"
	KBHitCase    KBHitKind = "case" // internal only
)

// KBHit is one search result.
type KBHit struct {
	Kind    KBHitKind `json:"kind" enum:"article,case"`
	ID      int64     `json:"id"`
	Title   string    `json:"title"`
	Snippet string    `json:"snippet"`
	Score   float64   `json:"score"`
	// Category and Visibility are an article's; a case has none.
	Category   string       `json:"category,omitempty"`
	Visibility KBVisibility `json:"visibility,omitempty"`
}

// KBQuery is a search. Public searches see public articles only; staff
// searches see internal articles, and cases when Cases is set.
type KBQuery struct {
	Text     string
	Lang     string
	Category string
	Public   bool
	Cases    bool
	Limit    int
	// Log records a search with no result in the report.
	Log bool
}

// KBFeedbackInput is a reader's verdict on an article.
type KBFeedbackInput struct {
	Helpful bool   `json:"helpful"`
	Reason  string `json:"reason,omitempty" enum:"solved,unclear,wrong,outdated,not_my_problem," doc:"Why: for an unhelpful verdict, what was wrong"`
	Comment string `json:"comment,omitempty" maxLength:"1000"`
}

// KBFeedbackReasons are the reason codes of KBFeedbackInput.
var KBFeedbackReasons = []string{"solved", "unclear", "wrong", "outdated", "not_my_problem"}

// Validate checks a feedback.
func (in *KBFeedbackInput) Validate() error {
	var v Validator
	in.Comment = strings.TrimSpace(in.Comment)
	v.Check(in.Reason == "" || oneOf(in.Reason, KBFeedbackReasons), "reason", "is not one of "+strings.Join(KBFeedbackReasons, ", "))
	v.Check(utf8.RuneCountInString(in.Comment) <= 1000, "comment", "is too long")
	v.Text("comment", in.Comment)
	return v.Err()
}

// KBFeedback is one recorded verdict.
type KBFeedback struct {
	ArticleID int64     `json:"article_id"`
	Title     string    `json:"title"`
	Helpful   bool      `json:"helpful"`
	Reason    string    `json:"reason"`
	Comment   string    `json:"comment"`
	At        time.Time `json:"at"`
}

// KBMissedSearch is a query that found nothing, counted.
type KBMissedSearch struct {
	Query    string    `json:"query"`
	Count    int       `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// Deflection events of the public form: a customer opened a suggested
// article, said it solved the problem, or sent the ticket anyway.
const (
	KBEventOpen   = "open"
	KBEventSolved = "solved"
	KBEventSubmit = "submit"
)

// KBDeflection counts the public form's sessions that met a suggestion.
type KBDeflection struct {
	// Sessions opened at least one suggested article.
	Sessions int `json:"sessions"`
	// Solved clicked "this solved it"; Left opened an article and sent no
	// ticket; Deflected is both.
	Solved    int `json:"solved"`
	Left      int `json:"left"`
	Deflected int `json:"deflected"`
	Submitted int `json:"submitted"`
}

// KBReport is the knowledge base's report page.
type KBReport struct {
	Missed     []KBMissedSearch `json:"missed"`
	Feedback   []KBFeedback     `json:"feedback"`
	Deflection KBDeflection     `json:"deflection"`
}

// SimilarTicket is a solved ticket like the one being worked on.
type SimilarTicket struct {
	ID         int64   `json:"id"`
	Number     string  `json:"number"`
	Title      string  `json:"title"`
	Resolution string  `json:"resolution"`
	Score      float64 `json:"score"`
}

// KBService keeps the knowledge base and answers searches.
type KBService interface {
	Articles(ctx context.Context, category string) ([]*Article, error)
	// Article returns an article; a public caller (no user) sees public
	// articles only, any other is ENOTFOUND.
	Article(ctx context.Context, id int64) (*Article, error)
	CreateArticle(ctx context.Context, in ArticleInput) (*Article, error)
	// UpdateArticle saves a new version; version is the one edited
	// (ECONFLICT when someone saved since).
	UpdateArticle(ctx context.Context, id, version int64, in ArticleInput) (*Article, error)
	ArticleVersions(ctx context.Context, id int64) ([]*ArticleVersion, error)
	SearchKB(ctx context.Context, q KBQuery) ([]KBHit, error)
	ArticleFeedback(ctx context.Context, id int64, in KBFeedbackInput) error
	// RecordDeflection records an event of a public form session.
	RecordDeflection(ctx context.Context, session string, articleID int64, event string) error
	KBReport(ctx context.Context) (*KBReport, error)
	Synonyms(ctx context.Context) (string, error)
	SetSynonyms(ctx context.Context, text string) error
	// SimilarTickets finds solved tickets like ticket id, by text.
	SimilarTickets(ctx context.Context, id int64, limit int) ([]SimilarTicket, error)
	// AttachToArticle records a file whose body the caller has committed
	// to the BlobStore under a.BlobKey.
	AttachToArticle(ctx context.Context, a *KBAttachment) error
	ArticleAttachments(ctx context.Context, id int64) ([]*KBAttachment, error)
	// ArticleAttachment returns an attachment of an article the caller
	// may read.
	ArticleAttachment(ctx context.Context, articleID, attID int64) (*KBAttachment, error)
}
