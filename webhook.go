package aftersales

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Webhook events.
const (
	HookTicketCreated       = "ticket.created"
	HookTicketStatusChanged = "ticket.status_changed"
	HookTicketAssigned      = "ticket.assigned"
	HookTicketComment       = "ticket.comment"
	HookSLAWarning          = "sla.warning"
	HookSLAEscalation       = "sla.escalation"
	HookAutomation          = "automation" // sent by a rule's webhook action
	HookFollowupAnswered    = "followup.answered"
	HookSurveyAnswered      = "survey.answered"
)

// HookEvents lists every event a webhook can subscribe to.
var HookEvents = []string{HookTicketCreated, HookTicketStatusChanged, HookTicketAssigned, HookTicketComment, HookSLAWarning, HookSLAEscalation, HookAutomation, HookFollowupAnswered, HookSurveyAnswered}

// Webhook sends events to an outside system. Each POST carries
// X-Aftersales-Event, X-Aftersales-Delivery (the same on every retry of one
// delivery) and X-Aftersales-Signature: sha256=<hex HMAC-SHA256 of the body
// with the secret>.
type Webhook struct {
	ID        int64     `json:"id,omitempty" readOnly:"true"`
	URL       string    `json:"url" format:"uri" maxLength:"2000"`
	Secret    string    `json:"secret,omitempty" writeOnly:"true" minLength:"16" maxLength:"200" doc:"Write-only; never returned"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version,omitempty" readOnly:"true"`
	CreatedAt time.Time `json:"created_at,omitempty" readOnly:"true"`
}

// Validate checks a webhook; creating requires a secret.
func (w *Webhook) Validate(creating bool) error {
	var v Validator
	u, err := url.Parse(w.URL)
	v.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", "url", "must be an absolute http or https URL")
	if creating || w.Secret != "" {
		v.Check(len(w.Secret) >= 16, "secret", "must be at least 16 characters")
	}
	v.Check(len(w.Events) > 0, "events", "subscribe to at least one event")
	for i, e := range w.Events {
		v.Check(oneOf(e, HookEvents), fmt.Sprintf("events[%d]", i), "is not one of "+joinEnum(HookEvents))
	}
	return v.Err()
}

// WebhookDelivery is one event's delivery to one webhook.
type WebhookDelivery struct {
	ID            int64      `json:"id"`
	WebhookID     int64      `json:"webhook_id"`
	DeliveryID    string     `json:"delivery_id"`
	Event         string     `json:"event"`
	Payload       string     `json:"payload"`
	Status        string     `json:"status" enum:"pending,delivered,failed"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastStatus    int        `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	// URL and Secret are filled for the sender only.
	URL    string `json:"-"`
	Secret string `json:"-"`
	// Claim names the sender's claim on the row (see ClaimDeliveries);
	// only its holder records a failed attempt.
	Claim string `json:"-"`
}

// WebhookService manages webhooks and shows their deliveries.
type WebhookService interface {
	CreateWebhook(ctx context.Context, w Webhook) (*Webhook, error)
	UpdateWebhook(ctx context.Context, id, version int64, w Webhook) (*Webhook, error)
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	ListDeliveries(ctx context.Context, webhookID int64, limit int) ([]*WebhookDelivery, error)
}
