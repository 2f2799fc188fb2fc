package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Weight
		err  string // part of the error; "" for none
	}{
		{"create=20,update=20,list=40,dashboard=20", []Weight{{OpCreate, 20}, {OpUpdate, 20}, {OpList, 40}, {OpDashboard, 20}}, ""},
		{" create = 100 ", []Weight{{OpCreate, 100}}, ""},
		{"create=100,list=0", []Weight{{OpCreate, 100}}, ""},
		{"create=50,list=40", nil, "--mix: shares sum to 90"},
		{"create=50,delete=50", nil, `--mix: unknown operation "delete"`},
		{"create=50,create=50", nil, "named twice"},
		{"create", nil, "not operation=percent"},
		{"create=x,list=100", nil, "whole percentage"},
		{"create=-10,list=110", nil, "whole percentage"},
		{"", nil, "sum to 0"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMix(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestSchedule: every 100 requests hold each operation its share, and
// the shares are spread out rather than in runs.
func TestSchedule(t *testing.T) {
	mix := []Weight{{OpCreate, 20}, {OpUpdate, 20}, {OpList, 40}, {OpDashboard, 20}}
	s := Schedule(mix)
	count := map[string]int{}
	for _, op := range s {
		count[op]++
	}
	if d := cmp.Diff(map[string]int{OpCreate: 20, OpUpdate: 20, OpList: 40, OpDashboard: 20}, count); d != "" {
		t.Error(d)
	}
	first := map[string]int{}
	for _, op := range s[:10] {
		first[op]++
	}
	if d := cmp.Diff(map[string]int{OpCreate: 2, OpUpdate: 2, OpList: 4, OpDashboard: 2}, first); d != "" {
		t.Errorf("first 10 requests: %s", d)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:8080", Token: "ast_x", Mix: []Weight{{OpList, 100}}, Clients: 8, Duration: time.Second, Timeout: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		flag string
	}{
		{"url", func(c *Config) { c.URL = "127.0.0.1:8080" }, "--url"},
		{"token", func(c *Config) { c.Token = "" }, "--token"},
		{"clients", func(c *Config) { c.Clients = 0 }, "--clients"},
		{"no bound", func(c *Config) { c.Duration, c.Requests = 0, 0 }, "--duration or --requests"},
		{"negative", func(c *Config) { c.Requests = -1 }, "--requests"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "--timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.flag) {
				t.Errorf("error %v, want one naming %s", err, tc.flag)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0, 1}, {1, 10}, {0.95, 9}} {
		// type 7: h = 9p; 0.5 → 5.5 truncated to whole ns is 5.
		if got := quantile(s, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
}
