package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"aftersales"
	"aftersales/internal/analytics"
)

// repairVerificationSizes puts right the verifications of mean-kind KPIs
// stored before analytics.Compare reported the before window's size as n1:
// Welch's t was called after-first and its sizes were kept, so the stored
// test says n1 for the after window and n2 for the before one, and a
// "too little data" reason says "5 before and 3 after" for 3 before and 5
// after. The estimate, interval, statistic, p and verdict were right (the
// test is symmetric in its sizes, and so is the too-small rule), so only
// the sizes are swapped and that reason written again.
//
// The stored row does not say which code wrote it: a database that ran a
// build with the fix before this migration holds rows the right way
// round. So each window's size is counted again, as the verification
// counted it (groups, from the rollups), and a row is swapped only when
// its n1 is the after window's count and its n2 the before window's, and
// the two differ. A row whose windows now count otherwise (the data
// moved since) is left as it is. It runs once, in migration 0054's
// transaction; the counts read the committed rollups beside it.
func (db *DB) repairVerificationSizes(ctx context.Context, tx *Tx) error {
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
		fixed, ok, err := db.swappedSizes(ctx, s.result)
		if err != nil {
			return fmt.Errorf("repair verification %d: %w", s.id, err)
		}
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
// (and a too-small reason) put right; ok is false for any result that is
// right already, cannot be told, or is not Welch's, which stays as it is.
func (db *DB) swappedSizes(ctx context.Context, result string) (string, bool, error) {
	var res map[string]json.RawMessage
	var v aftersales.Verification
	if json.Unmarshal([]byte(result), &res) != nil || json.Unmarshal([]byte(result), &v) != nil {
		return "", false, nil
	}
	var test map[string]json.RawMessage
	if json.Unmarshal(res["test"], &test) != nil {
		return "", false, nil
	}
	var method, code string
	var n1, n2 int
	if json.Unmarshal(test["method"], &method) != nil || method != "Welch t" ||
		json.Unmarshal(test["n1"], &n1) != nil || json.Unmarshal(test["n2"], &n2) != nil || n1 == n2 || v.ControlValue != "" {
		return "", false, nil
	}
	k, ok := analytics.Lookup(v.KPI)
	if !ok {
		return "", false, nil
	}
	kind, err := k.Verification()
	if err != nil {
		return "", false, nil
	}
	in := v.VerifyInput
	ws, err := db.parseWindows(&in)
	if err != nil {
		return "", false, nil
	}
	// Counted on the reader beside the migration's transaction. A later
	// schema may read the rollups differently from this migration's: a
	// count that fails leaves the row as it is rather than stop the
	// migration.
	gs, err := db.groups(ctx, k, kind, in.Dim, []string{in.Value}, ws)
	if err != nil {
		return "", false, nil
	}
	before, after := len(gs[0][0].Values), len(gs[0][1].Values)
	if n1 != after || n2 != before {
		return "", false, nil
	}
	test["n1"], test["n2"] = mustRaw(before), mustRaw(after)
	res["test"] = mustRaw(test)
	if json.Unmarshal(res["reason_code"], &code) == nil && code == "too_small" {
		res["reason"] = mustRaw(analytics.TooSmallReason(before, after))
	}
	b, err := json.Marshal(res)
	if err != nil {
		return "", false, err
	}
	return string(b), true, nil
}

func mustRaw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
