package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"aftersales"
)

const unitCols = `id, parent_id, kind, code, name, phone, address, active, version, coverage, calendar_id, name_en`

func scanUnit(row interface{ Scan(...any) error }) (*aftersales.ServiceUnit, error) {
	var u aftersales.ServiceUnit
	var parent sql.NullInt64
	var addr, cov string
	var cal sql.NullInt64
	if err := row.Scan(&u.ID, &parent, &u.Kind, &u.Code, &u.Name, &u.Phone, &addr, &u.Active, &u.Version, &cov, &cal, &u.NameEN); err != nil {
		return nil, err
	}
	u.ParentID, u.CalendarID = int64Ptr(parent), int64Ptr(cal)
	if err := json.Unmarshal([]byte(cov), &u.Coverage); err != nil {
		return nil, err
	}
	return &u, json.Unmarshal([]byte(addr), &u.Address)
}

// checkParent enforces that a unit's parent is exactly one level up
// (service point under a workstation, workstation under a branch, ...).
func checkParent(ctx context.Context, q queryer, in aftersales.ServiceUnitInput) error {
	if in.ParentID == nil {
		return nil
	}
	var kind aftersales.UnitKind
	err := q.QueryRowContext(ctx, `SELECT kind FROM service_units WHERE id = $1`, *in.ParentID).Scan(&kind)
	var v aftersales.Validator
	if err == sql.ErrNoRows {
		v.Add("parent_id", fmt.Sprintf("%d does not exist", *in.ParentID))
	} else if err != nil {
		return err
	} else if kind.Level() != in.Kind.Level()-1 {
		v.Add("parent_id", fmt.Sprintf("a %s must sit under a %s, not a %s", in.Kind, aftersales.UnitKinds[in.Kind.Level()-1], kind))
	}
	return v.Err()
}

// CreateServiceUnit adds a node to the service network.
func (db *DB) CreateServiceUnit(ctx context.Context, in aftersales.ServiceUnitInput) (*aftersales.ServiceUnit, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermNetworkWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkParent(ctx, tx, in); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, ref{"calendar_id", "business_calendars", in.CalendarID}); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
			INSERT INTO service_units (parent_id, kind, code, name, phone, address, lat, lng, active, created_at, updated_at, coverage, calendar_id, name_en)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13) RETURNING id`,
			nullInt(in.ParentID), in.Kind, in.Code, in.Name, in.Phone, mustJSON(in.Address), in.Address.Lat, in.Address.Lng,
			in.Active == nil || *in.Active, ms(tx.now), mustJSON(in.Coverage), nullInt(in.CalendarID), in.NameEN).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert service unit: %w", err))
		}
		return tx.audit(ctx, "create", "service_unit", id, map[string]any{"code": in.Code, "kind": in.Kind})
	})
	if err != nil {
		return nil, err
	}
	return scanUnit(db.w.QueryRowContext(ctx, `SELECT `+unitCols+` FROM service_units WHERE id = $1`, id))
}

// UpdateServiceUnit changes a unit; its kind may not change once it has children.
func (db *DB) UpdateServiceUnit(ctx context.Context, id, version int64, in aftersales.ServiceUnitInput) (*aftersales.ServiceUnit, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermNetworkWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkParent(ctx, tx, in); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, ref{"calendar_id", "business_calendars", in.CalendarID}); err != nil {
			return err
		}
		var kids int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM service_units WHERE parent_id = $1 AND kind <> $2`, id,
			aftersales.UnitKinds[min(in.Kind.Level()+1, 3)]).Scan(&kids); err != nil {
			return err
		}
		if kids > 0 && in.Kind != aftersales.UnitServicePoint {
			return &aftersales.Error{Code: aftersales.EINVALID, Message: "The unit has children of another level.",
				Fields: []aftersales.FieldError{{Field: "kind", Reason: "cannot change while the unit has children"}}}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE service_units SET parent_id = $1, kind = $2, code = $3, name = $4, phone = $5, address = $6, lat = $7,
				lng = $8, active = $9, updated_at = $10, coverage = $13, calendar_id = $14, name_en = $15, version = version + 1 WHERE id = $11 AND version = $12`,
			nullInt(in.ParentID), in.Kind, in.Code, in.Name, in.Phone, mustJSON(in.Address), in.Address.Lat, in.Address.Lng,
			in.Active == nil || *in.Active, ms(tx.now), id, version, mustJSON(in.Coverage), nullInt(in.CalendarID), in.NameEN)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update service unit: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "service_units", "Service unit", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "service_unit", id, map[string]any{"code": in.Code})
	})
	if err != nil {
		return nil, err
	}
	return scanUnit(db.w.QueryRowContext(ctx, `SELECT `+unitCols+` FROM service_units WHERE id = $1`, id))
}

// ListServiceUnits lists the network, parents before children.
func (db *DB) ListServiceUnits(ctx context.Context) ([]*aftersales.ServiceUnit, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+unitCols+` FROM service_units ORDER BY
		CASE kind WHEN 'region' THEN 0 WHEN 'branch' THEN 1 WHEN 'workstation' THEN 2 ELSE 3 END, code`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list service units: %w", err)
	}
	return collect(rows, scanUnit)
}

// CreateDepartment adds a department.
func (db *DB) CreateDepartment(ctx context.Context, d aftersales.Department) (*aftersales.Department, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermNetworkWrite); err != nil {
		return nil, err
	}
	var v aftersales.Validator
	v.Check(d.Code != "" && len(d.Code) <= 50, "code", "is required, at most 50 characters")
	valid := false
	for _, k := range aftersales.DepartmentKinds {
		valid = valid || k == d.Kind
	}
	v.Check(valid, "kind", "must be one of after_sales, technical, quality, production, other")
	v.Check(d.NameZH != "" || d.NameEN != "", "name_zh", "a name is required")
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO departments (code, kind, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id`,
			d.Code, d.Kind, d.NameZH, d.NameEN).Scan(&d.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert department: %w", err))
		}
		return tx.audit(ctx, "create", "department", d.ID, d)
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// ListDepartments lists departments.
func (db *DB) ListDepartments(ctx context.Context) ([]*aftersales.Department, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, code, kind, name_zh, name_en FROM departments ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*aftersales.Department
	for rows.Next() {
		var d aftersales.Department
		if err := rows.Scan(&d.ID, &d.Code, &d.Kind, &d.NameZH, &d.NameEN); err != nil {
			return nil, err
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// CreateTeam adds a team.
func (db *DB) CreateTeam(ctx context.Context, in aftersales.TeamInput) (*aftersales.Team, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermNetworkWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkRefs(ctx, tx, ref{"service_unit_id", "service_units", in.ServiceUnitID}, ref{"department_id", "departments", in.DepartmentID},
			ref{"calendar_id", "business_calendars", in.CalendarID}); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO teams (code, name, service_unit_id, department_id, created_at, updated_at, strategy, capacity, calendar_id, name_en)
			VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9) RETURNING id`, in.Code, in.Name, nullInt(in.ServiceUnitID), nullInt(in.DepartmentID), ms(tx.now),
			in.Strategy, in.Capacity, nullInt(in.CalendarID), in.NameEN).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert team: %w", err))
		}
		return tx.audit(ctx, "create", "team", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findTeam(ctx, db.w, id)
}

// UpdateTeam changes a team.
func (db *DB) UpdateTeam(ctx context.Context, id, version int64, in aftersales.TeamInput) (*aftersales.Team, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermNetworkWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkRefs(ctx, tx, ref{"service_unit_id", "service_units", in.ServiceUnitID}, ref{"department_id", "departments", in.DepartmentID},
			ref{"calendar_id", "business_calendars", in.CalendarID}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE teams SET code = $1, name = $2, service_unit_id = $3, department_id = $4,
			updated_at = $5, strategy = $8, capacity = $9, calendar_id = $10, name_en = $11, version = version + 1 WHERE id = $6 AND version = $7`,
			in.Code, in.Name, nullInt(in.ServiceUnitID), nullInt(in.DepartmentID), ms(tx.now), id, version, in.Strategy, in.Capacity, nullInt(in.CalendarID), in.NameEN)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update team: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "teams", "Team", id); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "team", id, in)
	})
	if err != nil {
		return nil, err
	}
	return db.findTeam(ctx, db.w, id)
}

const teamQuery = `SELECT t.id, t.code, t.name, t.service_unit_id, t.department_id, t.version, t.strategy, t.capacity, t.calendar_id, t.name_en,
	(SELECT count(*) FROM users u WHERE u.team_id = t.id AND u.active) FROM teams t`

func scanTeam(row interface{ Scan(...any) error }) (*aftersales.Team, error) {
	var t aftersales.Team
	var unit, dept, cal sql.NullInt64
	if err := row.Scan(&t.ID, &t.Code, &t.Name, &unit, &dept, &t.Version, &t.Strategy, &t.Capacity, &cal, &t.NameEN, &t.Members); err != nil {
		return nil, err
	}
	t.ServiceUnitID, t.DepartmentID, t.CalendarID = int64Ptr(unit), int64Ptr(dept), int64Ptr(cal)
	return &t, nil
}

func (db *DB) findTeam(ctx context.Context, q queryer, id int64) (*aftersales.Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, teamQuery+` WHERE t.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Team", id)
	}
	return t, nil
}

// ListTeams lists teams with their active member counts.
func (db *DB) ListTeams(ctx context.Context) ([]*aftersales.Team, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, teamQuery+` ORDER BY t.name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list teams: %w", err)
	}
	return collect(rows, scanTeam)
}
