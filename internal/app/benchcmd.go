package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"aftersales/internal/bench"
)

// benchCmd is `aftersales bench`: a load generator for a running server,
// like pgbench or nats bench. It only speaks the public API.
func benchCmd(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg := bench.Config{Now: env.Now}
	var mix string
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "the server's base URL")
	fs.StringVar(&cfg.Token, "token", env.Getenv("AFTERSALES_TOKEN"), "API token of a user who may create customers and tickets and read metrics (AFTERSALES_TOKEN)")
	fs.StringVar(&mix, "mix", "create=20,update=20,list=40,dashboard=20",
		"operations and their shares in percent, summing to 100: create (POST /tickets), update (PATCH /tickets/{id}: urgency of a ticket the run created), "+
			"list (GET /tickets, 50 rows), dashboard (GET /metrics/kpis/res_sla, 12 months by team)")
	fs.IntVar(&cfg.Clients, "clients", 8, "concurrent clients, each with one request in flight")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measured time; 0: until --requests are done")
	fs.IntVar(&cfg.Requests, "requests", 0, "measured requests in all; 0: until --duration is over (the first bound reached ends the run)")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "requests before the measurement, not counted")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per request")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: aftersales bench --url URL --token TOKEN [--mix create=20,update=20,list=40,dashboard=20] [--clients 8] [--duration 30s] [--requests N] [--warmup 2s]\n\n"+
			"Sends a mix of API requests to a running server and prints, per operation and in total, the requests, errors (by status),\n"+
			"throughput and p50/p95/p99 latency of successful requests. It creates one customer and the tickets it names \"bench\".\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("bench: unexpected argument %q (-h for flags)", fs.Arg(0))
	}
	var err error
	if cfg.Mix, err = bench.ParseMix(mix); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "aftersales bench: %s, mix %s, %d clients, duration %s, requests %d, warmup %s\n",
		cfg.URL, mix, cfg.Clients, cfg.Duration, cfg.Requests, cfg.Warmup)
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rep.Print(env.Stdout)
	return nil
}
