package main

import (
	"fmt"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/spf13/cobra"
)

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
  ksnap history prune --older-than 90d --dry-run`,
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
			reportCorrupt(e, o.Path, res.Corrupt)
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
	durationVar(cmd.Flags(), &o.OlderThan, "older-than", 0, "remove records older than this duration, e.g. 90d or 12w")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "report what would be removed without changing the file")
	addLockTimeoutFlag(cmd.Flags(), &o.LockTimeout)
	return cmd
}
