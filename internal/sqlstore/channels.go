package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"aftersales"
)

// EmailSettings returns the settings without their passwords
// (administrators).
func (db *DB) EmailSettings(ctx context.Context) (*aftersales.EmailSettings, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	s, err := loadEmailSettings(ctx, db.r)
	if err != nil {
		return nil, err
	}
	return redactEmail(s), nil
}

// EmailRuntime returns the settings with their passwords, for the mail
// jobs and the connection tests of the application (no user: never
// reachable from a request). They are part of the cached configuration
// (the triggers of migration 0060 move config_stamp with them), so this
// costs one primary-key read while the stamp stays. The answer is shared:
// callers do not change it.
func (db *DB) EmailRuntime(ctx context.Context) (*aftersales.EmailSettings, error) {
	c, err := db.config(ctx, db.r)
	if err != nil {
		return nil, err
	}
	return c.email, nil
}

func redactEmail(s *aftersales.EmailSettings) *aftersales.EmailSettings {
	out := *s
	out.Mailboxes = make([]aftersales.ChannelMailbox, len(s.Mailboxes))
	for i, m := range s.Mailboxes {
		m.PasswordSet, m.Password = m.Password != "", ""
		out.Mailboxes[i] = m
	}
	out.SMTP.PasswordSet, out.SMTP.Password = s.SMTP.Password != "", ""
	return &out
}

func loadEmailSettings(ctx context.Context, q queryer) (*aftersales.EmailSettings, error) {
	s := &aftersales.EmailSettings{Mailboxes: []aftersales.ChannelMailbox{}}
	var updated int64
	err := q.QueryRowContext(ctx, `SELECT smtp_addr, smtp_from, smtp_user, smtp_password, smtp_tls, version, updated_at
		FROM email_settings WHERE id = 1`).Scan(&s.SMTP.Addr, &s.SMTP.From, &s.SMTP.Username, &s.SMTP.Password, &s.SMTP.TLS, &s.Version, &updated)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load email settings: %w", err)
	}
	s.UpdatedAt = fromMS(updated)
	rows, err := q.QueryContext(ctx, `SELECT id, host, port, tls, username, password, folder, active, start_new FROM email_mailboxes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list mailboxes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m aftersales.ChannelMailbox
		if err := rows.Scan(&m.ID, &m.Host, &m.Port, &m.TLS, &m.Username, &m.Password, &m.Folder, &m.Active, &m.StartNew); err != nil {
			return nil, err
		}
		s.Mailboxes = append(s.Mailboxes, m)
	}
	return s, rows.Err()
}

// UpdateEmailSettings replaces the settings if version is the current
// one. An empty password keeps the stored one; the audit entry names what
// changed and whether a password was replaced, never the password.
func (db *DB) UpdateEmailSettings(ctx context.Context, version int64, in aftersales.EmailSettings) (*aftersales.EmailSettings, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermSettingsWrite); err != nil {
		return nil, err
	}
	in.Normalize()
	var v aftersales.Validator
	v.Check(version > 0, "version", "is required")
	if err := aftersales.JoinInvalid(v.Err(), in.Validate()); err != nil {
		return nil, err
	}
	var out *aftersales.EmailSettings
	err := db.inTx(ctx, func(tx *Tx) error {
		old, err := loadEmailSettings(ctx, tx)
		if err != nil {
			return err
		}
		if old.Version != version {
			return &aftersales.Error{Code: aftersales.ECONFLICT, Message: "The email settings were changed by someone else; reload and try again.",
				Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
		}
		byID := map[int64]aftersales.ChannelMailbox{}
		for _, m := range old.Mailboxes {
			byID[m.ID] = m
		}
		keep := map[int64]bool{}
		for i, m := range in.Mailboxes {
			if m.ID == 0 {
				continue
			}
			o, ok := byID[m.ID]
			if !ok {
				return &aftersales.Error{Code: aftersales.EINVALID, Message: "A mailbox of the form no longer exists; reload and try again.",
					Fields: []aftersales.FieldError{{Field: fmt.Sprintf("mailboxes[%d].id", i), Reason: "does not exist"}}}
			}
			keep[m.ID] = true
			if m.Password == "" {
				in.Mailboxes[i].Password = o.Password
			}
			in.Mailboxes[i].StartNew = o.StartNew // fixed when the mailbox was added
		}
		// Removed mailboxes go first, so that one re-added under a new
		// row does not collide with its old self on the unique key.
		for id := range byID {
			if !keep[id] {
				if _, err := tx.ExecContext(ctx, `DELETE FROM email_mailboxes WHERE id = $1`, id); err != nil {
					return fmt.Errorf("sqlstore: delete mailbox: %w", err)
				}
			}
		}
		// Kept mailboxes move to a placeholder folder first, so that two
		// of them may swap their folders within one save.
		for _, m := range in.Mailboxes {
			if m.ID != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE email_mailboxes SET folder = $1 WHERE id = $2`, fmt.Sprintf("\x01%d", m.ID), m.ID); err != nil {
					return fmt.Errorf("sqlstore: update mailbox: %w", err)
				}
			}
		}
		audit := map[string]any{"smtp_addr": in.SMTP.Addr, "smtp_from": in.SMTP.From, "smtp_user": in.SMTP.Username,
			"smtp_tls": in.SMTP.TLS, "smtp_password_changed": in.SMTP.Password != "" && in.SMTP.Password != old.SMTP.Password}
		var boxes []map[string]any
		for i, m := range in.Mailboxes {
			changed := m.ID == 0 && m.Password != "" || m.ID != 0 && m.Password != byID[m.ID].Password
			if m.ID == 0 {
				err = tx.QueryRowContext(ctx, `INSERT INTO email_mailboxes (host, port, tls, username, password, folder, active, start_new)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, m.Host, m.Port, m.TLS, m.Username, m.Password, m.Folder, m.Active, m.StartNew).Scan(&in.Mailboxes[i].ID)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE email_mailboxes SET host = $1, port = $2, tls = $3, username = $4, password = $5, folder = $6, active = $7
					WHERE id = $8`, m.Host, m.Port, m.TLS, m.Username, m.Password, m.Folder, m.Active, m.ID)
			}
			if err != nil {
				if e := mapErr(err); aftersales.ErrorCode(e) == aftersales.ECONFLICT {
					return &aftersales.Error{Code: aftersales.EINVALID, Message: "Two mailboxes read the same folder.",
						Fields: []aftersales.FieldError{{Field: fmt.Sprintf("mailboxes[%d].folder", i), Reason: "is already read by another mailbox"}}}
				}
				return fmt.Errorf("sqlstore: save mailbox: %w", err)
			}
			boxes = append(boxes, map[string]any{"id": in.Mailboxes[i].ID, "name": m.Name(), "tls": m.TLS, "port": m.Port,
				"active": m.Active, "password_changed": changed})
		}
		audit["mailboxes"] = boxes
		smtpPassword := in.SMTP.Password
		if smtpPassword == "" {
			smtpPassword = old.SMTP.Password
		}
		if _, err := tx.ExecContext(ctx, `UPDATE email_settings SET smtp_addr = $1, smtp_from = $2, smtp_user = $3, smtp_password = $4,
			smtp_tls = $5, version = version + 1, updated_at = $6 WHERE id = 1`,
			in.SMTP.Addr, in.SMTP.From, in.SMTP.Username, smtpPassword, in.SMTP.TLS, ms(tx.now)); err != nil {
			return fmt.Errorf("sqlstore: update email settings: %w", err)
		}
		s, err := loadEmailSettings(ctx, tx)
		if err != nil {
			return err
		}
		out = redactEmail(s)
		return tx.audit(ctx, "update", "email_settings", 1, audit)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mailOn reports whether mail is sent at all: an SMTP server is set by
// the flags or in the settings. Inside a ticket write the configuration
// is pinned, so this reads nothing.
func (db *DB) mailOn(ctx context.Context, tx *Tx) (bool, error) {
	if db.EmailNotifications {
		return true, nil
	}
	c, err := db.config(ctx, tx)
	if err != nil {
		return false, err
	}
	return c.email.SMTP.Addr != "", nil
}

// mailDomain is the domain of the Message-IDs of mail we send: the
// sender's of the flags, else of the settings.
func (db *DB) mailDomain(ctx context.Context, tx *Tx) string {
	if db.MailDomain != "" || db.EmailNotifications {
		return cmp.Or(db.MailDomain, "aftersales.localhost")
	}
	if c, err := db.config(ctx, tx); err == nil {
		if _, domain, ok := strings.Cut(c.email.SMTP.From, "@"); ok {
			return cmp.Or(strings.Trim(domain, "> "), "aftersales.localhost")
		}
	}
	return "aftersales.localhost"
}
