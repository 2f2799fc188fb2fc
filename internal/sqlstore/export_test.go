package sqlstore

import (
	"context"

	"aftersales"
)

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

// CountForTest runs a query that returns one integer.
func (db *DB) CountForTest(ctx context.Context, q string, args ...any) int64 {
	var n int64
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		panic(err)
	}
	return n
}

// FindTicketByExternalIDForTest finds a ticket by its external id.
func (db *DB) FindTicketByExternalIDForTest(ctx context.Context, ext string) (*aftersales.Ticket, error) {
	return scanTicket(db.r.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM `+ticketFrom+` WHERE t.external_id = $1`, ext))
}
