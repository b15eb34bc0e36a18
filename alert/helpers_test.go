package alert

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
)

var t0 = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// at is capture n, five minutes apart.
func at(n int) time.Time { return t0.Add(time.Duration(n) * 5 * time.Minute) }

// job is "name=HEALTH" or "name@owner=HEALTH[/PHASE]".
func job(spec string) history.Job {
	name, rest, _ := strings.Cut(spec, "=")
	health, phase, ok := strings.Cut(rest, "/")
	if !ok {
		phase = map[string]string{"OK": "SUCCEEDED", "ERROR": "FAILED", "WARN": "RUNNING", "UNKNOWN": "UNKNOWN"}[health]
	}
	j := history.Job{Name: name, Health: health, Phase: phase}
	if n, o, ok := strings.Cut(name, "@"); ok {
		j.Name, j.Owner = n, o
	}
	if health == history.LevelError {
		j.Rules = []string{"P3", "J1"}
	}
	return j
}

// rec builds capture n of namespace ns; overall is the worst job health
// unless given as "!LEVEL" first; "+partial" marks failed kubectl commands.
func rec(n int, specs ...string) history.Record {
	in := history.Input{CapturedAt: at(n), Namespace: "ns", Bundle: fmt.Sprintf("b%02d.tar.zst", n), BundleSHA256: fmt.Sprintf("%064d", n), Ruleset: "v1"}
	overall := ""
	for _, s := range specs {
		switch {
		case strings.HasPrefix(s, "!"):
			overall = s[1:]
		case s == "+partial":
			in.CaptureErrors = 1
		default:
			in.Jobs = append(in.Jobs, job(s))
		}
	}
	if overall == "" {
		overall = history.LevelOK
		rank := map[string]int{"OK": 0, "WARN": 1, "UNKNOWN": 2, "ERROR": 3}
		for _, j := range in.Jobs {
			if rank[j.Health] > rank[overall] {
				overall = j.Health
			}
		}
	}
	in.OverallHealth = overall
	return history.NewRecord(in)
}

// brief renders transitions one per line for whole-value comparison.
func brief(ts []Transition) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%s %s %s at=%d start=%d sev=%s (%s)\n", t.Kind, t.Alert.Name, t.Alert.Key, int(t.At.Sub(t0)/(5*time.Minute)), int(t.Alert.StartsAt.Sub(t0)/(5*time.Minute)), t.Alert.Severity, t.Reason)
	}
	return b.String()
}

func evaluate(t *testing.T, opts Options, recs ...history.Record) *Result {
	t.Helper()
	st := memstore.New("test", nil)
	if _, err := st.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	res, _, err := Evaluate(context.Background(), st, history.Filter{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
