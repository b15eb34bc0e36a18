package main

import (
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

	// analysisFlags are the options that shape the verdict (shared with
	// record and watch).
	analysisFlags

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
	p, err := o.analysisFlags.options(def)
	if err != nil {
		return err
	}
	p.Analyze.LogLines = o.LogLines
	o.Analyze, o.Rules = p.Analyze, p.RuleSet
	return nil
}
