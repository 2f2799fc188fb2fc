package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(secret, []byte("from-file\n"), 0o600)
	c, rest, err := Load("serve", true, []string{"--addr", "127.0.0.1:9999", "--demo", "extra"},
		env(map[string]string{"AFTERSALES_ADDR": "0.0.0.0:1", "AFTERSALES_DATA_DIR": "/srv/as", "AFTERSALES_ADMIN_PASSWORD_FILE": secret,
			"AFTERSALES_DEMO_TICKETS": "500"}), io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.DataDir != "/srv/as" || !c.Demo || c.AdminPassword != "from-file" || c.DemoTickets != 500 {
		t.Fatalf("config = %+v", c)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Fatalf("rest = %v", rest)
	}
	if c.DSN() != filepath.Join("/srv/as", "aftersales.db") {
		t.Fatalf("dsn = %q", c.DSN())
	}
}

func TestRequestTimeout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 30 * time.Second},
		{nil, map[string]string{"AFTERSALES_REQUEST_TIMEOUT": "5s"}, 5 * time.Second},
		{[]string{"--request-timeout", "0"}, map[string]string{"AFTERSALES_REQUEST_TIMEOUT": "5s"}, 0},
	} {
		c, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err != nil || c.RequestTimeout != tc.want {
			t.Errorf("%v %v: %v %v, want %v", tc.args, tc.env, c.RequestTimeout, err, tc.want)
		}
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"AFTERSALES_DEMO": "maybe"}, "AFTERSALES_DEMO"},
		{nil, map[string]string{"AFTERSALES_DEMO_SEED": "x"}, "AFTERSALES_DEMO_SEED"},
		{[]string{"--tz", "Mars/Base"}, nil, "tz"},
		{[]string{"--log-format", "xml"}, nil, "log-format"},
		{[]string{"--max-upload-mb", "0"}, nil, "max-upload-mb"},
		{[]string{"--smtp-tls", "ssl"}, nil, "smtp-tls"},
		{nil, map[string]string{"AFTERSALES_SMTP_ADDR": "mail.example.com"}, "smtp-addr"},
		{nil, map[string]string{"AFTERSALES_REQUEST_TIMEOUT": "soon"}, "AFTERSALES_REQUEST_TIMEOUT"},
		{[]string{"--request-timeout", "-1s"}, nil, "request-timeout"},
	} {
		_, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want mention of %s", tc.args, tc.env, err, tc.want)
		}
	}
	if _, _, err := Load("serve", true, []string{"-h"}, env(nil), io.Discard, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h err = %v", err)
	}
}

func TestMetricsToken(t *testing.T) {
	file := filepath.Join(t.TempDir(), "metrics")
	os.WriteFile(file, []byte("token-from-a-file-0123\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
		err  string
	}{
		{"default open", nil, nil, "", ""},
		{"flag", []string{"--metrics-token", "token-from-flag-0123"}, nil, "token-from-flag-0123", ""},
		{"env", nil, map[string]string{"AFTERSALES_METRICS_TOKEN": "token-from-env-01234"}, "token-from-env-01234", ""},
		{"file", nil, map[string]string{"AFTERSALES_METRICS_TOKEN_FILE": file}, "token-from-a-file-0123", ""},
		{"flag wins", []string{"--metrics-token", "token-from-flag-0123"}, map[string]string{"AFTERSALES_METRICS_TOKEN": "token-from-env-01234"}, "token-from-flag-0123", ""},
		{"too short", []string{"--metrics-token", "short"}, nil, "", "metrics-token"},
	} {
		c, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want mention of %s", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || c.MetricsToken != tc.want {
			t.Errorf("%s: token %q, err %v; want %q", tc.name, c.MetricsToken, err, tc.want)
		}
	}
}

func TestRole(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		env       map[string]string
		want      string
		web, jobs bool
	}{
		{nil, nil, RoleAll, true, true},
		{nil, map[string]string{"AFTERSALES_ROLE": "worker"}, RoleWorker, false, true},
		{[]string{"--role", "web"}, map[string]string{"AFTERSALES_ROLE": "worker"}, RoleWeb, true, false},
		{[]string{"--role", "all"}, nil, RoleAll, true, true},
	} {
		c, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err != nil || c.Role != tc.want || c.ServesWeb() != tc.web || c.RunsJobs() != tc.jobs {
			t.Errorf("%v %v: role %q (web %v, jobs %v), %v; want %q (web %v, jobs %v)", tc.args, tc.env, c.Role, c.ServesWeb(), c.RunsJobs(), err, tc.want, tc.web, tc.jobs)
		}
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--role", "api"}, nil},
		{nil, map[string]string{"AFTERSALES_ROLE": "Worker"}},
		{[]string{"--role", ""}, nil},
	} {
		_, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), "role: must be web, worker or all") {
			t.Errorf("%v %v: err = %v, want it to name role and its values", tc.args, tc.env, err)
		}
	}
}

func TestSurveySettings(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		env        map[string]string
		wantURL    string
		wantSurvey int
	}{
		{nil, nil, "", 30},
		{nil, map[string]string{"AFTERSALES_PUBLIC_URL": "https://service.example.com", "AFTERSALES_SURVEY_RATE": "5"}, "https://service.example.com", 5},
		{[]string{"--public-url", "https://a.example.com", "--survey-rate", "7"}, map[string]string{"AFTERSALES_PUBLIC_URL": "https://b.example.com"},
			"https://a.example.com", 7},
	} {
		c, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err != nil || c.PublicURL != tc.wantURL || c.SurveyRate != tc.wantSurvey {
			t.Errorf("%v %v: %q %d %v, want %q %d", tc.args, tc.env, c.PublicURL, c.SurveyRate, err, tc.wantURL, tc.wantSurvey)
		}
	}
}

// TestAdminName: the first administrator of a Chinese installation was
// called "Administrator" in English on every page; --admin-name or
// AFTERSALES_ADMIN_NAME names it, and without them it is named in the
// language of the installation's time zone.
func TestAdminName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "管理员"},
		{[]string{"--tz", "Asia/Hong_Kong"}, nil, "管理员"},
		{[]string{"--tz", "Europe/Berlin"}, nil, "Administrator"},
		{nil, map[string]string{"AFTERSALES_TZ": "UTC"}, "Administrator"},
		{[]string{"--admin-name", "王经理"}, map[string]string{"AFTERSALES_ADMIN_NAME": "Boss"}, "王经理"},
		{[]string{"--tz", "UTC"}, map[string]string{"AFTERSALES_ADMIN_NAME": "Chief"}, "Chief"},
	} {
		c, _, err := Load("serve", true, tc.args, env(tc.env), io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.AdminDisplayName(); got != tc.want {
			t.Errorf("%v %v: %q, want %q", tc.args, tc.env, got, tc.want)
		}
	}
}
