package aftersales

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is a user's role. Customers come later through the portal and have
// no staff role.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleQuality    Role = "quality_manager"
	RoleAgent      Role = "agent"
	RoleTechnician Role = "technician"
)

// Roles lists every staff role in display order.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleQuality, RoleAgent, RoleTechnician}

// DefaultRole is the role a new account gets when none is chosen: the
// least privileged one (a technician works the tickets of their team),
// never admin, so a slip in a form cannot hand out every permission.
const DefaultRole = RoleTechnician

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return oneOf(r, Roles) }

// Permission names one thing a role may do.
type Permission string

const (
	PermTicketRead     Permission = "read tickets"
	PermTicketWrite    Permission = "create and edit tickets"
	PermTicketAssign   Permission = "assign tickets"
	PermTicketNote     Permission = "reply to and annotate tickets"
	PermCustomerRead   Permission = "read customers"
	PermCustomerWrite  Permission = "edit customers and assets"
	PermCatalogWrite   Permission = "edit the product catalog"
	PermNetworkWrite   Permission = "edit the service network and teams"
	PermUserRead       Permission = "read users"
	PermUserWrite      Permission = "manage users"
	PermSettingsWrite  Permission = "change settings and custom fields"
	PermAuditRead      Permission = "read the audit log"
	PermTokenOwn       Permission = "manage own API tokens"
	PermTicketReadAll  Permission = "read every ticket"
	PermTicketTransmit Permission = "change ticket status"
	PermDataImport     Permission = "import data and read data-quality reports"
	PermMetricsRead    Permission = "read quality metrics and dashboards"
	PermQualityWrite   Permission = "set quality targets and alert rules"
	PermCostWrite      Permission = "record service costs"
	PermCostVoid       Permission = "void anyone's service cost lines"
	PermRevenueWrite   Permission = "enter sales revenue"
	PermPartsWrite     Permission = "edit the parts catalog and stock locations"
	PermStockMove      Permission = "receive, move, reserve and use spare parts"
	PermVisitPlan      Permission = "book, reschedule and cancel visits"
	// PermKBWrite writes knowledge-base articles and their synonyms.
	PermKBWrite Permission = "write knowledge-base articles"
)

var rolePerms = map[Role][]Permission{
	RoleAdmin: {PermTicketRead, PermTicketWrite, PermTicketAssign, PermTicketNote, PermCustomerRead,
		PermCustomerWrite, PermCatalogWrite, PermNetworkWrite, PermUserRead, PermUserWrite,
		PermSettingsWrite, PermAuditRead, PermTokenOwn, PermTicketReadAll, PermTicketTransmit, PermDataImport,
		PermMetricsRead, PermQualityWrite, PermCostWrite, PermCostVoid, PermRevenueWrite, PermPartsWrite, PermStockMove,
		PermVisitPlan, PermKBWrite},
	RoleSupervisor: {PermTicketRead, PermTicketWrite, PermTicketAssign, PermTicketNote, PermCustomerRead,
		PermCustomerWrite, PermNetworkWrite, PermUserRead, PermAuditRead, PermTokenOwn, PermTicketReadAll,
		PermTicketTransmit, PermDataImport, PermMetricsRead, PermCostWrite, PermCostVoid, PermPartsWrite, PermStockMove,
		PermVisitPlan, PermKBWrite},
	RoleQuality: {PermTicketRead, PermTicketNote, PermCustomerRead, PermUserRead, PermAuditRead,
		PermTokenOwn, PermTicketReadAll, PermDataImport, PermMetricsRead, PermQualityWrite, PermRevenueWrite, PermKBWrite},
	RoleAgent: {PermTicketRead, PermTicketWrite, PermTicketAssign, PermTicketNote, PermCustomerRead,
		PermCustomerWrite, PermUserRead, PermTokenOwn, PermTicketReadAll, PermTicketTransmit, PermCostWrite, PermStockMove,
		PermVisitPlan},
	// Technicians see and work the tickets of their team and their own.
	RoleTechnician: {PermTicketRead, PermTicketNote, PermCustomerRead, PermUserRead, PermTokenOwn,
		PermTicketTransmit, PermCostWrite, PermStockMove},
}

// Can reports whether the role holds permission p.
func (r Role) Can(p Permission) bool { return oneOf(p, rolePerms[r]) }

// User is a staff member.
type User struct {
	ID            int64      `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Phone         string     `json:"phone,omitempty"`
	Role          Role       `json:"role"`
	TeamID        *int64     `json:"team_id,omitempty"`
	ServiceUnitID *int64     `json:"service_unit_id,omitempty"`
	DepartmentID  *int64     `json:"department_id,omitempty"`
	Locale        string     `json:"locale"`
	Active        bool       `json:"active"`
	Available     bool       `json:"available" doc:"On shift; automatic assignment skips users who are not"`
	Skills        []Skill    `json:"skills"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastLoginAt   *time.Time `json:"last_login_at,omitempty"`
}

// Skill is a technician's competence on a product category, 1 (basic) to
// 5 (expert).
type Skill struct {
	CategoryID int64 `json:"category_id"`
	Level      int   `json:"level" minimum:"1" maximum:"5"`
}

// UserInput creates or updates a user. Password is only set when non-empty.
type UserInput struct {
	Email         string  `json:"email" maxLength:"254"`
	Name          string  `json:"name" maxLength:"100"`
	Phone         string  `json:"phone,omitempty" maxLength:"40"`
	Role          Role    `json:"role" enum:"admin,supervisor,quality_manager,agent,technician"`
	TeamID        *int64  `json:"team_id,omitempty"`
	ServiceUnitID *int64  `json:"service_unit_id,omitempty"`
	DepartmentID  *int64  `json:"department_id,omitempty"`
	Locale        string  `json:"locale,omitempty" enum:"zh-CN,en,"`
	Active        *bool   `json:"active,omitempty"`
	Password      string  `json:"password,omitempty" maxLength:"200"`
	Skills        []Skill `json:"skills,omitempty"`
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// Normalize trims and lower-cases what should be, and fills defaults.
func (in *UserInput) Normalize() {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Locale == "" {
		in.Locale = "zh-CN"
	}
}

// Validate checks a user; creating requires a password.
func (in *UserInput) Validate(creating bool) error {
	var v Validator
	if _, err := mail.ParseAddress(in.Email); err != nil || strings.ContainsAny(in.Email, " <>") {
		v.Add("email", "must be a valid email address")
	}
	v.Check(in.Name != "", "name", "is required")
	v.Check(in.Role.Valid(), "role", "must be one of admin, supervisor, quality_manager, agent, technician")
	v.Check(in.Locale == "zh-CN" || in.Locale == "en", "locale", "must be zh-CN or en")
	if creating || in.Password != "" {
		v.Check(len([]rune(in.Password)) >= MinPasswordLen, "password", "must be at least 10 characters")
	}
	seen := map[int64]bool{}
	for i, s := range in.Skills {
		v.Check(s.Level >= 1 && s.Level <= 5, fieldIndex("skills", i, "level"), "must be between 1 and 5")
		v.Check(!seen[s.CategoryID], fieldIndex("skills", i, "category_id"), "is listed twice")
		seen[s.CategoryID] = true
	}
	return v.Err()
}

// UserFilter selects users.
type UserFilter struct {
	Role   Role
	TeamID int64
	Query  string
	Active *bool
	Limit  int
}

// Session is a signed-in browser session. The token is only known to the
// browser; the store keeps its hash.
type Session struct {
	Token     string
	UserID    int64
	ExpiresAt time.Time
}

// APIToken is a long-lived bearer token. Secret is set only once, when the
// token is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Secret     string     `json:"token,omitempty"`
}

// UserService manages staff accounts, sessions and tokens.
type UserService interface {
	CreateUser(ctx context.Context, in UserInput) (*User, error)
	UpdateUser(ctx context.Context, id, version int64, in UserInput) (*User, error)
	FindUser(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]*User, error)
	// Authenticate checks an email and password; EUNAUTHORIZED on mismatch.
	Authenticate(ctx context.Context, email, password string) (*User, error)
	CreateSession(ctx context.Context, userID int64) (*Session, error)
	// UserBySession returns the user of a live session; EUNAUTHORIZED if none.
	UserBySession(ctx context.Context, token string) (*User, error)
	DeleteSession(ctx context.Context, token string) error
	CreateToken(ctx context.Context, userID int64, name string) (*APIToken, error)
	ListTokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id int64) error
	// UserByToken returns the owner of a live API token; EUNAUTHORIZED if none.
	UserByToken(ctx context.Context, secret string) (*User, error)
}
