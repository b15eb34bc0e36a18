package main

import (
	"runtime/debug"
	"testing"
)

// TestBatchGC: batch mode sets GOGC=400 and a 1 GiB soft limit and restores
// what was set before; one bundle, or GOGC/GOMEMLIMIT in the environment,
// leave the settings alone. Not parallel: the settings are the process's.
func TestBatchGC(t *testing.T) {
	read := func() (int, int64) {
		pct := debug.SetGCPercent(-1)
		debug.SetGCPercent(pct)
		return pct, debug.SetMemoryLimit(-1)
	}
	pct0, lim0 := read()
	for _, tc := range []struct {
		name  string
		env   map[string]string
		n     int
		pct   int
		limit int64
	}{
		{"batch", nil, 2, batchGCPercent, batchMemoryLimit},
		{"one bundle", nil, 1, pct0, lim0},
		{"GOGC set", map[string]string{"GOGC": "100"}, 10, pct0, batchMemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "2GiB"}, 10, batchGCPercent, lim0},
	} {
		restore := batchGC(func(k string) string { return tc.env[k] }, tc.n)
		pct, limit := read()
		restore()
		if pct != tc.pct || limit != tc.limit {
			t.Errorf("%s: GOGC %d, limit %d; want %d, %d", tc.name, pct, limit, tc.pct, tc.limit)
		}
		if p, l := read(); p != pct0 || l != lim0 {
			t.Errorf("%s: not restored: %d %d, want %d %d", tc.name, p, l, pct0, lim0)
		}
	}
}
