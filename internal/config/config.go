// Package config loads settings. Load is pure: it reads the given
// arguments and environment function, never the process's own, so tests
// can run many configurations side by side. Precedence: flags, then
// AFTERSALES_* variables (and *_FILE for secrets), then defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config holds every setting shared by the subcommands.
type Config struct {
	Addr          string
	DataDir       string
	DB            string // DSN; empty means SQLite in DataDir
	Demo          bool
	DemoSeed      int64
	DemoTickets   int
	TimeZone      string
	AdminEmail    string
	AdminPassword string
	// AdminName names the first administrator; empty: AdminDisplayName
	// picks it in the installation's language.
	AdminName     string
	SecureCookies bool
	MaxUploadMB   int
	LogFormat     string // json or text
	ShutdownWait  time.Duration
	SMTPAddr      string // host:port; empty turns email notifications off
	SMTPFrom      string
	SMTPUser      string
	SMTPPassword  string
	SMTPTLS       string // none, starttls or tls
	// IMAP lists the mailboxes read for tickets: imaps:// URLs separated
	// by spaces (a secret: it holds passwords).
	IMAP string
	// ChatSecret is the HMAC key of the chat and social webhook; empty
	// turns the webhook off.
	ChatSecret string
	// FormRate is how many web-form submissions one address may make per
	// hour.
	FormRate int
	// MetricsToken, when set, is the bearer token /metrics requires (a
	// secret); empty leaves /metrics open, for a private network.
	MetricsToken string
	// RequestTimeout is every HTTP request's deadline (imports and file
	// transfers get longer), so a frozen database answers 503 instead of
	// holding requests; 0 turns it off.
	RequestTimeout time.Duration
	// PublicURL is where customers reach the server (survey links in mail
	// and SMS); empty means http:// and the listen address.
	PublicURL string
	// SurveyRate is how many survey answers one address may send per
	// hour.
	SurveyRate int
	// Role says what serve runs: RoleWeb the screens and the API and no
	// background jobs, RoleWorker the jobs and only the health and metrics
	// endpoints, RoleAll both.
	Role string
	// Files says where attachments and import uploads live: FilesDB in
	// the database (every instance on one PostgreSQL reaches them),
	// FilesDir in the data directory, or "" for the default: the
	// database on PostgreSQL, the data directory on SQLite.
	Files string
	// Pprof, when set, is a loopback address serving net/http/pprof for
	// profiling (off by default; never expose it).
	Pprof string
	// DBRead, when set, is a PostgreSQL read replica (hot standby) of DB
	// that answers the KPI and dashboard reads.
	DBRead string
}

// Where files live (serve --files).
const (
	FilesDB  = "db"
	FilesDir = "dir"
)

// The roles of a server (serve --role).
const (
	RoleAll    = "all"
	RoleWeb    = "web"
	RoleWorker = "worker"
)

// ServesWeb reports whether the role serves the screens and the API.
func (c Config) ServesWeb() bool { return c.Role != RoleWorker }

// RunsJobs reports whether the role runs the background jobs.
func (c Config) RunsJobs() bool { return c.Role != RoleWeb }

// Defaults returns the built-in settings.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./data", DemoSeed: 20261122, DemoTickets: 24000, TimeZone: "Asia/Shanghai",
		AdminEmail: "admin@example.com", MaxUploadMB: 20, LogFormat: "text", ShutdownWait: 15 * time.Second,
		SMTPFrom: "aftersales@localhost", SMTPTLS: "starttls", FormRate: 10, SurveyRate: 30, RequestTimeout: 30 * time.Second,
		Role: RoleAll}
}

// DSN is the database to open: --db, or the SQLite file in the data dir.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "aftersales.db")
}

// FilesInDB reports whether attachments and uploads live in the database.
func (c Config) FilesInDB(postgres bool) bool {
	return c.Files == FilesDB || (c.Files == "" && postgres)
}

// AdminDisplayName is the first administrator's name: --admin-name, or
// "administrator" in the installation's language. The console speaks
// Chinese to a browser that asks for nothing else, and the time zone is
// the one setting that says where the installation is: in a zone of
// China (the default, Asia/Shanghai) the admin is 管理员, elsewhere
// Administrator, so that a Chinese desk does not meet an English name
// on its first user.
func (c Config) AdminDisplayName() string {
	if n := strings.TrimSpace(c.AdminName); n != "" {
		return n
	}
	switch c.TimeZone {
	case "Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi", "Asia/Kashgar",
		"Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "PRC", "ROC", "Hongkong":
		return "管理员"
	}
	return "Administrator"
}

// Location returns the configured time zone.
func (c Config) Location() (*time.Location, error) { return time.LoadLocation(c.TimeZone) }

// FlagSet returns a flag set for command name bound to c, with the shared
// settings and, when serve is true, the server's own.
func (c *Config) FlagSet(name string, serve bool, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (AFTERSALES_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory: SQLite database and attachments (AFTERSALES_DATA_DIR)")
	fs.StringVar(&c.DB, "db", c.DB, "database DSN: postgres://... for PostgreSQL; default SQLite in the data directory (AFTERSALES_DB)")
	fs.StringVar(&c.TimeZone, "tz", c.TimeZone, "deployment time zone for ticket numbers and dates (AFTERSALES_TZ)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "where customers reach this server, e.g. https://service.example.com, for survey links in mail and SMS; default http:// and --addr (AFTERSALES_PUBLIC_URL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (AFTERSALES_LOG_FORMAT)")
	if serve {
		fs.BoolVar(&c.Demo, "demo", c.Demo, "fill an empty database with the demo company on first start (AFTERSALES_DEMO)")
		fs.Int64Var(&c.DemoSeed, "demo-seed", c.DemoSeed, "seed of the demo data generator (AFTERSALES_DEMO_SEED)")
		fs.IntVar(&c.DemoTickets, "demo-tickets", c.DemoTickets, "number of demo tickets (AFTERSALES_DEMO_TICKETS)")
		fs.StringVar(&c.AdminEmail, "admin-email", c.AdminEmail, "email of the administrator created on first start (AFTERSALES_ADMIN_EMAIL)")
		fs.StringVar(&c.AdminName, "admin-name", c.AdminName, "name of the administrator created on first start; default 管理员 in a Chinese time zone, else Administrator (AFTERSALES_ADMIN_NAME)")
		fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark session cookies Secure; set behind an HTTPS proxy (AFTERSALES_SECURE_COOKIES)")
		fs.IntVar(&c.MaxUploadMB, "max-upload-mb", c.MaxUploadMB, "largest attachment in MiB (AFTERSALES_MAX_UPLOAD_MB)")
		fs.DurationVar(&c.ShutdownWait, "shutdown-wait", c.ShutdownWait, "how long in-flight requests may finish on shutdown (AFTERSALES_SHUTDOWN_WAIT)")
		fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "SMTP server host:port for email notifications; wins over the console's Channels page; empty: the page's server, if any (AFTERSALES_SMTP_ADDR)")
		fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of notification emails (AFTERSALES_SMTP_FROM)")
		fs.StringVar(&c.SMTPUser, "smtp-user", c.SMTPUser, "SMTP user; the password comes from AFTERSALES_SMTP_PASSWORD or _FILE (AFTERSALES_SMTP_USER)")
		fs.StringVar(&c.SMTPTLS, "smtp-tls", c.SMTPTLS, "SMTP encryption: none, starttls or tls (AFTERSALES_SMTP_TLS)")
		fs.StringVar(&c.IMAP, "imap", c.IMAP, "mailboxes to read tickets from, space-separated: imaps://user:password@host/INBOX, read besides those of the console's Channels page (AFTERSALES_IMAP or _FILE)")
		fs.IntVar(&c.FormRate, "form-rate", c.FormRate, "web-form submissions allowed per client address and hour (AFTERSALES_FORM_RATE)")
		fs.IntVar(&c.SurveyRate, "survey-rate", c.SurveyRate, "survey answers allowed per client address and hour (AFTERSALES_SURVEY_RATE)")
		fs.StringVar(&c.MetricsToken, "metrics-token", c.MetricsToken, "bearer token /metrics requires; empty: /metrics is open (AFTERSALES_METRICS_TOKEN or _FILE)")
		fs.StringVar(&c.Role, "role", c.Role, "what this server runs: web (screens and API, no background jobs), worker (background jobs; only /healthz, /readyz and /metrics) or all (AFTERSALES_ROLE)")
		fs.StringVar(&c.DBRead, "db-read", c.DBRead, "PostgreSQL read replica (hot standby) of --db that answers KPI and dashboard reads; empty: --db answers them (AFTERSALES_DB_READ or _FILE)")
		fs.StringVar(&c.Files, "files", c.Files, "where attachments and import uploads live: db (in the database, reached by every instance) or dir (the data directory); default: db on PostgreSQL, dir on SQLite (AFTERSALES_FILES)")
		fs.StringVar(&c.Pprof, "pprof", c.Pprof, "address of a separate listener serving Go's profiler (/debug/pprof/), e.g. 127.0.0.1:6060; empty: none; keep it on loopback (AFTERSALES_PPROF)")
		fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline of each HTTP request; past it a request the database holds up gets 503 (imports and file transfers get 30m; 0: none) (AFTERSALES_REQUEST_TIMEOUT)")
	}
	return fs
}

// FromEnv applies AFTERSALES_* variables to c. Secrets may come from a
// file named by the *_FILE variant.
func (c *Config) FromEnv(getenv func(string) string) error {
	var errs []error
	str := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	secret := func(dst *string, name string) {
		str(dst, name)
		if path := getenv(name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			*dst = strings.TrimSpace(string(b))
		}
	}
	boolean := func(dst *bool, name string) {
		switch strings.ToLower(getenv(name)) {
		case "":
		case "1", "true", "yes", "on":
			*dst = true
		case "0", "false", "no", "off":
			*dst = false
		default:
			errs = append(errs, fmt.Errorf("%s: %q is not a boolean", name, getenv(name)))
		}
	}
	integer := func(name string, set func(int64)) {
		if v := getenv(name); v != "" {
			var n int64
			if _, err := fmt.Sscan(v, &n); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a number", name, v))
				return
			}
			set(n)
		}
	}
	str(&c.Addr, "AFTERSALES_ADDR")
	str(&c.DataDir, "AFTERSALES_DATA_DIR")
	secret(&c.DB, "AFTERSALES_DB")
	str(&c.TimeZone, "AFTERSALES_TZ")
	str(&c.LogFormat, "AFTERSALES_LOG_FORMAT")
	str(&c.PublicURL, "AFTERSALES_PUBLIC_URL")
	str(&c.Role, "AFTERSALES_ROLE")
	str(&c.Pprof, "AFTERSALES_PPROF")
	str(&c.Files, "AFTERSALES_FILES")
	secret(&c.DBRead, "AFTERSALES_DB_READ")
	str(&c.AdminEmail, "AFTERSALES_ADMIN_EMAIL")
	str(&c.AdminName, "AFTERSALES_ADMIN_NAME")
	secret(&c.AdminPassword, "AFTERSALES_ADMIN_PASSWORD")
	str(&c.SMTPAddr, "AFTERSALES_SMTP_ADDR")
	str(&c.SMTPFrom, "AFTERSALES_SMTP_FROM")
	str(&c.SMTPUser, "AFTERSALES_SMTP_USER")
	secret(&c.SMTPPassword, "AFTERSALES_SMTP_PASSWORD")
	str(&c.SMTPTLS, "AFTERSALES_SMTP_TLS")
	secret(&c.IMAP, "AFTERSALES_IMAP")
	secret(&c.ChatSecret, "AFTERSALES_CHAT_SECRET")
	secret(&c.MetricsToken, "AFTERSALES_METRICS_TOKEN")
	integer("AFTERSALES_FORM_RATE", func(n int64) { c.FormRate = int(n) })
	integer("AFTERSALES_SURVEY_RATE", func(n int64) { c.SurveyRate = int(n) })
	boolean(&c.Demo, "AFTERSALES_DEMO")
	boolean(&c.SecureCookies, "AFTERSALES_SECURE_COOKIES")
	integer("AFTERSALES_DEMO_SEED", func(n int64) { c.DemoSeed = n })
	integer("AFTERSALES_DEMO_TICKETS", func(n int64) { c.DemoTickets = int(n) })
	integer("AFTERSALES_MAX_UPLOAD_MB", func(n int64) { c.MaxUploadMB = int(n) })
	duration := func(dst *time.Duration, name string) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			*dst = d
		}
	}
	duration(&c.ShutdownWait, "AFTERSALES_SHUTDOWN_WAIT")
	duration(&c.RequestTimeout, "AFTERSALES_REQUEST_TIMEOUT")
	return errors.Join(errs...)
}

// Validate checks the combined settings.
func (c Config) Validate() error {
	var errs []error
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("tz: %q is not a time zone", c.TimeZone))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format: must be text or json, not %q", c.LogFormat))
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 1024 {
		errs = append(errs, fmt.Errorf("max-upload-mb: must be between 1 and 1024"))
	}
	if c.DemoTickets < 0 || c.DemoTickets > 5_000_000 {
		errs = append(errs, fmt.Errorf("demo-tickets: must be between 0 and 5000000"))
	}
	if c.SMTPTLS != "none" && c.SMTPTLS != "starttls" && c.SMTPTLS != "tls" {
		errs = append(errs, fmt.Errorf("smtp-tls: must be none, starttls or tls, not %q", c.SMTPTLS))
	}
	if c.SMTPAddr != "" && !strings.Contains(c.SMTPAddr, ":") {
		errs = append(errs, fmt.Errorf("smtp-addr: must be host:port, not %q", c.SMTPAddr))
	}
	if c.FormRate < 1 || c.FormRate > 10000 {
		errs = append(errs, fmt.Errorf("form-rate: must be between 1 and 10000"))
	}
	if c.Role != RoleAll && c.Role != RoleWeb && c.Role != RoleWorker {
		errs = append(errs, fmt.Errorf("role: must be web, worker or all, not %q", c.Role))
	}
	if c.Files != "" && c.Files != FilesDB && c.Files != FilesDir {
		errs = append(errs, fmt.Errorf("files: must be db or dir, not %q", c.Files))
	}
	if c.DBRead != "" && (!strings.HasPrefix(c.DBRead, "postgres://") && !strings.HasPrefix(c.DBRead, "postgresql://")) {
		errs = append(errs, fmt.Errorf("db-read: must be a postgres:// DSN of a read replica"))
	}
	if c.RequestTimeout < 0 {
		errs = append(errs, fmt.Errorf("request-timeout: must not be negative"))
	}
	if c.ChatSecret != "" && len(c.ChatSecret) < 16 {
		errs = append(errs, fmt.Errorf("AFTERSALES_CHAT_SECRET: must be at least 16 characters"))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, fmt.Errorf("metrics-token: must be at least 16 characters"))
	}
	if c.DataDir == "" {
		errs = append(errs, fmt.Errorf("data-dir: must not be empty"))
	}
	return errors.Join(errs...)
}

// Load builds the configuration for a command: defaults, then the
// environment, then flags (which win). It returns the remaining arguments.
// extra may register command-specific flags.
func Load(name string, serve bool, args []string, getenv func(string) string, out io.Writer, extra func(*flag.FlagSet)) (Config, []string, error) {
	c := Defaults()
	if err := c.FromEnv(getenv); err != nil {
		return c, nil, err
	}
	fs := c.FlagSet(name, serve, out)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), c.Validate()
}
