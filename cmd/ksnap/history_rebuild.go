package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/spf13/cobra"
)

// historyRebuildOptions are the parsed flags of history rebuild.
type historyRebuildOptions struct {
	BundleDir   string
	HistoryFile string
}

func newHistoryRebuildCmd(e *env, runF func(*historyRebuildOptions) error) *cobra.Command {
	o := &historyRebuildOptions{}
	cmd := &cobra.Command{
		Use:   "rebuild --bundle-dir DIR --history-file FILE",
		Short: "Rebuild a history file from the bundles in a directory",
		Long: `Rebuild analyzes every bundle in --bundle-dir (the *.tar.zst regular files, not
dot-files; a symlink by its target, in capture order: docs/bundle-format.md), with the
same analysis options as ksnap record, and writes one record per bundle to a
NEW history file --history-file. For the same bundles, the file is byte for
byte the history that ksnap record appended. --history-file must not exist;
the file appears only when complete. (The old spellings --from and -o still
work.)

A bundle that cannot be read is reported on stderr and skipped; the exit
status is then 3, after the other bundles are written.
` + exitStatusHelp,
		Example: `  ksnap history rebuild --bundle-dir bundles --history-file rebuilt.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.BundleDir == "" || o.HistoryFile == "" {
				return usageErrorf("both --bundle-dir DIR and --history-file FILE are required")
			}
			if runF != nil {
				return runF(o)
			}
			from, err := e.localBundles(cmd.Context(), []string{o.BundleDir}, false)
			if err != nil {
				return err
			}
			o.BundleDir = from[0]
			return runHistoryRebuild(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.BundleDir, "bundle-dir", "", "directory of bundles (required)")
	f.StringVar(&o.HistoryFile, "history-file", "", "new history file to write (required)")
	deprecatedAlias(f, e.stderr, "from", "", "bundle-dir")
	deprecatedAlias(f, e.stderr, "output", "o", "history-file")
	return cmd
}

func runHistoryRebuild(ctx context.Context, e *env, o *historyRebuildOptions) error {
	if _, err := os.Lstat(o.HistoryFile); err == nil {
		return usageErrorf("%s already exists: rebuild writes a new file", o.HistoryFile)
	}
	ents, err := bundle.List(o.BundleDir)
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		return usageErrorf("%s: no *%s bundle in this directory", o.BundleDir, bundle.Extension)
	}
	files := make([]string, len(ents))
	for i, en := range ents {
		files[i] = en.Path
	}
	if err := os.MkdirAll(filepath.Dir(o.HistoryFile), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", o.HistoryFile, err)
	}
	tmp := filepath.Join(filepath.Dir(o.HistoryFile), "."+filepath.Base(o.HistoryFile)+".rebuild-"+fmt.Sprint(os.Getpid()))
	os.Remove(tmp) // left over by a crashed rebuild of the same pid
	defer os.Remove(tmp)
	st, err := e.openHistory(tmp, jsonl.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer st.Close()
	p := e.startProgress("rebuilding from bundles", len(files))
	defer p.end()
	defer batchGC(e.getenv, len(files))()
	ro := historyOptions()
	ro.Verified = e.verifiedSet()
	res, err := pipeline.Rebuild(ctx, files, st, ro, pipeline.BatchOptions{Progress: p.set}, func(it pipeline.Item) {
		e.problem(it.Err)
	})
	if err != nil {
		return err
	}
	if res.Written == 0 {
		return fmt.Errorf("%s: no bundle could be read; %s not written", o.BundleDir, o.HistoryFile)
	}
	if err := st.Sync(); err != nil {
		return err
	}
	if err := os.Link(tmp, o.HistoryFile); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s appeared while rebuilding; the rebuilt history was not written", o.HistoryFile)
		}
		return fmt.Errorf("create %s: %w", o.HistoryFile, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d records from %d bundles in %s\n", o.HistoryFile, res.Written, len(ents), o.BundleDir)
	if len(res.Failed) > 0 {
		return silentExit(exitUnknown)
	}
	return nil
}
