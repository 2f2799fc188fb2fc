package sla

import (
	"testing"
	"time"
)

func benchCalendar() *Calendar {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	c := Weekdays(sh, Interval{8*60 + 30, 12 * 60}, Interval{13*60 + 30, 18 * 60})
	for d := 1; d <= 7; d++ {
		c.Holidays[time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)] = true
	}
	c.Workdays["2026-10-10"] = time.Monday
	return c
}

// BenchmarkAdd: a 16-business-hour resolution deadline from an evening start.
func BenchmarkAdd(b *testing.B) {
	c := benchCalendar()
	t0 := time.Date(2026, 9, 30, 11, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := c.Add(t0, 16*time.Hour); !ok {
			b.Fatal("no deadline")
		}
	}
}

// BenchmarkBetween: business time of a ticket open for a month.
func BenchmarkBetween(b *testing.B) {
	c := benchCalendar()
	t0 := time.Date(2026, 9, 20, 3, 0, 0, 0, time.UTC)
	t1 := t0.AddDate(0, 1, 0)
	for b.Loop() {
		c.Between(t0, t1)
	}
}
