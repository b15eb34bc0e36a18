package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// watchOptions are the parsed flags of watch.
type watchOptions struct {
	flags       captureFlags
	Interval    time.Duration
	Count       int
	SaveBundles string
	Compact     bool
	Strict      bool
	// Capture and Kubectl are built from the flags; Capture.OutDir is set
	// per run (SaveBundles or a temporary directory).
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
		Use:   "watch -n NAMESPACE [-l SELECTOR] [--interval 5s] [--count N] [--save-bundles D] [--compact]",
		Short: "Capture and analyze repeatedly, printing each report",
		Long: `Watch captures and analyzes once per --interval and prints each report (the
text of ksnap analyze), or one line per tick with --compact. Ticks never
overlap: when a capture takes longer than the interval, the next one starts
as soon as it ends and the missed ticks are skipped. Bundles are kept in
--save-bundles when given, otherwise written to a temporary directory and
deleted after analysis.

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
			if o.Interval <= 0 {
				return usageErrorf("--interval %s: must be positive", o.Interval)
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
			o.Capture.AnalysisOptions = pipeline.SettingsMap(o.Pipeline.Settings())
			if runF != nil {
				return runF(o)
			}
			return runWatch(cmd, e, o)
		},
	}
	o.flags.addFlags(cmd.Flags(), false)
	cmd.Flags().DurationVar(&o.Interval, "interval", 5*time.Second, "time between the starts of two captures")
	cmd.Flags().IntVar(&o.Count, "count", 0, "stop after N ticks (0: until interrupted)")
	cmd.Flags().StringVar(&o.SaveBundles, "save-bundles", "", "keep the bundles in this directory (default: delete them after analysis)")
	cmd.Flags().BoolVar(&o.Compact, "compact", false, "one line per tick instead of the full report")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "with --count, exit 1 when the last verdict is WARN")
	cmd.Flags().StringVar(&o.Alert, "alert", "", "append each tick to the config's history file and run ksnap alert with this config (docs/alerts.md)")
	o.analysis.addFlags(cmd.Flags(), analyze.DefaultOptions())
	return cmd
}

func runWatch(cmd *cobra.Command, e *env, o *watchOptions) error {
	opts, x := o.Capture, o.Kubectl
	log := e.logger()
	keep := o.SaveBundles != ""
	if keep {
		opts.OutDir = o.SaveBundles
	} else {
		tmp, err := os.MkdirTemp("", "ksnap-watch-")
		if err != nil {
			return fmt.Errorf("create temporary bundle directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		opts.OutDir = tmp
	}
	runner := e.kubectl(x)
	ctx := cmd.Context()
	// A tick in progress finishes (capture, analysis, output) even after
	// Ctrl+C; only the wait between ticks is interrupted.
	work := context.WithoutCancel(ctx)
	last := model.LevelOK
	var next time.Time
	for i := 0; o.Count == 0 || i < o.Count; i++ {
		if i > 0 {
			if d := time.Until(next); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-t.C:
				}
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		start := time.Now()
		next = start.Add(o.Interval)
		v, err := watchTick(work, e, o, opts, runner, keep)
		if err != nil {
			return err
		}
		last = v
		if ctx.Err() != nil {
			return nil
		}
		if now := time.Now(); now.After(next) {
			log.Info("tick took longer than the interval; the next one starts now", "took", now.Sub(start).Round(time.Millisecond).String(), "interval", o.Interval.String())
			next = now
		}
	}
	return silentExit(verdictCode(last, o.Strict))
}

// watchTick captures, analyzes and prints once, and returns the verdict.
func watchTick(ctx context.Context, e *env, o *watchOptions, opts capture.Options, runner kubectl.Runner, keep bool) (model.Level, error) {
	res, err := capture.Run(ctx, opts, runner)
	if err != nil {
		return model.LevelUnknown, err
	}
	reportFailures(e, res)
	if err := e.uploadBundle(ctx, o.flags.bundleURL, res); err != nil {
		return model.LevelUnknown, err
	}
	if !keep {
		defer os.Remove(res.Path)
	}
	a, err := pipeline.Analyze(res.Path, o.Pipeline)
	if err != nil {
		return model.LevelUnknown, err
	}
	rec, rep := a.Record, a.Report
	if o.Compact {
		err = text.CompactLine(e.stdout, &rec)
	} else {
		err = text.Report(e.stdout, rep)
		if err == nil {
			_, err = fmt.Fprintln(e.stdout)
		}
	}
	if err == nil && o.Alert != "" {
		err = runAlertAfterTick(ctx, e, o.Alert, rec, opts.OutDir)
	}
	return rep.Verdict, err
}
