package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

type listTicketsIn struct {
	Status        []string `query:"status" doc:"Comma-separated statuses"`
	Nature        []string `query:"nature"`
	Urgency       []string `query:"urgency"`
	Channel       []string `query:"channel"`
	CategoryID    int64    `query:"category_id" doc:"Includes sub-categories"`
	TeamID        int64    `query:"team_id"`
	AssigneeID    int64    `query:"assignee_id"`
	Unassigned    bool     `query:"unassigned"`
	CustomerID    int64    `query:"customer_id"`
	ServiceUnitID int64    `query:"service_unit_id"`
	RegionID      int64    `query:"region_id" doc:"Tickets of this service unit or any unit under it (a region, branch or workstation)"`
	AssetID       int64    `query:"asset_id"`
	Tag           string   `query:"tag"`
	TopicID       int64    `query:"topic_id" doc:"Tickets the latest complaint clustering put in this topic (GET /text/clusters)"`
	Term          string   `query:"term" maxLength:"100" doc:"Analysed tickets whose customer text holds this term (see GET /text/terms)"`
	Open          string   `query:"open" enum:"true,false," doc:"true: not resolved, closed or cancelled"`
	CreatedFrom   string   `query:"created_from" doc:"YYYY-MM-DD or RFC 3339, inclusive"`
	CreatedTo     string   `query:"created_to" doc:"exclusive"`
	ResolvedFrom  string   `query:"resolved_from"`
	ResolvedTo    string   `query:"resolved_to"`
	CostFrom      string   `query:"cost_from" doc:"Tickets with a service cost (not voided) that arose on or after this day"`
	CostTo        string   `query:"cost_to" doc:"exclusive"`
	Q             string   `query:"q" doc:"Substring of number, title or description; Chinese works"`
	SLA           string   `query:"sla" enum:"overdue,due_soon,breached," doc:"Open tickets past a deadline, or with resolution due within 4 hours; or any ticket whose resolution or first-response SLA was breached"`
	Sort          string   `query:"sort" enum:"-created_at,created_at,-updated_at,updated_at,-urgency,urgency," default:"-created_at"`
	Cursor        string   `query:"cursor"`
	Limit         int      `query:"limit" default:"50"`
}

// Filter converts query parameters to a filter; loc is the deployment zone
// for plain dates.
func (in *listTicketsIn) Filter(loc *time.Location) (aftersales.TicketFilter, error) {
	f := aftersales.TicketFilter{
		Status: conv[aftersales.Status](in.Status), Nature: conv[aftersales.Nature](in.Nature),
		Urgency: conv[aftersales.Urgency](in.Urgency), Channel: conv[aftersales.Channel](in.Channel),
		CategoryID: in.CategoryID, TeamID: in.TeamID, AssigneeID: in.AssigneeID, Unassigned: in.Unassigned,
		CustomerID: in.CustomerID, ServiceUnitID: in.ServiceUnitID, RegionID: in.RegionID, AssetID: in.AssetID, Tag: in.Tag, TopicID: in.TopicID, Term: in.Term,
		Query: in.Q, SLA: in.SLA, Sort: aftersales.TicketSort(in.Sort), Cursor: in.Cursor, Limit: in.Limit, Count: true,
	}
	if in.Open != "" {
		o := in.Open == "true"
		f.Open = &o
	}
	var err error
	for _, p := range []struct {
		name string
		s    string
		dst  **time.Time
	}{{"created_from", in.CreatedFrom, &f.CreatedFrom}, {"created_to", in.CreatedTo, &f.CreatedTo},
		{"resolved_from", in.ResolvedFrom, &f.ResolvedFrom}, {"resolved_to", in.ResolvedTo, &f.ResolvedTo},
		{"cost_from", in.CostFrom, &f.CostFrom}, {"cost_to", in.CostTo, &f.CostTo}} {
		if *p.dst, err = parseTime(p.name, p.s, loc); err != nil {
			return f, err
		}
	}
	return f, nil
}

func conv[T ~string](ss []string) []T {
	var out []T
	for _, s := range ss {
		if s != "" {
			out = append(out, T(s))
		}
	}
	return out
}

type ticketPageOut struct {
	Link string `header:"Link" doc:"rel=next link when there are more tickets"`
	Body *aftersales.TicketPage
}

type createTicketIn struct {
	Idem
	Body aftersales.TicketInput
}

type updateTicketBody struct {
	aftersales.TicketInput
	Version int64 `json:"version,omitempty" doc:"Alternative to If-Match"`
}

type updateTicketIn struct {
	IDParam
	IfMatch
	Body updateTicketBody
}

type transitionIn struct {
	IDParam
	Idem
	Body aftersales.TransitionInput
}

type mergeBody struct {
	Into string `json:"into" minLength:"1" maxLength:"40" doc:"The ticket to keep: its number (AS…) or its id" example:"AS202612-000001"`
	aftersales.MergeInput
}

type mergeIn struct {
	IDParam
	Idem
	Body mergeBody
}

// mergeTarget resolves the ticket named by a merge's "into": an id or a
// number; one the caller cannot see is the field's fault.
func (a *API) mergeTarget(ctx context.Context, into string) (int64, error) {
	into = strings.TrimSpace(into)
	if id, err := strconv.ParseInt(into, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	t, err := a.S.Tickets.FindTicketByNumber(ctx, into)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND {
		return 0, &aftersales.Error{Code: aftersales.EINVALID, Message: "The ticket to merge into was not found.",
			Fields: []aftersales.FieldError{{Field: "into", Reason: "is no ticket number or id you can see"}}}
	}
	if err != nil {
		return 0, err
	}
	return t.ID, nil
}

type assignBody struct {
	TeamID     *int64 `json:"team_id,omitempty"`
	AssigneeID *int64 `json:"assignee_id,omitempty"`
	Version    int64  `json:"version" minimum:"1"`
}

type assignIn struct {
	IDParam
	Idem
	Body assignBody
}

type commentIn struct {
	IDParam
	Idem
	Body aftersales.CommentInput
}

type uploadIn struct {
	IDParam
	Idem
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"The file; images, PDF, text, CSV, ZIP, MP4, MP3, WAV"`
	}]
}

func (a *API) tickets(h huma.API) {
	t := tag("Tickets")
	// Plain dates are days of the deployment's zone (--tz), the same zone
	// the console, the metrics and the ticket numbers use.
	loc := a.zone()
	register(a, h, huma.Operation{OperationID: "list-tickets", Method: http.MethodGet, Path: "/tickets", Tags: t,
		Summary: "List tickets", Description: "Filters combine with AND; pages follow next_cursor; total counts every match, on every page."},
		func(ctx context.Context, in *listTicketsIn) (*ticketPageOut, error) {
			f, err := in.Filter(loc)
			if err != nil {
				return nil, err
			}
			page, err := a.S.Tickets.ListTickets(ctx, f)
			if err != nil {
				return nil, err
			}
			out := &ticketPageOut{Body: page}
			if page.NextCursor != "" {
				out.Link = fmt.Sprintf(`<%s/tickets?cursor=%s>; rel="next"`, Prefix, url.QueryEscape(page.NextCursor))
			}
			return out, nil
		})
	register(a, h, huma.Operation{OperationID: "create-ticket", Method: http.MethodPost, Path: "/tickets", Tags: t, Summary: "Create a ticket"},
		func(ctx context.Context, in *createTicketIn) (*body[*aftersales.Ticket], error) {
			return respondV(a.S.Tickets.CreateTicket(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-ticket", Method: http.MethodGet, Path: "/tickets/{id}", Tags: t, Summary: "Get a ticket"},
		func(ctx context.Context, in *IDParam) (*body[*aftersales.Ticket], error) {
			return respondV(a.S.Tickets.FindTicket(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "get-ticket-by-number", Method: http.MethodGet, Path: "/ticket-numbers/{number}", Tags: t, Summary: "Get a ticket by its number"},
		func(ctx context.Context, in *struct {
			Number string `path:"number" maxLength:"40"`
		}) (*body[*aftersales.Ticket], error) {
			return respondV(a.S.Tickets.FindTicketByNumber(ctx, in.Number))
		})
	register(a, h, huma.Operation{OperationID: "update-ticket", Method: http.MethodPatch, Path: "/tickets/{id}", Tags: t,
		Summary: "Change ticket fields", Description: "Only the fields present change. Status changes go through the transition action."},
		func(ctx context.Context, in *updateTicketIn) (*body[*aftersales.Ticket], error) {
			v, err := in.version(in.Body.Version)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Tickets.UpdateTicket(ctx, in.ID, v, in.Body.TicketInput))
		})
	register(a, h, huma.Operation{OperationID: "transition-ticket", Method: http.MethodPost, Path: "/tickets/{id}/transition", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Move a ticket to another status",
		Description: "Allowed: new→accepted|awaiting_customer|cancelled; accepted→diagnosing|in_service|awaiting_*|resolved|cancelled; " +
			"awaiting_parts→diagnosing|in_service|cancelled; resolved→closed|accepted (reopen); closed→accepted (reopen). Cancelling needs a reason; resolving needs one too " +
			"(the resolution note) unless an administrator turned that off."},
		func(ctx context.Context, in *transitionIn) (*body[*aftersales.Ticket], error) {
			return respondV(a.S.Tickets.Transition(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "merge-ticket", Method: http.MethodPost, Path: "/tickets/{id}/merge", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Merge a duplicate ticket into another",
		Description: "Ticket {id} is the duplicate. Its customer messages, replies, notes and files appear on the ticket kept (\"into\"), " +
			"its email and chat threads continue there, and it is cancelled with merged_into set: a duplicate never counts as resolved. " +
			"Refused (422/409, naming the field) when merging into itself, into a closed, cancelled or merged ticket, a ticket merged already, " +
			"a stale version, a ticket with open visits or held parts, or two customers' tickets (each would see the other's messages and files). Answers the ticket kept."},
		func(ctx context.Context, in *mergeIn) (*body[*aftersales.Ticket], error) {
			// The duplicate first: one the caller cannot see is 404,
			// whatever "into" says.
			if _, err := a.S.Tickets.FindTicket(ctx, in.ID); err != nil {
				return nil, err
			}
			into, err := a.mergeTarget(ctx, in.Body.Into)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Tickets.MergeTicket(ctx, in.ID, into, in.Body.MergeInput))
		})
	register(a, h, huma.Operation{OperationID: "assign-ticket", Method: http.MethodPost, Path: "/tickets/{id}/assign", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Assign a ticket to a team and/or person"},
		func(ctx context.Context, in *assignIn) (*body[*aftersales.Ticket], error) {
			return respondV(a.S.Tickets.Assign(ctx, in.ID, in.Body.Version, in.Body.TeamID, in.Body.AssigneeID))
		})
	register(a, h, huma.Operation{OperationID: "comment-ticket", Method: http.MethodPost, Path: "/tickets/{id}/comments", Tags: t,
		Summary: "Add a public reply or internal note", Description: "The first public reply stamps first_response_at."},
		func(ctx context.Context, in *commentIn) (*plain[*aftersales.TicketEvent], error) {
			return respond(a.S.Tickets.AddComment(ctx, in.ID, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "ticket-timeline", Method: http.MethodGet, Path: "/tickets/{id}/timeline", Tags: t, Summary: "A ticket's timeline, oldest first"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.TicketEvent], error) {
			return respond(a.S.Tickets.Timeline(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "list-attachments", Method: http.MethodGet, Path: "/tickets/{id}/attachments", Tags: t, Summary: "A ticket's files"},
		func(ctx context.Context, in *IDParam) (*plain[[]*aftersales.Attachment], error) {
			return respond(a.S.Tickets.ListAttachments(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "upload-attachment", Method: http.MethodPost, Path: "/tickets/{id}/attachments", Tags: t,
		Summary: "Attach a file (multipart field \"file\")", MaxBodyBytes: a.Files.MaxSize + 64<<10},
		func(ctx context.Context, in *uploadIn) (*plain[*aftersales.Attachment], error) {
			f := in.RawBody.Data().File
			defer f.Close()
			return a.saveAttachment(ctx, in.ID, f, f.Filename)
		})
	register(a, h, huma.Operation{OperationID: "download-attachment", Method: http.MethodGet, Path: "/attachments/{id}", Tags: t, Summary: "Download a file"},
		func(ctx context.Context, in *IDParam) (*huma.StreamResponse, error) {
			att, err := a.S.Tickets.FindAttachment(ctx, in.ID)
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
}
