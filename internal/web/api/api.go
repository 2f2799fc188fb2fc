// Package api is the JSON API under /api/v1, built with huma so that the
// OpenAPI 3.1 document at /api/v1/openapi.json is generated from the same
// Go types the handlers use. Handlers are thin: they translate HTTP into
// service calls; rules and permission checks live in the services.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/files"
	"aftersales/internal/web/httperr"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// API holds what the handlers need.
type API struct {
	S     aftersales.Services
	Files *files.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Zone is the deployment's time zone: dates without a zone are local.
	Zone *time.Location
	// ServerEmail is the email configuration the flags set, and
	// ChannelTester tries mail settings (nil: no connection tests).
	ServerEmail   aftersales.ServerEmail
	ChannelTester aftersales.ChannelTester
}

// Register mounts every operation on mux under Prefix.
func Register(mux *http.ServeMux, a *API, version string) huma.API {
	cfg := huma.DefaultConfig("aftersales API", version)
	cfg.Info.Description = "After-sales service platform: work orders, customers, assets, service network. " +
		"Authenticate with `Authorization: Bearer <token>` (create one with `aftersales token create --user EMAIL`) or a console session. " +
		"POST requests accept `Idempotency-Key`; updates need the current version in `If-Match` or the body. Errors are RFC 9457 problem JSON."
	cfg.Info.License = &huma.License{Name: "Apache License 2.0", Identifier: "Apache-2.0"}
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in responses
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "API token"},
		"session": {Type: "apiKey", In: "cookie", Name: "as_session", Description: "Console session"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	h := humago.NewWithPrefix(mux, Prefix, cfg)
	a.tickets(h)
	a.customers(h)
	a.catalog(h)
	a.network(h)
	a.users(h)
	a.slas(h)
	a.notifications(h)
	a.webhooks(h)
	a.routes(h)
	a.automations(h)
	a.metrics(h)
	a.improvement(h)
	a.quality(h)
	a.dataQuality(h)
	a.costs(h)
	a.parts(h)
	a.visits(h)
	a.followups(h)
	a.surveys(h)
	a.channels(h)
	a.dispatch(h)
	a.textClass(h)
	a.sentiment(h)
	a.complaints(h)
	a.kb(h)
	a.fieldStandards(h)
	a.textTopics(h)
	a.text(h)
	a.segments(h)
	a.customerTier(h)
	// huma describes the multipart upload inline but also registers its Go
	// type for the file; nothing refers to that schema.
	delete(h.OpenAPI().Components.Schemas.Map(), "FormFile")
	return h
}

// Document returns the OpenAPI document that GET /api/v1/openapi.json
// serves, indented, without a database: for `aftersales openapi`, the
// committed snapshot and the linter.
func Document(version string) ([]byte, error) {
	h := Register(http.NewServeMux(), &API{Files: &files.Store{MaxSize: files.DefaultMaxSize}}, version)
	return json.MarshalIndent(h.OpenAPI(), "", "  ")
}

// register wraps a handler so that every error leaves through problem().
func register[I, O any](a *API, h huma.API, op huma.Operation, fn func(context.Context, *I) (*O, error)) {
	if op.DefaultStatus == 0 && op.Method == http.MethodPost {
		op.DefaultStatus = http.StatusCreated
	}
	if op.Errors == nil {
		op.Errors = errorStatuses(op, reflect.TypeFor[I]())
	}
	loc := "body."
	if op.Method == http.MethodGet || op.Method == http.MethodDelete {
		loc = "query."
	}
	huma.Register(h, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := fn(ctx, in)
		if err != nil {
			return nil, a.problem(ctx, err, loc)
		}
		return out, nil
	})
}

// errorStatuses lists the problem answers an operation can give, so that
// the document describes them and generated clients know their shape
// (huma adds 500, and 422 where there are path parameters or a body).
// Every operation needs a user (401) with a permission (403; also the
// cross-origin check); a path parameter names something that may not
// exist or be hidden (404); a change can meet a stale version, a reused
// Idempotency-Key or a duplicate (409); a body can be malformed (400) or
// too large (413); any parameter can be invalid (422). Any operation can
// meet the guessing throttle (429) and a database that is away (503), both
// with Retry-After.
func errorStatuses(op huma.Operation, in reflect.Type) []int {
	out := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusServiceUnavailable}
	if strings.Contains(op.Path, "{") {
		out = append(out, http.StatusNotFound)
	}
	if op.Method != http.MethodGet {
		out = append(out, http.StatusConflict)
	}
	_, body := in.FieldByName("Body")
	_, raw := in.FieldByName("RawBody")
	if body || raw {
		out = append(out, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
	}
	if in.NumField() > 0 {
		out = append(out, http.StatusUnprocessableEntity)
	}
	return out
}

// problem turns an application error into RFC 9457 problem JSON. Internal
// errors are logged once and shown only as "Internal error."
func (a *API) problem(ctx context.Context, err error, loc string) error {
	err = httperr.Classify(err)
	status := httperr.Status(err)
	code := aftersales.ErrorCode(err)
	if code == aftersales.EINTERNAL || code == aftersales.EUNAVAILABLE {
		a.Log.ErrorContext(ctx, "api internal error", "err", err, "request_id", aftersales.ClientFromContext(ctx).RequestID)
	}
	m := &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: aftersales.ErrorMessage(err),
		Type: "urn:aftersales:error:" + code}
	for _, f := range aftersales.ErrorFields(err) {
		l := loc + f.Field
		if f.Field == "Idempotency-Key" || f.Field == "If-Match" {
			l = "header." + f.Field
		}
		m.Errors = append(m.Errors, &huma.ErrorDetail{Message: f.Reason, Location: l})
	}
	return m
}

// body is a response with an ETag carrying the entity's version.
type body[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

func tagged[T any](v T, version int64) *body[T] {
	return &body[T]{ETag: strconv.Quote(strconv.FormatInt(version, 10)), Body: v}
}

type plain[T any] struct{ Body T }

// respond wraps a service result as a response body.
func respond[T any](v T, err error) (*plain[T], error) {
	if err != nil {
		return nil, err
	}
	return ok(v), nil
}

// versioned is an entity with an optimistic-concurrency version.
type versioned interface {
	*aftersales.Ticket | *aftersales.Customer | *aftersales.Product | *aftersales.Asset | *aftersales.ServiceUnit |
		*aftersales.Team | *aftersales.User | *aftersales.ImprovementItem
}

// respondV wraps a versioned entity, with its version as the ETag.
func respondV[T versioned](v T, err error) (*body[T], error) {
	if err != nil {
		return nil, err
	}
	return tagged(v, version(v)), nil
}

func version(v any) int64 {
	switch x := v.(type) {
	case *aftersales.Ticket:
		return x.Version
	case *aftersales.Customer:
		return x.Version
	case *aftersales.Product:
		return x.Version
	case *aftersales.Asset:
		return x.Version
	case *aftersales.ServiceUnit:
		return x.Version
	case *aftersales.Team:
		return x.Version
	case *aftersales.User:
		return x.Version
	case *aftersales.ImprovementItem:
		return x.Version
	}
	return 0
}

func ok[T any](v T) *plain[T] { return &plain[T]{Body: v} }

type IDParam struct {
	ID int64 `path:"id" minimum:"1"`
}

type Idem struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"A retried POST with the same key replays the first answer instead of acting twice."`
}

type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"The version (ETag) last read; a stale version is refused with 409."`
	Version int64  `query:"version" doc:"Alternative to If-Match"`
}

// version picks the expected version from If-Match or the body.
func (m IfMatch) version(bodyVersion int64) (int64, error) {
	if v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(m.IfMatch), "W/"), `"`); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return 0, &aftersales.Error{Code: aftersales.EINVALID, Message: "If-Match must hold a version number.",
				Fields: []aftersales.FieldError{{Field: "If-Match", Reason: "must be a version such as \"3\""}}}
		}
		return n, nil
	}
	if bodyVersion < 1 {
		bodyVersion = m.Version
	}
	if bodyVersion < 1 {
		return 0, &aftersales.Error{Code: aftersales.EINVALID, Message: "Updates need the version you last read.",
			Fields: []aftersales.FieldError{{Field: "version", Reason: "is required: send If-Match, ?version= or version in the body"}}}
	}
	return bodyVersion, nil
}

// parseTime accepts RFC 3339 or a date (midnight in loc).
func parseTime(field, s string, loc *time.Location) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return &t, nil
	}
	return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
		Fields: []aftersales.FieldError{{Field: field, Reason: "must be a date (YYYY-MM-DD) or RFC 3339 time"}}}
}

func me(ctx context.Context) (*aftersales.User, error) {
	u := aftersales.UserFromContext(ctx)
	if u == nil {
		return nil, aftersales.Errorf(aftersales.EUNAUTHORIZED, "You must sign in.")
	}
	return u, nil
}

func tag(s string) []string { return []string{s} }
