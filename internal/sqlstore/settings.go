package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"aftersales"
)

// CreateCustomField defines a ticket custom field.
func (db *DB) CreateCustomField(ctx context.Context, f aftersales.CustomField) (*aftersales.CustomField, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	f.Active = true
	if f.Options == nil {
		f.Options = []string{}
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO custom_fields (key, label_zh, label_en, type, options, required, active)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			f.Key, f.LabelZH, f.LabelEN, f.Type, mustJSON(f.Options), f.Required, f.Active).Scan(&f.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert custom field: %w", err))
		}
		return tx.audit(ctx, "create", "custom_field", f.ID, f)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// ListCustomFields lists the definitions.
func (db *DB) ListCustomFields(ctx context.Context) ([]*aftersales.CustomField, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return listCustomFields(ctx, db.r)
}

func listCustomFields(ctx context.Context, q queryer) ([]*aftersales.CustomField, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, key, label_zh, label_en, type, options, required, active FROM custom_fields ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list custom fields: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.CustomField
	for rows.Next() {
		var f aftersales.CustomField
		var opts string
		if err := rows.Scan(&f.ID, &f.Key, &f.LabelZH, &f.LabelEN, &f.Type, &opts, &f.Required, &f.Active); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return nil, err
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}
