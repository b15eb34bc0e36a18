package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

func newAnalyzeCmd(e *env, runF func(*analyzeOptions) error) *cobra.Command {
	def := analyze.DefaultOptions()
	opts := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze BUNDLE...|DIR",
		Short: "Evaluate bundles offline into OK/WARN/ERROR/UNKNOWN verdicts",
		Long: `Analyze reads bundles (a directory means the *.tar.zst regular files in it,
not dot-files; a symlink by its target, in capture order: docs/bundle-format.md) and
evaluates the Jobs, Pods and Events they hold with the health rules of
docs/rules.md, in the rule set --ruleset names (default the newest, ` + rules.Default().Name() + `;
every report names its version). It never contacts a cluster and never reads
the clock: "now" is each bundle's capture time, so the same bundle always
gives the same report, byte for byte, whatever the machine, TZ or locale.

Output (-o): text (the default), json (schema in docs/report-schema.md; one
document per bundle), junit (one XML document, one testsuite per bundle, one
testcase per Job; ERROR is a failure, WARN passes with its findings in
system-out, or fails with --strict; an unreadable bundle is an error), or
markdown (GitHub-flavoured, for $GITHUB_STEP_SUMMARY: the verdict and a table
of what is not OK), or html (one self-contained page of every report, see
docs/dashboard.md). The text report starts with the verdict and one line per
Job that is not OK with its cause (rule, age before the capture, message),
then details of those Jobs only (--all: every Job; --brief: the first block
only), with the last --log-lines captured log lines of each failing
container. With several bundles and text output, the reports are followed by
one summary line per bundle: "VERDICT FILE jobs=N ok=N warn=N error=N ...".

The verdict of a bundle is the worst of its Jobs and bundle-level findings
(bare pods, owned by no captured Job, only with --include-bare-pods; rule set
v1 always counts them): ERROR, then UNKNOWN, then WARN, then OK. A failed kubectl command in
the capture makes it at least WARN; a jobs list that failed or was not
captured makes it UNKNOWN. The exit code is that of the worst verdict across
all bundles, in the same order (ERROR > UNKNOWN > WARN > OK). A bundle that
cannot be read prints one line "ksnap: FILE: member M: what" on stderr and
counts as UNKNOWN; the other bundles are still analyzed.

Every member is checked against the manifest's sha256 on the first read of a
bundle file; a file whose whole sha256 was verified in full before (the
verify cache, README "Hashing") is not hashed member by member again.
Environment: KSNAP_VERIFY_CACHE=off turns the cache off, =DIR moves it
(default $KSNAP_CACHE_DIR, else $XDG_CACHE_HOME/ksnap, else ~/.cache/ksnap).
` + exitStatusHelp,
		Example: `  ksnap analyze bundles/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst
  ksnap analyze --brief bundles/latest.tar.zst
  ksnap analyze -o markdown bundles/latest.tar.zst >> "$GITHUB_STEP_SUMMARY"
  ksnap analyze --strict -o junit bundles/ > ksnap-junit.xml
  ksnap analyze --expect nightly-etl --max-runtime 2h -o json bundles/latest.tar.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := e.localBundles(cmd.Context(), args, false)
			if err != nil {
				return err
			}
			opts.Paths = paths
			if err := opts.complete(cmd, def); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(cmd.Context(), e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", formatText, "output format: "+formatNames(reportFormats))
	f.BoolVar(&opts.Strict, "strict", false, "exit 1 on WARN instead of 0 (and, in JUnit, WARN is a failure)")
	f.BoolVar(&opts.All, "all", false, "text and markdown: also list the Jobs and pods that are OK")
	f.BoolVar(&opts.Brief, "brief", false, "text: print only the first block (verdict, counts, one cause per Job that is not OK)")
	f.IntVar(&opts.LogLines, "log-lines", def.LogLines, "captured log lines shown per failing or warning container (0: none)")
	opts.analysisFlags.addFlags(f, def)
	return cmd
}

func runAnalyze(ctx context.Context, e *env, o *analyzeOptions) error {
	files, err := expandPaths(o.Paths)
	if err != nil {
		return err
	}
	f := reportFormats[o.Output].bind(o.Output, renderOptions{Strict: o.Strict, All: o.All, Brief: o.Brief})
	batch := len(files) > 1
	p := e.startProgress("analyzing bundles", len(files))
	defer p.end()
	bo := pipeline.BatchOptions{Progress: p.set}
	if batch && f.each != nil {
		bo = bo.SmallResults() // what waits for its turn is bytes, not a bundle
		// Render in the worker and keep only what is still needed (verdict,
		// input problems, summary line): the full report shares memory with
		// the decoded bundle, which is freed while the output waits its turn.
		bo.Prepare = func(a *pipeline.Analyzed) (any, error) {
			var buf bytes.Buffer
			err := f.each(&buf, a.Report)
			r := rendered{out: buf.Bytes(), summary: text.SummaryLine(a.Report)}
			a.Report = &analyze.Report{Verdict: a.Report.Verdict, InputProblems: a.Report.InputProblems}
			return r, err
		}
	}
	overall := model.LevelOK
	var reps []*analyze.Report // formats that render all reports at the end
	var entries []junit.Entry  // formats that render every bundle at the end
	var summaries []string
	defer batchGC(e.getenv, len(files))()
	err = pipeline.AnalyzeAll(ctx, files, pipeline.Options{RuleSet: o.Rules, Analyze: o.Analyze, Verified: e.verifiedSet()}, bo, func(it pipeline.Item) error {
		if it.Err != nil {
			e.problem(it.Err)
			overall = overall.Worst(model.LevelUnknown)
			if f.batch != nil {
				entries = append(entries, junit.Entry{Path: it.Path, Err: it.Err})
			}
			if f.unreadable != nil {
				return f.unreadable(e.stdout, it.Path, it.Err)
			}
			return nil
		}
		rep := it.Analyzed.Report
		if it.Analyzed.HashesSkipped {
			e.logger().Debug("member hashes skipped: the file was verified before (verify cache)", "bundle", it.Analyzed.Name)
		}
		overall = overall.Worst(rep.Verdict)
		for _, p := range rep.InputProblems {
			if p.Index < 0 { // a member that could not be read at all: say so on stderr too
				e.problem(fmt.Errorf("%s: member %s: %s", it.Path, p.Member, p.Problem))
			}
		}
		r, prepared := it.Prepared.(rendered)
		if !prepared {
			r.summary = text.SummaryLine(rep)
		}
		summaries = append(summaries, r.summary)
		if f.batch != nil {
			entries = append(entries, junit.Entry{Path: it.Path, Report: rep})
			return nil
		}
		if f.each == nil {
			reps = append(reps, rep)
			return nil
		}
		if f.separate && len(summaries) > 1 {
			fmt.Fprintln(e.stdout)
		}
		if it.PrepareErr != nil {
			return it.PrepareErr
		}
		if prepared {
			_, err := e.stdout.Write(r.out)
			return err
		}
		return f.each(e.stdout, rep)
	})
	if err != nil {
		return err
	}
	switch {
	case f.batch != nil && len(entries) > 0:
		if err := f.batch(e.stdout, entries, renderOptions{Strict: o.Strict}); err != nil {
			return err
		}
	case f.all != nil && len(reps) > 0:
		if err := f.all(e.stdout, reps); err != nil {
			return err
		}
	case f.separate && len(files) > 1:
		fmt.Fprintln(e.stdout)
		for _, s := range summaries {
			fmt.Fprintln(e.stdout, s)
		}
	}
	return silentExit(verdictCode(overall, o.Strict))
}

// rendered is a report rendered by a batch worker, and its summary line.
type rendered struct {
	out     []byte
	summary string
}
