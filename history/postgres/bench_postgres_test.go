//go:build postgres

package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ksnap/ksnap/e2e/pgtest"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/postgres"
)

// fleetRecord is record i of a fleet of 100 clusters recording every 5
// minutes: distinct bundle hashes, three jobs.
func fleetRecord(i int) history.Record {
	lv := []string{"OK", "OK", "OK", "WARN", "ERROR"}[i%5]
	return history.NewRecord(history.Input{
		CapturedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i/100) * 5 * time.Minute),
		Namespace:  "batch", Selector: "app=etl", OverallHealth: lv,
		Bundle:       fmt.Sprintf("20260101T000000Z-batch-%08x.tar.zst", i),
		BundleSHA256: fmt.Sprintf("%064x", i), Ruleset: "ksnap-rules/1",
		Cluster: "cluster-" + strconv.Itoa(i%100),
		Jobs: []history.Job{
			{Name: fmt.Sprintf("nightly-%d", 29000000+i/1200*60), Phase: "SUCCEEDED", Health: "OK", Owner: "nightly"},
			{Name: "etl-worker-1", Phase: "RUNNING", Health: "OK"},
			{Name: "etl-worker-2", Phase: "FAILED", Health: lv, Rules: []string{"J1"}},
		},
	})
}

// benchN is the store size of the summary benchmarks
// ($KSNAP_PG_BENCH_RECORDS, default 1,000,000).
func benchN(b *testing.B) int {
	if v := os.Getenv("KSNAP_PG_BENCH_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

func benchStore(b *testing.B) *postgres.Store {
	u := pgtest.DB(b)
	ctx := context.Background()
	if _, err := postgres.Migrate(ctx, u, postgres.Options{}); err != nil {
		b.Fatal(err)
	}
	s, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAppend: one op is one Append, as `ksnap record` does (1) or as
// an import batch does (1000).
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 1000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			b.ReportAllocs()
			next := 0
			for b.Loop() {
				recs := make([]history.Record, size)
				for i := range recs {
					recs[i] = fleetRecord(next)
					next++
				}
				if _, err := s.Append(ctx, recs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkSummary: the summary fold over the whole store, and over one
// cluster's records (the filter in SQL), next to the same records in a
// JSONL file.
func BenchmarkSummary(b *testing.B) {
	n := benchN(b)
	ctx := context.Background()
	s := benchStore(b)
	path := filepath.Join(b.TempDir(), "h.jsonl")
	js, err := jsonl.Open(path, jsonl.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < n; i += 10000 {
		recs := make([]history.Record, 0, 10000)
		for j := i; j < min(i+10000, n); j++ {
			recs = append(recs, fleetRecord(j))
		}
		if _, err := s.Append(ctx, recs...); err != nil {
			b.Fatal(err)
		}
		if _, err := js.Append(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
	tb, err := postgres.TableBytesForTest(ctx, s)
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.Logf("seeded %d records into PostgreSQL and JSONL in %s: table+indexes %d bytes (%d per record), JSONL %d bytes",
		n, time.Since(start).Round(time.Millisecond), tb, tb/int64(n), st.Size())
	b.Run("postgres/prune-dry-run", func(b *testing.B) {
		for b.Loop() {
			res, err := s.Prune(ctx, history.PrunePolicy{KeepLast: n / 2, DryRun: true})
			if err != nil || res.Kept != n/2 {
				b.Fatal(res, err)
			}
		}
		b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "records/s")
	})
	for _, c := range []struct {
		name string
		st   history.Store
		f    history.Filter
	}{
		{"postgres/all", s, history.Filter{}},
		{"postgres/one-cluster", s, history.Filter{Cluster: "cluster-7"}},
		{"jsonl/all", js, history.Filter{}},
		{"jsonl/one-cluster", js, history.Filter{Cluster: "cluster-7"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			total := 0
			for b.Loop() {
				sum, err := history.Summarize(ctx, c.st, history.SummaryOptions{Filter: c.f})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Total == 0 {
					b.Fatal("empty summary")
				}
				total = sum.Total
			}
			b.ReportMetric(float64(total)/(b.Elapsed().Seconds()/float64(b.N)), "records/s")
		})
	}
}
