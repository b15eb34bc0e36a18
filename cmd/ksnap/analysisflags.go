package main

import (
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/spf13/pflag"
)

// analysisFlags are the analysis options analyze, record and watch share:
// one set of flags, bound by addFlags, turned into library options by
// options.
type analysisFlags struct {
	WarnOnPending       bool
	TreatUnknownAsError bool
	PendingAfter        time.Duration
	MaxRuntime          time.Duration
	RestartWarn         int64
	AllowEmpty          bool
	Expect              []string
	IncludeBarePods     bool
	RuleSet             string
	// RulesFile is a user rules file (docs/replay.md) extending RuleSet.
	RulesFile string
}

// addFlags binds the analysis flags, with def's defaults.
func (a *analysisFlags) addFlags(f *pflag.FlagSet, def analyze.Options) {
	f.BoolVar(&a.WarnOnPending, "warn-on-pending", def.WarnOnPending, "a Job that has not started is WARN (J8); false makes it OK")
	f.BoolVar(&a.TreatUnknownAsError, "treat-unknown-as-error", def.TreatUnknownAsError, "a Job whose phase is UNKNOWN is ERROR (J0); false makes it WARN")
	durationVar(f, &a.PendingAfter, "pending-after", def.PendingAfter, "J8 warns only about Jobs pending at least this long since creation")
	durationVar(f, &a.MaxRuntime, "max-runtime", def.MaxRuntime, "J6 warns about Jobs active longer than this")
	f.Int64Var(&a.RestartWarn, "restart-warn", def.RestartWarn, "P14 warns about containers restarted at least this many times")
	f.BoolVar(&a.AllowEmpty, "allow-empty", def.AllowEmpty, "zero matched Jobs is OK instead of WARN (O3)")
	f.StringArrayVar(&a.Expect, "expect", nil, "a Job that must be present, by its name or its CronJob's (J9, ERROR when absent); repeatable")
	f.BoolVar(&a.IncludeBarePods, "include-bare-pods", def.IncludeBarePods, "bare pods (owned by no captured Job) count in the verdict (O1; v1 always counts them)")
	f.StringVar(&a.RuleSet, "ruleset", rules.Default().Name(), "rule set to judge by: "+strings.Join(rules.Names(), ", "))
	f.StringVar(&a.RulesFile, "rules", "", "a user rules file extending the rule set (docs/replay.md); its sha256 is part of the rule-set version in every report")
}

// options checks the flags and builds the pipeline options: def with the
// flags' values, the rule set and, with --rules, that file's rules.
func (a *analysisFlags) options(def analyze.Options) (pipeline.Options, error) {
	o := def
	o.WarnOnPending = a.WarnOnPending
	o.TreatUnknownAsError = a.TreatUnknownAsError
	o.PendingAfter = a.PendingAfter
	o.MaxRuntime = a.MaxRuntime
	o.RestartWarn = a.RestartWarn
	o.AllowEmpty = a.AllowEmpty
	o.Expect = append([]string(nil), a.Expect...)
	o.IncludeBarePods = a.IncludeBarePods
	if err := o.Validate(); err != nil {
		return pipeline.Options{}, flagError(err)
	}
	for _, n := range a.Expect {
		if strings.Contains(n, ",") {
			// A Job name never has one; history keeps the names joined by ",".
			return pipeline.Options{}, usageErrorf("--expect %q: a Job or CronJob name has no comma", n)
		}
	}
	rs, err := rules.Lookup(a.RuleSet)
	if err != nil {
		return pipeline.Options{}, usageErrorf("--ruleset: %v", err)
	}
	p := pipeline.Options{RuleSet: rs, Analyze: o, BaseRuleSet: rs.Name(), RulesFile: a.RulesFile, LoadRules: loadRulesFile}
	if a.RulesFile != "" {
		if p.RuleSet, err = loadRulesFile(a.RulesFile, rs); err != nil {
			return pipeline.Options{}, err
		}
	}
	return p, nil
}
