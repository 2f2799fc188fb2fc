package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"aftersales"
	"aftersales/internal/files"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// PortalPrefix is where the customer portal's API is mounted. It has its
// own OpenAPI document (PortalPrefix + "/openapi.json"): its callers are
// customers with a portal session, never staff tokens, so it shares no
// security scheme, no operation and no snapshot with /api/v1, and the
// isolation test can take every operation of the document as a portal
// operation.
const PortalPrefix = "/api/portal/v1"

// PortalCookie names the portal session cookie, apart from the console's.
const PortalCookie = "as_portal"

// RegisterPortal mounts the portal's operations on mux under PortalPrefix.
func RegisterPortal(mux *http.ServeMux, a *API, version string) huma.API {
	cfg := huma.DefaultConfig("aftersales customer portal API", version)
	cfg.Info.Description = "What a customer sees and does in the portal: their own tickets, assets, visits and surveys. " +
		"Sign in at /portal/login (a one-time link by email, or a password); the session cookie authenticates every call. " +
		"Anything that is not the signed-in customer's answers 404, as if it did not exist. Errors are RFC 9457 problem JSON."
	cfg.Info.License = &huma.License{Name: "Apache License 2.0", Identifier: "Apache-2.0"}
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"portal": {Type: "apiKey", In: "cookie", Name: PortalCookie, Description: "Portal session"},
	}
	cfg.Security = []map[string][]string{{"portal": {}}}
	h := humago.NewWithPrefix(mux, PortalPrefix, cfg)
	a.portal(h)
	delete(h.OpenAPI().Components.Schemas.Map(), "FormFile")
	return h
}

// PortalDocument returns the portal API's OpenAPI document, indented.
func PortalDocument(version string) ([]byte, error) {
	h := RegisterPortal(http.NewServeMux(), &API{Files: &files.Store{MaxSize: files.DefaultMaxSize}}, version)
	return json.MarshalIndent(h.OpenAPI(), "", "  ")
}

// PortalTicketParam and PortalVisitParam are the portal's path parameters
// (exported: huma fills only exported embedded structs).
type PortalTicketParam struct {
	ID int64 `path:"id" minimum:"1" doc:"Ticket id"`
}

type PortalVisitParam struct {
	ID      int64 `path:"id" minimum:"1" doc:"Ticket id"`
	VisitID int64 `path:"visit_id" minimum:"1"`
}

func (a *API) portal(h huma.API) {
	t := []string{"Portal"}
	register(a, h, huma.Operation{OperationID: "portal-me", Method: http.MethodGet, Path: "/me", Tags: t,
		Summary: "The signed-in portal user, their customer and role"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.PortalUser], error) {
			return respond(aftersales.RequirePortal(ctx))
		})
	register(a, h, huma.Operation{OperationID: "portal-set-password", Method: http.MethodPut, Path: "/me/password", Tags: t,
		Summary: "Set a password, to sign in without a link from now on", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			Body struct {
				Password string `json:"password" maxLength:"200"`
			}
		}) (*struct{}, error) {
			return nil, a.S.Portal.SetPortalPassword(ctx, in.Body.Password)
		})
	register(a, h, huma.Operation{OperationID: "portal-list-tickets", Method: http.MethodGet, Path: "/tickets", Tags: t,
		Summary: "The tickets the user sees: their own, or the company's when their role allows, newest first"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.PortalTicket], error) {
			return respond(a.S.Portal.PortalTickets(ctx))
		})
	register(a, h, huma.Operation{OperationID: "portal-create-ticket", Method: http.MethodPost, Path: "/tickets", Tags: t,
		Summary: "Open a ticket"},
		func(ctx context.Context, in *struct {
			Body aftersales.PortalTicketInput
		}) (*plain[*aftersales.PortalTicket], error) {
			return respond(a.S.Portal.PortalCreateTicket(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "portal-get-ticket", Method: http.MethodGet, Path: "/tickets/{id}", Tags: t,
		Summary: "One ticket: status, promised times, public messages, visits, files and a survey waiting for an answer"},
		func(ctx context.Context, in *PortalTicketParam) (*plain[*aftersales.PortalTicketDetail], error) {
			return respond(a.S.Portal.PortalTicket(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "portal-reply", Method: http.MethodPost, Path: "/tickets/{id}/replies", Tags: t,
		Summary: "Write to the service side; a resolved ticket is reopened, a closed one takes no more"},
		func(ctx context.Context, in *struct {
			PortalTicketParam
			Body struct {
				Body string `json:"body" minLength:"1" maxLength:"20000"`
			}
		}) (*plain[*aftersales.PortalTicketDetail], error) {
			if err := a.S.Portal.PortalReply(ctx, in.ID, in.Body.Body); err != nil {
				return nil, err
			}
			return respond(a.S.Portal.PortalTicket(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "portal-upload-attachment", Method: http.MethodPost, Path: "/tickets/{id}/attachments", Tags: t,
		Summary: "Attach a file (multipart field \"file\")", MaxBodyBytes: a.Files.MaxSize + 64<<10},
		func(ctx context.Context, in *struct {
			PortalTicketParam
			RawBody huma.MultipartFormFiles[struct {
				File huma.FormFile `form:"file" required:"true" doc:"The file; images, PDF, text, CSV, ZIP, MP4, MP3, WAV"`
			}]
		}) (*plain[*aftersales.PortalAttachment], error) {
			f := in.RawBody.Data().File
			defer f.Close()
			return respond(a.PortalUpload(ctx, in.ID, f, f.Filename))
		})
	register(a, h, huma.Operation{OperationID: "portal-download-attachment", Method: http.MethodGet, Path: "/tickets/{id}/attachments/{attachment_id}", Tags: t,
		Summary: "Download a file of a ticket"},
		func(ctx context.Context, in *struct {
			PortalTicketParam
			AttachmentID int64 `path:"attachment_id" minimum:"1"`
		}) (*huma.StreamResponse, error) {
			att, err := a.S.Portal.PortalAttachment(ctx, in.ID, in.AttachmentID)
			if err != nil {
				return nil, err
			}
			f, err := a.Files.Open(ctx, att.Path)
			if err != nil {
				return nil, fmt.Errorf("api: open attachment %d: %w", att.ID, err)
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				defer f.Close()
				hc.SetHeader("Content-Type", att.ContentType)
				hc.SetHeader("Content-Length", fmt.Sprint(att.Size))
				hc.SetHeader("X-Content-Type-Options", "nosniff")
				hc.SetHeader("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(att.Name))
				copyTo(hc.BodyWriter(), f)
			}}, nil
		})
	register(a, h, huma.Operation{OperationID: "portal-visit-windows", Method: http.MethodGet, Path: "/tickets/{id}/visits/{visit_id}/windows", Tags: t,
		Summary: "The windows a visit that has not started may move to (the booking offers for its work)"},
		func(ctx context.Context, in *PortalVisitParam) (*plain[[]aftersales.PortalWindow], error) {
			return respond(a.S.Portal.PortalWindows(ctx, in.ID, in.VisitID))
		})
	register(a, h, huma.Operation{OperationID: "portal-move-visit", Method: http.MethodPost, Path: "/tickets/{id}/visits/{visit_id}/move", Tags: t,
		Summary: "Move a visit to one of its windows; the visit keeps its history", DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			PortalVisitParam
			Body aftersales.PortalMove
		}) (*plain[*aftersales.PortalVisit], error) {
			return respond(a.S.Portal.PortalMoveVisit(ctx, in.ID, in.VisitID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "portal-ticket-survey", Method: http.MethodGet, Path: "/tickets/{id}/survey", Tags: t,
		Summary: "The survey of a ticket waiting for an answer, with its link"},
		func(ctx context.Context, in *PortalTicketParam) (*plain[*aftersales.PortalSurvey], error) {
			d, err := a.S.Portal.PortalTicket(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			if d.Survey == nil {
				return nil, aftersales.Errorf(aftersales.ENOTFOUND, "Ticket %d has no survey waiting for an answer.", in.ID)
			}
			return ok(d.Survey), nil
		})
	register(a, h, huma.Operation{OperationID: "portal-list-surveys", Method: http.MethodGet, Path: "/surveys", Tags: t,
		Summary: "Surveys waiting for an answer, with their links (/s/{token})"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.PortalSurvey], error) {
			return respond(a.S.Portal.PortalSurveys(ctx))
		})
	register(a, h, huma.Operation{OperationID: "portal-list-assets", Method: http.MethodGet, Path: "/assets", Tags: t,
		Summary: "The customer's products and their warranty"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.PortalAsset], error) {
			return respond(a.S.Portal.PortalAssets(ctx))
		})
	register(a, h, huma.Operation{OperationID: "portal-get-asset", Method: http.MethodGet, Path: "/assets/{id}", Tags: t,
		Summary: "One product and its warranty"},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1" doc:"Asset id"`
		}) (*plain[*aftersales.PortalAsset], error) {
			return respond(a.S.Portal.PortalAsset(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "portal-list-colleagues", Method: http.MethodGet, Path: "/colleagues", Tags: t,
		Summary: "The company's portal users (its portal admin only)"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.PortalUser], error) {
			return respond(a.S.Portal.PortalColleagues(ctx))
		})
	register(a, h, huma.Operation{OperationID: "portal-set-role", Method: http.MethodPut, Path: "/colleagues/{id}/role", Tags: t,
		Summary: "Grant a portal user of the same company a role (its portal admin only)"},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1" doc:"Portal user id"`
			Body struct {
				Role aftersales.PortalRole `json:"role" enum:"member,company,admin"`
			}
		}) (*plain[*aftersales.PortalUser], error) {
			return respond(a.S.Portal.SetPortalRole(ctx, in.ID, in.Body.Role))
		})
}

// PortalUpload stores a file and attaches it to the portal user's ticket;
// a refused upload leaves no file behind. The portal pages use it too.
func (a *API) PortalUpload(ctx context.Context, ticketID int64, r io.Reader, name string) (*aftersales.PortalAttachment, error) {
	if _, err := a.S.Portal.PortalTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	f, err := a.Files.Save(ctx, r, name, a.now())
	if err != nil {
		return nil, err
	}
	att, err := a.S.Portal.PortalAttach(ctx, ticketID, f)
	if err != nil {
		a.Files.Remove(context.WithoutCancel(ctx), f.Path)
		return nil, err
	}
	return att, nil
}

func (a *API) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}
