package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/ksnap/ksnap/pipeline"
	"os"
	"path/filepath"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultHistoryFile is the old tool's default history path.
const defaultHistoryFile = "outputs/k8s_health_history.jsonl"

// historyFileFlag binds --history-file; resolve applies flag > env > default.
// With --history-url (history_url.go) the location is a database instead.
type historyFileFlag struct {
	path string
	url  historyURLFlag
}

func (h *historyFileFlag) addFlag(fs *pflag.FlagSet) {
	fs.StringVar(&h.path, "history-file", defaultHistoryFile, "history file (JSONL) ($KSNAP_HISTORY_FILE)")
	h.url.addFlags(fs)
}

// addLockTimeoutFlag binds --lock-timeout for the commands that write the
// history file under its lock.
func addLockTimeoutFlag(fs *pflag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "lock-timeout", jsonl.DefaultLockTimeout, "give up (exit 3) when another process holds the history file's lock this long")
}

// checkLockTimeout refuses a --lock-timeout that is not positive.
func checkLockTimeout(d time.Duration) error {
	if d <= 0 {
		return usageErrorf("--lock-timeout %s: must be a positive duration", d)
	}
	return nil
}

func (h *historyFileFlag) resolve(cmd *cobra.Command, e *env) (string, error) {
	if !cmd.Flags().Changed("history-file") {
		if v := e.getenv("KSNAP_HISTORY_FILE"); v != "" {
			return h.url.resolve(cmd, e, v)
		}
	}
	return h.url.resolve(cmd, e, h.path)
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

// historyFilterFlags are the record filters shared by show and summary.
type historyFilterFlags struct {
	cluster, namespace, selector, since, until string
}

func (f *historyFilterFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.cluster, "cluster", "", "only records of this cluster")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only records of this namespace")
	fs.StringVarP(&f.selector, "selector", "l", "", "only records of this selector (exact text)")
	fs.StringVar(&f.since, "since", "", "only records at or after this time (RFC 3339; a time without offset is UTC)")
	fs.StringVar(&f.until, "until", "", "only records at or before this time (RFC 3339; a time without offset is UTC)")
}

func (f *historyFilterFlags) filter() (history.Filter, error) {
	out := history.Filter{Cluster: f.cluster, Namespace: f.namespace, Selector: f.selector}
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
	st, err := e.openStore(ctx, o.Path, jsonl.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.Tail(ctx, o.Limit, o.Filter)
	if err != nil {
		return err
	}
	reportCorrupt(e, l.Corrupt)
	if o.Output == formatJSON {
		return json.HistoryRecords(e.stdout, l.Records, l.Corrupt.Count)
	}
	return text.HistoryTable(e.stdout, l.Records)
}

func runHistorySummary(ctx context.Context, e *env, o *historyShowOptions) error {
	st, err := e.openStore(ctx, o.Path, jsonl.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := history.Summarize(ctx, st, history.SummaryOptions{Window: o.Window, Filter: o.Filter, EscalateAfter: o.EscalateAfter})
	if err != nil {
		return err
	}
	reportCorrupt(e, s.Corrupt)
	if o.Output == formatJSON {
		return json.HistorySummary(e.stdout, s)
	}
	return text.HistorySummary(e.stdout, s, 10)
}

// reportCorrupt prints one stderr line with the count when more corrupt
// lines were met than the store reported.
func reportCorrupt(e *env, c history.Corrupt) {
	if c.Count > len(c.Lines) {
		fmt.Fprintf(e.stderr, "ksnap: %d corrupt history lines skipped (the first %d are listed above)\n", c.Count, len(c.Lines))
	}
}

// historyPruneOptions are the parsed flags of history prune.
type historyPruneOptions struct {
	file        historyFileFlag
	Path        string
	KeepLast    int
	OlderThan   time.Duration
	DryRun      bool
	LockTimeout time.Duration
}

func newHistoryPruneCmd(e *env, runF func(*historyPruneOptions) error) *cobra.Command {
	o := &historyPruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune --keep-last N | --older-than DURATION [--dry-run]",
		Short: "Remove old records from the history file",
		Long: `Prune keeps the last --keep-last records and/or the records not older than
--older-than (measured from now); with both, a record must pass both. Kept
lines are copied byte for byte. Corrupt lines are kept, except those before
the first kept record.

The file is rewritten atomically (new file, fsync, rename) under the same
lock as record, so concurrent recorders neither lose records nor write into
the replaced file. It waits at most --lock-timeout for the lock. --dry-run only reports what would be removed.
` + exitStatusHelp,
		Example: `  ksnap history prune --keep-last 105120
  ksnap history prune --older-than 2160h --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Path, err = o.file.resolve(cmd, e); err != nil {
				return err
			}
			if o.KeepLast < 0 || (cmd.Flags().Changed("keep-last") && o.KeepLast == 0) {
				return usageErrorf("--keep-last %d: must be a positive number of records", o.KeepLast)
			}
			if o.OlderThan < 0 || (cmd.Flags().Changed("older-than") && o.OlderThan == 0) {
				return usageErrorf("--older-than %s: must be a positive duration", o.OlderThan)
			}
			if o.KeepLast == 0 && o.OlderThan == 0 {
				return usageErrorf("set --keep-last N or --older-than DURATION")
			}
			if err := checkLockTimeout(o.LockTimeout); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			st, err := e.openStore(cmd.Context(), o.Path, jsonl.Options{LockTimeout: o.LockTimeout})
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := st.Prune(cmd.Context(), history.PrunePolicy{KeepLast: o.KeepLast, OlderThan: o.OlderThan, Now: e.now(), DryRun: o.DryRun})
			if err != nil {
				return err
			}
			reportCorrupt(e, res.Corrupt)
			verb := "removed"
			if o.DryRun {
				verb = "would remove"
			}
			oldest := "none"
			if !res.Oldest.IsZero() {
				oldest = res.Oldest.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(e.stdout, "%s: kept %d records (oldest %s), %s %d records; corrupt lines: kept %d, %s %d; %d -> %d bytes\n",
				st.String(), res.Kept, oldest, verb, res.Removed, res.CorruptKept, verb, res.CorruptRemoved, res.BytesBefore, res.BytesAfter)
			return nil
		},
	}
	o.file.addFlag(cmd.Flags())
	cmd.Flags().IntVar(&o.KeepLast, "keep-last", 0, "keep the last N records")
	cmd.Flags().DurationVar(&o.OlderThan, "older-than", 0, "remove records older than this duration, e.g. 2160h (90 days)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "report what would be removed without changing the file")
	addLockTimeoutFlag(cmd.Flags(), &o.LockTimeout)
	return cmd
}

// historyRebuildOptions are the parsed flags of history rebuild.
type historyRebuildOptions struct {
	From string
	Out  string
}

func newHistoryRebuildCmd(e *env, runF func(*historyRebuildOptions) error) *cobra.Command {
	o := &historyRebuildOptions{}
	cmd := &cobra.Command{
		Use:   "rebuild --from DIR -o FILE",
		Short: "Rebuild a history file from the bundles in a directory",
		Long: `Rebuild analyzes every bundle in --from (the *.tar.zst regular files, not
dot-files; a symlink by its target, in capture order: docs/bundle-format.md), with the
same analysis options as ksnap record, and writes one record per bundle to a
NEW history file -o. For the same bundles, the file is byte for byte the
history that ksnap record appended. -o must not exist; the file appears only
when complete.

A bundle that cannot be read is reported on stderr and skipped; the exit
status is then 3, after the other bundles are written.
` + exitStatusHelp,
		Example: `  ksnap history rebuild --from bundles -o rebuilt.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.From == "" || o.Out == "" {
				return usageErrorf("both --from DIR and -o FILE are required")
			}
			if runF != nil {
				return runF(o)
			}
			from, err := e.localBundles(cmd.Context(), []string{o.From}, false)
			if err != nil {
				return err
			}
			o.From = from[0]
			return runHistoryRebuild(cmd.Context(), e, o)
		},
	}
	cmd.Flags().StringVar(&o.From, "from", "", "directory of bundles")
	cmd.Flags().StringVarP(&o.Out, "output", "o", "", "new history file to write")
	return cmd
}

func runHistoryRebuild(ctx context.Context, e *env, o *historyRebuildOptions) error {
	if _, err := os.Lstat(o.Out); err == nil {
		return usageErrorf("%s already exists: rebuild writes a new file", o.Out)
	}
	ents, err := bundle.List(o.From)
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		return usageErrorf("%s: no *%s bundle in this directory", o.From, bundle.Extension)
	}
	files := make([]string, len(ents))
	for i, en := range ents {
		files[i] = en.Path
	}
	if err := os.MkdirAll(filepath.Dir(o.Out), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", o.Out, err)
	}
	tmp := filepath.Join(filepath.Dir(o.Out), "."+filepath.Base(o.Out)+".rebuild-"+fmt.Sprint(os.Getpid()))
	os.Remove(tmp) // left over by a crashed rebuild of the same pid
	defer os.Remove(tmp)
	st, err := e.openHistory(tmp, jsonl.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer st.Close()
	defer batchGC(e.getenv, len(files))()
	res, err := pipeline.Rebuild(ctx, files, st, pipeline.DefaultOptions(), pipeline.BatchOptions{}, func(it pipeline.Item) {
		fmt.Fprintf(e.stderr, "ksnap: %s\n", textutil.OneLine(it.Err.Error()))
	})
	if err != nil {
		return err
	}
	if res.Written == 0 {
		return fmt.Errorf("%s: no bundle could be read; %s not written", o.From, o.Out)
	}
	if err := st.Sync(); err != nil {
		return err
	}
	if err := os.Link(tmp, o.Out); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s appeared while rebuilding; the rebuilt history was not written", o.Out)
		}
		return fmt.Errorf("create %s: %w", o.Out, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d records from %d bundles in %s\n", o.Out, res.Written, len(ents), o.From)
	if len(res.Failed) > 0 {
		return silentExit(exitUnknown)
	}
	return nil
}
