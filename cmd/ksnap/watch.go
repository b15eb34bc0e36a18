package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// watchOptions are the parsed flags of watch.
type watchOptions struct {
	flags    captureFlags
	Interval time.Duration
	Count    int
	// BundleDir keeps the bundles (--bundle-dir); "" deletes each after
	// its tick.
	BundleDir string
	Compact   bool
	Strict    bool
	// Capture and Kubectl are built from the flags; Capture.OutDir is set
	// per run (BundleDir or a temporary directory).
	Capture capture.Options
	Kubectl kubectl.Exec
	// Alert is the alert config of --alert, "" for none.
	Alert string
	// analysis are analyze's verdict options; Pipeline is built from them.
	analysis analysisFlags
	Pipeline pipeline.Options
}

func newWatchCmd(e *env, runF func(*watchOptions) error) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch -n NAMESPACE [-l SELECTOR] [--interval 5s] [--count N] [--bundle-dir D] [--compact]",
		Short: "Capture and analyze repeatedly, printing each report",
		Long: `Watch captures and analyzes once per --interval and prints each report (the
text of ksnap analyze), or one line per tick with --compact. Ticks never
overlap: when a capture takes longer than the interval, the next one starts
as soon as it ends (with one warning line) and the missed ticks are skipped.
--interval takes a duration (30s, 5m, 1d) or, as the old tool did, a bare
number of seconds (--interval 5); --interval 0 is one capture, as
--count 1 (the old tool's one-shot). Bundles are kept in --bundle-dir when
given, otherwise written to a temporary directory and deleted after analysis.

Each tick is judged with analyze's options (--expect, --max-runtime,
--ruleset, ...); those that differ from the defaults are written into each
bundle's manifest, as record does. With --compact the line names the Jobs
that are not OK, each with its cause's rule.

Ctrl+C (or SIGTERM) lets the tick in progress finish its capture and output,
then exits 0. With --count N, watch stops after N ticks and exits with the
code of the last verdict (as analyze; --strict makes WARN exit 1).
` + exitStatusHelp,
		Example: `  ksnap watch -n trading-bots -l app=arbitrage-tuning --interval 30s --compact
  ksnap watch -n batch --count 1 --strict`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.Interval == 0 && cmd.Flags().Changed("interval") && !cmd.Flags().Changed("count"):
				o.Count = 1 // the old tool's --interval 0: one snapshot
			case o.Interval <= 0:
				return usageErrorf("--interval %s: must be positive (for one capture, use --count 1)", o.Interval)
			}
			if o.Count < 0 {
				return usageErrorf("--count %d: must be 0 (forever) or more", o.Count)
			}
			var err error
			if o.Capture, o.Kubectl, err = o.flags.options(cmd, e); err != nil {
				return err
			}
			if o.Pipeline, err = o.analysis.options(analyze.DefaultOptions()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runWatch(cmd, e, o)
		},
	}
	f := cmd.Flags()
	o.flags.addFlags(f, false)
	secondsVar(f, &o.Interval, "interval", 5*time.Second, "time between the starts of two captures (a duration, or seconds)")
	f.IntVar(&o.Count, "count", 0, "stop after N ticks (0: until interrupted)")
	f.StringVar(&o.BundleDir, "bundle-dir", "", "keep the bundles in this directory (default: delete them after analysis)")
	deprecatedAlias(f, e.stderr, "save-bundles", "", "bundle-dir")
	f.BoolVar(&o.Compact, "compact", false, "one line per tick instead of the full report")
	f.BoolVar(&o.Strict, "strict", false, "with --count, exit 1 when the last verdict is WARN")
	f.StringVar(&o.Alert, "alert", "", "append each tick to the config's history file and run ksnap alert with this config (docs/alerts.md)")
	o.analysis.addFlags(f, analyze.DefaultOptions())
	return cmd
}

// watchRun is what every tick shares: the capture options, the runner, and
// with --alert the config and the history store ticks are appended to.
type watchRun struct {
	o           *watchOptions
	opts        capture.Options
	runner      kubectl.Runner
	alert       *alert.Config
	store       history.Store
	historyPath string
	// verified is the verify cache, when the bundles are kept.
	verified bundle.VerifiedSet
}

func runWatch(cmd *cobra.Command, e *env, o *watchOptions) error {
	w := &watchRun{o: o, opts: o.Capture, runner: e.kubectl(o.Kubectl)}
	if o.BundleDir != "" {
		w.opts.OutDir = o.BundleDir
		w.verified = e.verifiedSet()
	} else {
		tmp, err := os.MkdirTemp("", "ksnap-watch-")
		if err != nil {
			return fmt.Errorf("create temporary bundle directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		w.opts.OutDir = tmp
	}
	if o.Alert != "" {
		cfg, err := alert.LoadConfig(o.Alert)
		if err != nil {
			return err
		}
		w.alert, w.historyPath = cfg, alertHistoryPath(e, cfg)
		st, err := e.openHistory(w.historyPath, jsonl.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		w.store = st
	}
	ctx := cmd.Context()
	// A tick in progress finishes (capture, analysis, output) even after
	// Ctrl+C; only the wait between ticks is interrupted.
	work := context.WithoutCancel(ctx)
	last := model.LevelOK
	var next time.Time
	for i := 0; o.Count == 0 || i < o.Count; i++ {
		if i > 0 && !sleepUntil(ctx, next) {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		start := time.Now()
		next = start.Add(o.Interval)
		v, err := w.tick(work, e)
		if err != nil {
			return err
		}
		last = v
		if ctx.Err() != nil {
			return nil
		}
		if more := o.Count == 0 || i+1 < o.Count; !more {
			break
		}
		if now := time.Now(); now.After(next) {
			e.warnf("watch: tick took %s, longer than --interval %s; the next one starts now",
				now.Sub(start).Round(time.Millisecond), formatDuration(o.Interval))
			next = now
		}
	}
	return silentExit(verdictCode(last, o.Strict))
}

// sleepUntil waits until t and reports false when ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// tick is one pipeline.Record (appending to the alert's store, if any),
// its output and the alert step, and returns the verdict.
func (w *watchRun) tick(ctx context.Context, e *env) (model.Level, error) {
	opts := w.o.Pipeline
	opts.Verified = w.verified
	opts.AfterCapture = func(ctx context.Context, res *capture.Result) error {
		reportFailures(e, res)
		return e.uploadBundle(ctx, w.o.flags.bundleURL, res)
	}
	res, err := pipeline.Record(ctx, w.opts, w.runner, w.store, opts)
	if res != nil && res.Capture != nil && w.o.BundleDir == "" {
		defer os.Remove(res.Capture.Path)
	}
	if err != nil {
		return model.LevelUnknown, err
	}
	a := res.Analyzed
	if w.o.Compact {
		err = text.CompactLine(e.stdout, &a.Record)
	} else if err = text.Report(e.stdout, a.Report); err == nil {
		_, err = fmt.Fprintln(e.stdout)
	}
	if err == nil && w.alert != nil {
		err = alertAfterAppend(ctx, e, w.alert, w.historyPath, w.opts.OutDir)
	}
	return a.Report.Verdict, err
}
