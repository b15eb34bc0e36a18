package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/transfer"
	"github.com/spf13/cobra"
)

func newHistoryExportCmd(e *env) *cobra.Command {
	var file historyFileFlag
	var filters historyFilterFlags
	var to string
	cmd := &cobra.Command{
		Use:   "export --file FILE [--history-url URL | --history-file F] [filters]",
		Short: "Write the history (or the records matching the filters) as a JSONL file",
		Long: `Export writes every record of the history store that matches the filters to
--file as JSONL, in store order (- for stdout). From a database each record's
line is written exactly as it was imported or recorded, so a JSONL file
imported and exported again is byte-identical (see docs/fleet.md). The file
is written under a temporary name and linked into place, never over an
existing file.
` + exitStatusHelp,
		Example: `  ksnap history export --history-url postgres://ksnap@db/ksnap --cluster prod-eu --file prod-eu.jsonl
  ksnap history export --history-url-file /etc/ksnap/history-url --file - | gzip > backup.jsonl.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return usageErrorf("set --file FILE (or - for stdout)")
			}
			st, f, err := openFiltered(cmd, e, &file, &filters)
			if err != nil {
				return err
			}
			defer st.Close()
			var res transfer.Result
			err = writeNewFile(to, e.stdout, func(w io.Writer) error {
				res, err = transfer.Export(cmd.Context(), w, st, f)
				return err
			})
			reportCorrupt(e, st.String(), res.Corrupt)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "ksnap: %s: exported %d records to %s\n", st, res.Written, to)
			return nil
		},
	}
	file.addReadFlags(cmd.Flags())
	filters.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&to, "file", "", "JSONL file to write (must not exist), - for stdout")
	deprecatedAlias(cmd.Flags(), e.stderr, "to", "", "file")
	return cmd
}

// openFiltered resolves the history location and the filter flags of a
// reading command and opens the store.
func openFiltered(cmd *cobra.Command, e *env, file *historyFileFlag, filters *historyFilterFlags) (history.Store, history.Filter, error) {
	loc, err := file.resolve(cmd, e)
	if err != nil {
		return nil, history.Filter{}, err
	}
	f, err := filters.filter()
	if err != nil {
		return nil, f, err
	}
	st, err := e.openReadStore(cmd.Context(), loc, file.allowMissing)
	return st, f, err
}

// writeNewFile runs write into path (or stdout for "-"): a temp file in the
// same directory, fsync, then a hard link to path, so path never holds a
// partial export and an existing file is never replaced.
func writeNewFile(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	if _, err := os.Lstat(path); err == nil {
		return usageErrorf("%s already exists: export writes a new file", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), jsonl.FileMode); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageErrorf("%s already exists: export writes a new file", path)
		}
		return err
	}
	return nil
}

func newHistoryImportCmd(e *env) *cobra.Command {
	var file historyFileFlag
	var from string
	cmd := &cobra.Command{
		Use:   "import --file FILE [--history-url URL | --history-file F]",
		Short: "Append the records of a JSONL history file to the history store",
		Long: `Import reads a JSONL history file (written by ksnap or by the old recorder;
- for stdin) and appends its records, in order, to the history store. A
database keeps each line exactly as read and is keyed by (cluster, bundle
sha256, ruleset), or the line's sha256 for a line without a bundle: importing
the same file twice, or a file overlapping what is stored, adds only the
missing records. Corrupt lines are listed on stderr and skipped.

It prints one line: records read, added, already present, corrupt lines.
` + exitStatusHelp,
		Example: `  ksnap history migrate --history-url postgres://ksnap@db/ksnap
  ksnap history import --history-url postgres://ksnap@db/ksnap --file outputs/k8s_health_history.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return usageErrorf("set --file FILE (or - for stdin)")
			}
			loc, err := file.resolve(cmd, e)
			if err != nil {
				return err
			}
			var r io.Reader = e.stdin
			if from != "-" {
				f, err := os.Open(from)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			st, err := e.openStore(cmd.Context(), loc, jsonl.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := transfer.Import(cmd.Context(), st, r, from)
			printCorrupt(e, from, res.Corrupt)
			fmt.Fprintf(e.stdout, "%s: %d records read, %d added, %d already present, %d corrupt lines skipped\n",
				st, res.Read, res.Written, res.Skipped(), res.Corrupt.Count)
			return err
		},
	}
	file.addFlag(cmd.Flags())
	cmd.Flags().StringVar(&from, "file", "", "JSONL history file to read, - for stdin")
	deprecatedAlias(cmd.Flags(), e.stderr, "from", "", "file")
	return cmd
}

// printCorrupt lists corrupt lines returned in a result (not reported as met).
func printCorrupt(e *env, name string, c history.Corrupt) {
	for _, l := range c.Lines {
		e.problem(&l)
	}
	reportCorrupt(e, name, c)
}
