package main

import (
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/spf13/cobra"
)

// analyzeOptions are the parsed flags of `ksnap analyze`.
type analyzeOptions struct {
	Paths  []string
	Output string
	Strict bool
	// All, Brief and LogLines shape the report, not the verdict.
	All      bool
	Brief    bool
	LogLines int

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

	// Analyze are the library options built from the flags.
	Analyze analyze.Options
	// Rules is the rule set named by --ruleset.
	Rules rules.RuleSet
}

// complete checks flag values and combinations and builds the library options.
func (o *analyzeOptions) complete(cmd *cobra.Command, def analyze.Options) error {
	if _, ok := reportFormats[o.Output]; !ok {
		return usageErrorf("-o %q: want one of %s", o.Output, formatNames(reportFormats))
	}
	if o.Brief && o.Output != formatText {
		return usageErrorf("--brief applies to -o %s only", formatText)
	}
	if o.All && o.Output != formatText && o.Output != formatMarkdown {
		return usageErrorf("--all applies to -o %s and %s only", formatText, formatMarkdown)
	}
	if o.LogLines < 0 {
		return usageErrorf("--log-lines %d: want 0 or more", o.LogLines)
	}
	a := def
	a.WarnOnPending = o.WarnOnPending
	a.TreatUnknownAsError = o.TreatUnknownAsError
	a.PendingAfter = o.PendingAfter
	a.MaxRuntime = o.MaxRuntime
	a.RestartWarn = o.RestartWarn
	a.AllowEmpty = o.AllowEmpty
	a.Expect = append([]string(nil), o.Expect...)
	a.IncludeBarePods = o.IncludeBarePods
	a.LogLines = o.LogLines
	if err := a.Validate(); err != nil {
		return flagError(err)
	}
	rs, err := rules.Lookup(o.RuleSet)
	if err != nil {
		return usageErrorf("--ruleset: %v", err)
	}
	if o.RulesFile != "" {
		if rs, err = loadRulesFile(o.RulesFile, rs); err != nil {
			return err
		}
	}
	o.Analyze, o.Rules = a, rs
	return nil
}
