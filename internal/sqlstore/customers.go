package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"aftersales"
)

const customerCols = `id, kind, name, phone, email, address, tier, tags, notes, contacts, external_id, version, created_at, updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (*aftersales.Customer, error) {
	var c aftersales.Customer
	var addr, tags, contacts string
	var ext sql.NullString
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.Phone, &c.Email, &addr, &c.Tier, &tags, &c.Notes, &contacts, &ext,
		&c.Version, &created, &updated); err != nil {
		return nil, err
	}
	c.ExternalID, c.CreatedAt, c.UpdatedAt = ext.String, fromMS(created), fromMS(updated)
	for _, j := range []struct {
		s string
		v any
	}{{addr, &c.Address}, {tags, &c.Tags}, {contacts, &c.Contacts}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, fmt.Errorf("sqlstore: customer %d: %w", c.ID, err)
		}
	}
	return &c, nil
}

func (db *DB) checkTier(ctx context.Context, q queryer, tier string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM customer_tiers WHERE code = $1`, tier).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return &aftersales.Error{Code: aftersales.EINVALID, Message: "The request has invalid fields.",
			Fields: []aftersales.FieldError{{Field: "tier", Reason: fmt.Sprintf("%q is not a defined tier", tier)}}}
	}
	return nil
}

// CreateCustomer creates a customer.
func (db *DB) CreateCustomer(ctx context.Context, in aftersales.CustomerInput) (*aftersales.Customer, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkTier(ctx, tx, in.Tier); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `
			INSERT INTO customers (kind, name, phone, email, address, province, city, lat, lng, tier, tags, notes, contacts,
				external_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
			in.Kind, in.Name, in.Phone, in.Email, mustJSON(in.Address), in.Address.Province, in.Address.City,
			in.Address.Lat, in.Address.Lng, in.Tier, mustJSON(in.Tags), in.Notes, mustJSON(contactsOrEmpty(in.Contacts)),
			nullStr(in.ExternalID), ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert customer: %w", err))
		}
		aftersales.SetResult(ctx, "customer", id, true)
		return tx.audit(ctx, "create", "customer", id, map[string]any{"name": in.Name})
	})
	if err != nil {
		return nil, err
	}
	return db.findCustomer(ctx, db.w, id)
}

func contactsOrEmpty(c []aftersales.Contact) []aftersales.Contact {
	if c == nil {
		return []aftersales.Contact{}
	}
	return c
}

// UpdateCustomer replaces a customer's fields.
func (db *DB) UpdateCustomer(ctx context.Context, id, version int64, in aftersales.CustomerInput) (*aftersales.Customer, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerWrite); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkTier(ctx, tx, in.Tier); err != nil {
			return err
		}
		var was string
		if err := tx.QueryRowContext(ctx, `SELECT tier FROM customers WHERE id = $1`, id).Scan(&was); err != nil {
			return notFound(err, "Customer", id)
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE customers SET kind = $1, name = $2, phone = $3, email = $4, address = $5, province = $6, city = $7,
				lat = $8, lng = $9, tier_reason = CASE WHEN tier = $10 THEN tier_reason ELSE '' END, tier = $10, tags = $11, notes = $12, contacts = $13, external_id = $14,
				updated_at = $15, version = version + 1
			WHERE id = $16 AND version = $17`,
			in.Kind, in.Name, in.Phone, in.Email, mustJSON(in.Address), in.Address.Province, in.Address.City,
			in.Address.Lat, in.Address.Lng, in.Tier, mustJSON(in.Tags), in.Notes, mustJSON(contactsOrEmpty(in.Contacts)),
			nullStr(in.ExternalID), ms(tx.now), id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update customer: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "customers", "Customer", id); err != nil {
			return err
		}
		if was != in.Tier {
			// The KPI rollups count tickets by their customer's tier: the
			// customer's tickets are folded in again, as after a segment
			// rule's change.
			if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_dirty (ticket_id) SELECT id FROM tickets WHERE customer_id = $1 `+markTicketConflict, id); err != nil {
				return fmt.Errorf("sqlstore: customer tier rollups: %w", err)
			}
		}
		return tx.audit(ctx, "update", "customer", id, map[string]any{"name": in.Name})
	})
	if err != nil {
		return nil, err
	}
	return db.findCustomer(ctx, db.w, id)
}

// FindCustomer returns one customer.
func (db *DB) FindCustomer(ctx context.Context, id int64) (*aftersales.Customer, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	return db.findCustomer(ctx, db.r, id)
}

func (db *DB) findCustomer(ctx context.Context, q queryer, id int64) (*aftersales.Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "Customer", id)
	}
	return c, nil
}

// ListCustomers finds customers by name, phone or email, by id order.
func (db *DB) ListCustomers(ctx context.Context, f aftersales.CustomerFilter) ([]*aftersales.Customer, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermCustomerRead); err != nil {
		return nil, err
	}
	if err := checkSearch(f.Query); err != nil {
		return nil, err
	}
	where, args := []string{"1=1"}, []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Query != "" {
		// A number typed as "+86 138-0013 8000" finds the stored 13800138000.
		phone := f.Query
		if n, ok := aftersales.NormalisePhone(f.Query); ok && strings.Trim(f.Query, "+-() 0123456789") == "" {
			phone = n
		}
		p, pp := arg("%"+escapeLike(f.Query)+"%"), arg("%"+escapeLike(phone)+"%")
		where = append(where, fmt.Sprintf(`(name %[1]s %[2]s ESCAPE '\' OR phone LIKE %[3]s ESCAPE '\' OR email %[1]s %[2]s ESCAPE '\')`, db.d.like, p, pp))
	}
	if f.Phone != "" {
		phone, _ := aftersales.NormalisePhone(f.Phone)
		where = append(where, "phone = "+arg(phone))
	}
	if f.Tier != "" {
		where = append(where, "tier = "+arg(f.Tier))
	}
	if f.After != 0 {
		where = append(where, "id > "+arg(f.After))
	}
	if f.Limit <= 0 || f.Limit > aftersales.MaxListLimit {
		f.Limit = aftersales.DefaultListLimit
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+customerCols+` FROM customers WHERE `+joinAnd(where)+
		fmt.Sprintf(` ORDER BY id LIMIT %d`, f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list customers: %w", err)
	}
	return collect(rows, scanCustomer)
}

// ListTiers lists customer tiers, highest rank first.
func (db *DB) ListTiers(ctx context.Context) ([]aftersales.Tier, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT code, name_zh, name_en, rank FROM customer_tiers ORDER BY rank DESC, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []aftersales.Tier
	for rows.Next() {
		var t aftersales.Tier
		if err := rows.Scan(&t.Code, &t.NameZH, &t.NameEN, &t.Rank); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpsertTier creates or renames a tier.
func (db *DB) UpsertTier(ctx context.Context, t aftersales.Tier) error {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return err
	}
	var v aftersales.Validator
	v.Check(t.Code != "" && len(t.Code) <= 30, "code", "is required, at most 30 characters")
	v.Check(t.NameZH != "" || t.NameEN != "", "name_zh", "a name is required")
	if err := v.Err(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO customer_tiers (code, name_zh, name_en, rank) VALUES ($1, $2, $3, $4)
			ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, rank = excluded.rank`,
			t.Code, t.NameZH, t.NameEN, t.Rank)
		if err != nil {
			return mapErr(err)
		}
		return tx.audit(ctx, "upsert", "customer_tier", 0, t)
	})
}
