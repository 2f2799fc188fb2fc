package demo

import (
	"strings"
	"testing"
)

// Every unit and team of the demo network has an English name, so English
// screens never fall back to Chinese ones.
func TestDemoNetworkNamesEN(t *testing.T) {
	for _, ns := range network {
		names := []string{ns.region, ns.branch, ns.ws, strings.TrimSuffix(ns.ws, "工作站") + "服务组"}
		for _, p := range ns.points {
			names = append(names, p.name)
		}
		for _, zh := range names {
			if en := nameEN(zh); en == "" || strings.ContainsFunc(en, func(r rune) bool { return r > 0x2e80 }) {
				t.Errorf("nameEN(%q) = %q, want an English name", zh, en)
			}
		}
	}
	if got := nameEN("浦东服务组"); got != "Pudong Service Team" {
		t.Errorf("nameEN(浦东服务组) = %q", got)
	}
}
