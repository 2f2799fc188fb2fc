package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"aftersales"
)

// PlanUnplannedDays stores the plan of every technician's day that has
// booked visits without one: days whose visits came in by bulk load (a
// history imported, the demo's past) rather than booked one by one,
// which plans the day as it goes. Each day is planned by the same code
// as a booking (replanDay), at the store's clock; it returns how many
// days it planned. Days go in batches, each one transaction, so the
// writer is not held for the whole history.
func (db *DB) PlanUnplannedDays(ctx context.Context) (int, error) {
	if _, err := aftersales.Require(ctx, aftersales.PermVisitPlan); err != nil {
		return 0, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT v.technician_id, v.window_start FROM visits v LEFT JOIN visit_plans p ON p.visit_id = v.id
		WHERE v.technician_id IS NOT NULL AND v.status <> 'cancelled' AND p.visit_id IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: unplanned days: %w", err)
	}
	seen := map[techDay]bool{}
	var days []techDay
	for rows.Next() {
		var tech, ws int64
		if err := rows.Scan(&tech, &ws); err != nil {
			rows.Close()
			return 0, err
		}
		d := db.techDayOf(&tech, fromMS(ws))
		if !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: unplanned days: %w", err)
	}
	// The same order whatever order the rows came in.
	slices.SortFunc(days, func(a, b techDay) int { return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.tech, b.tech)) })
	const batch = 200
	for i := 0; i < len(days); i += batch {
		err := db.inTx(ctx, func(tx *Tx) error {
			for _, d := range days[i:min(i+batch, len(days))] {
				// A user who is no longer a technician has no day to plan.
				if err := db.replanDay(ctx, tx, d.tech, d.day); err != nil && aftersales.ErrorCode(err) != aftersales.ENOTFOUND {
					return fmt.Errorf("sqlstore: plan technician %d's %s: %w", d.tech, d.day, err)
				}
			}
			return nil
		})
		if err != nil {
			return i, err
		}
	}
	return len(days), nil
}
