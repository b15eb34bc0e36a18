package main

import (
	"context"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

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
they never stop a command. With --history-url (or $KSNAP_HISTORY_URL) the
history is a PostgreSQL database instead (docs/fleet.md).
` + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHistoryShowCmd(e, nil), newHistorySummaryCmd(e, nil), newHistoryPruneCmd(e, nil), newHistoryRebuildCmd(e, nil), newHistoryReportCmd(e, nil),
		newHistoryMigrateCmd(e), newHistoryExportCmd(e), newHistoryImportCmd(e), newHistoryClustersCmd(e))
	return cmd
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
	var err error
	if o.Path, err = o.file.resolve(cmd, e); err != nil {
		return err
	}
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
	o.file.addReadFlags(fs)
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
		Long: `Show prints the most recent --limit records (after the filters; the last
lines of the file) as an aligned table, grouped by target (cluster,
namespace, selector) and in capture-time order within each: number, capture
time (RFC 3339, UTC), verdict, job counts, namespace, selector and bundle.
It reads the file backwards and stops after --limit records, so its cost
does not grow with the file. --job keeps the records that list that Job (or
a Job of that CronJob). A missing history file is an error (exit 3) unless
--allow-missing.

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
		Long: `Summary streams the whole history (or the last --window matching records), in
capture-time order (file order among equal times), and prints one block per
target (cluster, namespace, selector: each target's streak is its own): the
number of records (never capped), counts per verdict, the last record, the
current streak (verdict, length and since when), the last transition, the
jobs with ERROR records (how many, failing since, last OK, top reason), the
CronJobs one of whose jobs has an ERROR record (one row each, however many
runs: how many of its jobs failed, its latest job, and the same columns
judged by its latest job in each record), and the history rules:

  J10  a job (or the latest job of a CronJob) ERROR in --escalate-after
       consecutive records in which it appears, still present in the last
       record: escalate (ERROR).
  J11  a failed job of a CronJob that has a later successful job: shown as
       WARN instead of ERROR in the job list, and listed as a finding while
       it is still in the last record.

--job NAME summarizes the records listing that Job (or a Job of that
CronJob) and only its statistics. A missing history file is an error
(exit 3) unless --allow-missing. -o json prints one document with schema
` + json.SummarySchema + ` (the whole, then "targets"; "jobs" and "cronjobs").

Memory does not grow with the records: one accumulator per job without a
CronJob, per CronJob, and per job of a CronJob seen in its last 16 records.
A file out of time order is read into memory and sorted.
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
	st, err := e.openReadStore(ctx, o.Path, o.file.allowMissing)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.Tail(ctx, o.Limit, o.Filter)
	if err != nil {
		return err
	}
	reportCorrupt(e, o.Path, l.Corrupt)
	history.SortByTarget(l.Records)
	if o.Output == formatJSON {
		return json.HistoryRecords(e.stdout, l.Records, l.Corrupt.Count)
	}
	return text.HistoryTable(e.stdout, l.Records)
}

func runHistorySummary(ctx context.Context, e *env, o *historyShowOptions) error {
	st, err := e.openReadStore(ctx, o.Path, o.file.allowMissing)
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
