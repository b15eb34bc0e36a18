package main

import (
	"context"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultHistoryFile is the old tool's default history path.
const defaultHistoryFile = "outputs/k8s_health_history.jsonl"

// historyFileFlag binds --history-file; resolve applies flag > env > default.
type historyFileFlag struct{ path string }

func (h *historyFileFlag) addFlag(fs *pflag.FlagSet) {
	fs.StringVar(&h.path, "history-file", defaultHistoryFile, "history file (JSONL; - for stdin where it is only read) ($KSNAP_HISTORY_FILE)")
}

// addLockTimeoutFlag binds --lock-timeout for the commands that write the
// history file under its lock.
func addLockTimeoutFlag(fs *pflag.FlagSet, d *time.Duration) {
	durationVar(fs, d, "lock-timeout", jsonl.DefaultLockTimeout, "give up (exit 3) when another process holds the history file's lock this long")
}

// checkLockTimeout refuses a --lock-timeout that is not positive.
func checkLockTimeout(d time.Duration) error {
	if d <= 0 {
		return usageErrorf("--lock-timeout %s: must be a positive duration", d)
	}
	return nil
}

func (h *historyFileFlag) resolve(cmd *cobra.Command, e *env) string {
	if !cmd.Flags().Changed("history-file") {
		if v := e.getenv("KSNAP_HISTORY_FILE"); v != "" {
			return v
		}
	}
	return h.path
}

func newHistoryCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show, summarize, prune and rebuild the health history",
		Long: `The health history is a JSONL file with one record per recorded analysis
(ksnap record): capture time, namespace, selector, verdict, job counts, the
bundle it came from and each job's phase, health and rules. Files written by
the old Python recorder read unchanged.

The file is --history-file, else $KSNAP_HISTORY_FILE, else
` + defaultHistoryFile + `. Corrupt lines are skipped and listed on stderr;
they never stop a command.
` + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHistoryShowCmd(e, nil), newHistorySummaryCmd(e, nil), newHistoryPruneCmd(e, nil), newHistoryRebuildCmd(e, nil), newHistoryReportCmd(e, nil))
	return cmd
}

// historyFilterFlags are the record filters shared by show and summary.
type historyFilterFlags struct {
	namespace, selector, since, until string
}

func (f *historyFilterFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only records of this namespace")
	fs.StringVarP(&f.selector, "selector", "l", "", "only records of this selector (exact text)")
	compatAlias(fs, "label-selector", "selector")
	fs.StringVar(&f.since, "since", "", "only records at or after this time (RFC 3339; a time without offset is UTC)")
	fs.StringVar(&f.until, "until", "", "only records at or before this time (RFC 3339; a time without offset is UTC)")
}

func (f *historyFilterFlags) filter() (history.Filter, error) {
	out := history.Filter{Namespace: f.namespace, Selector: f.selector}
	for _, p := range []struct {
		name, val string
		dst       *time.Time
	}{{"--since", f.since, &out.Since}, {"--until", f.until, &out.Until}} {
		if p.val == "" {
			continue
		}
		t, err := history.ParseTimestamp(p.val)
		if err != nil {
			return out, usageErrorf("%s %q: want an RFC 3339 time such as 2025-11-16T10:00:00Z", p.name, p.val)
		}
		*p.dst = t
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && out.Until.Before(out.Since) {
		return out, usageErrorf("--until %s is before --since %s", f.until, f.since)
	}
	return out, nil
}

// historyShowOptions are the parsed flags of history show and summary.
type historyShowOptions struct {
	file          historyFileFlag
	filters       historyFilterFlags
	Path          string
	Limit         int
	SummaryOnly   bool
	Window        int
	EscalateAfter int
	Output        string
	Filter        history.Filter
}

func (o *historyShowOptions) complete(cmd *cobra.Command, e *env) error {
	o.Path = o.file.resolve(cmd, e)
	if o.Limit <= 0 {
		return usageErrorf("--limit %d: must be a positive number of records (there is no 0 for all; use history summary for totals)", o.Limit)
	}
	if cmd.Flags().Changed("window") && o.Window <= 0 {
		return usageErrorf("--window %d: must be a positive number of records (omit it to summarize all)", o.Window)
	}
	if o.EscalateAfter <= 0 {
		return usageErrorf("--escalate-after %d: must be a positive number of records", o.EscalateAfter)
	}
	switch o.Output {
	case formatText, formatJSON:
	default:
		return usageErrorf("-o %q: want text or json", o.Output)
	}
	f, err := o.filters.filter()
	o.Filter = f
	return err
}

func addShowFlags(fs *pflag.FlagSet, o *historyShowOptions, withLimit bool) {
	o.file.addFlag(fs)
	o.filters.addFlags(fs)
	if withLimit {
		fs.IntVar(&o.Limit, "limit", 20, "number of most recent records to show")
		fs.BoolVar(&o.SummaryOnly, "summary-only", false, "print the summary instead of the records (same as history summary)")
	}
	fs.IntVar(&o.Window, "window", 0, "summarize only the last N matching records (default: all)")
	fs.IntVar(&o.EscalateAfter, "escalate-after", history.DefaultEscalateAfter, "J10: a job ERROR in this many consecutive records is escalated")
	fs.StringVarP(&o.Output, "output", "o", formatText, "output format: text or json")
}

func newHistoryShowCmd(e *env, runF func(*historyShowOptions) error) *cobra.Command {
	o := &historyShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [--limit N] [--summary-only] [flags]",
		Short: "Print the most recent history records as a table",
		Long: `Show prints the most recent --limit records (after the filters) as an aligned
table, oldest first: number, capture time (RFC 3339, UTC), verdict, job
counts, namespace, selector and bundle. It reads the file backwards and stops
after --limit records, so its cost does not grow with the file.

With --summary-only it prints the summary of ksnap history summary instead.

-o json prints {"schema", "records", "corrupt_lines"}; each record has the keys
of its history line.
` + exitStatusHelp,
		Example: `  ksnap history show --history-file outputs/k8s_health_history.jsonl --limit 50
  ksnap history show -n trading-bots --since 2025-11-16T00:00:00Z -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(cmd, e); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			if o.SummaryOnly {
				return runHistorySummary(cmd.Context(), e, o)
			}
			return runHistoryShow(cmd.Context(), e, o)
		},
	}
	addShowFlags(cmd.Flags(), o, true)
	return cmd
}

func newHistorySummaryCmd(e *env, runF func(*historyShowOptions) error) *cobra.Command {
	o := &historyShowOptions{Limit: 1}
	cmd := &cobra.Command{
		Use:   "summary [--window N] [flags]",
		Short: "Summarize the history: counts, streak, last transition, failing jobs, J10/J11",
		Long: `Summary streams the whole history (or the last --window matching records) and
prints: the number of records (never capped), counts per verdict, the last
record, the current streak (verdict, length and since when), the last
transition, the jobs with ERROR records and how many, and the history rules:

  J10  a job (or the latest job of a CronJob) ERROR in --escalate-after
       consecutive records in which it appears, still present in the last
       record: escalate (ERROR).
  J11  a failed job of a CronJob that has a later successful job: shown as
       WARN instead of ERROR in the job list, and listed as a finding while
       it is still in the last record.

-o json prints one document with schema ` + json.SummarySchema + `.
` + exitStatusHelp,
		Example: `  ksnap history summary
  ksnap history summary --window 288 -n trading-bots -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(cmd, e); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runHistorySummary(cmd.Context(), e, o)
		},
	}
	addShowFlags(cmd.Flags(), o, false)
	return cmd
}

func runHistoryShow(ctx context.Context, e *env, o *historyShowOptions) error {
	st, err := e.openHistoryReader(o.Path)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.Tail(ctx, o.Limit, o.Filter)
	if err != nil {
		return err
	}
	reportCorrupt(e, o.Path, l.Corrupt)
	if o.Output == formatJSON {
		return json.HistoryRecords(e.stdout, l.Records, l.Corrupt.Count)
	}
	return text.HistoryTable(e.stdout, l.Records)
}

func runHistorySummary(ctx context.Context, e *env, o *historyShowOptions) error {
	st, err := e.openHistoryReader(o.Path)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := history.Summarize(ctx, st, history.SummaryOptions{Window: o.Window, Filter: o.Filter, EscalateAfter: o.EscalateAfter})
	if err != nil {
		return err
	}
	reportCorrupt(e, o.Path, s.Corrupt)
	if o.Output == formatJSON {
		return json.HistorySummary(e.stdout, s)
	}
	return text.HistorySummary(e.stdout, s, 10)
}

// reportCorrupt prints one stderr line with the count when more corrupt
// lines were met than the store reported.
func reportCorrupt(e *env, path string, c history.Corrupt) {
	if c.Count > len(c.Lines) {
		e.warnf("%s: %d corrupt history lines skipped (the first %d are listed above)", path, c.Count, len(c.Lines))
	}
}
