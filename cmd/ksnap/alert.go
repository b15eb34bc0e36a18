package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/history"
	"github.com/spf13/cobra"
)

// alertOptions are the parsed flags of alert; flags override the config.
type alertOptions struct {
	file          historyFileFlag
	Config        string
	Ledger        string
	BundleDir     string
	Namespace     string
	On            string
	For           int
	KeepFiringFor int
	StaleAfter    int
	Interval      time.Duration
	MaxAlerts     int
	DryRun        bool
	Since         string
}

func newAlertCmd(e *env, runF func(*alertOptions) error) *cobra.Command {
	o := &alertOptions{}
	cmd := &cobra.Command{
		Use:   "alert --config FILE [--history-file F] [--dry-run [--since T]]",
		Short: "Send notifications for health transitions in the history",
		Long: `Alert reads the health history and sends notifications for transitions, not
states: a CronJob (or Job without one) entering ERROR fires (WARN too with
--on warn), returning to OK resolves; UNKNOWN verdicts and partial captures
neither fire nor resolve; --stale-after inconclusive captures in a row raise
one "capture stale" alert. Sinks (Alertmanager API v2, a webhook with
Alertmanager's v4 body, Slack) are in the --config file; their URLs and
tokens are read from files or environment variables named there, never
from the command line. See docs/alerts.md.

A delivery ledger beside the history (--ledger, default the history file
with .alerts.jsonl) records every delivery: each transition reaches each
sink at most once; a failed send stays pending and is retried by the next
run; overlapping runs wait for each other. Alertmanager also gets every
firing alert re-posted each run.

--dry-run prints, per sink, exactly the body that would be sent, and sends
and records nothing; --since leaves out older transitions (a real run
records them as skipped, so they are never sent).

Exit status 3 when a sink could not be reached (the transitions stay pending).
` + exitStatusHelp,
		Example: `  ksnap alert --config /etc/ksnap/alerts.yaml --dry-run
  */5 * * * * ksnap record -n batch --alert /etc/ksnap/alerts.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Config == "" {
				return usageErrorf("--config is required (the sinks are configured there)")
			}
			if runF != nil {
				return runF(o)
			}
			return runAlertCmd(cmd, e, o)
		},
	}
	f := cmd.Flags()
	o.file.addReadFlags(f)
	f.StringVar(&o.Config, "config", "", "alert config file (YAML or JSON)")
	f.StringVar(&o.Ledger, "ledger", "", "delivery ledger (default: beside the history file, .alerts.jsonl)")
	f.StringVar(&o.BundleDir, "bundle-dir", "", "bundle directory, for the cause and the reproducing command (default: config, else bundles)")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "only records of this namespace")
	f.StringVar(&o.On, "on", "", "lowest level that fires: error or warn (default: config, else error)")
	f.IntVar(&o.For, "for", 0, "bad records in a row before firing (default: config, else 1)")
	f.IntVar(&o.KeepFiringFor, "keep-firing-for", 0, "OK records in a row before resolving (default: config, else 1)")
	f.IntVar(&o.StaleAfter, "stale-after", 0, "inconclusive captures in a row that raise a stale alert (default: config, else 3)")
	durationVar(f, &o.Interval, "capture-interval", 0, "time between captures; a firing alert ends 4 intervals after its last capture unless re-posted (default: config, else 5m)")
	f.IntVar(&o.MaxAlerts, "max-alerts", 0, "transitions per message; the rest wait for the next runs (default: config, else 20)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print what would be sent; send and record nothing")
	f.StringVar(&o.Since, "since", "", "leave out transitions before this RFC 3339 time")
	return cmd
}

// mergeFlags applies the flags that were given over the config.
func (o *alertOptions) mergeFlags(cmd *cobra.Command, c *alert.Config) error {
	fs := cmd.Flags()
	if fs.Changed("on") {
		c.On = o.On
	}
	if fs.Changed("for") {
		c.For = o.For
	}
	if fs.Changed("keep-firing-for") {
		c.KeepFiringFor = o.KeepFiringFor
	}
	if fs.Changed("stale-after") {
		c.StaleAfter = &o.StaleAfter
	}
	if fs.Changed("capture-interval") {
		c.CaptureInterval = alert.Duration(o.Interval)
	}
	if fs.Changed("max-alerts") {
		c.MaxAlerts = o.MaxAlerts
	}
	if fs.Changed("bundle-dir") {
		c.BundleDir = o.BundleDir
	}
	if fs.Changed("ledger") {
		c.LedgerFile = o.Ledger
	}
	if err := c.Check(); err != nil {
		return usageErrorf("%v", err)
	}
	return nil
}

func runAlertCmd(cmd *cobra.Command, e *env, o *alertOptions) error {
	cfg, err := alert.LoadConfig(o.Config)
	if err != nil {
		return err
	}
	if err := o.mergeFlags(cmd, cfg); err != nil {
		return err
	}
	if cmd.Flags().Changed("history-file") || cfg.HistoryFile == "" {
		p, err := o.file.resolve(cmd, e)
		if err != nil {
			return err
		}
		cfg.HistoryFile = p
	}
	run := alertRun{Config: cfg, DryRun: o.DryRun, Filter: history.Filter{Namespace: o.Namespace}, AllowMissing: o.file.allowMissing}
	if o.Since != "" {
		t, err := history.ParseTimestamp(o.Since)
		if err != nil {
			return usageErrorf("--since %q: not an RFC 3339 time", o.Since)
		}
		run.Since = t
	}
	reports, err := run.do(cmd.Context(), e)
	if o.DryRun {
		if werr := alert.WriteDryRun(e.stdout, reports); werr != nil {
			return werr
		}
		return err
	}
	if werr := writeAlertReports(e.stdout, reports); werr != nil {
		return werr
	}
	return err
}

// writeAlertReports writes one line per sink of a real run.
func writeAlertReports(w io.Writer, reports []alert.SinkReport) error {
	for _, r := range reports {
		var line string
		switch {
		case r.Message == nil:
			line = "nothing to send"
		case r.Err != nil:
			line = fmt.Sprintf("FAILED, %d transitions stay pending", len(r.Message.Transitions)+r.Message.More)
		default:
			line = fmt.Sprintf("sent %d transitions, re-posted %d firing, %d more pending", len(r.Message.Transitions), len(r.Message.Firing), r.Message.More)
		}
		if r.Skipped > 0 {
			line += fmt.Sprintf(", %d skipped before --since", r.Skipped)
		}
		if _, err := fmt.Fprintf(w, "sink %s (%s, %s): %s\n", r.Sink, r.Type, r.Host, line); err != nil {
			return err
		}
	}
	return nil
}
