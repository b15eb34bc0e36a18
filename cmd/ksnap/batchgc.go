package main

import (
	"runtime/debug"
	"sync"
)

// Batch GC settings: a command that reads many bundles (analyze DIR,
// bundle verify, history rebuild, reevaluate, diff of a range) allocates a bundle's members and parse
// results and drops them a moment later, while its live heap stays small
// (at most 2 × GOMAXPROCS bundles in flight). With the default GOGC=100
// the collector then runs every few bundles and its marking and
// scavenging cost more than the second core gains (issue 16). So batch
// mode lets the heap grow to 5× the live data (GOGC=400), under a soft
// memory limit that brings collections back when a batch of very large
// bundles nears it. GOGC or GOMEMLIMIT in the environment win.
const (
	batchGCPercent   = 400
	batchMemoryLimit = 1 << 30
)

// batchGC applies the batch settings for a command about to read n
// bundles (n ≥ 2), unless the environment sets them, and returns the
// function that restores the previous ones. The settings are the
// process's: batch commands running at once (in-process tests) share one
// setting, restored when the last of them ends.
func batchGC(getenv func(string) string, n int) (restore func()) {
	if n < 2 {
		return func() {}
	}
	setPct, setLimit := getenv("GOGC") == "", getenv("GOMEMLIMIT") == ""
	batchMu.Lock()
	defer batchMu.Unlock()
	if batchUsers == 0 {
		batchSetPct, batchSetLimit = setPct, setLimit
		if setPct {
			batchPrevPct = debug.SetGCPercent(batchGCPercent)
		}
		if setLimit {
			batchPrevLimit = debug.SetMemoryLimit(batchMemoryLimit)
		}
	}
	batchUsers++
	return func() {
		batchMu.Lock()
		defer batchMu.Unlock()
		if batchUsers--; batchUsers > 0 {
			return
		}
		if batchSetPct {
			debug.SetGCPercent(batchPrevPct)
		}
		if batchSetLimit {
			debug.SetMemoryLimit(batchPrevLimit)
		}
	}
}

var (
	batchMu                    sync.Mutex
	batchUsers                 int
	batchSetPct, batchSetLimit bool
	batchPrevPct               int
	batchPrevLimit             int64
)
