// Package cputime measures the CPU time of the running process, for
// benchmarks on shared machines: wall-clock ns/op drifts with other users'
// load, CPU time much less. It is test support; production code must not
// import it.
package cputime

import (
	"testing"
	"time"
)

// Report adds the CPU time per op since start (a Now value taken just
// before the loop) to b's results as cpu-ms/op and, when bytes > 0, the
// throughput in CPU time as cpu-MB/s. With several Ps the figure includes
// every thread's work (parallel phases and the GC), so it measures work,
// not latency.
func Report(b *testing.B, start time.Duration, bytes int64) {
	n := b.N
	if n == 0 {
		return
	}
	d := Now() - start
	if d <= 0 {
		return
	}
	b.ReportMetric(float64(d.Nanoseconds())/1e6/float64(n), "cpu-ms/op")
	if bytes > 0 {
		b.ReportMetric(float64(bytes)*float64(n)/1e6/d.Seconds(), "cpu-MB/s")
	}
}
