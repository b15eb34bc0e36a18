package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/sign"
	"github.com/spf13/cobra"
)

// bundlePruneOptions are the parsed flags of bundle prune.
type bundlePruneOptions struct {
	Dir    string
	Policy bundle.RetentionPolicy
	DryRun bool
}

// newBundlePruneCmd is `ksnap bundle prune DIR`.
func newBundlePruneCmd(e *env, runF func(*bundlePruneOptions) error) *cobra.Command {
	o := &bundlePruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune DIR --keep-last N --keep-daily N --keep-weekly N [--dry-run]",
		Short: "Remove old bundles from a directory by a keep-last/daily/weekly policy",
		Long: `Prune applies a restic-forget-style policy to the bundles in DIR (the
*.tar.zst regular files, not dot-files; a symlink by its target: docs/bundle-format.md),
separately for each namespace, by capture time (from a canonical file name
YYYYMMDDTHHMMSSZ-NAMESPACE-XXXXXXXX.tar.zst, else from the manifest), never
the file's mtime:

  --keep-last N    keep the N most recent bundles
  --keep-daily N   keep the most recent bundle of each of the last N days (UTC)
                   that have bundles
  --keep-weekly N  the same for ISO weeks

A bundle kept by several rules is kept once; a removed bundle's signature
(FILE.sig, bundle sign) is removed with it. Every bundle is listed with
"keep" or "remove" and the reasons. Other files are left alone, and so is a
bundle whose capture time cannot be read (with a warning). At least one
count must be set. --dry-run removes nothing.
` + exitStatusHelp,
		Example: `  ksnap bundle prune bundles --keep-last 288 --keep-daily 14 --keep-weekly 8 --dry-run`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			p := o.Policy
			if p.Last < 0 || p.Daily < 0 || p.Weekly < 0 {
				return usageErrorf("--keep-last, --keep-daily and --keep-weekly must not be negative")
			}
			if p.Last == 0 && p.Daily == 0 && p.Weekly == 0 {
				return usageErrorf("set at least one of --keep-last, --keep-daily, --keep-weekly (refusing to remove every bundle)")
			}
			if runF != nil {
				return runF(o)
			}
			return runBundlePrune(e, o)
		},
	}
	cmd.Flags().IntVar(&o.Policy.Last, "keep-last", 0, "keep the N most recent bundles of each namespace")
	cmd.Flags().IntVar(&o.Policy.Daily, "keep-daily", 0, "keep the last bundle of each of the last N days with bundles")
	cmd.Flags().IntVar(&o.Policy.Weekly, "keep-weekly", 0, "keep the last bundle of each of the last N ISO weeks with bundles")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "list the decisions without removing anything")
	return cmd
}

func runBundlePrune(e *env, o *bundlePruneOptions) error {
	ents, err := bundle.List(o.Dir)
	if err != nil {
		return err
	}
	for _, en := range ents {
		if en.Err != nil {
			e.warnf("%s; left alone", en.Err)
		}
	}
	ds, err := bundle.ApplyRetention(ents, o.Policy)
	if err != nil {
		return usageErrorf("%v", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tBUNDLE\tREASONS")
	kept, removed := 0, 0
	var failed []string
	for _, d := range ds {
		action := "keep"
		if !d.Keep {
			action = "remove"
			if o.DryRun {
				action = "would remove"
			} else if err := os.Remove(d.Path); err != nil {
				failed = append(failed, err.Error())
				action = "remove failed"
			} else if err := os.Remove(sign.SigPath(d.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				// The bundle went first: a crash between the two leaves
				// a signature of nothing, never a bundle unsigned.
				failed = append(failed, err.Error())
				action = "removed; its signature not"
			}
			removed++
		} else {
			kept++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", action, d.Name, strings.Join(d.Reasons, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verb := "removed"
	if o.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(e.stdout, "%s: kept %d bundles, %s %d\n", o.Dir, kept, verb, removed-len(failed))
	if !o.DryRun && removed > 0 {
		if d, err := os.Open(o.Dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d bundles could not be removed, first: %s", len(failed), failed[0])
	}
	return nil
}
