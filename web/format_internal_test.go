package web

import (
	"testing"
	"time"
)

func TestShortDate(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 3, 12, 15, 30, 0, 0, loc) // a Thursday
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, ""},
		{now.Add(-20 * time.Second), "Just now"},
		{now.Add(-5 * time.Minute), "5 min ago"},
		{now.Add(-59 * time.Minute), "59 min ago"},
		{now.Add(-3 * time.Hour), "12:30"},
		{time.Date(2026, 3, 11, 14, 3, 0, 0, loc), "Yesterday 14:03"},
		{time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), "Yesterday 01:00"},
		{time.Date(2026, 3, 9, 8, 15, 0, 0, loc), "Mon 08:15"},
		{time.Date(2026, 3, 6, 8, 15, 0, 0, loc), "Fri 08:15"},
		{time.Date(2026, 3, 5, 8, 15, 0, 0, loc), "5 Mar"},
		{time.Date(2025, 12, 31, 23, 0, 0, 0, loc), "31 Dec 2025"},
		{now.Add(2 * time.Hour), "17:30"},   // a clock ahead, still today
		{now.Add(48 * time.Hour), "14 Mar"}, // ahead by days: no weekday
		{now.Add(400 * 24 * time.Hour), "16 Apr 2027"},
	}
	for _, tc := range tests {
		if got := shortDate(tc.t, now); got != tc.want {
			t.Errorf("shortDate(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{-1, "0 B"}, {0, "0 B"}, {999, "999 B"}, {1000, "1 KB"}, {1499, "1 KB"}, {1500, "2 KB"},
		{999_499, "999 KB"}, {999_500, "1 MB"}, {1_260_000, "1.3 MB"}, {25_000_000, "25 MB"},
		{999_949_999, "999.9 MB"}, {999_950_000, "1 GB"}, {2_500_000_000, "2.5 GB"},
	}
	for _, tc := range tests {
		if got := humanSize(tc.n); got != tc.want {
			t.Errorf("humanSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
