// Package reeval owns re-evaluation: stored bundles judged again under
// another rule set, compared with the verdicts they had, listing exactly
// the verdicts that change (per bundle, the overall verdict and each Job:
// old -> new health and rule codes), and the new history records, keyed by
// their rule set, for a caller to append beside the old ones.
//
// The old verdict of a bundle is its history record when the caller has one
// (the verdict as it was recorded), else the bundle analyzed under a base
// rule set. Evaluation is pipeline.Analyze, so a new record is byte for byte
// what `ksnap record` would have written under the new rule set.
//
// It returns values; it never prints, never writes the history itself,
// never reads the wall clock and knows nothing of cobra.
package reeval

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/pipeline"
)

// Schema names the JSON schema of a Result.
const Schema = "ksnap.reevaluate/v1"

// Input is one bundle to re-evaluate.
type Input struct {
	// Path is the bundle file.
	Path string
	// Old is its recorded verdict; nil means: analyze it under Options.Base.
	Old *history.Record
}

// Options configure Run.
type Options struct {
	// Base judges the bundles that have no Old record.
	Base pipeline.Options
	// New is the rule set (and options) to re-evaluate under.
	New pipeline.Options
	// Workers bounds the bundles analyzed at once; 0 means GOMAXPROCS.
	Workers int
}

// Change is one verdict that differs. Job is "" for the bundle's overall
// verdict. Old or New is "" where the Job is absent on that side (a rule
// set that cannot see it).
type Change struct {
	Bundle     string   `json:"bundle"`
	CapturedAt string   `json:"captured_at"`
	Job        string   `json:"job"`
	Old        string   `json:"old"`
	New        string   `json:"new"`
	OldRules   []string `json:"old_rules"`
	NewRules   []string `json:"new_rules"`
	OldRuleSet string   `json:"old_rule_set"`
}

// Failure is a bundle that could not be re-evaluated.
type Failure struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// Result is what Run found.
type Result struct {
	Schema string `json:"schema"`
	// RuleSet is the version of the new rule set.
	RuleSet string `json:"rule_set"`
	// Bundles and Jobs count what was re-evaluated; ChangedBundles the
	// bundles with at least one change, ChangedJobs the Job lines changed.
	Bundles        int `json:"bundles"`
	Jobs           int `json:"jobs"`
	ChangedBundles int `json:"changed_bundles"`
	ChangedJobs    int `json:"changed_jobs"`
	// Changes are in input order; within a bundle the overall verdict
	// first, then Jobs by name.
	Changes []Change  `json:"changes"`
	Failed  []Failure `json:"failed"`
	// Records are the new history records, in input order (not in JSON).
	Records []history.Record `json:"-"`
}

// Run re-evaluates inputs under opts.New, in input order with a bounded
// pool. A bundle that cannot be read, or whose bytes are not the ones its
// old record names, is a Failure; the rest still count.
func Run(ctx context.Context, inputs []Input, opts Options) (*Result, error) {
	res := &Result{Schema: Schema, RuleSet: opts.New.RuleSet.Version(), Changes: []Change{}, Failed: []Failure{}}
	files := make([]string, len(inputs))
	for i, in := range inputs {
		files[i] = in.Path
	}
	recorded := map[string]bool{}
	for _, in := range inputs {
		if in.Old != nil {
			recorded[in.Path] = true
		}
	}
	i := 0
	bo := pipeline.BatchOptions{Workers: opts.Workers, Prepare: func(a *pipeline.Analyzed) (any, error) {
		// The base verdict, where no record holds it: in the worker too.
		if recorded[a.Path] {
			return nil, nil
		}
		old, err := pipeline.Analyze(a.Path, opts.Base)
		if err != nil {
			return nil, err
		}
		return &old.Record, nil
	}}
	err := pipeline.AnalyzeAll(ctx, files, opts.New, bo, func(it pipeline.Item) error {
		in := inputs[i]
		i++
		if it.Err == nil {
			it.Err = it.PrepareErr
		}
		if it.Err != nil {
			res.Failed = append(res.Failed, Failure{File: it.Path, Error: it.Err.Error()})
			return nil
		}
		old := in.Old
		if old == nil {
			old = it.Prepared.(*history.Record)
		} else if old.BundleSHA256 != "" && old.BundleSHA256 != it.Analyzed.SHA256 {
			res.Failed = append(res.Failed, Failure{File: it.Path, Error: fmt.Sprintf(
				"%s: sha256 %s is not the recorded %s: the bundle changed since it was recorded", it.Path, it.Analyzed.SHA256, old.BundleSHA256)})
			return nil
		}
		rec := it.Analyzed.Record
		it.Analyzed.Report = nil
		res.Bundles++
		res.Jobs += len(rec.Jobs)
		cs := compare(old, &rec)
		if len(cs) > 0 {
			res.ChangedBundles++
			for _, c := range cs {
				if c.Job != "" {
					res.ChangedJobs++
				}
			}
			res.Changes = append(res.Changes, cs...)
		}
		res.Records = append(res.Records, rec)
		return nil
	})
	return res, err
}

// compare lists the verdicts of b that differ from a's.
func compare(a, b *history.Record) []Change {
	base := Change{Bundle: b.Bundle, CapturedAt: b.Timestamp, OldRuleSet: a.Ruleset}
	var out []Change
	if a.OverallHealth != b.OverallHealth {
		c := base
		c.Old, c.New, c.OldRules, c.NewRules = a.OverallHealth, b.OverallHealth, []string{}, []string{}
		out = append(out, c)
	}
	type judged struct {
		health string
		rules  []string
	}
	index := func(r *history.Record) map[string]judged {
		m := make(map[string]judged, len(r.Jobs))
		for _, j := range r.Jobs {
			m[j.Name] = judged{j.Health, j.Rules}
		}
		return m
	}
	ai, bi := index(a), index(b)
	names := make([]string, 0, len(ai)+len(bi))
	for n := range ai {
		names = append(names, n)
	}
	for n := range bi {
		if _, ok := ai[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		x, y := ai[n], bi[n]
		if x.health == y.health && slices.Equal(x.rules, y.rules) {
			continue
		}
		c := base
		c.Job, c.Old, c.New = n, x.health, y.health
		c.OldRules, c.NewRules = nonNil(x.rules), nonNil(y.rules)
		out = append(out, c)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// Plan is what FromHistory made of a history.
type Plan struct {
	Inputs []Input
	// NoBundle counts records that name no bundle (the old tool's lines).
	NoBundle int
	// Current are the bundles (by file name) that already have a record
	// under the new rule set: re-evaluated and compared, but not to be
	// recorded again.
	Current map[string]bool
}

// FromHistory turns history records into inputs: for each bundle file name
// (records in file order), its old verdict is its latest record under a
// rule set other than ruleSet (the new one's version), else its latest
// record under ruleSet itself (then re-evaluation checks that the recorded
// verdict replays); its file is dir/NAME. Bundles are in the order of their
// first record.
func FromHistory(recs []history.Record, dir, ruleSet string) *Plan {
	p := &Plan{Current: map[string]bool{}}
	other, same := map[string]*history.Record{}, map[string]*history.Record{}
	var order []string
	for i := range recs {
		r := &recs[i]
		if r.Bundle == "" {
			p.NoBundle++
			continue
		}
		if other[r.Bundle] == nil && same[r.Bundle] == nil {
			order = append(order, r.Bundle)
		}
		if r.Ruleset == ruleSet {
			p.Current[r.Bundle] = true
			same[r.Bundle] = r
		} else {
			other[r.Bundle] = r
		}
	}
	for _, name := range order {
		old := other[name]
		if old == nil {
			old = same[name]
		}
		p.Inputs = append(p.Inputs, Input{Path: filepath.Join(dir, name), Old: old})
	}
	return p
}
