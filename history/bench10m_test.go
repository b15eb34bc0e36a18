package history_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	. "github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/internal/cputime"
)

// The fleet-scale history benchmarks (issue 16) run on a file of
// KSNAP_BENCH_HISTORY_LINES lines (default 10M, about 6.5 GB), generated
// once per process into a temp directory and removed at the end; nothing
// large is committed.

func bigLines(b *testing.B) int {
	if s := os.Getenv("KSNAP_BENCH_HISTORY_LINES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KSNAP_BENCH_HISTORY_LINES=%q: not a positive number", s)
		}
		return n
	}
	return 10_000_000
}

// writeBigFile writes the records BenchRecord(0..n-1) would give, fast: the
// fields that vary are set on five prepared records.
func writeBigFile(b testing.TB, path string, n int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var base [5]Record
	for i := range base {
		base[i] = BenchRecord(i)
	}
	t0 := base[0].Time
	var line, name, bundle []byte
	for i := range n {
		r := &base[i%5]
		r.Time = t0.Add(time.Duration(i) * 5 * time.Minute)
		r.Timestamp = FormatTime(r.Time)
		bundle = fmt.Appendf(bundle[:0], "20251116T100000Z-trading-bots-%08x.tar.zst", i)
		r.Bundle = string(bundle)
		name = strconv.AppendInt(append(name[:0], "nightly-"...), int64(29000000+i/12*60), 10)
		r.Jobs[0].Name = string(name)
		line = append(AppendJSON(line[:0], r), '\n')
		if _, err := w.Write(line); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// bigFile returns the big history, generated once per process; the
// prune benchmark has a copy of its own (copy 1).
func bigFile(b *testing.B, copy int) (string, int) {
	return linesFile(b, bigLines(b), copy)
}

// linesFile returns a history of the first n records of the big one.
func linesFile(b *testing.B, n, copy int) (string, int) {
	key := -n - copy
	if p, ok := benchFiles[key]; ok {
		return p, n
	}
	dir, err := os.MkdirTemp("", "ksnap-history-bench")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	p := filepath.Join(dir, "big.jsonl")
	writeBigFile(b, p, n)
	benchFiles[key] = p
	return p, n
}

// BenchmarkPrune10M prunes the big file in a child process (this test
// binary, TestPruneChild) and reports the child's peak RSS and CPU time.
// Each op removes the oldest 10,000 records, so the whole file is read
// (twice: KeepLast counts first) and all but those lines are rewritten.
func BenchmarkPrune10M(b *testing.B) {
	path, n := bigFile(b, 1)
	var peak int64
	var cpu time.Duration
	kept := n
	for b.Loop() {
		kept -= 10000
		cmd := exec.Command(os.Args[0], "-test.run=^TestPruneChild$")
		cmd.Env = append(os.Environ(), "KSNAP_PRUNE_CHILD="+path, "KSNAP_PRUNE_KEEP="+strconv.Itoa(kept))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		peak = max(peak, ru.Maxrss*1024)
		cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(cpu.Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
}

// TestPruneChild is BenchmarkPrune10M's child; it does nothing unless
// KSNAP_PRUNE_CHILD names a file.
func TestPruneChild(t *testing.T) {
	path := os.Getenv("KSNAP_PRUNE_CHILD")
	if path == "" {
		t.Skip("only as BenchmarkPrune10M's child")
	}
	keep, err := strconv.Atoi(os.Getenv("KSNAP_PRUNE_KEEP"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := jsonl.Open(path, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Prune(context.Background(), PrunePolicy{KeepLast: keep})
	if err != nil || res.Kept != keep {
		t.Fatalf("prune: %+v %v", res, err)
	}
}

// BenchmarkSummary10M summarizes the big file whole, and with --since the
// time of its last 1% of records (the target: ≤ 5% of the whole).
func BenchmarkSummary10M(b *testing.B) {
	path, n := bigFile(b, 0)
	st := openBench(b, path, jsonl.Options{})
	since := BenchRecord(n - n/100).Time
	for _, tc := range []struct {
		name string
		f    Filter
		want int
	}{{"full", Filter{}, n}, {"since-last-1pct", Filter{Since: since}, n / 100}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cputime.Now()
			for b.Loop() {
				s, err := Summarize(context.Background(), st, SummaryOptions{Filter: tc.f})
				if err != nil || s.Total != tc.want {
					b.Fatal(err, s.Total)
				}
			}
			cputime.Report(b, start, 0)
		})
	}
}

// BenchmarkSummaryRSS10M summarizes the big file and the file of its first
// tenth in child processes (this test binary, TestSummaryChild) and
// reports both peak RSS (peak-MiB, small-peak-MiB) and their ratio
// (x-small): a summary's memory must not grow with the records.
func BenchmarkSummaryRSS10M(b *testing.B) {
	big, n := bigFile(b, 0)
	small, m := linesFile(b, n/10, 0)
	child := func(path string, lines int) (peak int64) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSummaryChild$")
		cmd.Env = append(os.Environ(), "KSNAP_SUMMARY_CHILD="+path, "KSNAP_SUMMARY_LINES="+strconv.Itoa(lines))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	}
	var peakBig, peakSmall int64
	for b.Loop() {
		peakSmall = max(peakSmall, child(small, m))
		peakBig = max(peakBig, child(big, n))
	}
	b.ReportMetric(float64(peakBig)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(peakSmall)/(1<<20), "small-peak-MiB")
	b.ReportMetric(float64(peakBig)/float64(peakSmall), "x-small")
}

// TestSummaryChild is BenchmarkSummaryRSS10M's child; it does nothing
// unless KSNAP_SUMMARY_CHILD names a file.
func TestSummaryChild(t *testing.T) {
	path := os.Getenv("KSNAP_SUMMARY_CHILD")
	if path == "" {
		t.Skip("only as BenchmarkSummaryRSS10M's child")
	}
	n, err := strconv.Atoi(os.Getenv("KSNAP_SUMMARY_LINES"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := jsonl.Open(path, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(context.Background(), st, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != n {
		t.Fatalf("summary of %d records, want %d", s.Total, n)
	}
}

// BenchmarkShowUntil10M is history show --until T --limit 50 with T at
// the middle of the big file.
func BenchmarkShowUntil10M(b *testing.B) {
	path, n := bigFile(b, 0)
	st := openBench(b, path, jsonl.Options{})
	f := Filter{Until: BenchRecord(n / 2).Time}
	b.ReportAllocs()
	start := cputime.Now()
	for b.Loop() {
		l, err := st.Tail(context.Background(), 50, f)
		if err != nil || len(l.Records) != 50 {
			b.Fatal(err)
		}
	}
	cputime.Report(b, start, 0)
}
