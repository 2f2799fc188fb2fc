// Package app wires the program together: it parses the command line,
// opens the store, and runs a subcommand. Main is what cmd/aftersales
// calls and what end-to-end tests start, on a port of their choosing.
package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"aftersales"
	"aftersales/internal/auth"
	"aftersales/internal/config"
	"aftersales/internal/demo"
	"aftersales/internal/files"
	"aftersales/internal/jobs"
	"aftersales/internal/mail"
	"aftersales/internal/mailin"
	"aftersales/internal/sqlstore"
	"aftersales/internal/textan"
	"aftersales/internal/web"
	"aftersales/internal/web/api"
	"aftersales/internal/web/console"

	"github.com/prometheus/client_golang/prometheus"
)

// Version is set at build time with -ldflags "-X aftersales/internal/app.Version=...".
var Version = "dev"

// Env is the process's outside world, passed in so tests can fake it.
type Env struct {
	Args   []string // without the program name
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Ready, when set, receives the listening address once serve accepts.
	Ready func(addr string)
	Now   func() time.Time
}

const usage = `aftersales — after-sales service platform

Usage:
  aftersales [serve] [flags]         run the server (default)
  aftersales migrate [flags]         apply database migrations and exit
  aftersales user create [flags]     create a staff account
  aftersales token create --user EMAIL [--name NAME]   print a new API token
  aftersales import --mapping NAME|FILE.json [--dry-run] FILE   import tickets from CSV or XLSX
  aftersales import --help-mapping   how to write a mapping: target fields, date layouts, accepted values
  aftersales mapping list            the built-in mappings
  aftersales mapping show NAME       print a built-in mapping (JSON) to start your own from
  aftersales export [--format csv|xlsx] FILE|-      export tickets (columns the "aftersales" mapping reads)
  aftersales rollups [--repair]      check the KPI rollups against the tickets (and repair them)
  aftersales plan-routes --tsplib|--solomon FILE [--time-limit 10s]   solve a routing benchmark, print JSON
  aftersales openapi                 print the API's OpenAPI document (what /api/v1/openapi.json serves)
  aftersales openapi portal          print the customer portal API's document (/api/portal/v1/openapi.json)
  aftersales bench --url URL --token TOKEN [--mix create=20,update=20,list=40,dashboard=20] [--clients 8] [--duration 30s] [--requests N]
                                     load a running server through the API; throughput and p50/p95/p99 per operation
  aftersales backup FILE.tar.gz      consistent copy of a running SQLite installation: database and attachments
  aftersales restore FILE.tar.gz     restore a backup into an empty data directory (PostgreSQL: docs/OPERATIONS.md)
  aftersales move-db --to postgres://...   move a whole SQLite instance (every table, attachments, uploads) into a new PostgreSQL database
  aftersales classify evaluate --file F.csv --text COL --label COL [--folds 5]   cross-validate the text classifier on a labelled file
  aftersales dictionary import --file F.csv|F.xlsx   seed the text-analytics domain dictionary, all or nothing
  aftersales text sentiment evaluate --file F.csv --text COL --label COL [--folds 5]   held-out accuracy of lexicon, model, stored score
  aftersales text sentiment train --file F.csv --text COL --label COL [--folds 5]      train a sentiment model on a labelled file and store it
  aftersales version                 print the version

Every command takes -h. Shared settings: --addr, --data-dir, --db, --tz, --log-format
(also AFTERSALES_ADDR, AFTERSALES_DATA_DIR, AFTERSALES_DB, AFTERSALES_TZ, AFTERSALES_LOG_FORMAT).
`

// Main runs one command and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	args := env.Args
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, env, args)
	case "migrate":
		err = migrate(ctx, env, args)
	case "user":
		err = sub(ctx, env, args, "user", map[string]func(context.Context, Env, []string) error{"create": userCreate})
	case "token":
		err = sub(ctx, env, args, "token", map[string]func(context.Context, Env, []string) error{"create": tokenCreate})
	case "import":
		err = importFile(ctx, env, args)
	case "mapping":
		err = sub(ctx, env, args, "mapping", map[string]func(context.Context, Env, []string) error{"list": mappingList, "show": mappingShow})
	case "export":
		err = exportFile(ctx, env, args)
	case "rollups":
		err = rollups(ctx, env, args)
	case "plan-routes":
		err = planRoutes(ctx, env, args)
	case "openapi":
		var doc []byte
		document := api.Document
		if len(args) > 0 && args[0] == "portal" {
			document = api.PortalDocument
		}
		if doc, err = document(Version); err == nil {
			_, err = fmt.Fprintf(env.Stdout, "%s\n", doc)
		}
	case "bench":
		err = benchCmd(ctx, env, args)
	case "backup":
		err = backup(ctx, env, args)
	case "restore":
		err = restore(ctx, env, args)
	case "move-db":
		err = moveDB(ctx, env, args)
	case "classify":
		err = sub(ctx, env, args, "classify", map[string]func(context.Context, Env, []string) error{"evaluate": classifyEvaluate})
	case "text":
		err = textCmd(ctx, env, args)
	case "dictionary":
		err = sub(ctx, env, args, "dictionary", map[string]func(context.Context, Env, []string) error{"import": dictionaryImport})
	case "version":
		fmt.Fprintln(env.Stdout, "aftersales", Version)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "aftersales: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintln(env.Stderr, "aftersales:", err)
		return 1
	}
}

func sub(ctx context.Context, env Env, args []string, name string, cmds map[string]func(context.Context, Env, []string) error) error {
	if len(args) == 0 || cmds[args[0]] == nil {
		var names []string
		for k := range cmds {
			names = append(names, name+" "+k)
		}
		return fmt.Errorf("usage: aftersales %s (-h for flags)", strings.Join(names, " | "))
	}
	return cmds[args[0]](ctx, env, args[1:])
}

func logger(c config.Config, w io.Writer) *slog.Logger {
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// open opens and migrates the store named by c.
func open(ctx context.Context, c config.Config, now func() time.Time) (*sqlstore.DB, error) {
	if c.DB == "" {
		if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", c.DataDir, err)
		}
	}
	db, err := sqlstore.Open(ctx, c.DSN())
	if err != nil {
		return nil, err
	}
	db.Now = now
	db.Zone, _ = c.Location()
	db.EmailNotifications = c.SMTPAddr != ""
	db.PublicURL = cmp.Or(c.PublicURL, "http://"+c.Addr)
	cat, err := console.DefaultCatalog()
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Messages = cat.T
	if _, domain, ok := strings.Cut(c.SMTPFrom, "@"); ok {
		db.MailDomain = strings.Trim(domain, "> ")
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func migrate(ctx context.Context, env Env, args []string) error {
	c, _, err := config.Load("migrate", false, args, env.Getenv, env.Stderr, nil)
	if err != nil {
		return err
	}
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(env.Stdout, "migrated %s database\n", db.Engine())
	return nil
}

// ensureAdmin creates the first administrator when there are no users.
// The password comes from AFTERSALES_ADMIN_PASSWORD or is generated and
// printed once.
func ensureAdmin(ctx context.Context, db *sqlstore.DB, c config.Config, out io.Writer) (*aftersales.User, error) {
	if u, err := db.FindUserByEmail(ctx, c.AdminEmail); err == nil {
		return u, nil
	}
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	pw, generated := c.AdminPassword, false
	if pw == "" {
		pw, generated = auth.GeneratePassword(), true
	}
	u, err := db.BootstrapUser(ctx, aftersales.UserInput{Email: c.AdminEmail, Name: c.AdminDisplayName(), Role: aftersales.RoleAdmin, Password: pw})
	if err != nil {
		return nil, fmt.Errorf("create administrator: %w", err)
	}
	if generated {
		fmt.Fprintf(out, "\nCreated administrator %s with password: %s\n(shown once; set AFTERSALES_ADMIN_PASSWORD to choose it)\n\n", u.Email, pw)
	} else {
		fmt.Fprintf(out, "\nCreated administrator %s with the password from AFTERSALES_ADMIN_PASSWORD\n\n", u.Email)
	}
	return u, nil
}

func serve(ctx context.Context, env Env, args []string) error {
	c, _, err := config.Load("serve", true, args, env.Getenv, env.Stderr, nil)
	if err != nil {
		return err
	}
	log := logger(c, env.Stderr)
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.DBRead != "" {
		if err := db.UseReadReplica(ctx, c.DBRead); err != nil {
			return fmt.Errorf("db-read: %w", err)
		}
	}
	admin, err := ensureAdmin(ctx, db, c, env.Stdout)
	if err != nil {
		return err
	}
	// One text analyser per process, on the store's segmenter: the
	// dictionary loads once, on the first text, for every text feature.
	ta := textan.NewAnalyser(db.Text)
	if c.Demo {
		if err := loadDemo(ctx, db, c, admin, env, log, ta); err != nil {
			return err
		}
	}
	fs, uploads, closeFiles, err := openFiles(c, db)
	if err != nil {
		return err
	}
	defer closeFiles()
	fs.MaxSize = int64(c.MaxUploadMB) << 20
	zone, _ := c.Location()
	mailboxes, err := parseMailboxes(c.IMAP)
	if err != nil {
		return err
	}
	if (c.SMTPAddr != "" || len(mailboxes) > 0) && c.SMTPFrom == "aftersales@localhost" {
		log.Warn("email is configured but --smtp-from is the default aftersales@localhost: customers' servers will refuse or junk our mail, and Message-IDs name localhost; set --smtp-from to the support address")
	}
	poller := &mailin.Poller{Intake: db, Files: fs, Now: env.Now, Log: log, Metrics: &mailin.Metrics{}}
	email := &emailChannel{db: db, mailboxes: mailboxes, poller: poller}
	if c.SMTPAddr != "" {
		email.flagSMTP = &mail.Sender{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUser, Password: c.SMTPPassword, TLS: c.SMTPTLS}
	}
	running := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aftersales_jobs_running",
		Help: "Background jobs this instance runs, by job (none with --role web); mail intake counts its mailboxes."}, []string{"job"})
	srv := &web.Server{Services: db.Services(), Idempotency: db, DB: db, Files: fs, Log: log, Now: env.Now, Version: Version,
		Zone: zone, SecureCookie: c.SecureCookies, ChatSecret: c.ChatSecret, FormRate: c.FormRate, SurveyRate: c.SurveyRate, Uploads: uploads,
		MetricsToken: c.MetricsToken, Collectors: append(mailCollectors(db, poller.Metrics, email, env.Now), running),
		ServerEmail: email.server(), ChannelTester: channelTester{email},
		RequestTimeout: c.RequestTimeout}
	srv.Services.Topics = newTopics(db, zone, env.Now)
	var handler http.Handler
	if c.ServesWeb() {
		// Every instance on the database signs the web form with one key
		// and counts its submissions in the database.
		if srv.FormKey, err = db.Secret(ctx, web.FormKeySecret); err != nil {
			return err
		}
		srv.Shared = db
		handler = srv.Handler()
	} else {
		handler = srv.OpsHandler()
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if c.Pprof != "" {
		stop, err := servePprof(c.Pprof, log)
		if err != nil {
			return fmt.Errorf("pprof: %w", err)
		}
		defer stop()
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	// Background jobs stop with the server, after in-flight requests. They
	// start before the server says it is ready, so aftersales_jobs_running
	// is complete from the first scrape.
	jctx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var jobsWG sync.WaitGroup
	defer func() { stopJobs(); jobsWG.Wait() }()
	if c.RunsJobs() {
		startJobs(jctx, &jobsWG, running, db, email, log, ta)
	}
	addr := ln.Addr().String()
	fmt.Fprintf(env.Stdout, "aftersales %s (%s, role %s) listening on http://%s\n", Version, db.Engine(), c.Role, addr)
	if env.Ready != nil {
		env.Ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; each write is one transaction, so
	// nothing is left half-written when the deadline cuts a request off.
	log.Info("shutting down", "wait", c.ShutdownWait)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownWait)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// startJobs starts the background jobs of a worker (serve --role worker
// or all), each counted in running while it runs.
func startJobs(ctx context.Context, wg *sync.WaitGroup, running *prometheus.GaugeVec, db *sqlstore.DB, email *emailChannel,
	log *slog.Logger, ta *textan.Analyser) {
	start := func(name string, run func()) {
		g := running.WithLabelValues(name)
		g.Inc()
		wg.Go(func() {
			defer g.Dec()
			run()
		})
	}
	job := func(name string, every time.Duration, fn func(context.Context) (bool, error)) {
		start(name, func() { jobs.Every(ctx, name, every, log, fn) })
	}
	// The SLA sweep fires warnings and escalations.
	job("sla-sweep", 30*time.Second, jobs.SweepSLA(db, log))
	job("webhooks", 10*time.Second, jobs.DeliverWebhooks(db, &http.Client{Timeout: 15 * time.Second}, log))
	// The outbox waits while no SMTP server is configured, in the flags
	// or the settings; each batch sends with the settings as they are.
	job("email", 15*time.Second, email.sendBatch(db, log))
	job("automation", time.Minute, func(ctx context.Context) (bool, error) {
		n, err := db.SweepAutomations(ctx, jobs.SweepBatch)
		return n >= jobs.SweepBatch, err
	})
	// Follow-up policies decide each resolution once (a recorded selection
	// under a primary key) and create the selected tasks.
	job("followup-sweep", time.Minute, func(ctx context.Context) (bool, error) {
		n, err := db.SweepFollowups(ctx, jobs.SweepBatch)
		return n >= jobs.SweepBatch, err
	})
	// KPI rollups follow ticket changes within seconds; once a day a full
	// recompute proves them equal to the tickets and repairs any drift.
	job("kpi-rollups", 5*time.Second, func(ctx context.Context) (bool, error) {
		n, err := db.RefreshRollups(ctx, jobs.RollupBatch)
		return n >= jobs.RollupBatch, err
	})
	// With several instances one of them recomputes (an advisory lock).
	job("kpi-recompute", 24*time.Hour, db.Exclusive("kpi-recompute", jobs.CheckRollups(db, log)))
	// A first load into PostgreSQL commits its foreign keys NOT VALID;
	// this validates them (one instance), and fails loudly every minute
	// while rows violate one (ValidateConstraints).
	job("constraint-check", time.Minute, db.Exclusive("constraint-check", func(ctx context.Context) (bool, error) {
		n, err := db.ValidateConstraints(ctx)
		if n > 0 {
			log.Info("foreign keys validated", "count", n)
		}
		return false, err
	}))
	job("quality-alerts", time.Hour, func(ctx context.Context) (bool, error) {
		n, err := db.SweepAlerts(ctx)
		if n > 0 {
			log.Info("quality alerts recorded", "breaches", n)
		}
		return false, err
	})
	job("improvement-loop", time.Hour, func(ctx context.Context) (bool, error) {
		n, err := db.SweepImprovements(ctx)
		if n > 0 {
			log.Info("improvement loop: reminders, escalations and relapses", "count", n)
		}
		return false, err
	})
	// Text models (issue #21): trainings asked for in the console or the
	// API, and a nightly retraining of the active ones; one instance trains.
	job("text-train", time.Minute, db.Exclusive("text-train", jobs.TrainText(db, log)))
	job("text-retrain", 24*time.Hour, jobs.RetrainText(db))
	job("sentiment-train", time.Minute, db.Exclusive("sentiment-train", jobs.TrainSentiment(db, log)))
	// Text analytics (issue #21): tickets and customer messages queued by
	// triggers are analysed in the background, so creating a ticket never
	// waits for the segmenter; rising terms are tested once an hour.
	// During a burst of creates the analysis does one batch per tick
	// and catches up after it (jobs.YieldToWrites, docs/SCALING.md).
	job("text-analysis", 5*time.Second, db.Exclusive("text-analysis", jobs.YieldToWrites(db, jobs.AnalyseTextsJob(db, ta))))
	job("term-alerts", time.Hour, func(ctx context.Context) (bool, error) {
		n, err := db.SweepTermAlerts(ctx)
		if n > 0 {
			log.Info("rising terms recorded", "terms", n)
		}
		return false, err
	})
	// Customer segments (issue #20): once a day the segment rules set the
	// tiers, one instance at a time.
	job("segments", 24*time.Hour, db.Exclusive("segments", jobs.EvaluateSegments(db, log)))
	// Each mailbox keeps one logged-in connection and waits in IDLE for
	// new mail; servers without IDLE are polled every 30 s. Mailboxes
	// added in the settings start within seconds (channels.go).
	email.startIntake(ctx, wg, func() prometheus.Gauge { return running.WithLabelValues("mail-intake") }, log)
}

// mailCollectors are the email channel's metrics: messages read,
// quarantined, unreadable and sent, and the age of the oldest unsent
// outbox message.
func mailCollectors(db *sqlstore.DB, m *mailin.Metrics, email *emailChannel, now func() time.Time) []prometheus.Collector {
	counter := func(name, help string, f func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	cs := []prometheus.Collector{
		counter("aftersales_mail_received_total", "Messages read from the mailboxes (tickets, replies, notes, bounces, duplicates).", m.Read.Load),
		counter("aftersales_mail_quarantined_total", "Messages quarantined after repeated failures.", m.Quarantined.Load),
		counter("aftersales_mail_unreadable_total", "Messages with parts that could not be read (the raw message is kept).", m.Unreadable.Load),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "aftersales_mail_outbox_oldest_pending_seconds",
			Help: "Age of the oldest unsent outbox message; 0 when none waits."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			at, ok, err := db.OldestPendingEmail(ctx)
			if err != nil || !ok {
				return 0
			}
			return now().Sub(at).Seconds()
		}),
	}
	cs = append(cs, counter("aftersales_mail_sent_total", "Messages the SMTP server accepted.", email.sent.Load))
	return cs
}

// parseMailboxes reads the space-separated IMAP URLs of the config.
func parseMailboxes(list string) ([]mailin.Mailbox, error) {
	var out []mailin.Mailbox
	for _, u := range strings.Fields(list) {
		mb, err := mailin.ParseMailbox(u)
		if err != nil {
			return nil, fmt.Errorf("--imap: %w", err)
		}
		out = append(out, mb)
	}
	return out, nil
}

func loadDemo(ctx context.Context, db *sqlstore.DB, c config.Config, admin *aftersales.User, env Env, log *slog.Logger, ta *textan.Analyser) error {
	loaded, err := db.DemoLoaded(ctx, demo.Name)
	if err != nil || loaded {
		return err
	}
	if _, _, tickets, err := db.MaxIDs(ctx); err != nil {
		return err
	} else if tickets > 0 {
		return fmt.Errorf("--demo only fills an empty database, and this one has tickets; use a new --data-dir or --db")
	}
	if admin == nil {
		if admin, err = db.FirstAdmin(ctx); err != nil {
			return fmt.Errorf("--demo needs an active administrator to act as; create one with aftersales user create --role admin")
		}
	}
	start := time.Now()
	zone, _ := c.Location()
	fmt.Fprintf(env.Stdout, "Generating demo data (%d tickets, seed %d)...\n", c.DemoTickets, c.DemoSeed)
	actx := aftersales.NewContextWithUser(ctx, admin)
	sum, err := demo.Load(actx, db.Services(), db, demo.Options{Seed: c.DemoSeed, Tickets: c.DemoTickets, End: env.Now(), Zone: zone})
	if err != nil {
		return err
	}
	// The demo's texts are analysed before the server answers, so the
	// voice-of-the-customer page has content from the first request.
	textStart := time.Now()
	analysed, err := jobs.AnalyseAllTexts(ctx, db, ta)
	if err != nil {
		return err
	}
	log.Info("demo texts analysed", "tickets", analysed, "took", time.Since(textStart).Round(time.Millisecond))
	if _, err := db.RecordDemo(ctx, demo.Name, c.DemoSeed); err != nil {
		return err
	}
	log.Info("demo data loaded", "tickets", sum.Tickets, "events", sum.Events, "customers", sum.Customers, "took", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(env.Stdout, "Demo company: %d regions, %d service points, %d teams, %d staff, %d products, %d customers, %d assets, %d tickets (%d open). Staff sign in with their demo email and password demo-password-1.\n",
		sum.Regions, sum.ServicePoints, sum.Teams, sum.Users, sum.Products, sum.Customers, sum.Assets, sum.Tickets, sum.OpenTickets)
	return nil
}

func userCreate(ctx context.Context, env Env, args []string) error {
	var in aftersales.UserInput
	var role string
	c, _, err := config.Load("user create", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Email, "email", "", "email address (required)")
		fs.StringVar(&in.Name, "name", "", "display name (required)")
		fs.StringVar(&role, "role", string(aftersales.DefaultRole), "role: admin, supervisor, quality_manager, agent, technician")
		fs.StringVar(&in.Password, "password", "", "password (default: AFTERSALES_USER_PASSWORD, else generated and printed)")
	})
	if err != nil {
		return err
	}
	in.Role = aftersales.Role(role)
	generated := false
	if in.Password == "" {
		if in.Password = env.Getenv("AFTERSALES_USER_PASSWORD"); in.Password == "" {
			in.Password, generated = auth.GeneratePassword(), true
		}
	}
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.BootstrapUser(ctx, in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(env.Stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", in.Password)
	}
	return nil
}

func tokenCreate(ctx context.Context, env Env, args []string) error {
	var email, name string
	c, _, err := config.Load("token create", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "user", "", "email of the token's owner (required)")
		fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("token create: --user EMAIL is required")
	}
	db, err := open(ctx, c, env.Now)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.FindUserByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("token create: no user %s", email)
	}
	// The operator creates the token as its owner would.
	t, err := db.CreateToken(aftersales.NewContextWithUser(ctx, u), u.ID, name)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(env.Stdout, t.Secret)
	return nil
}

// describe renders an application error with its field reasons for a terminal.
func describe(err error) error {
	fs := aftersales.ErrorFields(err)
	if len(fs) == 0 {
		return errors.New(aftersales.ErrorMessage(err))
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = "--" + f.Field + ": " + f.Reason
	}
	return fmt.Errorf("%s\n  %s", aftersales.ErrorMessage(err), strings.Join(parts, "\n  "))
}

// openFiles opens where attachments and import uploads live: the
// database (the default on PostgreSQL, so every instance reaches every
// file) or the data directory.
func openFiles(c config.Config, db *sqlstore.DB) (*files.Store, aftersales.BlobStore, func(), error) {
	if c.FilesInDB(db.Engine() == sqlstore.Postgres) {
		return files.New(db), db, func() {}, nil
	}
	fs, err := files.Open(filepath.Join(c.DataDir, "attachments"))
	if err != nil {
		return nil, nil, nil, err
	}
	uploads, err := files.OpenDir(filepath.Join(c.DataDir, "uploads"))
	if err != nil {
		fs.Close()
		return nil, nil, nil, err
	}
	return fs, uploads, func() { fs.Close(); uploads.Close() }, nil
}
