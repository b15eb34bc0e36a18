package main

import (
	"context"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

// recordOptions are the parsed flags of record, and the library options
// built from them (Capture.OutDir is the resolved bundle directory).
type recordOptions struct {
	flags       captureFlags
	file        historyFileFlag
	bundleDir   string
	Strict      bool
	Capture     capture.Options
	Kubectl     kubectl.Exec
	HistoryPath string
	LockTimeout time.Duration
	// Alert is the alert config run after the append (--alert), "" for none.
	Alert string
	// analysis are analyze's verdict options; Pipeline is built from them.
	analysis analysisFlags
	Pipeline pipeline.Options
}

// bundleDir resolves --bundle-dir: flag > $KSNAP_BUNDLE_DIR > default.
func resolveBundleDir(cmd *cobra.Command, e *env, flag, value string) string {
	if !cmd.Flags().Changed(flag) {
		if v := e.getenv("KSNAP_BUNDLE_DIR"); v != "" {
			return v
		}
	}
	return value
}

func newRecordCmd(e *env, runF func(*recordOptions) error) *cobra.Command {
	o := &recordOptions{}
	cmd := &cobra.Command{
		Use:   "record -n NAMESPACE [-l SELECTOR] [--history-file F] [--bundle-dir D] [--strict]",
		Short: "Capture, analyze and append the verdict to the health history",
		Long: `Record is capture, analyze and append in one step, meant for cron: it captures
one bundle into --bundle-dir, analyzes it (with analyze's options: --expect,
--max-runtime, --ruleset, ...), appends one record to the history file (exclusive lock, one whole line,
fsync; a torn last line is reported and never glued onto) and prints the
record summary block. ksnap history rebuild replays the same bundles into a
byte-identical history: the options that differ from the defaults are
written into the bundle's manifest and the record ("options"), and rebuild
judges each bundle by its manifest's. If another process holds the lock, record says so
after a second and gives up after --lock-timeout (exit 3); a write that
fails (a full disk) is truncated away, leaving no partial line.

The history file is --history-file, else $KSNAP_HISTORY_FILE, else
` + defaultHistoryFile + `; its directory is created when missing. The bundle
directory is --bundle-dir, else $KSNAP_BUNDLE_DIR, else bundles.

The exit status is that of analyze for the recorded verdict (failed kubectl
commands make it at least WARN).
` + exitStatusHelp,
		Example: `  ksnap record -n trading-bots -l app=arbitrage-tuning --history-file outputs/k8s_health_history.jsonl
  */5 * * * * ksnap record -n batch --bundle-dir /var/lib/ksnap/bundles --strict`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Capture, o.Kubectl, err = o.flags.options(cmd, e); err != nil {
				return err
			}
			o.Capture.OutDir = resolveBundleDir(cmd, e, "bundle-dir", o.bundleDir)
			if o.HistoryPath, err = o.file.resolve(cmd, e); err != nil {
				return err
			}
			if err := checkLockTimeout(o.LockTimeout); err != nil {
				return err
			}
			if o.Pipeline, err = o.analysis.options(analyze.DefaultOptions()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runRecord(cmd, e, o)
		},
	}
	o.flags.addFlags(cmd.Flags(), false)
	o.file.addFlag(cmd.Flags())
	cmd.Flags().StringVar(&o.bundleDir, "bundle-dir", "bundles", "directory for bundles, created when missing ($KSNAP_BUNDLE_DIR)")
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "exit 1 on WARN instead of 0")
	addLockTimeoutFlag(cmd.Flags(), &o.LockTimeout)
	cmd.Flags().StringVar(&o.Alert, "alert", "", "after appending, run ksnap alert with this config (docs/alerts.md)")
	o.analysis.addFlags(cmd.Flags(), analyze.DefaultOptions())
	return cmd
}

func runRecord(cmd *cobra.Command, e *env, o *recordOptions) error {
	ctx := cmd.Context()
	st := e.recordStore(o.HistoryPath, o.Capture.OutDir, jsonl.Options{LockTimeout: o.LockTimeout})
	defer st.Close()
	opts := o.Pipeline
	opts.Verified = e.verifiedSet()
	opts.AfterCapture = func(ctx context.Context, res *capture.Result) error {
		reportFailures(e, res)
		return e.uploadBundle(ctx, o.flags.bundleURL, res)
	}
	res, err := pipeline.Record(ctx, o.Capture, e.kubectl(o.Kubectl), st, opts)
	if err != nil {
		return err
	}
	where := st.String()
	if sp := res.Append.Spooled; sp != "" {
		e.warnf("%v; the record is kept in %s for the next run", res.Append.SpoolCause, sp)
		where = sp
	}
	if err := text.RecordBlock(e.stdout, text.RecordSummary{Record: &res.Analyzed.Record, BundlePath: res.Capture.Path, HistoryPath: where}); err != nil {
		return err
	}
	if o.Alert != "" {
		if err := runAlertAfterRecord(ctx, e, o.Alert, o.HistoryPath, o.Capture.OutDir); err != nil {
			return err
		}
	}
	return silentExit(verdictCode(res.Analyzed.Report.Verdict, o.Strict))
}
