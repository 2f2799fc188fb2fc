package aftersales

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Spare parts (issue #19): a catalog of parts, the places stock is kept,
// and an append-only ledger of every movement. A location's balance of a
// part is the sum of its ledger and can never go negative: what is on
// hand covers what is reserved, always.

// MaxQty bounds one movement's quantity, so that sums cannot overflow.
const MaxQty = 1_000_000

// Part is a spare part in the catalog.
type Part struct {
	ID     int64  `json:"id"`
	Number string `json:"number" doc:"The part number, unique"`
	NameZH string `json:"name_zh,omitempty"`
	NameEN string `json:"name_en,omitempty"`
	// Models lists the product models the part fits.
	Models    []string  `json:"models"`
	UnitCost  Money     `json:"unit_cost" doc:"What one unit costs the company, in fen"`
	Price     Money     `json:"price" doc:"What a customer pays out of warranty, in fen"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

// Name returns the part's name in locale, falling back to the other one.
func (p *Part) Name(locale string) string {
	return LocalName(locale, p.NameZH, p.NameEN)
}

// PartInput creates or updates a part.
type PartInput struct {
	Number   string   `json:"number" maxLength:"60"`
	NameZH   string   `json:"name_zh,omitempty" maxLength:"200"`
	NameEN   string   `json:"name_en,omitempty" maxLength:"200"`
	Models   []string `json:"models,omitempty" maxItems:"500"`
	UnitCost Money    `json:"unit_cost" minimum:"0" doc:"In fen"`
	Price    Money    `json:"price" minimum:"0" doc:"Out-of-warranty price, in fen"`
	Active   *bool    `json:"active,omitempty"`
}

// ValidPartNumber reports whether s can be a part number: 1 to 60
// printable characters without spaces.
func ValidPartNumber(s string) bool {
	if s == "" || len(s) > 60 || !ValidText(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// Validate checks a part; models are trimmed and de-duplicated.
func (in *PartInput) Validate() error {
	var v Validator
	in.Number = strings.TrimSpace(in.Number)
	in.NameZH, in.NameEN = strings.TrimSpace(in.NameZH), strings.TrimSpace(in.NameEN)
	v.Check(ValidPartNumber(in.Number), "number", "must be 1 to 60 characters without spaces")
	v.Check(in.NameZH != "" || in.NameEN != "", "name_zh", "a Chinese or English name is required")
	v.Text("name_zh", in.NameZH)
	v.Text("name_en", in.NameEN)
	v.Check(len(in.NameZH) <= 200, "name_zh", "is longer than 200 bytes")
	v.Check(len(in.NameEN) <= 200, "name_en", "is longer than 200 bytes")
	v.Check(in.UnitCost >= 0 && in.UnitCost <= MaxMoney, "unit_cost", "must be between 0 and "+MaxMoney.String())
	v.Check(in.Price >= 0 && in.Price <= MaxMoney, "price", "must be between 0 and "+MaxMoney.String())
	seen := map[string]bool{}
	models := make([]string, 0, len(in.Models))
	for i, m := range in.Models {
		m = strings.TrimSpace(m)
		v.Check(m != "" && len(m) <= 100 && ValidText(m), "models["+strconv.Itoa(i)+"]", "must be a product model of 1 to 100 bytes")
		if m != "" && !seen[m] {
			seen[m] = true
			models = append(models, m)
		}
	}
	in.Models = models
	return v.Err()
}

// LocationKind is where stock is kept.
type LocationKind string

const (
	LocationWarehouse    LocationKind = "warehouse"     // a central warehouse
	LocationServicePoint LocationKind = "service_point" // a service point of the network
	LocationVan          LocationKind = "van"           // a technician's van
)

// LocationKinds lists every kind of stock location.
var LocationKinds = []LocationKind{LocationWarehouse, LocationServicePoint, LocationVan}

// Valid reports whether k is a known kind.
func (k LocationKind) Valid() bool { return oneOf(k, LocationKinds) }

// StockLocation is a place that holds parts. A service point's stock
// links to its node of the service network, a van to its technician.
type StockLocation struct {
	ID            int64        `json:"id"`
	Kind          LocationKind `json:"kind"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	ServiceUnitID *int64       `json:"service_unit_id,omitempty"`
	TechnicianID  *int64       `json:"technician_id,omitempty"`
	Active        bool         `json:"active"`
	Version       int64        `json:"version"`
}

// StockLocationInput creates or updates a location.
type StockLocationInput struct {
	Kind          LocationKind `json:"kind" enum:"warehouse,service_point,van"`
	Code          string       `json:"code" maxLength:"50"`
	Name          string       `json:"name" maxLength:"100"`
	ServiceUnitID *int64       `json:"service_unit_id,omitempty" doc:"Required for a service point: its node of the service network"`
	TechnicianID  *int64       `json:"technician_id,omitempty" doc:"Required for a van: the technician who drives it"`
	Active        *bool        `json:"active,omitempty"`
}

// Validate checks a location's shape; the store checks its links.
func (in *StockLocationInput) Validate() error {
	var v Validator
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	v.Check(in.Kind.Valid(), "kind", "must be warehouse, service_point or van")
	v.Check(validCode(in.Code), "code", "must be lower-case letters, digits, '-' or '_'")
	v.Check(in.Name != "" && len(in.Name) <= 100, "name", "is required, at most 100 bytes")
	v.Text("name", in.Name)
	v.Check((in.Kind == LocationServicePoint) == (in.ServiceUnitID != nil), "service_unit_id",
		"is required for a service point and only for one")
	v.Check((in.Kind == LocationVan) == (in.TechnicianID != nil), "technician_id", "is required for a van and only for one")
	return v.Err()
}

// MovementKind is one kind of ledger entry.
type MovementKind string

const (
	MoveReceipt     MovementKind = "receipt"      // parts arrive from a supplier
	MoveTransferOut MovementKind = "transfer_out" // leave for another location
	MoveTransferIn  MovementKind = "transfer_in"  // arrive from another location
	MoveReserve     MovementKind = "reserve"      // held for a ticket or visit
	MoveRelease     MovementKind = "release"      // a hold given back
	MoveConsume     MovementKind = "consume"      // fitted at a customer
	MoveReturn      MovementKind = "return"       // brought back unused
	MoveAdjust      MovementKind = "adjust"       // a count corrects the books; needs a reason
)

// MovementKinds lists every ledger entry kind.
var MovementKinds = []MovementKind{MoveReceipt, MoveTransferOut, MoveTransferIn, MoveReserve, MoveRelease,
	MoveConsume, MoveReturn, MoveAdjust}

// Valid reports whether k is a known kind.
func (k MovementKind) Valid() bool { return oneOf(k, MovementKinds) }

// StockMovement is one immutable line of the stock ledger. OnHand and
// Reserved are the changes it made; OnHandAfter and ReservedAfter the
// balance it left.
type StockMovement struct {
	ID            int64        `json:"id"`
	PartID        int64        `json:"part_id"`
	PartNumber    string       `json:"part_number"`
	LocationID    int64        `json:"location_id"`
	Location      string       `json:"location" doc:"The location's code"`
	Kind          MovementKind `json:"kind"`
	OnHand        int64        `json:"on_hand" doc:"Change of the quantity on hand"`
	Reserved      int64        `json:"reserved" doc:"Change of the quantity reserved"`
	OnHandAfter   int64        `json:"on_hand_after"`
	ReservedAfter int64        `json:"reserved_after"`
	// PeerID is the other half of a transfer.
	PeerID        *int64    `json:"peer_id,omitempty"`
	ReservationID *int64    `json:"reservation_id,omitempty"`
	TicketID      *int64    `json:"ticket_id,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	ActorID       *int64    `json:"actor_id,omitempty"`
	At            time.Time `json:"at"`
}

// StockBalance is what a location holds of a part.
type StockBalance struct {
	PartID     int64  `json:"part_id"`
	PartNumber string `json:"part_number"`
	LocationID int64  `json:"location_id"`
	Location   string `json:"location" doc:"The location's code"`
	OnHand     int64  `json:"on_hand"`
	Reserved   int64  `json:"reserved"`
	Available  int64  `json:"available" doc:"on_hand - reserved"`
	// ReorderPoint and OrderUpTo are the location's (s, S) policy: when
	// what is available falls to the reorder point, order up to OrderUpTo.
	ReorderPoint int64 `json:"reorder_point"`
	OrderUpTo    int64 `json:"order_up_to"`
	Suggested    int64 `json:"suggested_order" doc:"How many to order now; 0 above the reorder point"`
}

// StockMoveInput records a movement. Kind is receipt, transfer, consume,
// return or adjust; reservations have their own operations.
type StockMoveInput struct {
	Kind       MovementKind `json:"kind" enum:"receipt,transfer,consume,return,adjust"`
	PartID     int64        `json:"part_id" minimum:"1"`
	LocationID int64        `json:"location_id" minimum:"1" doc:"Where the stock changes; for a transfer, where it leaves"`
	ToID       *int64       `json:"to_location_id,omitempty" doc:"For a transfer: where it arrives"`
	Qty        int64        `json:"qty" doc:"Units; an adjustment may be negative"`
	TicketID   *int64       `json:"ticket_id,omitempty" doc:"For a consumption or return: the ticket"`
	Reason     string       `json:"reason,omitempty" maxLength:"500" doc:"Required for an adjustment"`
}

// MoveTransfer is the input kind of a transfer: one operation that
// writes a transfer_out and a transfer_in.
const MoveTransfer MovementKind = "transfer"

// Validate checks a movement's shape; the ledger checks the balance.
func (in *StockMoveInput) Validate() error {
	var v Validator
	in.Reason = strings.TrimSpace(in.Reason)
	ok := oneOf(in.Kind, []MovementKind{MoveReceipt, MoveTransfer, MoveConsume, MoveReturn, MoveAdjust})
	v.Check(ok, "kind", "must be receipt, transfer, consume, return or adjust")
	v.Check(in.PartID > 0, "part_id", "is required")
	v.Check(in.LocationID > 0, "location_id", "is required")
	if in.Kind == MoveAdjust {
		v.Check(in.Qty != 0 && in.Qty >= -MaxQty && in.Qty <= MaxQty, "qty", "must be a non-zero number of units between -1000000 and 1000000")
		v.Check(in.Reason != "", "reason", "is required for an adjustment")
	} else {
		v.Check(in.Qty > 0 && in.Qty <= MaxQty, "qty", "must be between 1 and 1000000")
	}
	if in.Kind == MoveTransfer {
		v.Check(in.ToID != nil, "to_location_id", "is required for a transfer")
		v.Check(in.ToID == nil || *in.ToID != in.LocationID, "to_location_id", "must differ from location_id")
	} else {
		v.Check(in.ToID == nil, "to_location_id", "is only for a transfer")
	}
	v.Check(len(in.Reason) <= 500, "reason", "is longer than 500 bytes")
	v.Text("reason", in.Reason)
	return v.Err()
}

// ReservationStatus is where a reservation stands.
type ReservationStatus string

const (
	// ReservationWaiting: the part was missing when asked for; the ticket
	// waits for parts until a receipt fills it.
	ReservationWaiting  ReservationStatus = "waiting"
	ReservationHeld     ReservationStatus = "held"
	ReservationReleased ReservationStatus = "released"
	ReservationConsumed ReservationStatus = "consumed"
)

// Reservation holds parts at a location for a ticket (and a visit).
type Reservation struct {
	ID         int64             `json:"id"`
	PartID     int64             `json:"part_id"`
	PartNumber string            `json:"part_number"`
	LocationID int64             `json:"location_id"`
	TicketID   int64             `json:"ticket_id"`
	VisitID    *int64            `json:"visit_id,omitempty"`
	Qty        int64             `json:"qty"`
	Status     ReservationStatus `json:"status" enum:"waiting,held,released,consumed"`
	CreatedAt  time.Time         `json:"created_at"`
	// FilledAt is when the parts were held: at once, or at the receipt
	// that ended the wait. The parts wait is FilledAt - CreatedAt.
	FilledAt *time.Time `json:"filled_at,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// ReservationInput reserves parts for a ticket.
type ReservationInput struct {
	PartID     int64  `json:"part_id" minimum:"1"`
	LocationID int64  `json:"location_id" minimum:"1"`
	VisitID    *int64 `json:"visit_id,omitempty" doc:"The visit that brings the parts"`
	Qty        int64  `json:"qty" minimum:"1" maximum:"1000000"`
	// Wait, when the parts are not available, records a waiting
	// reservation and moves the ticket to awaiting parts instead of
	// refusing.
	Wait bool `json:"wait,omitempty" doc:"When the parts are missing: wait for them (the ticket goes to awaiting_parts) instead of a 409"`
}

// Validate checks a reservation's shape.
func (in *ReservationInput) Validate() error {
	var v Validator
	v.Check(in.PartID > 0, "part_id", "is required")
	v.Check(in.LocationID > 0, "location_id", "is required")
	v.Check(in.Qty > 0 && in.Qty <= MaxQty, "qty", "must be between 1 and 1000000")
	return v.Err()
}

// ConsumeInput says how many of a held reservation's units were fitted.
// The units not used go back to the location's available stock (a
// release line in the ledger) and the reservation keeps the used ones.
type ConsumeInput struct {
	Qty int64 `json:"qty,omitempty" minimum:"0" maximum:"1000000" doc:"Units used, 1 up to the units reserved; the rest are released back to the location. Absent (or 0): all of them"`
}

// Validate checks the shape; the bound by the reservation's units is the
// store's.
func (in *ConsumeInput) Validate() error {
	var v Validator
	v.Check(in.Qty >= 0 && in.Qty <= MaxQty, "qty", "must be between 0 and 1000000; 0 uses all the units reserved")
	return v.Err()
}

// StockLevelInput sets a location's reorder policy for a part.
type StockLevelInput struct {
	ReorderPoint int64 `json:"reorder_point" minimum:"0" maximum:"1000000"`
	OrderUpTo    int64 `json:"order_up_to" minimum:"0" maximum:"1000000"`
}

// Validate checks a policy: order up to at least the reorder point.
func (in *StockLevelInput) Validate() error {
	var v Validator
	v.Check(in.ReorderPoint >= 0 && in.ReorderPoint <= MaxQty, "reorder_point", "must be between 0 and 1000000")
	v.Check(in.OrderUpTo >= 0 && in.OrderUpTo <= MaxQty, "order_up_to", "must be between 0 and 1000000")
	v.Check(in.OrderUpTo == 0 && in.ReorderPoint == 0 || in.OrderUpTo > in.ReorderPoint, "order_up_to",
		"must be above the reorder point")
	return v.Err()
}

// StockFilter selects balances or movements.
type StockFilter struct {
	PartID     int64
	LocationID int64
	// Reorder keeps the balances at or below their reorder point.
	Reorder bool
	// TicketID keeps the movements written for one ticket.
	TicketID int64
	// After pages movements by id; Limit caps them (default 200).
	After int64
	Limit int
}

// StockImport is the outcome of a stock or movement import. Nothing is
// stored unless every row is good.
type StockImport struct {
	Rows     int           `json:"rows"`
	Applied  int           `json:"applied"`
	Rejected []RejectedRow `json:"rejected"`
}

// RejectedRow is one bad row of an import and why.
type RejectedRow struct {
	Line   int    `json:"line" doc:"1-based line of the file, the header being line 1"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// PartsService keeps the parts catalog, the stock locations and the
// stock ledger.
type PartsService interface {
	CreatePart(ctx context.Context, in PartInput) (*Part, error)
	UpdatePart(ctx context.Context, id, version int64, in PartInput) (*Part, error)
	FindPart(ctx context.Context, id int64) (*Part, error)
	ListParts(ctx context.Context, q string) ([]*Part, error)
	CreateStockLocation(ctx context.Context, in StockLocationInput) (*StockLocation, error)
	UpdateStockLocation(ctx context.Context, id, version int64, in StockLocationInput) (*StockLocation, error)
	ListStockLocations(ctx context.Context) ([]*StockLocation, error)
	// MoveStock records a receipt, transfer, consumption, return or
	// adjustment; ECONFLICT naming the part and location when the stock
	// does not cover it.
	MoveStock(ctx context.Context, in StockMoveInput) ([]*StockMovement, error)
	ListStock(ctx context.Context, f StockFilter) ([]*StockBalance, error)
	ListMovements(ctx context.Context, f StockFilter) ([]*StockMovement, error)
	SetStockLevel(ctx context.Context, partID, locationID int64, in StockLevelInput) (*StockBalance, error)
	Reserve(ctx context.Context, ticketID int64, in ReservationInput) (*Reservation, error)
	ListReservations(ctx context.Context, ticketID int64) ([]*Reservation, error)
	// ReleaseReservation gives a hold back (or ends a wait).
	ReleaseReservation(ctx context.Context, ticketID, id int64) (*Reservation, error)
	// ConsumeReservation fits the held parts at the customer: all of
	// them, or in.Qty of them with the rest released to the location.
	ConsumeReservation(ctx context.Context, ticketID, id int64, in ConsumeInput) (*Reservation, error)
	// ImportStock applies movements read from CSV, all or none.
	ImportStock(ctx context.Context, rows []StockImportRow) (*StockImport, error)
}

// MoveCount is the kind of a stock-count import row: the location holds
// Qty on hand, and an adjustment makes the books say so.
const MoveCount MovementKind = "count"

// StockImportRow is one row of a stock or movement CSV, naming the part
// by number and locations by code.
type StockImportRow struct {
	Line         int          `json:"line"`
	Kind         MovementKind `json:"kind"`
	PartNumber   string       `json:"part_number"`
	Location     string       `json:"location"`
	ToLocation   string       `json:"to_location,omitempty"`
	Qty          int64        `json:"qty"`
	Reason       string       `json:"reason,omitempty"`
	ReorderPoint *int64       `json:"reorder_point,omitempty"`
	OrderUpTo    *int64       `json:"order_up_to,omitempty"`
}
