package sqlstore

import "context"

// ExecRaw runs raw SQL on the writer, for tests that prove database-level
// invariants (append-only tables, constraints).
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := db.w.ExecContext(ctx, q, args...)
	return err
}

// UpdateTeamCapacityForTest lifts a team's capacity limit.
func (db *DB) UpdateTeamCapacityForTest(ctx context.Context, teamID int64, capacity int) error {
	return db.ExecRaw(ctx, `UPDATE teams SET capacity = $1 WHERE id = $2`, capacity, teamID)
}
