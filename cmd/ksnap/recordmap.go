package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
)

// historyAnalyzeOptions are the analysis options of every history record:
// record and rebuild must use the same ones (and the same rule set, the
// newest) to write the same bytes.
func historyAnalyzeOptions() analyze.Options { return analyze.DefaultOptions() }

// analyzeForHistory opens and verifies the bundle at path, evaluates it with
// historyAnalyzeOptions and maps the report to its history record. It is
// the only way record and rebuild build records, so a rebuilt history is
// byte-identical to the one record appended for the same bundles.
func analyzeForHistory(path string) (history.Record, *analyze.Report, error) {
	b, err := bundle.Open(path)
	if err != nil {
		var ce *bundle.CorruptError
		if errors.As(err, &ce) {
			return history.Record{}, nil, ce
		}
		if errors.Is(err, os.ErrNotExist) {
			return history.Record{}, nil, fmt.Errorf("%s: no such file", path)
		}
		return history.Record{}, nil, err
	}
	rep, err := analyze.Evaluate(analyze.FromBundle(b), rules.Default(), historyAnalyzeOptions())
	if err != nil {
		return history.Record{}, nil, err
	}
	rec, err := historyRecord(b, rep)
	return rec, rep, err
}

// historyRecord maps an analysis report of bundle b onto a history record:
// the timestamp is the bundle's capture time, the job counters count the
// report's jobs by health, each job keeps its phase, health, the distinct
// rule codes of its findings (in the report's order) and its CronJob owner.
func historyRecord(b *bundle.Bundle, rep *analyze.Report) (history.Record, error) {
	at, err := b.Manifest.CaptureTime()
	if err != nil {
		return history.Record{}, fmt.Errorf("%s: member %s: captured_at %q is not an RFC 3339 time", b.Path, bundle.ManifestMember, b.Manifest.CapturedAt)
	}
	in := history.Input{
		CapturedAt:    at,
		Namespace:     rep.Namespace,
		Selector:      rep.Selector,
		OverallHealth: rep.Verdict.String(),
		Bundle:        b.Name(),
		BundleSHA256:  b.SHA256,
		Ruleset:       rep.RuleSet,
		CaptureErrors: len(rep.CaptureFailures),
		WarningEvents: rep.Counts.WarningEvents,
	}
	for _, j := range rep.Jobs {
		hj := history.Job{Name: j.Name, Phase: j.Phase.String(), Health: j.Health.String()}
		if owner, ok := strings.CutPrefix(j.Owner, "CronJob/"); ok {
			hj.Owner = owner
		}
		seen := map[string]bool{}
		for _, f := range j.Findings {
			if !seen[f.Rule] {
				seen[f.Rule] = true
				hj.Rules = append(hj.Rules, f.Rule)
			}
		}
		in.Jobs = append(in.Jobs, hj)
	}
	return history.NewRecord(in), nil
}
