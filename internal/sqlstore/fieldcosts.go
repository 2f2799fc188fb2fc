package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"aftersales"
	"aftersales/internal/field"
)

// Field costs (issue #19): completing a visit writes its labour and
// travel cost lines, using a part writes its parts line, and out of
// warranty both become billable items. Every line names its source
// (visit:ID:labour, visit:ID:travel, reservation:ID), and a source that
// already has a line (not voided) gets no second one, so repeating a step
// never doubles a cost.

// ListFieldRates lists the rates, the global one first, to those who
// set them.
func (db *DB) ListFieldRates(ctx context.Context) ([]*aftersales.FieldRate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT region_id, labour_per_hour, travel_per_km, updated_at FROM field_rates
		ORDER BY COALESCE(region_id, 0)`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: field rates: %w", err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.FieldRate, error) {
		var r aftersales.FieldRate
		var region sql.NullInt64
		var at int64
		if err := row.Scan(&region, &r.LabourPerHour, &r.TravelPerKM, &at); err != nil {
			return nil, err
		}
		r.RegionID, r.UpdatedAt = int64Ptr(region), fromMS(at)
		return &r, nil
	})
}

// SetFieldRate sets the rate of a region, or the global one.
func (db *DB) SetFieldRate(ctx context.Context, in aftersales.FieldRateInput) (*aftersales.FieldRate, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	for _, f := range aftersales.ErrorFields(in.Validate()) {
		v.Add(f.Field, f.Reason)
	}
	if in.RegionID != nil && *in.RegionID > 0 {
		ok, err := existsWhere(ctx, db.r, `SELECT 1 FROM service_units WHERE id = $1 AND parent_id IS NULL`, *in.RegionID)
		if err != nil {
			return nil, err
		}
		v.Check(ok, "region_id", "is not a region (a top-level service unit)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		q, args := `DELETE FROM field_rates WHERE region_id IS NULL`, []any{}
		if in.RegionID != nil {
			q, args = `DELETE FROM field_rates WHERE region_id = $1`, []any{*in.RegionID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlstore: replace field rate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO field_rates (region_id, labour_per_hour, travel_per_km, updated_at) VALUES ($1, $2, $3, $4)`,
			nullInt(in.RegionID), int64(in.LabourPerHour), int64(in.TravelPerKM), ms(tx.now)); err != nil {
			return mapErr(fmt.Errorf("sqlstore: set field rate: %w", err))
		}
		return tx.audit(ctx, "field_rate.set", "field_rate", 0, in)
	})
	if err != nil {
		return nil, err
	}
	return &aftersales.FieldRate{RegionID: in.RegionID, LabourPerHour: in.LabourPerHour, TravelPerKM: in.TravelPerKM, UpdatedAt: db.Now().UTC()}, nil
}

// DeleteFieldRate removes a region's rate (the global one applies there
// again), or the global rate; removing a rate that is not there is no
// error, so a repeated request answers the same.
func (db *DB) DeleteFieldRate(ctx context.Context, regionID *int64) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		q, args := `DELETE FROM field_rates WHERE region_id IS NULL`, []any{}
		if regionID != nil {
			q, args = `DELETE FROM field_rates WHERE region_id = $1`, []any{*regionID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlstore: delete field rate: %w", err)
		}
		return tx.audit(ctx, "field_rate.delete", "field_rate", 0, map[string]any{"region_id": regionID})
	})
}

// Billing lists a ticket's billable items with their total.
func (db *DB) Billing(ctx context.Context, ticketID int64) (*aftersales.Billing, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, ticket_id, source, kind, description, qty, unit_price, amount, created_at
		FROM ticket_billables WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: billables: %w", err)
	}
	items, err := collect(rows, func(row interface{ Scan(...any) error }) (*aftersales.Billable, error) {
		var b aftersales.Billable
		var kind string
		var at int64
		if err := row.Scan(&b.ID, &b.TicketID, &b.Source, &kind, &b.Description, &b.Qty, &b.UnitPrice, &b.Amount, &at); err != nil {
			return nil, err
		}
		b.Kind, b.CreatedAt = aftersales.CostKind(kind), fromMS(at)
		return &b, nil
	})
	if err != nil {
		return nil, err
	}
	out := &aftersales.Billing{Items: items}
	for _, b := range items {
		out.Total += b.Amount
	}
	return out, nil
}

// ticketCostScope is what the automatic lines of a ticket depend on: the
// region its service unit belongs to and its asset's warranty.
type ticketCostScope struct {
	region   *int64
	warranty string
}

func (db *DB) costScope(ctx context.Context, q queryer, ticketID int64) (ticketCostScope, error) {
	var s ticketCostScope
	var unit sql.NullInt64
	var warranty sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT t.service_unit_id, a.warranty_ends FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
		WHERE t.id = $1`, ticketID).Scan(&unit, &warranty); err != nil {
		return s, notFound(err, "Ticket", ticketID)
	}
	s.warranty = warranty.String
	// The network has four levels; the region is the unit without a parent.
	for i := 0; i < 8 && unit.Valid; i++ {
		id := unit.Int64
		s.region = &id
		if err := q.QueryRowContext(ctx, `SELECT parent_id FROM service_units WHERE id = $1`, id).Scan(&unit); err != nil {
			return s, fmt.Errorf("sqlstore: service unit %d: %w", id, err)
		}
	}
	return s, nil
}

// rateFor returns the region's rate, else the global one, else zero.
func rateFor(ctx context.Context, q queryer, region *int64) (aftersales.FieldRate, error) {
	var r aftersales.FieldRate
	err := q.QueryRowContext(ctx, `SELECT labour_per_hour, travel_per_km FROM field_rates
		WHERE region_id IS NULL OR region_id = $1 ORDER BY region_id IS NULL LIMIT 1`, nullInt(region)).Scan(&r.LabourPerHour, &r.TravelPerKM)
	if err == sql.ErrNoRows {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("sqlstore: field rate: %w", err)
	}
	return r, nil
}

// autoCost writes a system cost line unless its source has one.
func (db *DB) autoCost(ctx context.Context, tx *Tx, ticketID int64, kind aftersales.CostKind, source, desc string, amount aftersales.Money, actor *int64) error {
	if amount <= 0 {
		return nil
	}
	taken, err := existsWhere(ctx, tx, `SELECT 1 FROM ticket_costs WHERE source = $1 AND voided_at IS NULL`, source)
	if err != nil || taken {
		return err
	}
	c := &aftersales.CostLine{TicketID: ticketID, Kind: kind, Description: desc, Amount: amount,
		IncurredOn: aftersales.DateOf(tx.now.In(db.location())), CreatedBy: actor, CreatedAt: tx.now, Source: source}
	if err := tx.QueryRowContext(ctx, `INSERT INTO ticket_costs (ticket_id, kind, description, amount, incurred_on, created_by, created_at, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, ticketID, string(kind), desc, int64(amount), string(c.IncurredOn),
		nullInt(actor), ms(tx.now), source).Scan(&c.ID); err != nil {
		return mapErr(fmt.Errorf("sqlstore: automatic cost: %w", err))
	}
	return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: actor, Kind: aftersales.EventFieldChanged,
		Field: "cost", To: costEvent(c)})
}

// autoBillable writes a billable item unless its source has one.
func autoBillable(ctx context.Context, tx *Tx, b aftersales.Billable) error {
	if b.Amount <= 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_billables (ticket_id, source, kind, description, qty, unit_price, amount, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source) DO NOTHING`,
		b.TicketID, b.Source, string(b.Kind), b.Description, b.Qty, int64(b.UnitPrice), int64(b.Amount), ms(tx.now))
	if err != nil {
		return mapErr(fmt.Errorf("sqlstore: billable item: %w", err))
	}
	return nil
}

// visitCosts writes a completed visit's labour and travel: the time
// between check-in and check-out, and the planned leg to the visit, which
// the visit keeps (travel_m) for travel per visit.
func (db *DB) visitCosts(ctx context.Context, tx *Tx, v *aftersales.Visit, actor *int64) error {
	var km sql.NullFloat64
	err := tx.QueryRowContext(ctx, `SELECT travel_km FROM visit_plans WHERE visit_id = $1 AND seq > 0`, v.ID).Scan(&km)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("sqlstore: visit leg: %w", err)
	}
	var metres int64
	if km.Valid {
		metres = int64(math.Round(km.Float64 * 1000))
		if _, err := tx.ExecContext(ctx, `UPDATE visits SET travel_m = $1 WHERE id = $2`, metres, v.ID); err != nil {
			return fmt.Errorf("sqlstore: visit travel: %w", err)
		}
	}
	scope, err := db.costScope(ctx, tx, v.TicketID)
	if err != nil {
		return err
	}
	rate, err := rateFor(ctx, tx, scope.region)
	if err != nil {
		return err
	}
	var minutes int64
	if v.CheckedInAt != nil {
		minutes = int64(tx.now.Sub(*v.CheckedInAt).Minutes())
	}
	src := fmt.Sprintf("visit:%d:", v.ID)
	labour := field.LabourAmount(minutes, rate.LabourPerHour)
	if err := db.autoCost(ctx, tx, v.TicketID, aftersales.CostLabour, src+"labour", fmt.Sprintf("#%d · %d min", v.Number, minutes), labour, actor); err != nil {
		return err
	}
	if err := db.autoCost(ctx, tx, v.TicketID, aftersales.CostTravel, src+"travel", fmt.Sprintf("#%d · %.1f km", v.Number, float64(metres)/1000),
		field.TravelAmount(metres, rate.TravelPerKM), actor); err != nil {
		return err
	}
	if field.InWarranty(scope.warranty, aftersales.DateOf(tx.now.In(db.location()))) {
		return nil
	}
	return autoBillable(ctx, tx, aftersales.Billable{TicketID: v.TicketID, Source: src + "labour", Kind: aftersales.CostLabour,
		Description: fmt.Sprintf("#%d · %d min", v.Number, minutes), Qty: 1, UnitPrice: labour, Amount: labour})
}

// partCosts writes the cost of parts used (unit cost × quantity) and, out
// of warranty, the billable item at the out-of-warranty price.
func (db *DB) partCosts(ctx context.Context, tx *Tx, r *aftersales.Reservation, k stockKey, actor *int64) error {
	src := fmt.Sprintf("reservation:%d", r.ID)
	desc := fmt.Sprintf("%s ×%d", k.part.Number, r.Qty)
	if err := db.autoCost(ctx, tx, r.TicketID, aftersales.CostParts, src, desc, k.part.UnitCost*aftersales.Money(r.Qty), actor); err != nil {
		return err
	}
	scope, err := db.costScope(ctx, tx, r.TicketID)
	if err != nil {
		return err
	}
	if field.InWarranty(scope.warranty, aftersales.DateOf(tx.now.In(db.location()))) {
		return nil
	}
	return autoBillable(ctx, tx, aftersales.Billable{TicketID: r.TicketID, Source: src, Kind: aftersales.CostParts,
		Description: desc, Qty: int(r.Qty), UnitPrice: k.part.Price, Amount: k.part.Price * aftersales.Money(r.Qty)})
}
