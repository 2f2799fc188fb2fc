package aftersales

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Money is an amount in the minor unit of the deployment's currency (fen
// for CNY: 12550 is ¥125.50). Integers keep sums exact, so the cost
// rollups equal a recompute to the fen.
type Money int64

// MaxMoney bounds one amount: 10^13 minor units (100 billion yuan), far
// above any cost line or month of revenue, so that sums cannot overflow.
const MaxMoney Money = 10_000_000_000_000

// String formats m with two decimals and thousands separators: 1,234.50.
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	units := strconv.FormatInt(int64(m/100), 10)
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for i, c := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	cents := int64(m % 100)
	sb.WriteByte('.')
	sb.WriteByte(byte('0' + cents/10))
	sb.WriteByte(byte('0' + cents%10))
	return sb.String()
}

// ParseMoney reads an amount in major units as people type it: "125.5",
// "1,234.50", "¥1234", "￥ 80", "80元". At most two decimals; no sign.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	s = strings.ReplaceAll(s, ",", "")
	bad := &Error{Code: EINVALID, Message: "Not an amount: " + strconv.Quote(s) + "."}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && (!dot || frac == "") || len(frac) > 2 || len(whole) > 13 {
		return 0, bad
	}
	var m int64
	for _, c := range whole + (frac + "00")[:2] {
		if c < '0' || c > '9' {
			return 0, bad
		}
		m = m*10 + int64(c-'0')
	}
	if Money(m) > MaxMoney {
		return 0, bad
	}
	return Money(m), nil
}

// CostKind is what a service cost line pays for. Together the kinds are
// the after-sales cost of methods.md §1.4: service operating cost
// (labour, travel, parts, other) and goodwill beyond the warranty.
type CostKind string

const (
	CostLabour   CostKind = "labour"
	CostTravel   CostKind = "travel"
	CostParts    CostKind = "parts"
	CostGoodwill CostKind = "goodwill" // out-of-warranty concessions, compensation
	CostOther    CostKind = "other"
)

// CostKinds lists every cost kind.
var CostKinds = []CostKind{CostLabour, CostTravel, CostParts, CostGoodwill, CostOther}

// Valid reports whether k is a known kind.
func (k CostKind) Valid() bool { return oneOf(k, CostKinds) }

// CostLine is one service cost borne for a ticket. Lines are never edited
// or deleted: a wrong line is voided with a reason and entered again.
type CostLine struct {
	ID          int64    `json:"id"`
	TicketID    int64    `json:"ticket_id"`
	Kind        CostKind `json:"kind"`
	Description string   `json:"description,omitempty"`
	Amount      Money    `json:"amount" doc:"In the currency's minor unit (fen): 12550 is ¥125.50"`
	// IncurredOn is the local day the cost arose (YYYY-MM-DD); the service
	// cost and the cost ratio count it on that day.
	IncurredOn Date `json:"incurred_on"`
	// Source names what wrote a line the system wrote (reservation:ID,
	// visit:ID:labour, visit:ID:travel); empty for lines people entered.
	Source     string     `json:"source,omitempty"`
	CreatedBy  *int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	VoidedAt   *time.Time `json:"voided_at,omitempty"`
	VoidedBy   *int64     `json:"voided_by,omitempty"`
	VoidReason string     `json:"void_reason,omitempty"`
}

// CostInput records a cost line. IncurredOn defaults to today.
type CostInput struct {
	Kind        CostKind `json:"kind" enum:"labour,travel,parts,goodwill,other"`
	Description string   `json:"description,omitempty" maxLength:"500"`
	Amount      Money    `json:"amount" minimum:"1" doc:"In the currency's minor unit (fen): 12550 is ¥125.50"`
	IncurredOn  Date     `json:"incurred_on,omitempty" doc:"Local day the cost arose, YYYY-MM-DD (default today)"`
}

// Validate checks a cost line's shape; the store checks its dates against
// the ticket and today.
func (in *CostInput) Validate() error {
	in.Description = strings.TrimSpace(in.Description)
	var v Validator
	v.Check(in.Kind.Valid(), "kind", "must be labour, travel, parts, goodwill or other")
	v.Check(in.Amount > 0, "amount", "must be more than zero")
	v.Check(in.Amount <= MaxMoney, "amount", "is larger than "+MaxMoney.String())
	v.Check(len(in.Description) <= 500, "description", "is longer than 500 bytes")
	v.Check(in.IncurredOn.Valid(), "incurred_on", "must be a date YYYY-MM-DD")
	return v.Err()
}

// RevenueDims are the scopes sales revenue is recorded for: the whole
// company (""), a product category, a product or a region. The cost ratio
// can be filtered or grouped by these only.
var RevenueDims = []Dimension{"", DimCategory, DimProduct, DimRegion}

// Revenue is the sales revenue of one month in one scope, the denominator
// of the after-sales cost ratio.
type Revenue struct {
	// Month is YYYY-MM.
	Month string    `json:"month"`
	Dim   Dimension `json:"dim,omitempty" enum:"category,product,region," doc:"Empty for the whole company"`
	// Value is the scope's id; on input a category name, a product model
	// or a region code or name is accepted too.
	Value     string    `json:"value,omitempty"`
	Label     string    `json:"label,omitempty" readOnly:"true"`
	Amount    Money     `json:"amount" doc:"In the currency's minor unit (fen)"`
	Note      string    `json:"note,omitempty" maxLength:"500"`
	UpdatedBy *int64    `json:"updated_by,omitempty" readOnly:"true"`
	UpdatedAt time.Time `json:"updated_at" readOnly:"true"`
}

// Validate checks one revenue entry; prefix names it in errors
// ("rows[3]").
func (r *Revenue) Validate(v *Validator, prefix string) {
	r.Month, r.Value, r.Note = strings.TrimSpace(r.Month), strings.TrimSpace(r.Value), strings.TrimSpace(r.Note)
	if m, err := time.Parse("2006-01", r.Month); err != nil || m.Year() < 1990 || m.Year() > 2200 {
		v.Add(prefix+"month", "must be a month YYYY-MM")
	}
	v.Check(oneOf(r.Dim, RevenueDims), prefix+"dim", "must be empty (the whole company), category, product or region")
	v.Check((r.Dim == "") == (r.Value == ""), prefix+"value", "a scope needs both a dimension and a value")
	v.Check(r.Amount > 0, prefix+"amount", "must be more than zero")
	v.Check(r.Amount <= MaxMoney, prefix+"amount", "is larger than "+MaxMoney.String())
	v.Check(len(r.Note) <= 500, prefix+"note", "is longer than 500 bytes")
}

// RevenueFilter selects revenue entries of months [From, To] (YYYY-MM,
// either may be empty) in one scope dimension, or every one when Dim is
// nil.
type RevenueFilter struct {
	From, To string
	Dim      *Dimension
	Locale   string
}

// CostService records service costs per ticket and sales revenue per
// month, from which the cost KPIs are computed.
type CostService interface {
	AddCost(ctx context.Context, ticketID int64, in CostInput) (*CostLine, error)
	// VoidCost withdraws a line, keeping it with the reason.
	VoidCost(ctx context.Context, ticketID, costID int64, reason string) (*CostLine, error)
	ListCosts(ctx context.Context, ticketID int64) ([]*CostLine, error)
	// SetRevenue stores every entry (a later entry for the same month and
	// scope replaces the earlier one), or none when any is invalid.
	SetRevenue(ctx context.Context, rows []*Revenue) error
	DeleteRevenue(ctx context.Context, month string, dim Dimension, value string) error
	ListRevenue(ctx context.Context, f RevenueFilter) ([]*Revenue, error)
}
