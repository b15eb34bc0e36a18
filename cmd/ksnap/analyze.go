package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// Output formats of analyze.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatJUnit = "junit"
)

// analyzeOptions are the parsed flags of `ksnap analyze`.
type analyzeOptions struct {
	Paths  []string
	Output string
	Strict bool

	WarnOnPending       bool
	TreatUnknownAsError bool
	PendingAfter        time.Duration
	MaxRuntime          time.Duration
	RestartWarn         int64
	AllowEmpty          bool
	Expect              []string
	RuleSet             string

	// Analyze are the library options built from the flags.
	Analyze analyze.Options
	// Rules is the rule set named by --ruleset.
	Rules rules.RuleSet
}

func newAnalyzeCmd(e *env, runF func(*analyzeOptions) error) *cobra.Command {
	def := analyze.DefaultOptions()
	opts := &analyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze BUNDLE...|DIR",
		Short: "Evaluate bundles offline into OK/WARN/ERROR/UNKNOWN verdicts",
		Long: `Analyze reads bundles (a directory means the *.tar.zst regular files in it,
not dot-files or symlinks, in capture order: docs/bundle-format.md) and
evaluates the Jobs, Pods and Events they hold with the health rules of
docs/rules.md, in the rule set --ruleset names (default the newest, ` + rules.Default().Name() + `;
every report names its version). It never contacts a cluster and never
reads the clock: "now" is each bundle's capture time, so the same bundle
always gives the same report, byte for byte, whatever the machine, TZ or
locale.

Output (-o): text (the default), json (schema in docs/report-schema.md; one
document per bundle), or junit (one XML document, one testsuite per bundle,
one testcase per Job; ERROR is a failure, WARN passes with its findings in
system-out). With several bundles and text output, the reports are followed by
one summary line per bundle: "VERDICT FILE jobs=N ok=N warn=N error=N ...".

The verdict of a bundle is the worst of its Jobs, bare pods and bundle-level
findings: ERROR, then UNKNOWN, then WARN, then OK. A failed kubectl command in
the capture makes it at least WARN; a jobs list that failed or was not
captured makes it UNKNOWN. The exit code is that of the worst verdict across
all bundles, in the same order (ERROR > UNKNOWN > WARN > OK). A bundle that
cannot be read prints one line "ksnap: FILE: member M: what" on stderr and
counts as UNKNOWN; the other bundles are still analyzed.
` + exitStatusHelp,
		Example: `  ksnap analyze bundles/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst
  ksnap analyze --strict -o junit bundles/ > ksnap-junit.xml
  ksnap analyze --expect nightly-etl --max-runtime 2h -o json bundles/latest.tar.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if err := opts.complete(cmd, def); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", formatText, "output format: text, json or junit")
	f.BoolVar(&opts.Strict, "strict", false, "exit 1 on WARN instead of 0")
	f.BoolVar(&opts.WarnOnPending, "warn-on-pending", def.WarnOnPending, "a Job that has not started is WARN (J8); false makes it OK")
	f.BoolVar(&opts.TreatUnknownAsError, "treat-unknown-as-error", def.TreatUnknownAsError, "a Job whose phase is UNKNOWN is ERROR (J0); false makes it WARN")
	f.DurationVar(&opts.PendingAfter, "pending-after", def.PendingAfter, "J8 warns only about Jobs pending at least this long since creation")
	f.DurationVar(&opts.MaxRuntime, "max-runtime", def.MaxRuntime, "J6 warns about Jobs active longer than this")
	f.Int64Var(&opts.RestartWarn, "restart-warn", def.RestartWarn, "P14 warns about containers restarted at least this many times")
	f.BoolVar(&opts.AllowEmpty, "allow-empty", def.AllowEmpty, "zero matched Jobs is OK instead of WARN (O3)")
	f.StringArrayVar(&opts.Expect, "expect", nil, "a Job that must be present (J9, ERROR when absent); repeatable")
	f.StringVar(&opts.RuleSet, "ruleset", rules.Default().Name(), "rule set to judge by: "+strings.Join(rules.Names(), ", "))
	return cmd
}

// complete checks flag values and combinations and builds the library options.
func (o *analyzeOptions) complete(cmd *cobra.Command, def analyze.Options) error {
	switch o.Output {
	case formatText, formatJSON, formatJUnit:
	default:
		return usageErrorf("-o %q: want text, json or junit", o.Output)
	}
	a := def
	a.WarnOnPending = o.WarnOnPending
	a.TreatUnknownAsError = o.TreatUnknownAsError
	a.PendingAfter = o.PendingAfter
	a.MaxRuntime = o.MaxRuntime
	a.RestartWarn = o.RestartWarn
	a.AllowEmpty = o.AllowEmpty
	a.Expect = append([]string(nil), o.Expect...)
	if err := a.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	rs, err := rules.Lookup(o.RuleSet)
	if err != nil {
		return usageErrorf("--ruleset: %v", err)
	}
	o.Analyze, o.Rules = a, rs
	return nil
}

// expandPaths turns the arguments into bundle files: a directory stands for
// the bundles bundle.List finds in it, in capture order. A directory with
// no bundle is a usage error.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			out = append(out, p) // a file, or an error reported when it is opened
			continue
		}
		ents, err := bundle.List(p)
		if err != nil {
			return nil, err
		}
		if len(ents) == 0 {
			return nil, usageErrorf("%s: no *%s bundle in this directory", p, bundle.Extension)
		}
		for _, en := range ents {
			out = append(out, en.Path)
		}
	}
	return out, nil
}

// verdictCode maps a verdict to its exit code (exit.go's table).
func verdictCode(v model.Level, strict bool) int {
	switch v {
	case model.LevelError:
		return exitError
	case model.LevelUnknown:
		return exitUnknown
	case model.LevelWarn:
		if strict {
			return exitWarn
		}
	}
	return exitOK
}

func runAnalyze(e *env, o *analyzeOptions) error {
	files, err := expandPaths(o.Paths)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	defer close(stop) // an early return (a write error) ends the pool
	pool := analyzeAll(files, o, runtime.GOMAXPROCS(0), stop)
	overall := model.LevelOK
	var reps []*analyze.Report // junit renders them all at the end
	var summaries []string
	for i, f := range files {
		r := pool.result(i)
		if r.err != nil {
			fmt.Fprintf(e.stderr, "ksnap: %s\n", textutil.OneLine(r.err.Error()))
			overall = overall.Worst(model.LevelUnknown)
			continue
		}
		overall = overall.Worst(r.rep.Verdict)
		for _, p := range r.rep.InputProblems {
			if p.Index < 0 { // a member that could not be read at all: say so on stderr too
				fmt.Fprintf(e.stderr, "ksnap: %s: member %s: %s\n", f, p.Member, textutil.OneLine(p.Problem))
			}
		}
		summaries = append(summaries, r.summary)
		if o.Output == formatText && len(summaries) > 1 {
			fmt.Fprintln(e.stdout)
		}
		if err := r.write(e.stdout, o.Output); err != nil {
			return err
		}
		if o.Output == formatJUnit {
			reps = append(reps, r.rep)
		}
	}
	switch {
	case o.Output == formatJUnit && len(reps) > 0:
		if err := junit.Reports(e.stdout, reps...); err != nil {
			return err
		}
	case o.Output == formatText && len(files) > 1:
		fmt.Fprintln(e.stdout)
		for _, s := range summaries {
			fmt.Fprintln(e.stdout, s)
		}
	}
	return silentExit(verdictCode(overall, o.Strict))
}

// analyzed is the result of one bundle. With several bundles the report
// is rendered by the worker (text or json) into out, so that a finished
// report waiting for its turn holds only its output; with one bundle it is
// rendered straight to stdout.
type analyzed struct {
	rep       *analyze.Report
	err       error
	out       []byte
	renderErr error
	rendered  bool
	summary   string
}

// write renders the report (or copies the worker's rendering) to w.
func (r *analyzed) write(w io.Writer, format string) error {
	if r.rendered {
		if r.renderErr != nil {
			return r.renderErr
		}
		_, err := w.Write(r.out)
		return err
	}
	return render(w, format, r.rep)
}

func render(w io.Writer, format string, rep *analyze.Report) error {
	switch format {
	case formatText:
		return text.Report(w, rep)
	case formatJSON:
		return json.Report(w, rep)
	}
	return nil // junit: all reports at the end
}

// analyzePool analyzes bundles with a fixed number of workers, in file
// order, and hands the results back in file order.
type analyzePool struct {
	results []chan analyzed
	// slots bounds the bundles in memory: one is taken before a bundle is
	// started and given back when its result is read.
	slots chan struct{}
}

// result waits for file i's result. Call it for i = 0, 1, ... in order.
func (p *analyzePool) result(i int) analyzed {
	r := <-p.results[i]
	<-p.slots
	return r
}

// analyzeAll starts analyzing files with workers goroutines (at most one
// per file). At most 2*workers bundles are in memory at once, being
// analyzed or waiting to be read. Closing stop abandons the files not yet
// started.
func analyzeAll(files []string, o *analyzeOptions, workers int, stop <-chan struct{}) *analyzePool {
	workers = max(1, min(workers, len(files)))
	p := &analyzePool{results: make([]chan analyzed, len(files)), slots: make(chan struct{}, 2*workers)}
	for i := range p.results {
		p.results[i] = make(chan analyzed, 1) // workers never block on a slow reader
	}
	todo := make(chan int)
	go func() {
		defer close(todo)
		for i := range files {
			select {
			case <-stop:
				return
			default:
			}
			select {
			case p.slots <- struct{}{}:
			case <-stop:
				return
			}
			todo <- i // a worker is free or about to be: it never waits on the reader
		}
	}()
	batch := len(files) > 1
	for range workers {
		go func() {
			for i := range todo {
				p.results[i] <- analyzeOne(files[i], o, batch)
			}
		}()
	}
	return p
}

// analyzeOne analyzes one file. In batch mode it also renders text and
// json reports and keeps only what the caller still needs (verdict, input
// problems, summary line): the full report shares memory with the decoded
// bundle, which can then be freed while the output waits for its turn.
func analyzeOne(path string, o *analyzeOptions, batch bool) analyzed {
	var r analyzed
	r.rep, r.err = analyzeFile(path, o.Rules, o.Analyze)
	if r.err != nil {
		return r
	}
	r.summary = text.SummaryLine(r.rep)
	if batch && o.Output != formatJUnit {
		var buf bytes.Buffer
		r.renderErr = render(&buf, o.Output, r.rep)
		r.out, r.rendered = buf.Bytes(), true
		r.rep = &analyze.Report{Verdict: r.rep.Verdict, InputProblems: r.rep.InputProblems}
	}
	return r
}

// analyzeFile opens, verifies and evaluates one bundle. Errors name the file
// and, when known, the member.
func analyzeFile(path string, rs rules.RuleSet, opts analyze.Options) (*analyze.Report, error) {
	// The members' sha256s are checked while the analysis runs; its report
	// is used only once they all match.
	b, err := bundle.StartOpen(path)
	if err == nil {
		rep, evalErr := analyze.Evaluate(analyze.FromBundle(b), rs, opts)
		if err = b.Wait(); err == nil {
			return rep, evalErr
		}
	}
	var ce *bundle.CorruptError
	if errors.As(err, &ce) {
		return nil, ce
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", path)
	}
	return nil, err
}
