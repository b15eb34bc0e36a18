package text

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ksnap/ksnap/diff"
)

// Diff writes a bundle diff for people: per pair a header naming both
// bundles, then the verdicts, objects and Warning event groups that
// changed, the notes, and one summary line; "no changes" when there are none.
func Diff(w io.Writer, r *diff.Result) error {
	bw := bufio.NewWriter(w)
	for i := range r.Pairs {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		if err := diffPair(bw, &r.Pairs[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func arrow(a, b string) string { return dash(a) + " -> " + dash(b) }

func rules(rs []string) string { return dash(strings.Join(rs, ",")) }

func diffPair(w io.Writer, p *diff.Pair) error {
	fmt.Fprintf(w, "--- %s  %s  %s\n", esc(p.From.File), p.From.CapturedAt, p.From.Verdict)
	fmt.Fprintf(w, "+++ %s  %s  %s\n", esc(p.To.File), p.To.CapturedAt, p.To.Verdict)
	if p.From.RuleSet == p.To.RuleSet {
		fmt.Fprintf(w, "rule set %s\n", p.From.RuleSet)
	} else {
		fmt.Fprintf(w, "rule set %s\n", arrow(p.From.RuleSet, p.To.RuleSet))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(p.Verdicts) > 0 {
		fmt.Fprintln(tw, "\nverdicts:")
		for _, v := range p.Verdicts {
			line := "  " + esc(v.Object) + "\t" + arrow(v.Old, v.New)
			if v.Object != "overall" {
				line += "\t" + arrow(rules(v.OldRules), rules(v.NewRules))
			}
			if v.Run != "" {
				line += "\trun " + esc(v.Run)
			}
			fmt.Fprintln(tw, line)
		}
	}
	if len(p.Objects) > 0 {
		fmt.Fprintln(tw, "\nobjects:")
		for _, o := range p.Objects {
			head := fmt.Sprintf("  %s %s %s/%s", o.Change, o.Kind, esc(o.Namespace), esc(o.Name))
			if o.Change == diff.Replaced {
				head += fmt.Sprintf(" (uid %s)", arrow(o.OldUID, o.NewUID))
			}
			if o.Summary != "" {
				head += ": " + esc(o.Summary)
			}
			fmt.Fprintln(tw, head)
			for _, f := range o.Fields {
				fmt.Fprintf(tw, "      %s\t%s\n", esc(f.Path), esc(arrow(f.Old, f.New)))
			}
		}
	}
	if len(p.Events) > 0 {
		fmt.Fprintln(tw, "\nwarning events:")
		for _, e := range p.Events {
			fmt.Fprintf(tw, "  %s %s/%s\t%s\t%d -> %d (%+d)\n", e.Kind, esc(e.Namespace), esc(e.Name), esc(e.Reason), e.Old, e.New, e.New-e.Old)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  %s\n", esc(n))
		}
	}
	if !p.Changed() {
		_, err := fmt.Fprintln(w, "\nno changes")
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s, %s, %s changed\n",
		plural(len(p.Verdicts), "verdict"), plural(len(p.Objects), "object"), plural(len(p.Events), "event group"))
	return err
}
