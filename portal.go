package aftersales

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// PortalRole says what a portal user of a customer sees: a member the
// tickets they opened in the portal, company every ticket of the
// customer, admin that and grants roles to the customer's other users.
type PortalRole string

const (
	PortalMember  PortalRole = "member"
	PortalCompany PortalRole = "company"
	PortalAdmin   PortalRole = "admin"
)

// PortalRoles lists the roles in order of reach.
var PortalRoles = []PortalRole{PortalMember, PortalCompany, PortalAdmin}

// Valid reports whether r is a known role.
func (r PortalRole) Valid() bool {
	return r == PortalMember || r == PortalCompany || r == PortalAdmin
}

// SeesCompany reports whether the role sees every ticket of the customer.
func (r PortalRole) SeesCompany() bool { return r == PortalCompany || r == PortalAdmin }

// Portal sign-in limits: a link lives a quarter of an hour and is good
// once; one address gets a few links an hour.
const (
	PortalLinkTTL      = 15 * time.Minute
	PortalLinksPerHour = 5
	PortalSessionTTL   = 7 * 24 * time.Hour
)

// PortalUser is a customer's own sign-in, linked to a customer record.
type PortalUser struct {
	ID           int64      `json:"id"`
	CustomerID   int64      `json:"customer_id"`
	CustomerName string     `json:"customer_name"`
	Company      bool       `json:"company" doc:"The customer is a company"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         PortalRole `json:"role" enum:"member,company,admin"`
	Active       bool       `json:"active"`
	HasPassword  bool       `json:"has_password"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	Version      int64      `json:"version"`
}

// PortalInvite gives a customer's contact a portal sign-in.
type PortalInvite struct {
	Email string     `json:"email" maxLength:"254"`
	Name  string     `json:"name,omitempty" maxLength:"100"`
	Role  PortalRole `json:"role,omitempty" enum:"member,company,admin"`
}

// Validate checks an invitation and fills its defaults.
func (in *PortalInvite) Validate() error {
	var v Validator
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	if in.Role == "" {
		in.Role = PortalMember
	}
	v.Check(in.Email != "" && strings.Contains(in.Email, "@") && !strings.ContainsAny(in.Email, " \r\n<>"), "email", "must be an email address")
	v.Check(len(in.Email) <= 254, "email", "is longer than 254 bytes")
	v.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "is longer than 100 characters")
	v.Text("name", in.Name)
	v.Check(in.Role.Valid(), "role", "must be member, company or admin")
	return v.Err()
}

// PortalSession is a signed-in portal browser (or API client).
type PortalSession struct {
	Token     string
	UserID    int64
	ExpiresAt time.Time
}

// PortalTicket is a ticket as its customer sees it: status, promised
// times and dates, never internal notes, staff or routing.
type PortalTicket struct {
	ID              int64      `json:"id"`
	Number          string     `json:"number"`
	Title           string     `json:"title"`
	Nature          Nature     `json:"nature"`
	Status          Status     `json:"status"`
	AssetID         *int64     `json:"asset_id,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	ResolutionDueAt *time.Time `json:"resolution_due_at,omitempty" doc:"When the ticket is promised to be resolved"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	OpenedBy        string     `json:"opened_by,omitempty" doc:"The portal user who opened it, when one did"`
	// MergedInto is the ticket this duplicate was merged into, when that
	// ticket is the same customer's (else the customer sees it cancelled).
	MergedInto       *int64 `json:"merged_into,omitempty" doc:"The ticket this duplicate was merged into; follow that one"`
	MergedIntoNumber string `json:"merged_into_number,omitempty"`
}

// PortalTicketDetail is one ticket with its public exchange, visits,
// files and the survey waiting for an answer.
type PortalTicketDetail struct {
	PortalTicket
	Description string             `json:"description"`
	Messages    []PortalMessage    `json:"messages"`
	Visits      []PortalVisit      `json:"visits"`
	Attachments []PortalAttachment `json:"attachments"`
	Survey      *PortalSurvey      `json:"survey,omitempty"`
}

// PortalMessage is one public message of a ticket.
type PortalMessage struct {
	At       time.Time `json:"at"`
	Customer bool      `json:"customer" doc:"Written by the customer, else by the service side"`
	Body     string    `json:"body"`
}

// PortalVisit is a field visit as the customer sees it.
type PortalVisit struct {
	ID          int64       `json:"id"`
	TicketID    int64       `json:"ticket_id"`
	Number      int         `json:"number"`
	WindowStart time.Time   `json:"window_start"`
	WindowEnd   time.Time   `json:"window_end"`
	Status      VisitStatus `json:"status"`
	CanMove     bool        `json:"can_move" doc:"The visit has not started, so the customer may move it"`
	Version     int64       `json:"version"`
}

// PortalAttachment is a file of a ticket.
type PortalAttachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// PortalSurvey is a survey waiting for the customer's answer.
type PortalSurvey struct {
	TicketID  int64     `json:"ticket_id"`
	Number    string    `json:"number"`
	Title     string    `json:"title"`
	URL       string    `json:"url" doc:"The survey's public link (/s/{token})"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PortalAsset is a product the customer owns, with its warranty.
type PortalAsset struct {
	ID            int64  `json:"id"`
	ProductName   string `json:"product_name"`
	SerialNo      string `json:"serial_no"`
	PurchasedOn   Date   `json:"purchased_on,omitempty"`
	WarrantyEnds  Date   `json:"warranty_ends,omitempty"`
	UnderWarranty bool   `json:"under_warranty"`
}

// PortalWindow is a visit window the customer may pick.
type PortalWindow struct {
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// PortalMove moves a visit to a window picked from its offers.
type PortalMove struct {
	WindowStart time.Time `json:"window_start"`
	Version     int64     `json:"version" minimum:"1"`
}

// PortalTicketInput is a ticket the customer opens in the portal.
type PortalTicketInput struct {
	Title       string        `json:"title" maxLength:"200"`
	Description string        `json:"description,omitempty" maxLength:"20000"`
	Nature      Nature        `json:"nature,omitempty" enum:"consultation,complaint,repair,installation,return,other"`
	AssetID     *int64        `json:"asset_id,omitempty"`
	Files       []*Attachment `json:"-"`
}

// Validate checks a portal ticket.
func (in *PortalTicketInput) Validate() error {
	var v Validator
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	v.Check(in.Title != "", "title", "is required")
	v.Check(utf8.RuneCountInString(in.Title) <= 200, "title", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(in.Description) <= 20000, "description", "must be at most 20000 characters")
	v.Text("title", in.Title)
	v.Text("description", in.Description)
	if in.Nature != "" {
		ok := false
		for _, n := range Natures {
			ok = ok || n == in.Nature
		}
		v.Check(ok, "nature", "is not a known nature")
	}
	return v.Err()
}

// PortalService is the customer portal: staff invite and revoke portal
// users; the sign-in methods act as the system; every other method acts
// as the portal user in the context and answers ENOTFOUND for anything
// that is not theirs, so a probe learns nothing of other customers.
type PortalService interface {
	InvitePortalUser(ctx context.Context, customerID int64, in PortalInvite) (*PortalUser, error)
	ListPortalUsers(ctx context.Context, customerID int64) ([]*PortalUser, error)
	RevokePortalUser(ctx context.Context, customerID, id int64) error

	// RequestPortalLink mails a one-time sign-in link to email when it is
	// an active portal user's; an unknown address gets the same answer.
	RequestPortalLink(ctx context.Context, email, lang string) error
	// UsePortalLink spends a link and starts a session.
	UsePortalLink(ctx context.Context, token string) (*PortalSession, error)
	PortalSignIn(ctx context.Context, email, password string) (*PortalSession, error)
	PortalUserBySession(ctx context.Context, token string) (*PortalUser, error)
	EndPortalSession(ctx context.Context, token string) error

	SetPortalPassword(ctx context.Context, password string) error
	PortalTickets(ctx context.Context) ([]*PortalTicket, error)
	PortalTicket(ctx context.Context, id int64) (*PortalTicketDetail, error)
	PortalCreateTicket(ctx context.Context, in PortalTicketInput) (*PortalTicket, error)
	PortalReply(ctx context.Context, ticketID int64, body string) error
	PortalAttach(ctx context.Context, ticketID int64, f *Attachment) (*PortalAttachment, error)
	PortalAttachment(ctx context.Context, ticketID, id int64) (*Attachment, error)
	PortalAssets(ctx context.Context) ([]*PortalAsset, error)
	PortalAsset(ctx context.Context, id int64) (*PortalAsset, error)
	PortalWindows(ctx context.Context, ticketID, visitID int64) ([]PortalWindow, error)
	PortalMoveVisit(ctx context.Context, ticketID, visitID int64, in PortalMove) (*PortalVisit, error)
	PortalSurveys(ctx context.Context) ([]*PortalSurvey, error)
	PortalColleagues(ctx context.Context) ([]*PortalUser, error)
	SetPortalRole(ctx context.Context, id int64, role PortalRole) (*PortalUser, error)
}

type portalKey struct{}

// NewContextWithPortalUser returns a context that carries the signed-in
// portal user. It never carries a staff user as well.
func NewContextWithPortalUser(ctx context.Context, u *PortalUser) context.Context {
	return context.WithValue(ctx, portalKey{}, u)
}

// PortalUserFromContext returns the signed-in portal user, or nil.
func PortalUserFromContext(ctx context.Context) *PortalUser {
	u, _ := ctx.Value(portalKey{}).(*PortalUser)
	return u
}

// RequirePortal returns the portal user of the context or EUNAUTHORIZED.
func RequirePortal(ctx context.Context) (*PortalUser, error) {
	u := PortalUserFromContext(ctx)
	if u == nil || !u.Active {
		return nil, Errorf(EUNAUTHORIZED, "You must sign in.")
	}
	return u, nil
}
