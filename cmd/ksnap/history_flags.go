package main

import (
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultHistoryFile is the old tool's default history path.
const defaultHistoryFile = "outputs/k8s_health_history.jsonl"

// historyFileFlag binds --history-file; resolve applies flag > env > default.
// With --history-url (history_url.go) the location is a database instead.
// The commands that only read the history also bind --allow-missing.
type historyFileFlag struct {
	path         string
	url          historyURLFlag
	allowMissing bool
}

func (h *historyFileFlag) addFlag(fs *pflag.FlagSet) {
	fs.StringVar(&h.path, "history-file", defaultHistoryFile, "history file (JSONL; - for stdin where it is only read) ($KSNAP_HISTORY_FILE)")
	h.url.addFlags(fs)
}

// addReadFlags is addFlag and --allow-missing, for the commands that only
// read the history (see env.openReadStore).
func (h *historyFileFlag) addReadFlags(fs *pflag.FlagSet) {
	h.addFlag(fs)
	fs.BoolVar(&h.allowMissing, "allow-missing", false, "a history file that does not exist reads as empty (default: an error, exit 3)")
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

func (h *historyFileFlag) resolve(cmd *cobra.Command, e *env) (string, error) {
	if !cmd.Flags().Changed("history-file") {
		if v := e.getenv("KSNAP_HISTORY_FILE"); v != "" {
			return h.url.resolve(cmd, e, v)
		}
	}
	return h.url.resolve(cmd, e, h.path)
}

// historyFilterFlags are the record filters shared by show and summary.
type historyFilterFlags struct {
	cluster, namespace, selector, since, until, job string
}

func (f *historyFilterFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.cluster, "cluster", "", "only records of this cluster")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only records of this namespace")
	fs.StringVarP(&f.selector, "selector", "l", "", "only records of this selector (exact text)")
	compatAlias(fs, "label-selector", "selector")
	fs.StringVar(&f.since, "since", "", "only records at or after this time (RFC 3339; a time without offset is UTC)")
	fs.StringVar(&f.until, "until", "", "only records at or before this time (RFC 3339; a time without offset is UTC)")
	fs.StringVar(&f.job, "job", "", "only records listing this Job, or a Job of this CronJob (summary: only its statistics)")
}

func (f *historyFilterFlags) filter() (history.Filter, error) {
	out := history.Filter{Cluster: f.cluster, Namespace: f.namespace, Selector: f.selector, Job: f.job}
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

// reportCorrupt prints one stderr line with the count when more corrupt
// lines were met than the store reported.
func reportCorrupt(e *env, path string, c history.Corrupt) {
	if c.Count > len(c.Lines) {
		e.warnf("%s: %d corrupt history lines skipped (the first %d are listed above)", path, c.Count, len(c.Lines))
	}
}
