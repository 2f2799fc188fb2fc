package aftersales

import (
	"context"
	"time"
)

// Field costs (issue #19): completing a visit and using parts write the
// ticket's service cost lines by themselves — parts at unit cost, labour
// from the time on site × the hourly rate, travel from the planned route
// leg × the rate per km — and, out of warranty, the billable items the
// customer pays (parts at the out-of-warranty price, labour).

// FieldRate is what an hour on site and a km of travel cost, for one
// region (a top-level service unit) or, without one, everywhere else.
type FieldRate struct {
	RegionID      *int64    `json:"region_id,omitempty" doc:"Absent: the rate for every region without its own"`
	LabourPerHour Money     `json:"labour_per_hour" doc:"Minor units (fen) per hour on site"`
	TravelPerKM   Money     `json:"travel_per_km" doc:"Minor units (fen) per km of planned road distance"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// FieldRateInput sets a rate.
type FieldRateInput struct {
	RegionID      *int64 `json:"region_id,omitempty"`
	LabourPerHour Money  `json:"labour_per_hour" minimum:"0" doc:"Minor units (fen) per hour"`
	TravelPerKM   Money  `json:"travel_per_km" minimum:"0" doc:"Minor units (fen) per km"`
}

// Validate checks a rate's shape; the store checks the region.
func (in *FieldRateInput) Validate() error {
	var v Validator
	v.Check(in.RegionID == nil || *in.RegionID > 0, "region_id", "must be a service unit id")
	v.Check(in.LabourPerHour >= 0 && in.LabourPerHour <= MaxMoney, "labour_per_hour", "must be between 0 and "+MaxMoney.String())
	v.Check(in.TravelPerKM >= 0 && in.TravelPerKM <= MaxMoney, "travel_per_km", "must be between 0 and "+MaxMoney.String())
	return v.Err()
}

// Billable is one item the customer pays for out-of-warranty work.
type Billable struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	Source      string    `json:"source" doc:"What wrote it: reservation:ID for parts, visit:ID:labour for labour"`
	Kind        CostKind  `json:"kind" enum:"parts,labour"`
	Description string    `json:"description"`
	Qty         int       `json:"qty"`
	UnitPrice   Money     `json:"unit_price" doc:"Minor units (fen)"`
	Amount      Money     `json:"amount" doc:"Minor units (fen)"`
	CreatedAt   time.Time `json:"created_at"`
}

// Billing is a ticket's billable items and their total.
type Billing struct {
	Items []*Billable `json:"items"`
	Total Money       `json:"total" doc:"Minor units (fen)"`
}

// FieldCostService keeps the rates and reads the billable items.
type FieldCostService interface {
	ListFieldRates(ctx context.Context) ([]*FieldRate, error)
	SetFieldRate(ctx context.Context, in FieldRateInput) (*FieldRate, error)
	DeleteFieldRate(ctx context.Context, regionID *int64) error
	Billing(ctx context.Context, ticketID int64) (*Billing, error)
}
