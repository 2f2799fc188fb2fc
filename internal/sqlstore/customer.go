package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// customerFacts is what a ticket write looks at of its customer: whether
// it exists, its tier and its address.
type customerFacts struct {
	id      int64
	found   bool
	tier    string
	address string
}

// customer reads the customer's facts once per pinned ticket write
// (pinConfig): a create checked the customer exists, routing read its tier
// and address, the SLA plan and the automations its tier again, three or
// four reads of one row inside the write transaction. pinConfig sets the
// facts aside at the start and the end of each write, so a batch of
// creates sharing a transaction (groupcommit.go) reads them per create.
// Outside a pinned write it reads every time.
func (tx *Tx) customer(ctx context.Context, id int64) (*customerFacts, error) {
	if c := tx.cust; c != nil && c.id == id {
		return c, nil
	}
	f := &customerFacts{id: id}
	err := tx.QueryRowContext(ctx, `SELECT tier, address FROM customers WHERE id = $1`, id).Scan(&f.tier, &f.address)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("sqlstore: customer %d: %w", id, err)
	default:
		f.found = true
	}
	if tx.cfg != nil {
		tx.cust = f
	}
	return f, nil
}
