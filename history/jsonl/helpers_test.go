package jsonl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

// Lines of the old tool, as in package history's tests.
const (
	seedLineOK    = `{"timestamp": "2025-11-16T10:00:00", "namespace": "trading-bots", "selector": "app=x", "overall_health": "OK", "jobs_ok": 2, "jobs_warn": 0, "jobs_error": 0, "raw_snapshot": null}`
	seedLineMicro = `{"timestamp": "2026-11-22T10:03:37.654842", "namespace": "trading-bots", "selector": "app=arbitrage-tuning,session_id=s1", "overall_health": "ERROR", "jobs_ok": 1, "jobs_warn": 1, "jobs_error": 1, "raw_snapshot": null}`
)

func sampleRecord(t time.Time, health string, jobs ...history.Job) history.Record {
	return history.NewRecord(history.Input{
		CapturedAt: t, Namespace: "trading-bots", Selector: "app=arbitrage-tuning", OverallHealth: health,
		Bundle: "20251116T100000Z-trading-bots-1a2b3c4d.tar.zst", BundleSHA256: strings.Repeat("ab", 32),
		Ruleset: "test-1", CaptureErrors: 1, WarningEvents: 2, Jobs: jobs,
	})
}

func tAt(i int) time.Time { return recAt(i, "OK").Time }

func open(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// appendTo appends recs to the file at path through a store opened with opts.
func appendTo(path string, opts Options, recs ...history.Record) (history.AppendResult, error) {
	s, err := Open(path, opts)
	if err != nil {
		return history.AppendResult{}, err
	}
	return s.Append(context.Background(), recs...)
}

func loadRecent(t testing.TB, path string, n int) (*history.Loaded, error) {
	return open(t, path, Options{}).Tail(context.Background(), n, history.Filter{})
}

func tail(t testing.TB, path string, n int, f history.Filter) (*history.Loaded, error) {
	return open(t, path, Options{}).Tail(context.Background(), n, f)
}

func pruneFile(t testing.TB, path string, p history.PrunePolicy) (*history.PruneResult, error) {
	return open(t, path, Options{}).Prune(context.Background(), p)
}

func summarize(t testing.TB, path string, opts history.SummaryOptions) (*history.Summary, error) {
	return history.Summarize(context.Background(), open(t, path, Options{}), opts)
}
