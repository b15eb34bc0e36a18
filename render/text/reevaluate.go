package text

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ksnap/ksnap/reeval"
)

// Reevaluate writes a re-evaluation for people: one line per verdict that
// changes (bundle, job or "(overall)", old -> new health, old -> new rule
// codes, the rule set it was judged by), then the bundles that failed and a
// count line.
func Reevaluate(w io.Writer, r *reeval.Result) error {
	bw := bufio.NewWriter(w)
	if len(r.Changes) > 0 {
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "BUNDLE\tJOB\tVERDICT\tRULES\tWAS JUDGED BY")
		for _, c := range r.Changes {
			job := c.Job
			if job == "" {
				job = "(overall)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dash(esc(c.Bundle)), esc(job), arrow(c.Old, c.New),
				arrow(rules(c.OldRules), rules(c.NewRules)), dash(esc(c.OldRuleSet)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(bw)
	}
	for _, f := range r.Failed {
		fmt.Fprintf(bw, "FAIL %s\n", esc(f.Error))
	}
	fmt.Fprintf(bw, "%s (%s) re-evaluated under %s: %s change in %s",
		plural(r.Bundles, "bundle"), plural(r.Jobs, "job"), r.RuleSet, plural(r.ChangedJobs, "job verdict"), plural(r.ChangedBundles, "bundle"))
	if len(r.Failed) > 0 {
		fmt.Fprintf(bw, ", %d failed", len(r.Failed))
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}
