package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"aftersales"
	"aftersales/internal/field"
)

// Spare parts: the catalog, stock locations, the append-only ledger and
// reservations (issue #19). Every change of a balance goes through move,
// which locks the balance row, asks field.Apply for the new balance and
// writes it with its ledger line in the same transaction; the table's
// checks refuse a negative balance should anything else try.
//
// Lock order: balance rows before ticket rows, always, so that a receipt
// filling a waiting reservation (balance, then its ticket) and a
// reservation (its balance, then the ticket) cannot deadlock on
// PostgreSQL.

const partCols = `id, number, name_zh, name_en, unit_cost, price, active, version, created_at`

func scanPart(row interface{ Scan(...any) error }) (*aftersales.Part, error) {
	var p aftersales.Part
	var created int64
	if err := row.Scan(&p.ID, &p.Number, &p.NameZH, &p.NameEN, &p.UnitCost, &p.Price, &p.Active, &p.Version, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	p.Models = []string{}
	return &p, nil
}

func (db *DB) loadModels(ctx context.Context, q queryer, parts ...*aftersales.Part) error {
	if len(parts) == 0 {
		return nil
	}
	byID := map[int64]*aftersales.Part{}
	for _, p := range parts {
		byID[p.ID] = p
	}
	rows, err := q.QueryContext(ctx, `SELECT part_id, model FROM part_models ORDER BY part_id, model`)
	if err != nil {
		return fmt.Errorf("sqlstore: load part models: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			return err
		}
		if p := byID[id]; p != nil {
			p.Models = append(p.Models, m)
		}
	}
	return rows.Err()
}

func setModels(ctx context.Context, tx *Tx, partID int64, models []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM part_models WHERE part_id = $1`, partID); err != nil {
		return fmt.Errorf("sqlstore: clear part models: %w", err)
	}
	for _, m := range models {
		if _, err := tx.ExecContext(ctx, `INSERT INTO part_models (part_id, model) VALUES ($1, $2)`, partID, m); err != nil {
			return mapErr(fmt.Errorf("sqlstore: add part model: %w", err))
		}
	}
	return nil
}

// CreatePart adds a part to the catalog.
func (db *DB) CreatePart(ctx context.Context, in aftersales.PartInput) (*aftersales.Part, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO parts (number, name_zh, name_en, unit_cost, price, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			in.Number, in.NameZH, in.NameEN, int64(in.UnitCost), int64(in.Price), in.Active == nil || *in.Active, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert part: %w", err))
		}
		if err := setModels(ctx, tx, id, in.Models); err != nil {
			return err
		}
		return tx.audit(ctx, "part.create", "part", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findPart(ctx, db.w, id)
}

// UpdatePart changes a part; ECONFLICT when version is stale.
func (db *DB) UpdatePart(ctx context.Context, id, version int64, in aftersales.PartInput) (*aftersales.Part, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE parts SET number = $1, name_zh = $2, name_en = $3, unit_cost = $4, price = $5,
			active = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			in.Number, in.NameZH, in.NameEN, int64(in.UnitCost), int64(in.Price), in.Active == nil || *in.Active, ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update part: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "parts", "Part", id); err != nil {
			return err
		}
		if err := setModels(ctx, tx, id, in.Models); err != nil {
			return err
		}
		return tx.audit(ctx, "part.update", "part", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findPart(ctx, db.w, id)
}

// FindPart returns one part.
func (db *DB) FindPart(ctx context.Context, id int64) (*aftersales.Part, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return db.findPart(ctx, db.r, id)
}

func (db *DB) findPart(ctx context.Context, q queryer, id int64) (*aftersales.Part, error) {
	p, err := scanPart(q.QueryRowContext(ctx, `SELECT `+partCols+` FROM parts WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Part", id)
	}
	rows, err := q.QueryContext(ctx, `SELECT model FROM part_models WHERE part_id = $1 ORDER BY model`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: part models: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		p.Models = append(p.Models, m)
	}
	return p, rows.Err()
}

// ListParts lists the catalog by part number; q matches the number, a
// name or a model the part fits.
func (db *DB) ListParts(ctx context.Context, q string) ([]*aftersales.Part, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	if err := checkSearch(q); err != nil {
		return nil, err
	}
	where, args := "", []any{}
	if q = strings.TrimSpace(q); q != "" {
		like := `'%' || $1 || '%'`
		where = fmt.Sprintf(` WHERE number %[1]s %[2]s ESCAPE '\' OR name_zh %[1]s %[2]s ESCAPE '\' OR name_en %[1]s %[2]s ESCAPE '\'
			OR id IN (SELECT part_id FROM part_models WHERE model %[1]s %[2]s ESCAPE '\')`, db.d.like, like)
		args = append(args, escapeLike(q))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+partCols+` FROM parts`+where+` ORDER BY number`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list parts: %w", err)
	}
	parts, err := collect(rows, scanPart)
	if err != nil {
		return nil, err
	}
	return parts, db.loadModels(ctx, db.r, parts...)
}

const locationCols = `id, kind, code, name, service_unit_id, technician_id, active, version`

func scanLocation(row interface{ Scan(...any) error }) (*aftersales.StockLocation, error) {
	var l aftersales.StockLocation
	var kind string
	var unit, tech sql.NullInt64
	if err := row.Scan(&l.ID, &kind, &l.Code, &l.Name, &unit, &tech, &l.Active, &l.Version); err != nil {
		return nil, err
	}
	l.Kind, l.ServiceUnitID, l.TechnicianID = aftersales.LocationKind(kind), int64Ptr(unit), int64Ptr(tech)
	return &l, nil
}

// checkLocationRefs checks that a service point's unit is a service point
// of the network and a van's driver a technician.
func checkLocationRefs(ctx context.Context, q queryer, in *aftersales.StockLocationInput) error {
	var v aftersales.Validator
	if in.ServiceUnitID != nil {
		var kind string
		err := q.QueryRowContext(ctx, `SELECT kind FROM service_units WHERE id = $1`, *in.ServiceUnitID).Scan(&kind)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			v.Add("service_unit_id", fmt.Sprintf("%d does not exist", *in.ServiceUnitID))
		case err != nil:
			return fmt.Errorf("sqlstore: check service unit: %w", err)
		default:
			v.Check(kind == string(aftersales.UnitServicePoint), "service_unit_id", "is a "+kind+", not a service point")
		}
	}
	if in.TechnicianID != nil {
		var role string
		err := q.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, *in.TechnicianID).Scan(&role)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			v.Add("technician_id", fmt.Sprintf("%d does not exist", *in.TechnicianID))
		case err != nil:
			return fmt.Errorf("sqlstore: check technician: %w", err)
		default:
			v.Check(role == string(aftersales.RoleTechnician), "technician_id", "is a "+role+", not a technician")
		}
	}
	return v.Err()
}

// CreateStockLocation adds a warehouse, a service point's stock or a van.
func (db *DB) CreateStockLocation(ctx context.Context, in aftersales.StockLocationInput) (*aftersales.StockLocation, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var l *aftersales.StockLocation
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkLocationRefs(ctx, tx, &in); err != nil {
			return err
		}
		var err error
		l, err = scanLocation(tx.QueryRowContext(ctx, `INSERT INTO stock_locations (kind, code, name, service_unit_id, technician_id, active)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+locationCols,
			string(in.Kind), in.Code, in.Name, nullInt(in.ServiceUnitID), nullInt(in.TechnicianID), in.Active == nil || *in.Active))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert stock location: %w", err))
		}
		return tx.audit(ctx, "stock_location.create", "stock_location", l.ID, in)
	})
	return l, err
}

// UpdateStockLocation changes a location; ECONFLICT when version is stale.
func (db *DB) UpdateStockLocation(ctx context.Context, id, version int64, in aftersales.StockLocationInput) (*aftersales.StockLocation, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var l *aftersales.StockLocation
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkLocationRefs(ctx, tx, &in); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE stock_locations SET kind = $1, code = $2, name = $3, service_unit_id = $4,
			technician_id = $5, active = $6, version = version + 1 WHERE id = $7 AND version = $8`,
			string(in.Kind), in.Code, in.Name, nullInt(in.ServiceUnitID), nullInt(in.TechnicianID), in.Active == nil || *in.Active, id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update stock location: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "stock_locations", "Stock location", id); err != nil {
			return err
		}
		if l, err = scanLocation(tx.QueryRowContext(ctx, `SELECT `+locationCols+` FROM stock_locations WHERE id = $1`, id)); err != nil {
			return notFound(err, "Stock location", id)
		}
		return tx.audit(ctx, "stock_location.update", "stock_location", id, in)
	})
	return l, err
}

// ListStockLocations lists every location by code.
func (db *DB) ListStockLocations(ctx context.Context) ([]*aftersales.StockLocation, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+locationCols+` FROM stock_locations ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list stock locations: %w", err)
	}
	return collect(rows, scanLocation)
}

// stockKey names a part at a location for the ledger and for messages.
type stockKey struct {
	part     *aftersales.Part
	location *aftersales.StockLocation
}

// String is how a refusal names the part and the place: "part P-100
// (压缩机) at van-7".
func (k stockKey) String() string {
	name := k.part.Name("zh-CN")
	return fmt.Sprintf("part %s (%s) at %s", k.part.Number, name, k.location.Code)
}

// stockRefs loads a part and a location for a movement, naming the field
// of whichever is missing or inactive.
func (db *DB) stockRefs(ctx context.Context, q queryer, partID, locationID int64, locationField string) (stockKey, error) {
	var v aftersales.Validator
	p, err := scanPart(q.QueryRowContext(ctx, `SELECT `+partCols+` FROM parts WHERE id = $1`, partID))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return stockKey{}, fmt.Errorf("sqlstore: find part: %w", err)
	}
	v.Check(err == nil, "part_id", fmt.Sprintf("%d does not exist", partID))
	l, err := scanLocation(q.QueryRowContext(ctx, `SELECT `+locationCols+` FROM stock_locations WHERE id = $1`, locationID))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return stockKey{}, fmt.Errorf("sqlstore: find stock location: %w", err)
	}
	v.Check(err == nil, locationField, fmt.Sprintf("%d does not exist", locationID))
	if err := v.Err(); err != nil {
		return stockKey{}, err
	}
	return stockKey{p, l}, nil
}

// lockBalance reads a balance for change, creating an empty one first.
// On PostgreSQL the row stays locked to the end of the transaction, so
// concurrent movements of one part at one place queue here.
func (db *DB) lockBalance(ctx context.Context, tx *Tx, partID, locationID int64) (field.Balance, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO stock_balances (part_id, location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		partID, locationID); err != nil {
		return field.Balance{}, mapErr(fmt.Errorf("sqlstore: open balance: %w", err))
	}
	q := `SELECT on_hand, reserved FROM stock_balances WHERE part_id = $1 AND location_id = $2`
	if db.d.engine == Postgres {
		q += ` FOR UPDATE`
	}
	var b field.Balance
	if err := tx.QueryRowContext(ctx, q, partID, locationID).Scan(&b.OnHand, &b.Reserved); err != nil {
		return b, fmt.Errorf("sqlstore: lock balance: %w", err)
	}
	return b, nil
}

// movement is one ledger line to write.
type movement struct {
	key         stockKey
	kind        aftersales.MovementKind
	qty         int64
	fromHold    bool
	peer        *int64
	reservation *int64
	ticket      *int64
	reason      string
	actor       *int64
}

// shortage is the refusal of a movement the stock does not cover: a
// conflict naming the part, the place and the numbers.
func shortage(k stockKey, s *field.Shortage) error {
	what := "available"
	if s.Kind == aftersales.MoveRelease {
		what = "reserved"
	}
	return &aftersales.Error{Code: aftersales.ECONFLICT,
		Message: fmt.Sprintf("Not enough stock of %s: %d needed, %d %s.", k, s.Need, s.Have, what),
		Fields: []aftersales.FieldError{{Field: "qty", Reason: fmt.Sprintf("exceeds the %d %s of part %s at %s",
			s.Have, what, k.part.Number, k.location.Code)}}}
}

// move applies one movement to its locked balance and appends it to the
// ledger.
func (db *DB) move(ctx context.Context, tx *Tx, m movement) (*aftersales.StockMovement, error) {
	b, err := db.lockBalance(ctx, tx, m.key.part.ID, m.key.location.ID)
	if err != nil {
		return nil, err
	}
	after, err := field.Apply(b, m.kind, m.qty, m.fromHold)
	var short *field.Shortage
	if errors.As(err, &short) {
		return nil, shortage(m.key, short)
	}
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stock_balances SET on_hand = $1, reserved = $2 WHERE part_id = $3 AND location_id = $4`,
		after.OnHand, after.Reserved, m.key.part.ID, m.key.location.ID); err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: update balance: %w", err))
	}
	dh, dr := field.Delta(m.kind, m.qty, m.fromHold)
	mv := &aftersales.StockMovement{PartID: m.key.part.ID, PartNumber: m.key.part.Number, LocationID: m.key.location.ID,
		Location: m.key.location.Code, Kind: m.kind, OnHand: dh, Reserved: dr, OnHandAfter: after.OnHand, ReservedAfter: after.Reserved,
		PeerID: m.peer, ReservationID: m.reservation, TicketID: m.ticket, Reason: m.reason, ActorID: m.actor, At: tx.now}
	err = tx.QueryRowContext(ctx, `INSERT INTO stock_movements (part_id, location_id, kind, on_hand, reserved, on_hand_after,
			reserved_after, peer_id, reservation_id, ticket_id, reason, actor_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		mv.PartID, mv.LocationID, string(mv.Kind), dh, dr, after.OnHand, after.Reserved, nullInt(m.peer), nullInt(m.reservation),
		nullInt(m.ticket), m.reason, nullInt(m.actor), ms(tx.now)).Scan(&mv.ID)
	if err != nil {
		return nil, mapErr(fmt.Errorf("sqlstore: append stock movement: %w", err))
	}
	if after.Available() > b.Available() {
		if err := db.fillWaiting(ctx, tx, m.key, after, m.actor); err != nil {
			return nil, err
		}
	}
	return mv, nil
}

// MoveStock records a receipt, a transfer (both halves), a consumption
// without a reservation, a return or an adjustment.
func (db *DB) MoveStock(ctx context.Context, in aftersales.StockMoveInput) ([]*aftersales.StockMovement, error) {
	u, err := aftersales.Require(ctx, aftersales.PermStockMove)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.TicketID != nil {
		if _, err := db.seeTicket(ctx, *in.TicketID); err != nil {
			return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "No such ticket.",
				Fields: []aftersales.FieldError{{Field: "ticket_id", Reason: fmt.Sprintf("%d does not exist", *in.TicketID)}}}
		}
	}
	var out []*aftersales.StockMovement
	err = db.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = db.moveStock(ctx, tx, in, &u.ID)
		if err != nil {
			return err
		}
		return tx.audit(ctx, "stock.move", "part", in.PartID, in)
	})
	return out, err
}

func (db *DB) moveStock(ctx context.Context, tx *Tx, in aftersales.StockMoveInput, actor *int64) ([]*aftersales.StockMovement, error) {
	k, err := db.stockRefs(ctx, tx, in.PartID, in.LocationID, "location_id")
	if err != nil {
		return nil, err
	}
	m := movement{key: k, kind: in.Kind, qty: in.Qty, ticket: in.TicketID, reason: in.Reason, actor: actor}
	if in.Kind != aftersales.MoveTransfer {
		mv, err := db.move(ctx, tx, m)
		if err != nil {
			return nil, err
		}
		return []*aftersales.StockMovement{mv}, nil
	}
	to, err := db.stockRefs(ctx, tx, in.PartID, *in.ToID, "to_location_id")
	if err != nil {
		return nil, err
	}
	// Lock both balances in one order, whichever way the parts travel.
	first, second := k, to
	if to.location.ID < k.location.ID {
		first, second = to, k
	}
	for _, x := range []stockKey{first, second} {
		if _, err := db.lockBalance(ctx, tx, x.part.ID, x.location.ID); err != nil {
			return nil, err
		}
	}
	m.kind = aftersales.MoveTransferOut
	out, err := db.move(ctx, tx, m)
	if err != nil {
		return nil, err
	}
	m.key, m.kind, m.peer = to, aftersales.MoveTransferIn, &out.ID
	in2, err := db.move(ctx, tx, m)
	if err != nil {
		return nil, err
	}
	out.PeerID = &in2.ID
	return []*aftersales.StockMovement{out, in2}, nil
}

const balanceCols = `b.part_id, p.number, b.location_id, l.code, b.on_hand, b.reserved, b.reorder_point, b.order_up_to`

const balanceFrom = ` FROM stock_balances b JOIN parts p ON p.id = b.part_id JOIN stock_locations l ON l.id = b.location_id`

func scanBalance(row interface{ Scan(...any) error }) (*aftersales.StockBalance, error) {
	var b aftersales.StockBalance
	if err := row.Scan(&b.PartID, &b.PartNumber, &b.LocationID, &b.Location, &b.OnHand, &b.Reserved, &b.ReorderPoint, &b.OrderUpTo); err != nil {
		return nil, err
	}
	fb := field.Balance{OnHand: b.OnHand, Reserved: b.Reserved}
	b.Available = fb.Available()
	b.Suggested = field.SuggestOrder(fb, b.ReorderPoint, b.OrderUpTo)
	return &b, nil
}

// ListStock lists balances by location and part number.
func (db *DB) ListStock(ctx context.Context, f aftersales.StockFilter) ([]*aftersales.StockBalance, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.PartID > 0 {
		args = append(args, f.PartID)
		where = append(where, fmt.Sprintf("b.part_id = $%d", len(args)))
	}
	if f.LocationID > 0 {
		args = append(args, f.LocationID)
		where = append(where, fmt.Sprintf("b.location_id = $%d", len(args)))
	}
	if f.Reorder {
		where = append(where, "b.order_up_to > 0 AND b.on_hand - b.reserved <= b.reorder_point")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+balanceCols+balanceFrom+whereAnd(where)+` ORDER BY l.code, p.number`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list stock: %w", err)
	}
	return collect(rows, scanBalance)
}

// SetStockLevel sets a location's reorder point and order-up-to level for
// a part.
func (db *DB) SetStockLevel(ctx context.Context, partID, locationID int64, in aftersales.StockLevelInput) (*aftersales.StockBalance, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermPartsWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var b *aftersales.StockBalance
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.stockRefs(ctx, tx, partID, locationID, "location_id"); err != nil {
			return err
		}
		if _, err := db.lockBalance(ctx, tx, partID, locationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stock_balances SET reorder_point = $1, order_up_to = $2 WHERE part_id = $3 AND location_id = $4`,
			in.ReorderPoint, in.OrderUpTo, partID, locationID); err != nil {
			return mapErr(fmt.Errorf("sqlstore: set stock level: %w", err))
		}
		var err error
		if b, err = scanBalance(tx.QueryRowContext(ctx, `SELECT `+balanceCols+balanceFrom+` WHERE b.part_id = $1 AND b.location_id = $2`,
			partID, locationID)); err != nil {
			return fmt.Errorf("sqlstore: read balance: %w", err)
		}
		return tx.audit(ctx, "stock.level", "part", partID, map[string]any{"location_id": locationID, "level": in})
	})
	return b, err
}

const movementCols = `m.id, m.part_id, p.number, m.location_id, l.code, m.kind, m.on_hand, m.reserved, m.on_hand_after, m.reserved_after,
	COALESCE(m.peer_id, (SELECT x.id FROM stock_movements x WHERE x.peer_id = m.id)), m.reservation_id, m.ticket_id, m.reason, m.actor_id, m.at`

const movementFrom = ` FROM stock_movements m JOIN parts p ON p.id = m.part_id JOIN stock_locations l ON l.id = m.location_id`

func scanMovement(row interface{ Scan(...any) error }) (*aftersales.StockMovement, error) {
	var m aftersales.StockMovement
	var kind string
	var peer, res, ticket, actor sql.NullInt64
	var at int64
	if err := row.Scan(&m.ID, &m.PartID, &m.PartNumber, &m.LocationID, &m.Location, &kind, &m.OnHand, &m.Reserved, &m.OnHandAfter,
		&m.ReservedAfter, &peer, &res, &ticket, &m.Reason, &actor, &at); err != nil {
		return nil, err
	}
	m.Kind, m.At = aftersales.MovementKind(kind), fromMS(at)
	m.PeerID, m.ReservationID, m.TicketID, m.ActorID = int64Ptr(peer), int64Ptr(res), int64Ptr(ticket), int64Ptr(actor)
	return &m, nil
}

// ListMovements pages the ledger in order, oldest first.
func (db *DB) ListMovements(ctx context.Context, f aftersales.StockFilter) ([]*aftersales.StockMovement, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	args := []any{f.After}
	where := []string{"m.id > $1"}
	if f.PartID > 0 {
		args = append(args, f.PartID)
		where = append(where, fmt.Sprintf("m.part_id = $%d", len(args)))
	}
	if f.LocationID > 0 {
		args = append(args, f.LocationID)
		where = append(where, fmt.Sprintf("m.location_id = $%d", len(args)))
	}
	if f.TicketID > 0 {
		args = append(args, f.TicketID)
		where = append(where, fmt.Sprintf("m.ticket_id = $%d", len(args)))
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 200
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+movementCols+movementFrom+whereAnd(where)+fmt.Sprintf(` ORDER BY m.id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list movements: %w", err)
	}
	return collect(rows, scanMovement)
}

const reservationCols = `r.id, r.part_id, p.number, r.location_id, r.ticket_id, r.visit_id, r.qty, r.status, r.created_at, r.filled_at, r.closed_at`

const reservationFrom = ` FROM stock_reservations r JOIN parts p ON p.id = r.part_id`

func scanReservation(row interface{ Scan(...any) error }) (*aftersales.Reservation, error) {
	var r aftersales.Reservation
	var status string
	var visit, filled, closed sql.NullInt64
	var created int64
	if err := row.Scan(&r.ID, &r.PartID, &r.PartNumber, &r.LocationID, &r.TicketID, &visit, &r.Qty, &status, &created, &filled, &closed); err != nil {
		return nil, err
	}
	r.Status, r.CreatedAt = aftersales.ReservationStatus(status), fromMS(created)
	r.VisitID, r.FilledAt, r.ClosedAt = int64Ptr(visit), timePtr(filled), timePtr(closed)
	return &r, nil
}

// partsEvent writes a ticket's timeline line about its parts.
func partsEvent(ctx context.Context, tx *Tx, ticketID int64, actor *int64, to, body string) error {
	return addEvent(ctx, tx, &aftersales.TicketEvent{TicketID: ticketID, ActorID: actor, Kind: aftersales.EventFieldChanged,
		Field: "parts", To: to, Body: body})
}

// Reserve holds parts at a location for a ticket the caller may see. When
// they are missing it refuses with ECONFLICT naming the part and the
// place, or, with Wait, records a waiting reservation and moves the
// ticket to awaiting parts; a later receipt fills it.
func (db *DB) Reserve(ctx context.Context, ticketID int64, in aftersales.ReservationInput) (*aftersales.Reservation, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermStockMove)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		k, err := db.stockRefs(ctx, tx, in.PartID, in.LocationID, "location_id")
		if err != nil {
			return err
		}
		b, err := db.lockBalance(ctx, tx, in.PartID, in.LocationID)
		if err != nil {
			return err
		}
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		if !t.Status.Open() {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Ticket %s is %s; parts are reserved for open tickets only.", t.Number, t.Status)}
		}
		if in.VisitID != nil {
			if err := openVisitOf(ctx, tx, ticketID, *in.VisitID); err != nil {
				return err
			}
		}
		status := aftersales.ReservationHeld
		var short *field.Shortage
		if _, err := field.Apply(b, aftersales.MoveReserve, in.Qty, false); errors.As(err, &short) {
			if !in.Wait {
				return shortage(k, short)
			}
			status = aftersales.ReservationWaiting
		} else if err != nil {
			return err
		}
		var filled any
		if status == aftersales.ReservationHeld {
			filled = ms(tx.now)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO stock_reservations (part_id, location_id, ticket_id, visit_id, qty, status, created_by, created_at, filled_at, waited)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			in.PartID, in.LocationID, ticketID, nullInt(in.VisitID), in.Qty, string(status), u.ID, ms(tx.now), filled,
			status == aftersales.ReservationWaiting).Scan(&id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert reservation: %w", err))
		}
		line := fmt.Sprintf("%s ×%d @ %s", k.part.Number, in.Qty, k.location.Code)
		if status == aftersales.ReservationHeld {
			if _, err := db.move(ctx, tx, movement{key: k, kind: aftersales.MoveReserve, qty: in.Qty, reservation: &id, ticket: &ticketID, actor: &u.ID}); err != nil {
				return err
			}
			if err := partsEvent(ctx, tx, ticketID, &u.ID, "reserved "+line, ""); err != nil {
				return err
			}
		} else {
			if err := partsEvent(ctx, tx, ticketID, &u.ID, "waiting "+line, ""); err != nil {
				return err
			}
			if t.Status != aftersales.StatusAwaitingParts && aftersales.CanTransition(t.Status, aftersales.StatusAwaitingParts) {
				reason := fmt.Sprintf("Waiting for part %s (%s) ×%d at %s", k.part.Number, k.part.Name("zh-CN"), in.Qty, k.location.Code)
				if err := db.transition(ctx, tx, t, aftersales.StatusAwaitingParts, reason, &u.ID); err != nil {
					return err
				}
			}
		}
		return tx.audit(ctx, "stock.reserve", "ticket", ticketID, map[string]any{"reservation": id, "input": in, "status": status})
	})
	if err != nil {
		return nil, err
	}
	return db.findReservation(ctx, db.w, ticketID, id)
}

func (db *DB) findReservation(ctx context.Context, q queryer, ticketID, id int64) (*aftersales.Reservation, error) {
	r, err := scanReservation(q.QueryRowContext(ctx, `SELECT `+reservationCols+reservationFrom+` WHERE r.id = $1 AND r.ticket_id = $2`, id, ticketID))
	if err != nil {
		return nil, notFound(err, "Reservation", id)
	}
	return r, nil
}

// ListReservations lists a ticket's reservations, oldest first.
func (db *DB) ListReservations(ctx context.Context, ticketID int64) ([]*aftersales.Reservation, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+reservationCols+reservationFrom+` WHERE r.ticket_id = $1 ORDER BY r.id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list reservations: %w", err)
	}
	return collect(rows, scanReservation)
}

// ReleaseReservation gives held parts back to the shelf, or ends a wait.
func (db *DB) ReleaseReservation(ctx context.Context, ticketID, id int64) (*aftersales.Reservation, error) {
	return db.closeReservation(ctx, ticketID, id, aftersales.ReservationReleased, 0)
}

// ConsumeReservation records that the held parts were fitted: all of
// them, or in.Qty of them, the rest going back to the location.
func (db *DB) ConsumeReservation(ctx context.Context, ticketID, id int64, in aftersales.ConsumeInput) (*aftersales.Reservation, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return db.closeReservation(ctx, ticketID, id, aftersales.ReservationConsumed, in.Qty)
}

func (db *DB) closeReservation(ctx context.Context, ticketID, id int64, to aftersales.ReservationStatus, used int64) (*aftersales.Reservation, error) {
	if _, err := db.seeTicket(ctx, ticketID); err != nil {
		return nil, err
	}
	u, err := aftersales.Require(ctx, aftersales.PermStockMove)
	if err != nil {
		return nil, err
	}
	r, err := db.findReservation(ctx, db.r, ticketID, id)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.lockBalance(ctx, tx, r.PartID, r.LocationID); err != nil {
			return err
		}
		t, err := db.lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if err := canSee(u, t); err != nil {
			return err
		}
		return db.closeReservationTx(ctx, tx, id, to, used, &u.ID)
	})
	if err != nil {
		return nil, err
	}
	return db.findReservation(ctx, db.w, ticketID, id)
}

// closeReservationTx releases or consumes one reservation whose balance
// and ticket the caller has locked. A consumption of used units (0: all)
// fewer than the reservation's releases the rest: a release line for
// them in the ledger, and the reservation keeps the used units, so its
// quantity, its cost lines and the returns counted against it are the
// parts fitted.
func (db *DB) closeReservationTx(ctx context.Context, tx *Tx, id int64, to aftersales.ReservationStatus, used int64, actor *int64) error {
	r, err := scanReservation(tx.QueryRowContext(ctx, `SELECT `+reservationCols+reservationFrom+` WHERE r.id = $1`, id))
	if err != nil {
		return notFound(err, "Reservation", id)
	}
	switch {
	case r.Status == aftersales.ReservationReleased || r.Status == aftersales.ReservationConsumed:
		return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Reservation %d is already %s.", id, r.Status),
			Fields: []aftersales.FieldError{{Field: "id", Reason: "is " + string(r.Status)}}}
	case r.Status == aftersales.ReservationWaiting && to == aftersales.ReservationConsumed:
		return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Reservation %d still waits for its parts; nothing to use yet.", id),
			Fields: []aftersales.FieldError{{Field: "id", Reason: "is waiting"}}}
	}
	reserved := r.Qty
	if to != aftersales.ReservationConsumed || used == 0 {
		used = reserved
	}
	if used < 1 || used > reserved {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: fmt.Sprintf("Reservation %d holds %d units.", id, reserved),
			Fields: []aftersales.FieldError{{Field: "qty", Reason: fmt.Sprintf("must be between 1 and %d", reserved)}}}
	}
	k, err := db.stockRefs(ctx, tx, r.PartID, r.LocationID, "location_id")
	if err != nil {
		return err
	}
	if r.Status == aftersales.ReservationHeld {
		m := movement{key: k, kind: aftersales.MoveRelease, qty: used, reservation: &id, ticket: &r.TicketID, actor: actor}
		if to == aftersales.ReservationConsumed {
			m.kind, m.fromHold = aftersales.MoveConsume, true
		}
		if _, err := db.move(ctx, tx, m); err != nil {
			return err
		}
		if used < reserved {
			m.kind, m.qty, m.fromHold = aftersales.MoveRelease, reserved-used, false
			if _, err := db.move(ctx, tx, m); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stock_reservations SET status = $1, closed_at = $2, qty = $3 WHERE id = $4`,
		string(to), ms(tx.now), used, id); err != nil {
		return mapErr(fmt.Errorf("sqlstore: close reservation: %w", err))
	}
	r.Qty = used
	if to == aftersales.ReservationConsumed {
		if err := db.partCosts(ctx, tx, r, k, actor); err != nil {
			return err
		}
	}
	verb := map[aftersales.ReservationStatus]string{aftersales.ReservationReleased: "released", aftersales.ReservationConsumed: "used"}[to]
	line := fmt.Sprintf("%s %s ×%d @ %s", verb, k.part.Number, used, k.location.Code)
	if used < reserved {
		line += fmt.Sprintf(" · released ×%d", reserved-used)
	}
	if err := partsEvent(ctx, tx, r.TicketID, actor, line, ""); err != nil {
		return err
	}
	audit := map[string]any{"reservation": id, "to": to}
	if used < reserved {
		audit["qty"], audit["reserved"] = used, reserved
	}
	return tx.audit(ctx, "stock.reservation", "ticket", r.TicketID, audit)
}

// fillWaiting holds stock that has just become available (balance b) for
// the reservations waiting for it, oldest first, and returns a ticket
// whose last wait ended to work. The balance is locked by the caller's
// move.
func (db *DB) fillWaiting(ctx context.Context, tx *Tx, k stockKey, b field.Balance, actor *int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, ticket_id, qty FROM stock_reservations
		WHERE part_id = $1 AND location_id = $2 AND status = 'waiting' ORDER BY created_at, id`, k.part.ID, k.location.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: waiting reservations: %w", err)
	}
	type wait struct{ id, ticket, qty int64 }
	var waits []wait
	var qtys []int64
	for rows.Next() {
		var w wait
		if err := rows.Scan(&w.id, &w.ticket, &w.qty); err != nil {
			rows.Close()
			return err
		}
		waits, qtys = append(waits, w), append(qtys, w.qty)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var tickets []int64
	for _, i := range field.FillOrder(b.Available(), qtys) {
		w := waits[i]
		if _, err := tx.ExecContext(ctx, `UPDATE stock_reservations SET status = 'held', filled_at = $1 WHERE id = $2`, ms(tx.now), w.id); err != nil {
			return mapErr(fmt.Errorf("sqlstore: fill reservation: %w", err))
		}
		// move locks the balance again (the same transaction) and cannot
		// come back here: a reservation never makes more available.
		if _, err := db.move(ctx, tx, movement{key: k, kind: aftersales.MoveReserve, qty: w.qty, reservation: &w.id,
			ticket: &w.ticket, actor: actor}); err != nil {
			return err
		}
		if err := partsEvent(ctx, tx, w.ticket, actor, fmt.Sprintf("received %s ×%d @ %s", k.part.Number, w.qty, k.location.Code), ""); err != nil {
			return err
		}
		if !slices.Contains(tickets, w.ticket) {
			tickets = append(tickets, w.ticket)
		}
	}
	for _, id := range tickets {
		var waiting int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM stock_reservations WHERE ticket_id = $1 AND status = 'waiting'`, id).Scan(&waiting); err != nil {
			return fmt.Errorf("sqlstore: count waits: %w", err)
		}
		if waiting > 0 {
			continue
		}
		t, err := db.lockTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status == aftersales.StatusAwaitingParts {
			reason := fmt.Sprintf("Part %s (%s) received at %s", k.part.Number, k.part.Name("zh-CN"), k.location.Code)
			if err := db.transition(ctx, tx, t, aftersales.StatusInService, reason, actor); err != nil {
				return err
			}
		}
	}
	return nil
}

// openVisitOf checks that visit id belongs to the ticket and is still to
// happen or happening.
func openVisitOf(ctx context.Context, q queryer, ticketID, id int64) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM visits WHERE id = $1 AND ticket_id = $2`, id, ticketID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "No such visit on this ticket.",
			Fields: []aftersales.FieldError{{Field: "visit_id", Reason: fmt.Sprintf("%d is not a visit of ticket %d", id, ticketID)}}}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: find visit: %w", err)
	}
	if status == string(aftersales.VisitCompleted) || status == string(aftersales.VisitCancelled) {
		return &aftersales.Error{Code: aftersales.ECONFLICT, Message: fmt.Sprintf("Visit %d is %s.", id, status),
			Fields: []aftersales.FieldError{{Field: "visit_id", Reason: "is " + status}}}
	}
	return nil
}

// whereAnd is " WHERE a AND b", or "" without conditions.
func whereAnd(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// errRejected ends an import's transaction when a row was refused, so
// that nothing of it stays.
var errRejected = errors.New("sqlstore: import rows rejected")

// ImportStock applies stock counts or movements read from a file, all or
// none: when any row is refused (an unknown part or location, more taken
// than there is), nothing changes and every refused row is reported with
// its reason. A count becomes an adjustment to the counted quantity.
func (db *DB) ImportStock(ctx context.Context, rows []aftersales.StockImportRow) (*aftersales.StockImport, error) {
	u, err := aftersales.Require(ctx, aftersales.PermStockMove)
	if err != nil {
		return nil, err
	}
	if _, err := aftersales.Require(ctx, aftersales.PermDataImport); err != nil {
		return nil, err
	}
	rep := &aftersales.StockImport{Rows: len(rows), Rejected: []aftersales.RejectedRow{}}
	err = db.inTx(ctx, func(tx *Tx) error {
		parts, locs := map[string]*aftersales.Part{}, map[string]*aftersales.StockLocation{}
		prs, err := tx.QueryContext(ctx, `SELECT `+partCols+` FROM parts`)
		if err != nil {
			return fmt.Errorf("sqlstore: import parts: %w", err)
		}
		all, err := collect(prs, scanPart)
		if err != nil {
			return err
		}
		for _, p := range all {
			parts[p.Number] = p
		}
		lrs, err := tx.QueryContext(ctx, `SELECT `+locationCols+` FROM stock_locations`)
		if err != nil {
			return fmt.Errorf("sqlstore: import locations: %w", err)
		}
		ls, err := collect(lrs, scanLocation)
		if err != nil {
			return err
		}
		for _, l := range ls {
			locs[l.Code] = l
		}
		reject := func(line int, field, reason string) {
			rep.Rejected = append(rep.Rejected, aftersales.RejectedRow{Line: line, Field: field, Reason: reason})
		}
		for _, r := range rows {
			p, l, to := parts[r.PartNumber], locs[r.Location], locs[r.ToLocation]
			if p == nil {
				reject(r.Line, "part_number", "no part "+r.PartNumber)
			}
			if l == nil {
				reject(r.Line, "location", "no stock location "+r.Location)
			}
			if r.ToLocation != "" && to == nil {
				reject(r.Line, "to_location", "no stock location "+r.ToLocation)
			}
			if p == nil || l == nil || r.ToLocation != "" && to == nil {
				continue
			}
			in := aftersales.StockMoveInput{Kind: r.Kind, PartID: p.ID, LocationID: l.ID, Qty: r.Qty, Reason: r.Reason}
			if to != nil {
				in.ToID = &to.ID
			}
			if r.Kind == aftersales.MoveCount {
				b, err := db.lockBalance(ctx, tx, p.ID, l.ID)
				if err != nil {
					return err
				}
				in.Kind, in.Qty = aftersales.MoveAdjust, r.Qty-b.OnHand
				in.Reason = cmp.Or(r.Reason, "stock count import")
			}
			if in.Qty != 0 {
				if err := in.Validate(); err != nil {
					for _, fe := range aftersales.ErrorFields(err) {
						reject(r.Line, fe.Field, fe.Reason)
					}
					continue
				}
				if _, err := db.moveStock(ctx, tx, in, &u.ID); err != nil {
					if c := aftersales.ErrorCode(err); c != aftersales.ECONFLICT && c != aftersales.EINVALID {
						return err
					}
					reject(r.Line, "qty", aftersales.ErrorMessage(err))
					continue
				}
			}
			if r.ReorderPoint != nil {
				if _, err := db.lockBalance(ctx, tx, p.ID, l.ID); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE stock_balances SET reorder_point = $1, order_up_to = $2 WHERE part_id = $3 AND location_id = $4`,
					*r.ReorderPoint, *r.OrderUpTo, p.ID, l.ID); err != nil {
					return mapErr(fmt.Errorf("sqlstore: import stock level: %w", err))
				}
			}
			rep.Applied++
		}
		if len(rep.Rejected) > 0 {
			return errRejected
		}
		return tx.audit(ctx, "stock.import", "stock", 0, map[string]int{"rows": len(rows)})
	})
	if errors.Is(err, errRejected) {
		rep.Applied = 0
		return rep, rejectedError(rep.Rejected)
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// rejectedError is the EINVALID of a refused import, one field per row:
// "line 3: qty".
func rejectedError(bad []aftersales.RejectedRow) error {
	e := &aftersales.Error{Code: aftersales.EINVALID, Message: fmt.Sprintf("%d rows were refused; nothing was imported.", len(bad))}
	for _, r := range bad {
		e.Fields = append(e.Fields, aftersales.FieldError{Field: fmt.Sprintf("line %d: %s", r.Line, r.Field), Reason: r.Reason})
	}
	return e
}
