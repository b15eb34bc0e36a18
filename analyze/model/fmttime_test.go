package model

import (
	"testing"
	"time"
)

// TestFormatTime checks the hand-written formatter against time.Format.
func TestFormatTime(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	times := []time.Time{
		time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC),
		time.Date(2025, 11, 16, 1, 2, 3, 999999999, seoul),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 30, 45, 0, time.UTC),
	}
	for s := int64(-1e10); s < 3e11; s += 7777777 {
		times = append(times, time.Unix(s, 0))
	}
	for _, tm := range times {
		if got, want := FormatTime(tm), tm.UTC().Format(TimeLayout); got != want {
			t.Errorf("FormatTime(%v) = %q, want %q", tm, got, want)
		}
	}
	if FormatTime(time.Time{}) != "" {
		t.Error("zero time is not empty")
	}
}
