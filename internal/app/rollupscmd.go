package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"aftersales/internal/config"
)

// rollups is `aftersales rollups`: fold pending ticket changes into the
// KPI rollups, recompute everything from the tickets and compare, and
// with --repair replace the rollups with the computation. It prints the
// check as JSON and fails when rollups differ and were not repaired.
func rollups(ctx context.Context, env Env, args []string) error {
	var repair bool
	c, rest, err := config.Load("rollups", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&repair, "repair", false, "replace the rollups with the full computation")
	})
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("usage: aftersales rollups [--repair]")
	}
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return fmt.Errorf("rollups: %w", err)
	}
	defer db.Close()
	check, err := db.RecomputeRollups(ctx, repair)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(check); err != nil {
		return err
	}
	if check.Differences > 0 && !repair {
		return fmt.Errorf("rollups: %d rows differ from the tickets; run with --repair", check.Differences)
	}
	return nil
}
