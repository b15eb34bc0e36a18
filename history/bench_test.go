package history_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/internal/cputime"
)

// The store benchmarks run against the JSONL file store, the one ksnap
// uses; the dot import keeps them reading as they did inside the package.

// openBench opens the JSONL store at path.
func openBench(b *testing.B, path string, opts jsonl.Options) *jsonl.Store {
	b.Helper()
	st, err := jsonl.Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// writeBenchFile writes n records to a new file in dir and returns its path.
func writeBenchFile(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "h.jsonl")
	st := openBench(b, path, jsonl.Options{NoSync: true})
	const batch = 10000
	recs := make([]Record, 0, batch)
	for i := 0; i < n; i++ {
		recs = append(recs, BenchRecord(i))
		if len(recs) == batch || i == n-1 {
			if _, err := st.Append(context.Background(), recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	return path
}

func lineSize() int64 { r := BenchRecord(1); return int64(len(AppendJSON(nil, &r)) + 1) }

// BenchmarkAppend measures one Append call per record: lock, torn-line
// check, one write, and (durable) fsync.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts jsonl.Options
	}{{"fsync", jsonl.Options{}}, {"nosync", jsonl.Options{NoSync: true}}} {
		b.Run(tc.name, func(b *testing.B) {
			st := openBench(b, filepath.Join(b.TempDir(), "h.jsonl"), tc.opts)
			r := BenchRecord(1)
			b.ReportAllocs()
			b.SetBytes(lineSize())
			for b.Loop() {
				if _, err := st.Append(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendBatch measures bulk appends of 1000 records per call
// without fsync (rebuild); ns/op is per record.
func BenchmarkAppendBatch(b *testing.B) {
	st := openBench(b, filepath.Join(b.TempDir(), "h.jsonl"), jsonl.Options{NoSync: true})
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = BenchRecord(i)
	}
	b.ReportAllocs()
	b.SetBytes(lineSize())
	n := 0
	for b.Loop() {
		if n%1000 == 0 {
			if _, err := st.Append(context.Background(), recs...); err != nil {
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

// BenchmarkLoadRecent50 tails the last 50 records of a 1M-line file (the
// name is kept for the benchmark table).
func BenchmarkLoadRecent50(b *testing.B) {
	st := openBench(b, benchFile(b, 1_000_000), jsonl.Options{})
	b.ReportAllocs()
	b.SetBytes(50 * lineSize())
	for b.Loop() {
		l, err := st.Tail(context.Background(), 50, Filter{})
		if err != nil || len(l.Records) != 50 {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummarize1M streams a 1M-line file; SetBytes is the file size,
// cpu-ms/op the CPU time of every thread (steadier than ns/op under load).
func BenchmarkSummarize1M(b *testing.B) {
	path := benchFile(b, 1_000_000)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	st := openBench(b, path, jsonl.Options{})
	b.ReportAllocs()
	b.SetBytes(fi.Size())
	start := cputime.Now()
	for b.Loop() {
		s, err := Summarize(context.Background(), st, SummaryOptions{})
		if err != nil || s.Total != 1_000_000 {
			b.Fatal(err, s.Total)
		}
	}
	cputime.Report(b, start, fi.Size())
}
