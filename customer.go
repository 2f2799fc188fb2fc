package aftersales

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// CustomerKind separates private persons from companies.
type CustomerKind string

const (
	CustomerPerson  CustomerKind = "person"
	CustomerCompany CustomerKind = "company"
)

// Default customer tiers; tiers are data and an admin may add more.
const (
	TierVIP      = "vip"
	TierCore     = "core"
	TierOrdinary = "ordinary"
)

// Tier is a customer tier such as VIP; Rank orders them (higher first).
type Tier struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Rank   int    `json:"rank"`
}

// Address is a postal address with its region and coordinates.
type Address struct {
	Province string   `json:"province,omitempty" maxLength:"50"`
	City     string   `json:"city,omitempty" maxLength:"50"`
	District string   `json:"district,omitempty" maxLength:"50"`
	Street   string   `json:"street,omitempty" maxLength:"200"`
	Postcode string   `json:"postcode,omitempty" maxLength:"20"`
	Lat      *float64 `json:"lat,omitempty"`
	Lng      *float64 `json:"lng,omitempty"`
}

// String renders the address in Chinese order, largest unit first.
func (a Address) String() string {
	return strings.TrimSpace(strings.Join(nonEmpty(a.Province, a.City, a.District, a.Street), " "))
}

func (a Address) validate(v *Validator, prefix string) {
	if (a.Lat == nil) != (a.Lng == nil) {
		v.Add(prefix+"lat", "lat and lng must be given together")
	}
	if a.Lat != nil {
		v.Check(*a.Lat >= -90 && *a.Lat <= 90, prefix+"lat", "must be between -90 and 90")
	}
	if a.Lng != nil {
		v.Check(*a.Lng >= -180 && *a.Lng <= 180, prefix+"lng", "must be between -180 and 180")
	}
	if a.Lat != nil && a.Lng != nil && *a.Lat == 0 && *a.Lng == 0 {
		v.Add(prefix+"lat", "(0, 0) is not a real location")
	}
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Contact is a person to reach at a customer.
type Contact struct {
	Name    string `json:"name" maxLength:"100"`
	Title   string `json:"title,omitempty" maxLength:"100"`
	Phone   string `json:"phone,omitempty" maxLength:"40"`
	Email   string `json:"email,omitempty" maxLength:"254"`
	Primary bool   `json:"primary,omitempty"`
}

// Customer is a person or company that bought and uses products.
type Customer struct {
	ID         int64        `json:"id"`
	Kind       CustomerKind `json:"kind"`
	Name       string       `json:"name"`
	Phone      string       `json:"phone,omitempty"`
	Email      string       `json:"email,omitempty"`
	Address    Address      `json:"address"`
	Tier       string       `json:"tier"`
	Tags       []string     `json:"tags"`
	Notes      string       `json:"notes,omitempty"`
	Contacts   []Contact    `json:"contacts"`
	ExternalID string       `json:"external_id,omitempty"`
	Version    int64        `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// CustomerInput creates or replaces a customer.
type CustomerInput struct {
	Kind       CustomerKind `json:"kind,omitempty" enum:"person,company" default:"person"`
	Name       string       `json:"name" maxLength:"200"`
	Phone      string       `json:"phone,omitempty" maxLength:"40"`
	Email      string       `json:"email,omitempty" maxLength:"254"`
	Address    Address      `json:"address,omitempty"`
	Tier       string       `json:"tier,omitempty" maxLength:"30"`
	Tags       []string     `json:"tags,omitempty"`
	Notes      string       `json:"notes,omitempty" maxLength:"5000"`
	Contacts   []Contact    `json:"contacts,omitempty"`
	ExternalID string       `json:"external_id,omitempty" maxLength:"100"`
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// Validate checks and normalises a customer input.
func (in *CustomerInput) Validate() error {
	var v Validator
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Tags = NormalizeTags(in.Tags)
	if in.Kind == "" {
		in.Kind = CustomerPerson
	}
	if in.Tier == "" {
		in.Tier = TierOrdinary
	}
	v.Check(in.Kind == CustomerPerson || in.Kind == CustomerCompany, "kind", "must be person or company")
	v.Check(in.Name != "", "name", "is required")
	if in.Phone != "" {
		in.Phone, _ = NormalisePhone(in.Phone)
		n := len(strings.TrimPrefix(in.Phone, "+"))
		v.Check(n >= 5 && n <= 20, "phone", "must have 5 to 20 digits")
	}
	if in.Email != "" {
		v.Check(validEmail(in.Email), "email", "must be a valid email address")
	}
	in.Address.validate(&v, "address.")
	primaries := 0
	for i := range in.Contacts {
		c := &in.Contacts[i]
		c.Name = strings.TrimSpace(c.Name)
		c.Email = strings.ToLower(strings.TrimSpace(c.Email))
		c.Phone, _ = NormalisePhone(c.Phone)
		v.Check(c.Name != "", fieldIndex("contacts", i, "name"), "is required")
		if c.Email != "" {
			v.Check(validEmail(c.Email), fieldIndex("contacts", i, "email"), "must be a valid email address")
		}
		if c.Primary {
			primaries++
		}
	}
	v.Check(primaries <= 1, "contacts", "at most one contact may be primary")
	v.Check(len(in.Tags) <= MaxTags, "tags", "too many tags")
	return v.Err()
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	Query string // name, phone, email substring
	Phone string // exact, normalised
	Tier  string
	Limit int
	After int64 // id cursor
}

// CustomerService manages customers.
type CustomerService interface {
	CreateCustomer(ctx context.Context, in CustomerInput) (*Customer, error)
	UpdateCustomer(ctx context.Context, id, version int64, in CustomerInput) (*Customer, error)
	FindCustomer(ctx context.Context, id int64) (*Customer, error)
	ListCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, error)
	ListTiers(ctx context.Context) ([]Tier, error)
	UpsertTier(ctx context.Context, t Tier) error
}

// NormalisePhone returns a phone number in canonical form: Chinese mobile
// numbers as 11 digits without +86, others as digits with a leading + kept.
// ok is false when fewer than 7 digits remain.
func NormalisePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r == '+' && i == 0 {
			b.WriteRune(r)
		} else if r >= '０' && r <= '９' {
			b.WriteRune('0' + (r - '０')) // full-width digits
		}
	}
	p := b.String()
	for _, prefix := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && len(rest) == 11 && rest[0] == '1' {
			p = rest
			break
		}
	}
	return p, len(strings.TrimPrefix(p, "+")) >= 7
}
