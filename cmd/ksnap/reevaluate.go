package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/analyze/userrules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/reeval"
	rjson "github.com/ksnap/ksnap/render/json"
	rtext "github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// reevaluateOptions are the parsed flags and arguments of reevaluate.
type reevaluateOptions struct {
	Output    string
	RuleSet   string
	RulesFile string
	Base      string
	Bundles   string
	Write     bool
	history   historyFileFlag
	Args      []string

	// Built from the flags.
	New, Old    pipeline.Options
	HistoryFile string
}

func newReevaluateCmd(e *env, runF func(*reevaluateOptions) error) *cobra.Command {
	o := &reevaluateOptions{}
	cmd := &cobra.Command{
		Use:   "reevaluate [--ruleset NAME] [--rules FILE] [--write] DIR|BUNDLE...|HISTORY",
		Short: "Judge stored bundles again under another rule set and list the verdicts that change",
		Long: `Reevaluate analyzes stored bundles under the rule set --ruleset names (and the
user rules of --rules FILE on top of it, docs/replay.md) and lists exactly the
verdicts that change: per bundle, the overall verdict and each Job, old -> new
health and rule codes, with counts.

The old verdicts are, for a HISTORY file (JSONL), each bundle's latest record
under another rule set, its bundle read from --bundle-dir DIR (and checked
against the recorded sha256); for bundles or a DIR, the bundles analyzed under
--base (default the newest built-in rule set).

--write appends the new records to the history (the HISTORY given, else
--history-file), each carrying its rule set, so old and new verdicts coexist;
a bundle that already has a record under the new rule set is not recorded
twice. -o json writes one document of schema ksnap.reevaluate/v1.` + `

EXIT STATUS
  0  no verdict changes
  1  some verdicts change
  3  usage error, bad or unreadable input, or a bundle that could not be re-evaluated`,
		Example: `  ksnap reevaluate --rules team-rules.yaml bundles/
  ksnap reevaluate --ruleset v1 --bundle-dir bundles/ --write outputs/k8s_health_history.jsonl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			if err := o.complete(cmd, e); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runReevaluate(cmd, e, o)
		},
	}
	f := cmd.Flags()
	names := strings.Join(rules.Names(), ", ")
	f.StringVarP(&o.Output, "output", "o", formatText, "output format: text or json")
	f.StringVar(&o.RuleSet, "ruleset", rules.Default().Name(), "rule set to re-evaluate under: "+names)
	f.StringVar(&o.RulesFile, "rules", "", "user rules file (YAML or JSON) added to --ruleset")
	f.StringVar(&o.Base, "base", rules.Default().Name(), "rule set of the old verdicts of bundles given directly: "+names)
	f.StringVar(&o.Bundles, "bundle-dir", "bundles", "directory of the bundles a HISTORY names ($KSNAP_BUNDLE_DIR)")
	deprecatedAlias(f, e.stderr, "bundles", "", "bundle-dir")
	f.BoolVar(&o.Write, "write", false, "append the new records to the history")
	o.history.addFlag(f)
	return cmd
}

// complete checks the flags and builds the rule sets.
func (o *reevaluateOptions) complete(cmd *cobra.Command, e *env) error {
	if o.Output != formatText && o.Output != formatJSON {
		return usageErrorf("-o %q: want text or json", o.Output)
	}
	if !cmd.Flags().Changed("bundle-dir") {
		if v := e.getenv("KSNAP_BUNDLE_DIR"); v != "" {
			o.Bundles = v
		}
	}
	hf, err := o.history.resolve(cmd, e)
	if err != nil {
		return err
	}
	o.HistoryFile = hf
	rs, err := rules.Lookup(o.RuleSet)
	if err != nil {
		return usageErrorf("--ruleset: %v", err)
	}
	base, err := rules.Lookup(o.Base)
	if err != nil {
		return usageErrorf("--base: %v", err)
	}
	if o.RulesFile != "" {
		if rs, err = loadRulesFile(o.RulesFile, rs); err != nil {
			return err
		}
	}
	o.New, o.Old = pipeline.DefaultOptions(), pipeline.DefaultOptions()
	o.New.RuleSet, o.Old.RuleSet = rs, base
	return nil
}

// loadRulesFile reads a user rules file as a rule set over base.
func loadRulesFile(path string, base rules.RuleSet) (rules.RuleSet, error) {
	st, err := os.Stat(path)
	if err != nil {
		return rules.RuleSet{}, fmt.Errorf("%s: cannot read the rules file: %w", path, err)
	}
	if st.Size() > userrules.MaxFileSize {
		return rules.RuleSet{}, fmt.Errorf("%s: larger than %d bytes", path, userrules.MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return rules.RuleSet{}, fmt.Errorf("%s: %w", path, err)
	}
	f, err := userrules.Parse(path, data)
	if err != nil {
		return rules.RuleSet{}, err
	}
	return f.RuleSet(base)
}

// isHistory says the single argument is a history file, not bundles.
func isHistory(args []string) bool {
	if len(args) != 1 || strings.HasSuffix(args[0], bundle.Extension) {
		return false
	}
	st, err := os.Stat(args[0])
	return err == nil && !st.IsDir()
}

// loadAll reads every record of the history store, in store order.
func loadAll(ctx context.Context, e *env, st history.Store) ([]history.Record, error) {
	var recs []history.Record
	c, err := st.Scan(ctx, history.Filter{}, func(r *history.Record) error {
		recs = append(recs, r.Clone())
		return nil
	})
	if err != nil {
		return nil, err
	}
	reportCorrupt(e, st.String(), c)
	return recs, nil
}

func runReevaluate(cmd *cobra.Command, e *env, o *reevaluateOptions) error {
	version := o.New.RuleSet.Version()
	var inputs []reeval.Input
	var current map[string]bool
	ctx := cmd.Context()
	target := o.HistoryFile
	fromHistory := isHistory(o.Args)
	if fromHistory {
		target = o.Args[0]
	}
	var st history.Store
	if fromHistory || o.Write {
		js, err := e.openHistory(target, jsonl.Options{})
		if err != nil {
			return err
		}
		defer js.Close()
		st = js
	}
	if fromHistory {
		recs, err := loadAll(ctx, e, st)
		if err != nil {
			return err
		}
		p := reeval.FromHistory(recs, o.Bundles, version)
		if p.NoBundle > 0 {
			e.warnf("%s: %d records name no bundle (the old tool's): not re-evaluated", target, p.NoBundle)
		}
		inputs, current = p.Inputs, p.Current
	} else {
		files, err := expandPaths(o.Args)
		if err != nil {
			return err
		}
		for _, f := range files {
			inputs = append(inputs, reeval.Input{Path: f})
		}
		if o.Write {
			recs, err := loadAll(ctx, e, st)
			if err != nil {
				return err
			}
			current = reeval.FromHistory(recs, "", version).Current
		}
	}
	defer batchGC(e.getenv, len(inputs))()
	res, err := reeval.Run(ctx, inputs, reeval.Options{Base: withVerified(o.Old, e), New: withVerified(o.New, e)})
	if err != nil {
		return err
	}
	if o.Output == formatJSON {
		err = rjson.Reevaluate(e.stdout, res)
	} else {
		err = rtext.Reevaluate(e.stdout, res)
	}
	if err != nil {
		return err
	}
	for _, f := range res.Failed {
		e.problem(fmt.Errorf("%s", f.Error))
	}
	if o.Write {
		var recs []history.Record
		for _, r := range res.Records {
			if !current[r.Bundle] {
				recs = append(recs, r)
			}
		}
		if len(recs) > 0 {
			if _, err := st.Append(ctx, recs...); err != nil {
				return err
			}
		}
		fmt.Fprintf(e.stderr, "ksnap: %s: %d records appended under %s\n", target, len(recs), version)
	}
	switch {
	case len(res.Failed) > 0:
		return silentExit(exitUnknown)
	case len(res.Changes) > 0:
		return silentExit(1)
	}
	return nil
}
