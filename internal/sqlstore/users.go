package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"aftersales"
	"aftersales/internal/auth"
)

// SessionTTL is how long a browser session lives without activity.
const SessionTTL = 12 * time.Hour

const userCols = `u.id, u.email, u.name, u.phone, u.role, u.team_id, u.service_unit_id, u.department_id,
	u.locale, u.active, u.version, u.created_at, u.updated_at, u.last_login_at, u.available`

func scanUser(row interface{ Scan(...any) error }) (*aftersales.User, error) {
	var u aftersales.User
	var team, unit, dept, lastLogin sql.NullInt64
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &u.Role, &team, &unit, &dept, &u.Locale, &u.Active,
		&u.Version, &created, &updated, &lastLogin, &u.Available); err != nil {
		return nil, err
	}
	u.TeamID, u.ServiceUnitID, u.DepartmentID = int64Ptr(team), int64Ptr(unit), int64Ptr(dept)
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMS(created), fromMS(updated), timePtr(lastLogin)
	u.Skills = []aftersales.Skill{}
	return &u, nil
}

func (db *DB) loadSkills(ctx context.Context, q queryer, users ...*aftersales.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := map[int64]*aftersales.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, category_id, level FROM user_skills ORDER BY user_id, category_id`)
	if err != nil {
		return fmt.Errorf("sqlstore: load skills: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var s aftersales.Skill
		if err := rows.Scan(&uid, &s.CategoryID, &s.Level); err != nil {
			return err
		}
		if u := byID[uid]; u != nil {
			u.Skills = append(u.Skills, s)
		}
	}
	return rows.Err()
}

// BootstrapUser creates a user without a permission check. It is for the
// CLI and first start only, never reachable over HTTP.
func (db *DB) BootstrapUser(ctx context.Context, in aftersales.UserInput) (*aftersales.User, error) {
	return db.createUser(ctx, in)
}

// CreateUser creates a staff account.
func (db *DB) CreateUser(ctx context.Context, in aftersales.UserInput) (*aftersales.User, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermUserWrite); err != nil {
		return nil, err
	}
	return db.createUser(ctx, in)
}

func (db *DB) createUser(ctx context.Context, in aftersales.UserInput) (*aftersales.User, error) {
	in.Normalize()
	if err := in.Validate(true); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password, db.Password)
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkUserRefs(ctx, tx, in); err != nil {
			return err
		}
		active := in.Active == nil || *in.Active
		err := tx.QueryRowContext(ctx, `
			INSERT INTO users (email, name, phone, role, password_hash, team_id, service_unit_id, department_id, locale, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			in.Email, in.Name, in.Phone, in.Role, hash, nullInt(in.TeamID), nullInt(in.ServiceUnitID), nullInt(in.DepartmentID),
			in.Locale, active, ms(tx.now)).Scan(&id)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert user: %w", err))
		}
		if err := setSkills(ctx, tx, id, in.Skills); err != nil {
			return err
		}
		return tx.audit(ctx, "create", "user", id, map[string]any{"email": in.Email, "role": in.Role})
	})
	if err != nil {
		return nil, err
	}
	return db.findUser(ctx, db.w, id)
}

func (db *DB) checkUserRefs(ctx context.Context, q queryer, in aftersales.UserInput) error {
	refs := []ref{{"team_id", "teams", in.TeamID}, {"service_unit_id", "service_units", in.ServiceUnitID}, {"department_id", "departments", in.DepartmentID}}
	for i := range in.Skills {
		refs = append(refs, ref{fmt.Sprintf("skills[%d].category_id", i), "product_categories", &in.Skills[i].CategoryID})
	}
	return checkRefs(ctx, q, refs...)
}

func setSkills(ctx context.Context, tx *Tx, userID int64, skills []aftersales.Skill) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_skills WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, s := range skills {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_skills (user_id, category_id, level) VALUES ($1, $2, $3)`,
			userID, s.CategoryID, s.Level); err != nil {
			return mapErr(fmt.Errorf("sqlstore: insert skill: %w", err))
		}
	}
	return nil
}

// UpdateUser changes a user; the password only when given.
func (db *DB) UpdateUser(ctx context.Context, id, version int64, in aftersales.UserInput) (*aftersales.User, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermUserWrite); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(false); err != nil {
		return nil, err
	}
	hash := ""
	if in.Password != "" {
		var err error
		if hash, err = auth.HashPassword(in.Password, db.Password); err != nil {
			return nil, err
		}
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := db.checkUserRefs(ctx, tx, in); err != nil {
			return err
		}
		active := in.Active == nil || *in.Active
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET email = $1, name = $2, phone = $3, role = $4, team_id = $5, service_unit_id = $6,
				department_id = $7, locale = $8, active = $9, updated_at = $10, version = version + 1,
				password_hash = CASE WHEN $11 = '' THEN password_hash ELSE $11 END
			WHERE id = $12 AND version = $13`,
			in.Email, in.Name, in.Phone, in.Role, nullInt(in.TeamID), nullInt(in.ServiceUnitID), nullInt(in.DepartmentID),
			in.Locale, active, ms(tx.now), hash, id, version)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: update user: %w", err))
		}
		if err := checkVersion(ctx, tx, res, "users", "User", id); err != nil {
			return err
		}
		if in.Skills != nil {
			if err := setSkills(ctx, tx, id, in.Skills); err != nil {
				return err
			}
		}
		// A disabled user is signed out everywhere; so is a user whose
		// password changed, including the session that changed it when it
		// is the user's own: whoever knew the old password (or holds a
		// stolen cookie) must not stay in, and everyone signs in again with
		// the new one. API tokens are separate credentials, revoked on their
		// own.
		if !active || hash != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("sqlstore: end sessions of user %d: %w", id, err)
			}
		}
		return tx.audit(ctx, "update", "user", id, map[string]any{"email": in.Email, "role": in.Role, "active": active, "password_changed": hash != ""})
	})
	if err != nil {
		return nil, err
	}
	return db.findUser(ctx, db.w, id)
}

// checkVersion turns "no row updated" into ENOTFOUND or ECONFLICT.
func checkVersion(ctx context.Context, q queryer, res sql.Result, table, what string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	ok, err := exists(ctx, q, table, id)
	if err != nil {
		return err
	}
	if !ok {
		return aftersales.Errorf(aftersales.ENOTFOUND, "%s %d not found.", what, id)
	}
	return &aftersales.Error{Code: aftersales.ECONFLICT, Message: what + " was changed by someone else; reload and try again.",
		Fields: []aftersales.FieldError{{Field: "version", Reason: "is stale"}}}
}

// FindUser returns one user.
func (db *DB) FindUser(ctx context.Context, id int64) (*aftersales.User, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermUserRead); err != nil {
		return nil, err
	}
	return db.findUser(ctx, db.r, id)
}

func (db *DB) findUser(ctx context.Context, q queryer, id int64) (*aftersales.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "User", id)
	}
	return u, db.loadSkills(ctx, q, u)
}

// FindUserByEmail returns a user by email, for the CLI.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*aftersales.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.email = $1`, email))
	if err != nil {
		return nil, notFound(err, "User", email)
	}
	return u, nil
}

// ListUsers lists users by name.
func (db *DB) ListUsers(ctx context.Context, f aftersales.UserFilter) ([]*aftersales.User, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermUserRead); err != nil {
		return nil, err
	}
	where, args := []string{"1=1"}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Role != "" {
		add("u.role = $%d", string(f.Role))
	}
	if f.TeamID != 0 {
		add("u.team_id = $%d", f.TeamID)
	}
	if f.Active != nil {
		add("u.active = $%d", *f.Active)
	}
	if err := checkSearch(f.Query); err != nil {
		return nil, err
	}
	if f.Query != "" {
		q := "%" + escapeLike(f.Query) + "%"
		args = append(args, q)
		n := len(args)
		where = append(where, fmt.Sprintf(`(u.name %[1]s $%[2]d ESCAPE '\' OR u.email %[1]s $%[2]d ESCAPE '\')`, db.d.like, n))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE `+joinAnd(where)+
		` ORDER BY u.name, u.id LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list users: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadSkills(ctx, db.r, out...)
}

// Authenticate checks an email and password. The same error is returned
// for an unknown email and a wrong password.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*aftersales.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var id int64
	var hash string
	var active bool
	err := db.r.QueryRowContext(ctx, `SELECT id, password_hash, active FROM users WHERE email = $1`, email).Scan(&id, &hash, &active)
	bad := aftersales.Errorf(aftersales.EUNAUTHORIZED, "Wrong email or password.")
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as a real check, so timing does not reveal
		// which emails exist.
		auth.CheckPassword("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: authenticate: %w", err)
	}
	ok, err := auth.CheckPassword(hash, password)
	if err != nil || !ok || !active {
		return nil, bad
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, ms(tx.now), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.findUser(ctx, db.w, id)
}

// CreateSession starts a browser session for a user.
func (db *DB) CreateSession(ctx context.Context, userID int64) (*aftersales.Session, error) {
	s := &aftersales.Session{Token: auth.NewSecret("ass_"), UserID: userID}
	err := db.inTx(ctx, func(tx *Tx) error {
		s.ExpiresAt = tx.now.Add(SessionTTL)
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ms(tx.now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			auth.HashSecret(s.Token), userID, ms(tx.now), ms(s.ExpiresAt))
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: create session: %w", err))
		}
		return tx.audit(aftersales.NewContextWithUser(ctx, &aftersales.User{ID: userID}), "login", "user", userID, nil)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// UserBySession returns the user of a live session and slides its expiry
// when more than a minute has passed since the last extension.
func (db *DB) UserBySession(ctx context.Context, token string) (*aftersales.User, error) {
	now := db.Now()
	var uid, exp int64
	expired := aftersales.Errorf(aftersales.EUNAUTHORIZED, "Your session has expired; please sign in again.")
	err := db.r.QueryRowContext(ctx, `SELECT user_id, expires_at FROM sessions WHERE token_hash = $1`, auth.HashSecret(token)).Scan(&uid, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp < ms(now) {
		return nil, expired
	}
	if err != nil {
		// Only a session that is not there has expired; a failed lookup
		// is the store's failure, for the edge to answer with a 503.
		return nil, fmt.Errorf("sqlstore: find session: %w", err)
	}
	if exp-ms(now) < SessionTTL.Milliseconds()-60_000 {
		err := db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET expires_at = $1 WHERE token_hash = $2`, ms(tx.now.Add(SessionTTL)), auth.HashSecret(token))
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	u, err := db.findUser(ctx, db.r, uid)
	if aftersales.ErrorCode(err) == aftersales.ENOTFOUND || err == nil && !u.Active {
		return nil, expired
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteSession ends a session (sign out).
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, auth.HashSecret(token))
		return err
	})
}

// CreateToken issues an API token for userID. A user may create tokens for
// themselves; creating one for another user needs PermUserWrite. A call
// without an acting user (the CLI) is allowed.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string) (*aftersales.APIToken, error) {
	perm := aftersales.PermTokenOwn
	if u := aftersales.UserFromContext(ctx); u != nil && u.ID != userID {
		perm = aftersales.PermUserWrite
	}
	if _, err := aftersales.Require(ctx, perm); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	var v aftersales.Validator
	v.Check(name != "" && len([]rune(name)) <= 100, "name", "is required, at most 100 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	secret := auth.NewSecret("ast_")
	t := &aftersales.APIToken{UserID: userID, Name: name, Prefix: secret[:10], Secret: secret}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := checkRefs(ctx, tx, ref{"user_id", "users", &userID}); err != nil {
			return err
		}
		t.CreatedAt = tx.now
		err := tx.QueryRowContext(ctx, `
			INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			userID, name, t.Prefix, auth.HashSecret(secret), ms(tx.now)).Scan(&t.ID)
		if err != nil {
			return mapErr(fmt.Errorf("sqlstore: create token: %w", err))
		}
		return tx.audit(ctx, "create", "api_token", t.ID, map[string]any{"user_id": userID, "name": name})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ListTokens lists a user's tokens without their secrets.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]*aftersales.APIToken, error) {
	u, err := aftersales.Require(ctx, aftersales.PermTokenOwn)
	if err != nil {
		return nil, err
	}
	if u.ID != userID && !u.Role.Can(aftersales.PermUserWrite) {
		return nil, aftersales.Errorf(aftersales.EFORBIDDEN, "You may only list your own tokens.")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tokens: %w", err)
	}
	defer rows.Close()
	var out []*aftersales.APIToken
	for rows.Next() {
		var t aftersales.APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), timePtr(used), timePtr(revoked)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token; its owner or a user admin may.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	u, err := aftersales.Require(ctx, aftersales.PermTokenOwn)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var owner int64
		if err := tx.QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE id = $1`, id).Scan(&owner); err != nil {
			return notFound(err, "Token", id)
		}
		if owner != u.ID && !u.Role.Can(aftersales.PermUserWrite) {
			return aftersales.Errorf(aftersales.EFORBIDDEN, "You may only revoke your own tokens.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ms(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, "revoke", "api_token", id, nil)
	})
}

// CountUsers counts accounts, to know whether this is a first start.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// FirstAdmin returns the oldest active administrator, for start-up work
// that must act as one (the demo generator).
func (db *DB) FirstAdmin(ctx context.Context) (*aftersales.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.role = 'admin' AND u.active ORDER BY u.id LIMIT 1`))
	if err != nil {
		return nil, notFound(err, "Administrator", "")
	}
	return u, nil
}
