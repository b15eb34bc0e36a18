package history

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchRecord is a realistic record: three jobs, one owned by a CronJob
// whose job names rotate every 12 records (an hourly CronJob captured every
// 5 minutes).
func benchRecord(i int) Record {
	lv := []string{"OK", "OK", "OK", "WARN", "ERROR"}[i%5]
	return NewRecord(Input{
		CapturedAt: t0.Add(time.Duration(i) * 5 * time.Minute), Namespace: "trading-bots", Selector: "app=arbitrage-tuning",
		OverallHealth: lv, Bundle: fmt.Sprintf("20251116T100000Z-trading-bots-%08x.tar.zst", i), BundleSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Ruleset: "1", Jobs: []Job{
			{Name: fmt.Sprintf("nightly-%d", 29000000+i/12*60), Phase: "SUCCEEDED", Health: "OK", Owner: "nightly"},
			{Name: "arb-tuning-worker-1", Phase: "RUNNING", Health: "OK"},
			{Name: "arb-tuning-worker-2", Phase: "FAILED", Health: lv, Rules: []string{"J1"}},
		},
	})
}

// writeBenchFile writes n records to a new file in dir and returns its path.
func writeBenchFile(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "h.jsonl")
	const batch = 10000
	recs := make([]Record, 0, batch)
	for i := 0; i < n; i++ {
		recs = append(recs, benchRecord(i))
		if len(recs) == batch || i == n-1 {
			if _, err := Append(path, AppendOptions{NoSync: true}, recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	return path
}

func lineSize() int64 { r := benchRecord(1); return int64(len(AppendJSON(nil, &r)) + 1) }

// BenchmarkAppend measures one Append call per record: lock, torn-line
// check, one write, and (durable) fsync.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts AppendOptions
	}{{"fsync", AppendOptions{}}, {"nosync", AppendOptions{NoSync: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "h.jsonl")
			r := benchRecord(1)
			b.ReportAllocs()
			b.SetBytes(lineSize())
			for b.Loop() {
				if _, err := Append(path, tc.opts, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendBatch measures bulk appends of 1000 records per call
// without fsync (rebuild); ns/op is per record.
func BenchmarkAppendBatch(b *testing.B) {
	path := filepath.Join(b.TempDir(), "h.jsonl")
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = benchRecord(i)
	}
	b.ReportAllocs()
	b.SetBytes(lineSize())
	n := 0
	for b.Loop() {
		if n%1000 == 0 {
			if _, err := Append(path, AppendOptions{NoSync: true}, recs...); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
}

var benchFiles = map[int]string{}

// benchFile returns a history of n records, generated once per process in
// a temp directory removed when the benchmarks end.
func benchFile(b *testing.B, n int) string {
	if p, ok := benchFiles[n]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "ksnap-history-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {}) // the file is reused across sub-benchmarks; removed by benchCleanup
	benchDirs = append(benchDirs, dir)
	p := writeBenchFile(b, dir, n)
	benchFiles[n] = p
	return p
}

var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// BenchmarkLoadRecent50 loads the last 50 records of a 1M-line file.
func BenchmarkLoadRecent50(b *testing.B) {
	path := benchFile(b, 1_000_000)
	b.ReportAllocs()
	b.SetBytes(50 * lineSize())
	for b.Loop() {
		l, err := LoadRecent(path, 50)
		if err != nil || len(l.Records) != 50 {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummarize1M streams a 1M-line file; SetBytes is the file size.
func BenchmarkSummarize1M(b *testing.B) {
	path := benchFile(b, 1_000_000)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(st.Size())
	for b.Loop() {
		s, err := Summarize(path, SummaryOptions{})
		if err != nil || s.Total != 1_000_000 {
			b.Fatal(err, s.Total)
		}
	}
}

// BenchmarkParseLine decodes one realistic line as the summary's workers
// do (fast path, arena); general is the gjson path every other line takes.
func BenchmarkParseLine(b *testing.B) {
	r := benchRecord(4)
	line := AppendJSON(nil, &r)
	b.Run("canonical", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		var a arena
		var rec Record
		for b.Loop() {
			a.jobs, a.rules = a.jobs[:0], a.rules[:0]
			rec.Jobs = nil
			if err := parseIntoArena(&rec, line, true, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		var rec Record
		for b.Loop() {
			rec.Jobs = nil
			if err := parseGeneral(&rec, line, string(line)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
