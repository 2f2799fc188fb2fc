package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"aftersales"
)

// A visit that ends "needs parts" names the part on the work report: the
// ticket reserves it, waiting, at the technician's service point (or else
// the central warehouse), which moves the ticket to awaiting parts with
// the part named and starts the parts wait, as a reservation made on the
// ticket would.

// neededPart reads the work report's needed part for a visit of ticket
// completed as needs_parts by technician tech. It is required unless the
// ticket already waits for a part; nil means nothing to reserve.
func (c *Console) neededPart(ctx context.Context, r *http.Request, ticket, tech int64) (*aftersales.ReservationInput, error) {
	bad := func(field, reason string) error {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: field + " " + reason + ".",
			Fields: []aftersales.FieldError{{Field: field, Reason: reason}}}
	}
	number := strings.TrimSpace(r.FormValue("need_part"))
	qty := int64(1)
	if s := strings.TrimSpace(r.FormValue("need_qty")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > 1000000 {
			return nil, bad("need_qty", "must be between 1 and 1000000")
		}
		qty = n
	}
	if number == "" {
		rs, err := c.S.Parts.ListReservations(ctx, ticket)
		if err != nil {
			return nil, err
		}
		for _, res := range rs {
			if res.Status == aftersales.ReservationWaiting {
				return nil, nil
			}
		}
		return nil, bad("need_part", "is required")
	}
	parts, err := c.S.Parts.ListParts(ctx, number)
	if err != nil {
		return nil, err
	}
	var part *aftersales.Part
	for _, p := range parts {
		if strings.EqualFold(p.Number, number) {
			part = p
		}
	}
	if part == nil {
		return nil, bad("need_part", "is not in the parts catalog")
	}
	loc, err := c.orderLocation(ctx, tech)
	if err != nil {
		return nil, err
	}
	return &aftersales.ReservationInput{PartID: part.ID, LocationID: loc, Qty: qty, Wait: true}, nil
}

// servicePointStock is the active stock location of service point unit
// among locs, or nil.
func servicePointStock(locs []*aftersales.StockLocation, unit int64) *aftersales.StockLocation {
	for _, l := range locs {
		if l.Active && l.Kind == aftersales.LocationServicePoint && l.ServiceUnitID != nil && *l.ServiceUnitID == unit {
			return l
		}
	}
	return nil
}

// orderLocation is where a technician's missing part is waited for: the
// stock of their service point, else the central warehouse.
func (c *Console) orderLocation(ctx context.Context, tech int64) (int64, error) {
	locs, err := c.S.Parts.ListStockLocations(ctx)
	if err != nil {
		return 0, err
	}
	if prof, err := c.S.Visits.FindTechnician(ctx, tech); err == nil && prof.ServiceUnitID != nil {
		if l := servicePointStock(locs, *prof.ServiceUnitID); l != nil {
			return l.ID, nil
		}
	} else if err != nil && aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
		return 0, err
	}
	for _, l := range locs {
		if l.Active && l.Kind == aftersales.LocationWarehouse {
			return l.ID, nil
		}
	}
	return 0, &aftersales.Error{Code: aftersales.ECONFLICT, Message: "There is no stock location to wait for the part at: ask an administrator to add the central warehouse.",
		Fields: []aftersales.FieldError{{Field: "need_part", Reason: "has no stock location to wait at"}}}
}
