package dataio

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"aftersales"
	"aftersales/internal/testutil/shareddata"
)

// fingerprintReference is the record fingerprint as first written, through
// hash/fnv. Stored tickets carry it (import_hash): the faster fingerprint
// must give the same values, or re-importing an unchanged file would
// update every row.
func fingerprintReference(rec *aftersales.ImportRecord) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	str := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	tm := func(t *time.Time) {
		if t == nil {
			h.Write([]byte{1})
			return
		}
		binary.LittleEndian.PutUint64(buf[:], uint64(t.UnixMilli()))
		h.Write(buf[:])
	}
	num := func(f *float64) {
		if f == nil {
			h.Write([]byte{1})
			return
		}
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(*f))
		h.Write(buf[:])
	}
	str(string(rec.Channel))
	str(string(rec.Nature))
	str(string(rec.Urgency))
	str(string(rec.Status))
	str(rec.Title)
	str(rec.Description)
	created := rec.CreatedAt
	tm(&created)
	for _, t := range []*time.Time{rec.FirstResponseAt, rec.AcceptedAt, rec.ResolvedAt, rec.ClosedAt, rec.TargetAt} {
		tm(t)
	}
	if rec.CancelledAt != nil {
		tm(rec.CancelledAt)
	}
	if rec.Number != "" {
		str(rec.Number)
	}
	str(strconv.Itoa(rec.ReopenCount) + "/" + strconv.Itoa(rec.AssignCount))
	str(strings.Join(rec.Category, "\x1f"))
	for _, s := range []string{rec.Team, rec.Region, rec.Product, rec.Serial, rec.Address, strings.Join(rec.Tags, "\x1f"),
		rec.CustomerKey, rec.CustomerName, rec.CustomerPhone, rec.CustomerEmail} {
		str(s)
	}
	num(rec.Lat)
	num(rec.Lng)
	keys := make([]string, 0, len(rec.Custom))
	for k := range rec.Custom {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		str(k)
		str(fmt.Sprint(rec.Custom[k]))
	}
	for _, e := range rec.History {
		tm(&e.At)
		str(string(e.Status))
	}
	return h.Sum64()
}

// Every record of the shared files, and records with the rarer shapes
// (tags, numbers, custom values that are not strings, more than eight
// custom keys), fingerprint as the reference does.
func TestFingerprintMatchesReference(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	lat, lng := 31.2, -121.5
	var r Reader
	recs := []*aftersales.ImportRecord{
		{},
		{Channel: "phone", Nature: "repair", Urgency: "high", Status: "closed", Title: "空调不制冷", Description: "外机\x00不转",
			CreatedAt: at, ClosedAt: &at, CancelledAt: &at, Number: "AS202603-000001", ReopenCount: 12, AssignCount: 3,
			Category: []string{"家电", "空调"}, Team: "t", Region: "r", Product: "p", Serial: "s", Address: "a",
			Tags: []string{"x", "y", "z"}, CustomerKey: "phone:1", CustomerName: "n", CustomerPhone: "1", CustomerEmail: "e@x",
			Lat: &lat, Lng: &lng, History: []aftersales.ImportEvent{{At: at, Status: "new"}, {At: at.Add(time.Hour), Status: "closed"}},
			Custom: map[string]any{"b": 1.5, "a": "s", "c": true, "d": nil, "e": []any{"x", 2.0}, "f": map[string]any{"k": "v"},
				"g": "1", "h": "2", "i": "3", "j": int64(-4)}},
	}
	for name, mapping := range map[string]string{"nyc_311_sample_2000_2011.csv": "nyc311", "cfpb_complaints_sample_6623.csv": "cfpb",
		"servicenow_incident_event_log_first120k.csv.gz": "servicenow", "boston_311_2015_merged.csv.gz": "boston311"} {
		data, err := os.ReadFile(shareddata.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Builtin(mapping)
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := readAll(t, data, m)
		if len(got) < 1000 {
			t.Fatalf("%s: %d records", name, len(got))
		}
		recs = append(recs, got...)
	}
	for i, rec := range recs {
		if got, want := r.fingerprint(rec), fingerprintReference(rec); got != want {
			t.Errorf("record %d (%s): fingerprint %x, want %x", i, rec.ExternalID, got, want)
		}
	}
}

// A reader that knows its custom columns hashes records with those, a
// subset of them, more or other keys as the reference does.
func TestFingerprintCustomColumnsMatchReference(t *testing.T) {
	r := Reader{custom: []namedCol{{name: "a"}, {name: "c"}, {name: "zip"}}}
	for i, custom := range []map[string]any{nil, {"a": "1", "c": "2", "zip": "3"}, {"c": "2"}, {"a": "1", "b": "x", "c": "2"},
		{"b": "x"}, {"customer": "Ann", "zip": "3"}, {"a": 1.5, "c": true}} {
		rec := &aftersales.ImportRecord{Title: "t", Custom: custom}
		if got, want := r.fingerprint(rec), fingerprintReference(rec); got != want {
			t.Errorf("case %d %v: fingerprint %x, want %x", i, custom, got, want)
		}
	}
}
