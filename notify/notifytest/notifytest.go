// Package notifytest holds what the sink tests share: a sample message
// (one firing error, one firing warning, one resolved, one stale, with
// characters that need escaping) and a golden-file check. Test code only.
package notifytest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ksnap/ksnap/alert"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func at(n int) time.Time { return t0.Add(time.Duration(n) * 5 * time.Minute) }

// Message returns the sample message for sink, with more pending
// transitions left out and firing alerts re-posted when refresh is set.
func Message(sink string, more int, refresh bool) *alert.Message {
	etl := alert.Alert{
		Name: alert.NameJob, Key: alert.Key{Namespace: "batch", Owner: "nightly-etl"}, Severity: alert.SeverityError,
		Rules: []string{"J1", "P3"}, Job: "nightly-etl-29000000", StartsAt: at(1), LastAt: at(3),
		Bundle: "20260102T030500Z-batch-1a2b3c4d.tar.zst", BundleSHA256: "ab12", Ruleset: "v1",
		Detail: alert.Detail{Cause: `container "main" exited 1 <OOM & more>`, Pod: "nightly-etl-29000000-x7k2p"},
	}
	warn := alert.Alert{
		Name: alert.NameJob, Key: alert.Key{Namespace: "batch", Owner: "report"}, Severity: alert.SeverityWarning,
		Rules: []string{"J6"}, Job: "report", StartsAt: at(2), LastAt: at(3),
		Bundle: "20260102T031000Z-batch-5e6f7a8b.tar.zst", BundleSHA256: "cd34",
	}
	done := alert.Alert{
		Name: alert.NameJob, Key: alert.Key{Namespace: "batch", Owner: "backup"}, Severity: alert.SeverityError,
		Rules: []string{"J1"}, Job: "backup", StartsAt: at(0), LastAt: at(3), EndsAt: at(3),
		Bundle: "20260102T030000Z-batch-00000000.tar.zst", BundleSHA256: "ef56",
	}
	stale := alert.Alert{
		Name: alert.NameStale, Key: alert.Key{Namespace: "batch"}, Severity: alert.SeverityWarning, Selector: "team=data",
		StartsAt: at(1), LastAt: at(3), Detail: alert.Detail{Cause: "3 inconclusive captures in a row (last: UNKNOWN)"},
	}
	m := &alert.Message{
		Sink: sink,
		Transitions: []alert.Transition{
			{Kind: alert.KindResolved, At: at(3), Reason: "back to OK", Alert: done},
			{Kind: alert.KindFiring, At: at(3), Reason: "ERROR", Alert: etl},
			{Kind: alert.KindFiring, At: at(3), Reason: "WARN", Alert: warn},
			{Kind: alert.KindFiring, At: at(3), Reason: "3 inconclusive captures in a row", Alert: stale},
		},
		More: more,
		Env:  alert.Env{BundleDir: "/var/lib/ksnap/bundles", Interval: 5 * time.Minute},
	}
	if refresh {
		etl.LastAt = at(4)
		m.Firing = []alert.Alert{etl, stale, warn}
	}
	return m
}

// Golden compares got with testdata/name, rewriting it when update is set.
func Golden(t *testing.T, update bool, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
