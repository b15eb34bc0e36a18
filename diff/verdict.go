package diff

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/pipeline"
)

type judged struct {
	health, created, run string
	rules                []string
}

// jobRules are a Job's distinct rule codes in report order: its own
// findings', then its pods'.
func jobRules(j *analyze.JobResult) []string {
	out := []string{}
	add := func(fs []model.Finding) {
		for _, f := range fs {
			if !slices.Contains(out, f.Rule) {
				out = append(out, strings.Clone(f.Rule))
			}
		}
	}
	add(j.Findings)
	for i := range j.Pods {
		add(j.Pods[i].Findings)
	}
	return out
}

func verdictIndex(r *analyze.Report) map[string]judged {
	m := map[string]judged{}
	for i := range r.Jobs {
		j := &r.Jobs[i]
		v := judged{health: j.Health.String(), created: strings.Clone(j.Created), run: strings.Clone(j.Name), rules: jobRules(j)}
		m["Job/"+j.Namespace+"/"+j.Name] = v
		cron, ok := strings.CutPrefix(j.Owner, "CronJob/")
		if !ok {
			continue
		}
		k := "CronJob/" + j.Namespace + "/" + cron
		if old, ok := m[k]; !ok || old.created < v.created || (old.created == v.created && old.run < v.run) {
			m[k] = v
		}
	}
	return m
}

// compareVerdicts lists the overall verdict when it changed, then every Job
// and CronJob (its latest run) whose health or rule codes changed.
func compareVerdicts(a, b *Snapshot) []Verdict {
	out := []Verdict{}
	if a.Side.Verdict != b.Side.Verdict {
		out = append(out, Verdict{Object: "overall", Old: a.Side.Verdict, New: b.Side.Verdict, OldRules: []string{}, NewRules: []string{}})
	}
	ai, bi := a.verdicts, b.verdicts
	keys := unionKeys(ai, bi)
	sort.Strings(keys)
	for _, k := range keys {
		x, y := ai[k], bi[k]
		if x.health == y.health && slices.Equal(x.rules, y.rules) {
			continue
		}
		v := Verdict{Object: k, Old: x.health, New: y.health, OldRules: nonNil(x.rules), NewRules: nonNil(y.rules)}
		if k[0] == 'C' {
			v.Run = x.run
			if x.run != y.run {
				v.Run = dash(x.run) + " -> " + dash(y.run)
			}
		}
		out = append(out, v)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ErrTooFew is returned (wrapped) by Run for fewer than two bundles.
var ErrTooFew = fmt.Errorf("need at least two bundles to compare")

// Run diffs each consecutive pair of files (each loaded once, in order) under
// opts. The first bundle that cannot be read stops it with its error.
func Run(ctx context.Context, files []string, opts pipeline.Options) (*Result, error) {
	if len(files) < 2 {
		return nil, fmt.Errorf("%d bundle(s) given: %w", len(files), ErrTooFew)
	}
	res := &Result{Schema: Schema, Pairs: []Pair{}}
	// The bundles load in the batch pool (pipeline.Ordered: every core,
	// a bounded number in flight) and are compared in order, each with the
	// one before it.
	type loaded struct {
		s   *Snapshot
		err error
	}
	var prev *Snapshot
	err := pipeline.Ordered(ctx, len(files), runtime.GOMAXPROCS(0), func(_ context.Context, i int) loaded {
		s, err := Load(files[i], opts)
		return loaded{s, err}
	}, func(_ int, l loaded) error {
		if l.err != nil {
			return l.err
		}
		if prev != nil {
			res.Pairs = append(res.Pairs, Compare(prev, l.s))
		}
		prev = l.s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
