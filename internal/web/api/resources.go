package api

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"aftersales"

	"github.com/danielgtaylor/huma/v2"
)

func (a *API) saveAttachment(ctx context.Context, ticketID int64, r io.Reader, name string) (*plain[*aftersales.Attachment], error) {
	att, err := a.Files.Attach(ctx, a.S.Tickets, ticketID, r, name, a.Now())
	if err != nil {
		return nil, err
	}
	return ok(att), nil
}

func copyTo(w io.Writer, r io.Reader) { io.Copy(w, r) }

type versionBody[T any] struct {
	IDParam
	IfMatch
	Body T
}

func (a *API) customers(h huma.API) {
	t := tag("Customers")
	register(a, h, huma.Operation{OperationID: "list-customers", Method: http.MethodGet, Path: "/customers", Tags: t, Summary: "Find customers"},
		func(ctx context.Context, in *struct {
			Q     string `query:"q" doc:"Name, phone or email substring"`
			Phone string `query:"phone" doc:"Exact phone number (any punctuation)"`
			Tier  string `query:"tier"`
			After int64  `query:"after" doc:"Id cursor: customers with a larger id"`
			Limit int    `query:"limit" default:"50" maximum:"500"`
		}) (*plain[[]*aftersales.Customer], error) {
			return respond(a.S.Customers.ListCustomers(ctx, aftersales.CustomerFilter{Query: in.Q, Phone: in.Phone, Tier: in.Tier, After: in.After, Limit: in.Limit}))
		})
	register(a, h, huma.Operation{OperationID: "create-customer", Method: http.MethodPost, Path: "/customers", Tags: t, Summary: "Create a customer"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.CustomerInput
		}) (*body[*aftersales.Customer], error) {
			return respondV(a.S.Customers.CreateCustomer(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-customer", Method: http.MethodGet, Path: "/customers/{id}", Tags: t,
		Summary: "Get a customer, with its tier's lock and the reason the segment rules gave it"},
		func(ctx context.Context, in *IDParam) (*body[*CustomerDetail], error) {
			return a.customerDetail(ctx, in.ID)
		})
	register(a, h, huma.Operation{OperationID: "update-customer", Method: http.MethodPut, Path: "/customers/{id}", Tags: t, Summary: "Replace a customer"},
		func(ctx context.Context, in *versionBody[aftersales.CustomerInput]) (*body[*aftersales.Customer], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Customers.UpdateCustomer(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-tiers", Method: http.MethodGet, Path: "/customer-tiers", Tags: t, Summary: "Customer tiers"},
		func(ctx context.Context, in *struct{}) (*plain[[]aftersales.Tier], error) {
			return respond(a.S.Customers.ListTiers(ctx))
		})
}

func (a *API) catalog(h huma.API) {
	t := tag("Products and assets")
	register(a, h, huma.Operation{OperationID: "list-categories", Method: http.MethodGet, Path: "/categories", Tags: t, Summary: "The category tree, parents first"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.Category], error) {
			return respond(a.S.Catalog.ListCategories(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-category", Method: http.MethodPost, Path: "/categories", Tags: t, Summary: "Add a category"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.CategoryInput
		}) (*plain[*aftersales.Category], error) {
			return respond(a.S.Catalog.CreateCategory(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-products", Method: http.MethodGet, Path: "/products", Tags: t, Summary: "Products, optionally of a category subtree"},
		func(ctx context.Context, in *struct {
			CategoryID int64 `query:"category_id"`
		}) (*plain[[]*aftersales.Product], error) {
			return respond(a.S.Catalog.ListProducts(ctx, in.CategoryID))
		})
	register(a, h, huma.Operation{OperationID: "create-product", Method: http.MethodPost, Path: "/products", Tags: t, Summary: "Add a product model"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.ProductInput
		}) (*body[*aftersales.Product], error) {
			return respondV(a.S.Catalog.CreateProduct(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-product", Method: http.MethodPut, Path: "/products/{id}", Tags: t, Summary: "Replace a product"},
		func(ctx context.Context, in *versionBody[aftersales.ProductInput]) (*body[*aftersales.Product], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Catalog.UpdateProduct(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-assets", Method: http.MethodGet, Path: "/assets", Tags: t, Summary: "A customer's assets, or an asset by serial number"},
		func(ctx context.Context, in *struct {
			CustomerID int64  `query:"customer_id"`
			Serial     string `query:"serial_no"`
		}) (*plain[[]*aftersales.Asset], error) {
			return respond(a.S.Catalog.ListAssets(ctx, in.CustomerID, in.Serial))
		})
	register(a, h, huma.Operation{OperationID: "create-asset", Method: http.MethodPost, Path: "/assets", Tags: t,
		Summary: "Register an installed unit", Description: "Without warranty_ends it is the install (or purchase) date plus the product's warranty months."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.AssetInput
		}) (*body[*aftersales.Asset], error) {
			return respondV(a.S.Catalog.CreateAsset(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-asset", Method: http.MethodGet, Path: "/assets/{id}", Tags: t, Summary: "Get an asset"},
		func(ctx context.Context, in *IDParam) (*body[*aftersales.Asset], error) {
			return respondV(a.S.Catalog.FindAsset(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-asset", Method: http.MethodPut, Path: "/assets/{id}", Tags: t, Summary: "Replace an asset"},
		func(ctx context.Context, in *versionBody[aftersales.AssetInput]) (*body[*aftersales.Asset], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Catalog.UpdateAsset(ctx, in.ID, v, in.Body))
		})
}

func (a *API) network(h huma.API) {
	t := tag("Service network")
	register(a, h, huma.Operation{OperationID: "list-service-units", Method: http.MethodGet, Path: "/service-units", Tags: t, Summary: "Regions, branches, workstations and service points"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.ServiceUnit], error) {
			return respond(a.S.Network.ListServiceUnits(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-service-unit", Method: http.MethodPost, Path: "/service-units", Tags: t,
		Summary: "Add a unit", Description: "A unit's parent must be exactly one level up."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.ServiceUnitInput
		}) (*body[*aftersales.ServiceUnit], error) {
			return respondV(a.S.Network.CreateServiceUnit(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-service-unit", Method: http.MethodPut, Path: "/service-units/{id}", Tags: t, Summary: "Replace a unit"},
		func(ctx context.Context, in *versionBody[aftersales.ServiceUnitInput]) (*body[*aftersales.ServiceUnit], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Network.UpdateServiceUnit(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-departments", Method: http.MethodGet, Path: "/departments", Tags: t, Summary: "Departments"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.Department], error) {
			return respond(a.S.Network.ListDepartments(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-department", Method: http.MethodPost, Path: "/departments", Tags: t, Summary: "Add a department"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.Department
		}) (*plain[*aftersales.Department], error) {
			return respond(a.S.Network.CreateDepartment(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-teams", Method: http.MethodGet, Path: "/teams", Tags: t, Summary: "Teams with member counts"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.Team], error) {
			return respond(a.S.Network.ListTeams(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-team", Method: http.MethodPost, Path: "/teams", Tags: t, Summary: "Add a team"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.TeamInput
		}) (*body[*aftersales.Team], error) {
			return respondV(a.S.Network.CreateTeam(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-team", Method: http.MethodPut, Path: "/teams/{id}", Tags: t, Summary: "Replace a team"},
		func(ctx context.Context, in *versionBody[aftersales.TeamInput]) (*body[*aftersales.Team], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Network.UpdateTeam(ctx, in.ID, v, in.Body))
		})
}

func (a *API) users(h huma.API) {
	t := tag("Users and settings")
	register(a, h, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/me", Tags: t, Summary: "The signed-in user"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.User], error) {
			u, err := me(ctx)
			if err != nil {
				return nil, err
			}
			return ok(u), nil
		})
	register(a, h, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/users", Tags: t, Summary: "Staff"},
		func(ctx context.Context, in *struct {
			Role   string `query:"role" enum:"admin,supervisor,quality_manager,agent,technician,"`
			TeamID int64  `query:"team_id"`
			Q      string `query:"q"`
		}) (*plain[[]*aftersales.User], error) {
			return respond(a.S.Users.ListUsers(ctx, aftersales.UserFilter{Role: aftersales.Role(in.Role), TeamID: in.TeamID, Query: in.Q}))
		})
	register(a, h, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/users", Tags: t, Summary: "Add a staff account"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.UserInput
		}) (*body[*aftersales.User], error) {
			return respondV(a.S.Users.CreateUser(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: "/users/{id}", Tags: t, Summary: "Get a user"},
		func(ctx context.Context, in *IDParam) (*body[*aftersales.User], error) {
			return respondV(a.S.Users.FindUser(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "update-user", Method: http.MethodPut, Path: "/users/{id}", Tags: t, Summary: "Replace a user (password only when given)"},
		func(ctx context.Context, in *versionBody[aftersales.UserInput]) (*body[*aftersales.User], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respondV(a.S.Users.UpdateUser(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/tokens", Tags: t, Summary: "Your API tokens (no secrets)"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.APIToken], error) {
			u, err := me(ctx)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Users.ListTokens(ctx, u.ID))
		})
	register(a, h, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/tokens", Tags: t,
		Summary: "Create an API token", Description: "The token is shown once, in this response."},
		func(ctx context.Context, in *struct {
			Idem
			Body struct {
				Name string `json:"name" maxLength:"100"`
			}
		}) (*plain[*aftersales.APIToken], error) {
			u, err := me(ctx)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Users.CreateToken(ctx, u.ID, in.Body.Name))
		})
	register(a, h, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/tokens/{id}", Tags: t, Summary: "Revoke a token", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDParam) (*struct{}, error) {
			return &struct{}{}, a.S.Users.RevokeToken(ctx, in.ID)
		})
	register(a, h, huma.Operation{OperationID: "list-custom-fields", Method: http.MethodGet, Path: "/custom-fields", Tags: t, Summary: "Ticket custom field definitions"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.CustomField], error) {
			return respond(a.S.Settings.ListCustomFields(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-custom-field", Method: http.MethodPost, Path: "/custom-fields", Tags: t, Summary: "Define a ticket custom field"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.CustomField
		}) (*plain[*aftersales.CustomField], error) {
			return respond(a.S.Settings.CreateCustomField(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/audit", Tags: t, Summary: "The audit log, newest first",
		Description: "Filters combine with AND; from and to are days (YYYY-MM-DD) of the deployment's zone, to included. " +
			"The body is the page's entries; X-Total-Count counts every match up to " + strconv.Itoa(aftersales.AuditCountCap) +
			", and X-Total-More is true when more match than that. Page with offset, or with before (an id cursor)."},
		func(ctx context.Context, in *listAuditIn) (*auditPageOut, error) {
			f := aftersales.AuditFilter{Entity: in.Entity, EntityID: in.EntityID, ActorID: in.ActorID, Actor: in.Actor,
				Action: in.Action, Before: in.Before, Offset: in.Offset, Limit: in.Limit}
			var v aftersales.Validator
			f.SetDays(&v, in.From, in.To, a.zone())
			if err := v.Err(); err != nil {
				return nil, err
			}
			p, err := a.S.Settings.AuditLog(ctx, f)
			if err != nil {
				return nil, err
			}
			// A bare list, as before the count: existing clients read the body.
			entries := p.Entries
			if entries == nil {
				entries = []*aftersales.AuditEntry{}
			}
			return &auditPageOut{Total: p.Total, More: p.More, Body: entries}, nil
		})
}

func (a *API) slas(h huma.API) {
	t := tag("SLA")
	register(a, h, huma.Operation{OperationID: "ticket-sla", Method: http.MethodGet, Path: "/tickets/{id}/sla", Tags: t,
		Summary: "A ticket's SLA clocks as of now",
		Description: "Targets, due times, elapsed and remaining business minutes, paused time, and met/breached. A verdict is " +
			"reached at the event's own time (reply, resolution) or at the deadline itself, never when it is looked at."},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.TicketSLA], error) {
			return respond(a.S.SLA.TicketSLA(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "list-calendars", Method: http.MethodGet, Path: "/calendars", Tags: t, Summary: "Business calendars"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.BusinessCalendar], error) {
			return respond(a.S.SLA.ListCalendars(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-calendar", Method: http.MethodPost, Path: "/calendars", Tags: t, Summary: "Add a business calendar"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.BusinessCalendar
		}) (*plain[*aftersales.BusinessCalendar], error) {
			return respond(a.S.SLA.CreateCalendar(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-calendar", Method: http.MethodPut, Path: "/calendars/{id}", Tags: t, Summary: "Replace a business calendar"},
		func(ctx context.Context, in *versionBody[aftersales.BusinessCalendar]) (*plain[*aftersales.BusinessCalendar], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.SLA.UpdateCalendar(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-sla-policies", Method: http.MethodGet, Path: "/sla-policies", Tags: t, Summary: "SLA policies in the order they are tried"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.SLAPolicy], error) {
			return respond(a.S.SLA.ListPolicies(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-sla-policy", Method: http.MethodPost, Path: "/sla-policies", Tags: t,
		Summary: "Add an SLA policy", Description: "It applies to each ticket from the ticket's next event on."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.SLAPolicy
		}) (*plain[*aftersales.SLAPolicy], error) {
			return respond(a.S.SLA.CreatePolicy(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-sla-policy", Method: http.MethodPut, Path: "/sla-policies/{id}", Tags: t, Summary: "Replace an SLA policy"},
		func(ctx context.Context, in *versionBody[aftersales.SLAPolicy]) (*plain[*aftersales.SLAPolicy], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.SLA.UpdatePolicy(ctx, in.ID, v, in.Body))
		})
}

func (a *API) notifications(h huma.API) {
	t := tag("Notifications")
	register(a, h, huma.Operation{OperationID: "list-notifications", Method: http.MethodGet, Path: "/notifications", Tags: t,
		Summary: "Your notifications, newest first (SLA warnings and escalations)"},
		func(ctx context.Context, in *struct {
			Unread bool `query:"unread" doc:"Only unread ones"`
			Limit  int  `query:"limit" default:"50" maximum:"200"`
		}) (*plain[[]*aftersales.Notification], error) {
			return respond(a.S.Notify.ListNotifications(ctx, in.Unread, in.Limit))
		})
	register(a, h, huma.Operation{OperationID: "read-notification", Method: http.MethodPost, Path: "/notifications/{id}/read", Tags: t,
		Summary: "Mark a notification read", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDParam) (*struct{}, error) {
			return &struct{}{}, a.S.Notify.MarkNotificationRead(ctx, in.ID)
		})
}

func (a *API) webhooks(h huma.API) {
	t := tag("Webhooks")
	register(a, h, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/webhooks", Tags: t, Summary: "Webhooks (secrets are never returned)"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.Webhook], error) {
			return respond(a.S.Webhooks.ListWebhooks(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-webhook", Method: http.MethodPost, Path: "/webhooks", Tags: t, Summary: "Add a webhook",
		Description: "Each delivery is a POST of JSON {id, event, occurred_at, ticket, data} with headers X-Aftersales-Event, " +
			"X-Aftersales-Delivery (the same on every retry) and X-Aftersales-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>. " +
			"Non-2xx answers are retried after 30 s, doubling up to 1 h, 12 attempts in all."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.Webhook
		}) (*plain[*aftersales.Webhook], error) {
			return respond(a.S.Webhooks.CreateWebhook(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-webhook", Method: http.MethodPut, Path: "/webhooks/{id}", Tags: t, Summary: "Replace a webhook (an empty secret keeps the old one)"},
		func(ctx context.Context, in *versionBody[aftersales.Webhook]) (*plain[*aftersales.Webhook], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Webhooks.UpdateWebhook(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/webhooks/{id}/deliveries", Tags: t, Summary: "A webhook's deliveries, newest first"},
		func(ctx context.Context, in *struct {
			IDParam
			Limit int `query:"limit" default:"100" maximum:"500"`
		}) (*plain[[]*aftersales.WebhookDelivery], error) {
			return respond(a.S.Webhooks.ListDeliveries(ctx, in.ID, in.Limit))
		})
}

func (a *API) routes(h huma.API) {
	t := tag("Routing")
	register(a, h, huma.Operation{OperationID: "list-routing-rules", Method: http.MethodGet, Path: "/routing-rules", Tags: t, Summary: "Routing rules in the order they are tried"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.RoutingRule], error) {
			return respond(a.S.Routing.ListRoutingRules(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-routing-rule", Method: http.MethodPost, Path: "/routing-rules", Tags: t, Summary: "Add a routing rule"},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.RoutingRule
		}) (*plain[*aftersales.RoutingRule], error) {
			return respond(a.S.Routing.CreateRoutingRule(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-routing-rule", Method: http.MethodPut, Path: "/routing-rules/{id}", Tags: t, Summary: "Replace a routing rule"},
		func(ctx context.Context, in *versionBody[aftersales.RoutingRule]) (*plain[*aftersales.RoutingRule], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Routing.UpdateRoutingRule(ctx, in.ID, v, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "route-dry-run", Method: http.MethodPost, Path: "/tickets/{id}/route-dry-run", Tags: t,
		DefaultStatus: http.StatusOK, Summary: "Route a ticket as if it were new, and explain; changes nothing"},
		func(ctx context.Context, in *IDParam) (*plain[*aftersales.RoutingDecision], error) {
			return respond(a.S.Routing.DryRun(ctx, in.ID))
		})
	register(a, h, huma.Operation{OperationID: "set-availability", Method: http.MethodPut, Path: "/users/{id}/availability", Tags: t,
		Summary: "Put a user on or off shift", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDParam
			Body struct {
				Available bool `json:"available"`
			}
		}) (*struct{}, error) {
			return &struct{}{}, a.S.Routing.SetAvailability(ctx, in.ID, in.Body.Available)
		})
}

func (a *API) automations(h huma.API) {
	t := tag("Automation")
	register(a, h, huma.Operation{OperationID: "list-automations", Method: http.MethodGet, Path: "/automations", Tags: t, Summary: "Automation rules in the order they run"},
		func(ctx context.Context, in *struct{}) (*plain[[]*aftersales.AutomationRule], error) {
			return respond(a.S.Automate.ListAutomations(ctx))
		})
	register(a, h, huma.Operation{OperationID: "create-automation", Method: http.MethodPost, Path: "/automations", Tags: t, Summary: "Add an automation rule",
		Description: "Event rules run in the transaction of the triggering change, judged on the ticket as that change left it; time rules run once per " +
			"status spell after conditions.after_hours. Actions taken by rules never trigger rules. Every action is in the timeline and the audit log."},
		func(ctx context.Context, in *struct {
			Idem
			Body aftersales.AutomationRule
		}) (*plain[*aftersales.AutomationRule], error) {
			return respond(a.S.Automate.CreateAutomation(ctx, in.Body))
		})
	register(a, h, huma.Operation{OperationID: "update-automation", Method: http.MethodPut, Path: "/automations/{id}", Tags: t, Summary: "Replace an automation rule"},
		func(ctx context.Context, in *versionBody[aftersales.AutomationRule]) (*plain[*aftersales.AutomationRule], error) {
			v, err := in.version(0)
			if err != nil {
				return nil, err
			}
			return respond(a.S.Automate.UpdateAutomation(ctx, in.ID, v, in.Body))
		})
}

func (a *API) dataQuality(h huma.API) {
	t := []string{"Data quality"}
	register(a, h, huma.Operation{OperationID: "get-data-quality", Method: http.MethodGet, Path: "/data-quality", Tags: t,
		Summary: "Completeness per field and channel, flags by kind, rejected rows, monthly trend and the latest imports"},
		func(ctx context.Context, in *struct{}) (*plain[*aftersales.DataQualityReport], error) {
			return respond(a.S.Imports.DataQuality(ctx))
		})
	register(a, h, huma.Operation{OperationID: "list-data-issues", Method: http.MethodGet, Path: "/data-quality/issues", Tags: t,
		Summary: "The rows behind the data-quality numbers: rejected and flagged import rows with their tickets"},
		func(ctx context.Context, in *struct {
			Kind    string `query:"kind" doc:"A flag kind, or rejected"`
			BatchID int64  `query:"batch_id"`
			Limit   int    `query:"limit" default:"100" maximum:"500"`
		}) (*plain[[]*aftersales.TicketIssue], error) {
			return respond(a.S.Imports.ListIssues(ctx, aftersales.IssueFilter{Kind: in.Kind, BatchID: in.BatchID, Limit: in.Limit}))
		})
}

type listAuditIn struct {
	Entity   string `query:"entity"`
	EntityID int64  `query:"entity_id"`
	ActorID  int64  `query:"actor_id"`
	Actor    string `query:"actor" doc:"Part of the actor's recorded name (an email, or system), ignoring case"`
	Action   string `query:"action"`
	From     string `query:"from" doc:"First day, YYYY-MM-DD in the deployment's zone"`
	To       string `query:"to" doc:"Last day (included), YYYY-MM-DD in the deployment's zone"`
	Before   int64  `query:"before" doc:"Id cursor"`
	Offset   int    `query:"offset" doc:"Entries to skip"`
	Limit    int    `query:"limit" default:"100" maximum:"500"`
}

type auditPageOut struct {
	Total int  `header:"X-Total-Count" doc:"Matching entries, counted up to the cap"`
	More  bool `header:"X-Total-More" doc:"More entries match than X-Total-Count counts"`
	Body  []*aftersales.AuditEntry
}
