package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"aftersales"
	"aftersales/internal/routing"
)

// configSnap is the configuration every ticket write reads: SLA policies
// and calendars with the category and unit trees, routing rules, service
// points and teams with their members and skills, custom fields, webhook
// subscriptions and automation rules. It is loaded once per change of the
// configuration and shared, read-only, by every request of the process.
//
// stamp is the config_stamp it was loaded under. Triggers (migration
// 0030) change the stamp in the same transaction as any change to those
// tables, and a stamp is never taken twice (random on SQLite, a sequence
// on PostgreSQL), so a snapshot whose stamp equals the one in the database
// is current, on every instance that shares the database. The stamp is
// read before the tables: a snapshot can be newer than its stamp, never
// older.
type configSnap struct {
	stamp  int64
	sla    *slaEnv
	routed bool // any active rule, covering service point or assigning team
	rules  []*aftersales.RoutingRule
	points []routing.Point
	teams  []routing.Team // members without their open work; LastAssignee unset
	fields []*aftersales.CustomField
	hooks  []webhookSub
	autos  map[string][]*aftersales.AutomationRule // active rules by trigger, in run order
	text   textConfig                              // active text models and thresholds (textclass.go)
	// email is the email channel's settings with their passwords
	// (migration 0060, channels.go): mail to customers and users is
	// queued when the flags (DB.EmailNotifications) or these name a
	// server, and the mail jobs read them (EmailRuntime).
	email *aftersales.EmailSettings
}

type webhookSub struct {
	id     int64
	events []string
}

// config returns the current configuration as seen by q: the cached
// snapshot when its stamp is the database's (one primary-key read), else
// a fresh load. Inside insertTicket and updateTicket the snapshot is
// pinned on the transaction, which changes no configuration in between,
// so a write reads the stamp once.
func (db *DB) config(ctx context.Context, q queryer) (*configSnap, error) {
	if tx, ok := q.(*Tx); ok && tx.cfg != nil {
		return tx.cfg, nil
	}
	const read = `SELECT stamp FROM config_stamp WHERE id = 1`
	row := q.QueryRowContext
	if q == queryer(db.r) {
		row = db.readRow // compiled on SQLite
	}
	var stamp int64
	if err := row(ctx, read).Scan(&stamp); err != nil {
		return nil, fmt.Errorf("sqlstore: config stamp: %w", err)
	}
	return db.configAt(ctx, q, stamp)
}

// configAt returns the snapshot of stamp, loading it through q when the
// cached one is not.
func (db *DB) configAt(ctx context.Context, q queryer, stamp int64) (*configSnap, error) {
	if c := db.cfg.Load(); c != nil && c.stamp == stamp {
		return c, nil
	}
	c, err := db.loadConfig(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stamp = stamp
	db.cfg.Store(c)
	return c, nil
}

// pinConfig loads the configuration once for the rest of a ticket write;
// the returned function unpins it.
func (db *DB) pinConfig(ctx context.Context, tx *Tx) (*configSnap, func(), error) {
	if tx.cfg != nil {
		return tx.cfg, func() {}, nil
	}
	c, err := db.config(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	tx.cfg, tx.cust = c, nil
	return c, func() { tx.cfg, tx.cust = nil, nil }, nil
}

func (db *DB) loadConfig(ctx context.Context, q queryer) (*configSnap, error) {
	c := &configSnap{autos: map[string][]*aftersales.AutomationRule{}}
	var err error
	if c.sla, err = db.loadSLAEnvFresh(ctx, q); err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM routing_rules WHERE active)
		+ (SELECT count(*) FROM service_units WHERE kind = 'service_point' AND active AND coverage <> '{}')
		+ (SELECT count(*) FROM teams WHERE strategy <> 'manual')`).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlstore: routing configured: %w", err)
	}
	c.routed = n > 0
	if c.rules, err = listRules(ctx, q); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+unitCols+` FROM service_units WHERE kind = 'service_point' AND active ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		c.points = append(c.points, routing.Point{ID: u.ID, Name: u.Name, Coverage: u.Coverage, Lat: u.Address.Lat, Lng: u.Address.Lng})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c.teams, err = loadTeamConfig(ctx, q); err != nil {
		return nil, err
	}
	if c.fields, err = listCustomFields(ctx, q); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE active ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: webhooks: %w", err)
	}
	for rows.Next() {
		var h webhookSub
		var events string
		if err := rows.Scan(&h.id, &events); err != nil {
			rows.Close()
			return nil, err
		}
		json.Unmarshal([]byte(events), &h.events)
		c.hooks = append(c.hooks, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	autos, err := listAutomations(ctx, q, "")
	if err != nil {
		return nil, err
	}
	for _, r := range autos {
		if r.Active {
			c.autos[r.Trigger] = append(c.autos[r.Trigger], r)
		}
	}
	if c.text, err = loadTextConfig(ctx, q); err != nil {
		return nil, err
	}
	if c.email, err = loadEmailSettings(ctx, q); err != nil {
		return nil, err
	}
	return c, nil
}

// loadTeamConfig reads teams with their members and skills; the members'
// open work is read per decision (openLoad).
func loadTeamConfig(ctx context.Context, q queryer) ([]routing.Team, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, name_en, service_unit_id, strategy, capacity FROM teams ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var teams []routing.Team
	idx := map[int64]int{}
	for rows.Next() {
		var t routing.Team
		var unit sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &t.NameEN, &unit, &t.Strategy, &t.Capacity); err != nil {
			rows.Close()
			return nil, err
		}
		t.ServiceUnitID = int64Ptr(unit)
		idx[t.ID] = len(teams)
		teams = append(teams, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT u.id, u.name, u.team_id, u.active, u.available FROM users u WHERE u.team_id IS NOT NULL ORDER BY u.id`)
	if err != nil {
		return nil, err
	}
	where := map[int64][2]int{} // user -> team index, member index
	for rows.Next() {
		var m routing.Member
		var team int64
		if err := rows.Scan(&m.ID, &m.Name, &team, &m.Active, &m.Available); err != nil {
			rows.Close()
			return nil, err
		}
		m.Skills = map[int64]int{}
		if i, ok := idx[team]; ok {
			where[m.ID] = [2]int{i, len(teams[i].Members)}
			teams[i].Members = append(teams[i].Members, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT user_id, category_id, level FROM user_skills`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u, c int64
		var l int
		if err := rows.Scan(&u, &c, &l); err != nil {
			return nil, err
		}
		if w, ok := where[u]; ok {
			teams[w[0]].Members[w[1]].Skills[c] = l
		}
	}
	return teams, rows.Err()
}

// copyTeams gives a decision its own teams to add open work to; member
// skills are shared read-only.
func copyTeams(teams []routing.Team) []routing.Team {
	out := make([]routing.Team, len(teams))
	for i, t := range teams {
		t.Members = append([]routing.Member(nil), t.Members...)
		out[i] = t
	}
	return out
}
