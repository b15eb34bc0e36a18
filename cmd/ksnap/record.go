package main

import (
	"time"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/spf13/cobra"
)

// recordOptions are the parsed flags of record.
type recordOptions struct {
	flags       captureFlags
	file        historyFileFlag
	bundleDir   string
	Strict      bool
	LockTimeout time.Duration
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
one bundle into --bundle-dir, analyzes it with the default analysis options,
appends one record to the history file (exclusive lock, one whole line,
fsync; a torn last line is reported and never glued onto) and prints the
record summary block. ksnap history rebuild replays the same bundles into a
byte-identical history. If another process holds the lock, record says so
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
			if err := checkLockTimeout(o.LockTimeout); err != nil {
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
	return cmd
}

func runRecord(cmd *cobra.Command, e *env, o *recordOptions) error {
	opts, x, err := o.flags.options(cmd, e)
	if err != nil {
		return err
	}
	opts.OutDir = resolveBundleDir(cmd, e, "bundle-dir", o.bundleDir)
	path, err := o.file.resolve(cmd, e)
	if err != nil {
		return err
	}
	res, err := capture.Run(cmd.Context(), opts, e.kubectl(x))
	if err != nil {
		return err
	}
	reportFailures(e, res)
	if err := e.uploadBundle(cmd.Context(), o.flags.bundleURL, res); err != nil {
		return err
	}
	rec, rep, err := analyzeForHistory(res.Path)
	if err != nil {
		return err
	}
	name, err := e.appendRecord(cmd.Context(), path, opts.OutDir, jsonl.Options{LockTimeout: o.LockTimeout}, rec)
	if err != nil {
		return err
	}
	if err := history.WriteRecordSummary(e.stdout, history.RecordSummary{Record: &rec, BundlePath: res.Path, HistoryPath: name}); err != nil {
		return err
	}
	return silentExit(verdictCode(rep.Verdict, o.Strict))
}
