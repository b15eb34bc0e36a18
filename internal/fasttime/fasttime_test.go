package fasttime

import (
	"testing"
	"time"
)

// What the fast path accepts parses to exactly what time.Parse gives; what
// it declines is left to the caller's time.Parse, never misread.
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		ok, zone bool
	}{
		{"2025-11-16T10:00:00Z", true, true},
		{"2025-11-16T10:00:00.123Z", true, true},
		{"2025-11-16T10:00:00.123456789Z", true, true},
		{"2024-02-29T23:59:59Z", true, true},
		{"2025-11-16T10:00:00", true, false},
		{"2025-11-16T10:00:00.654842", true, false},
		{"2023-02-29T00:00:00Z", false, false},
		{"2025-13-01T00:00:00Z", false, false},
		{"2025-11-16T24:00:00Z", false, false},
		{"2025-11-16T10:60:00Z", false, false},
		{"2025-11-16T10:00:00.Z", false, false},
		{"2025-11-16T10:00:00.1234567891Z", false, false},
		{"2025-11-16T10:00:00+09:00", false, false},
		{"2025-11-16 10:00:00Z", false, false},
		{"2025-11-16T10:00:0xZ", false, false},
		{"null", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		got, zone, ok := Parse(tt.in)
		if ok != tt.ok || zone != tt.zone {
			t.Errorf("Parse(%q): ok %v zone %v, want %v %v", tt.in, ok, zone, tt.ok, tt.zone)
			continue
		}
		if !ok {
			continue
		}
		layout := "2006-01-02T15:04:05.999999999"
		if zone {
			layout = time.RFC3339Nano
		}
		want, err := time.Parse(layout, tt.in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, time.Parse = %v, %v", tt.in, got, want, err)
		}
	}
}
