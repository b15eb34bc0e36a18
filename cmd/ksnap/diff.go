package main

import (
	"strings"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/diff"
	"github.com/ksnap/ksnap/pipeline"
	rjson "github.com/ksnap/ksnap/render/json"
	rtext "github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// diffExitHelp is diff's own exit table (kubectl diff's convention).
const diffExitHelp = `
EXIT STATUS
  0  no change
  1  something changed
  3  usage error, bad or unreadable input`

// diffOptions are the parsed flags and arguments of diff.
type diffOptions struct {
	Output    string
	RuleSet   string
	RulesFile string
	Files     []string
	// Pipeline judges both sides: the rule set of --ruleset (and --rules).
	Pipeline pipeline.Options
}

func newDiffCmd(e *env, runF func(*diffOptions) error) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff [-o text|json] A B | DIR...",
		Short: "Show what changed between captures: Jobs, Pods, Warning events and verdicts",
		Long: `Diff compares bundles on the fields ksnap's rules read: Jobs by conditions,
reasons, counters, start and completion; Pods by phase, conditions,
container states, exit codes and restarts; Warning events by object and
reason, with count deltas. Objects are matched by kind, namespace and name;
a changed uid is "replaced". resourceVersion, managedFields, heartbeat times
and env never take part; secret-looking values in messages are masked.
It also shows the verdicts that changed, both sides judged by one rule set
(--ruleset, default the newest, plus the user rules of --rules FILE): the
overall verdict, each Job (health and rule codes) and each CronJob's latest
run, e.g. "CronJob/batch/etl  ERROR -> OK".

Given more than two bundles, or directories (their bundles in capture
order), diff compares each consecutive pair. -o json writes one document of
schema ksnap.diff/v1 (docs/replay.md).` + "\n" + diffExitHelp,
		Example: `  ksnap diff bundles/20251116T100000Z-batch-1a2b3c4d.tar.zst bundles/20251116T100500Z-batch-5e6f7a8b.tar.zst
  ksnap diff -o json bundles/ | jq '.pairs[].verdicts'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Output != formatText && o.Output != formatJSON {
				return usageErrorf("-o %q: want text or json", o.Output)
			}
			files, err := expandPaths(args)
			if err != nil {
				return err
			}
			if len(files) < 2 {
				return usageErrorf("%d bundle given: diff needs two bundles, or a directory of at least two", len(files))
			}
			o.Files = files
			rs, err := rules.Lookup(o.RuleSet)
			if err != nil {
				return usageErrorf("--ruleset: %v", err)
			}
			if o.RulesFile != "" {
				if rs, err = loadRulesFile(o.RulesFile, rs); err != nil {
					return err
				}
			}
			o.Pipeline = pipeline.DefaultOptions()
			o.Pipeline.RuleSet = rs
			if runF != nil {
				return runF(o)
			}
			defer batchGC(e.getenv, len(o.Files))()
			res, err := diff.Run(cmd.Context(), o.Files, withVerified(o.Pipeline, e))
			if err != nil {
				return err
			}
			if o.Output == formatJSON {
				err = rjson.Diff(e.stdout, res)
			} else {
				err = rtext.Diff(e.stdout, res)
			}
			if err != nil {
				return err
			}
			if res.Changed() {
				return silentExit(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", formatText, "output format: text or json")
	cmd.Flags().StringVar(&o.RuleSet, "ruleset", rules.Default().Name(), "rule set judging both sides: "+strings.Join(rules.Names(), ", "))
	cmd.Flags().StringVar(&o.RulesFile, "rules", "", "user rules file (YAML or JSON) added to --ruleset")
	return cmd
}
