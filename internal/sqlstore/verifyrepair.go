package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"aftersales/internal/analytics"
)

// repairVerificationSizes puts right the verifications of mean-kind KPIs
// stored before analytics.Compare reported the before window's size as n1:
// Welch's t was called after-first and its sizes were kept, so the stored
// test says n1 for the after window and n2 for the before one, and a
// "too little data" reason says "5 before and 3 after" for 3 before and 5
// after. The estimate, interval, statistic, p and verdict were right (the
// test is symmetric in its sizes, and so is the too-small rule), so the
// sizes are swapped and that reason written again; nothing is
// recomputed from today's data, which may have moved since. Other
// methods (rates, durations, difference-in-differences) always had them
// the right way. It runs once, in migration 0054's transaction.
func repairVerificationSizes(ctx context.Context, tx *Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, result FROM improvement_verifications ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read verifications: %w", err)
	}
	type stored struct {
		id     int64
		result string
	}
	var all []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.id, &s.result); err != nil {
			rows.Close()
			return err
		}
		all = append(all, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range all {
		fixed, ok := swappedSizes(s.result)
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE improvement_verifications SET result = $1 WHERE id = $2`, fixed, s.id); err != nil {
			return fmt.Errorf("repair verification %d: %w", s.id, err)
		}
	}
	return nil
}

// swappedSizes is a stored Welch verification's result with its sizes
// (and a too-small reason) put right; ok is false for any other result,
// which stays as it is.
func swappedSizes(result string) (string, bool) {
	var res map[string]json.RawMessage
	if json.Unmarshal([]byte(result), &res) != nil {
		return "", false
	}
	var test map[string]json.RawMessage
	if json.Unmarshal(res["test"], &test) != nil {
		return "", false
	}
	var method, code string
	var n1, n2 int
	if json.Unmarshal(test["method"], &method) != nil || method != "Welch t" ||
		json.Unmarshal(test["n1"], &n1) != nil || json.Unmarshal(test["n2"], &n2) != nil {
		return "", false
	}
	// What was stored as n1 is the after window's size.
	before, after := n2, n1
	test["n1"], test["n2"] = mustRaw(before), mustRaw(after)
	res["test"] = mustRaw(test)
	if json.Unmarshal(res["reason_code"], &code) == nil && code == "too_small" {
		res["reason"] = mustRaw(analytics.TooSmallReason(before, after))
	}
	b, err := json.Marshal(res)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func mustRaw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
