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

// Settings returns the deployment's settings.
func (db *DB) Settings(ctx context.Context) (*aftersales.Settings, error) {
	if err := staff(ctx); err != nil {
		return nil, err
	}
	return loadSettings(ctx, db.r)
}

func loadSettings(ctx context.Context, q queryer) (*aftersales.Settings, error) {
	var s aftersales.Settings
	var updated int64
	err := q.QueryRowContext(ctx, `SELECT resolution_note_required, version, updated_at FROM app_settings WHERE id = 1`).
		Scan(&s.ResolutionNoteRequired, &s.Version, &updated)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load settings: %w", err)
	}
	s.UpdatedAt = fromMS(updated)
	return &s, nil
}

// UpdateSettings replaces the settings if version is the current one.
func (db *DB) UpdateSettings(ctx context.Context, version int64, s aftersales.Settings) (*aftersales.Settings, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	if version <= 0 {
		return nil, &aftersales.Error{Code: aftersales.EINVALID, Message: "The settings' version is required.",
			Fields: []aftersales.FieldError{{Field: "version", Reason: "is required"}}}
	}
	var out *aftersales.Settings
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE app_settings SET resolution_note_required = $1, version = version + 1, updated_at = $2
			WHERE id = 1 AND version = $3`, s.ResolutionNoteRequired, ms(tx.now), version)
		if err != nil {
			return fmt.Errorf("sqlstore: update settings: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The settings were changed by someone else; reload and try again.",
				Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
		}
		if out, err = loadSettings(ctx, tx); err != nil {
			return err
		}
		return tx.audit(ctx, "update", "settings", 1, map[string]any{"resolution_note_required": s.ResolutionNoteRequired})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
