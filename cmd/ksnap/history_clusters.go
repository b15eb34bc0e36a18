package main

import (
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/text"
	"github.com/spf13/cobra"
)

func newHistoryClustersCmd(e *env) *cobra.Command {
	var file historyFileFlag
	var filters historyFilterFlags
	output := formatText
	cmd := &cobra.Command{
		Use:   "clusters [filters] [-o json]",
		Short: "Show one line per cluster: record counts, last verdict and its streak",
		Long: `Clusters is the fleet view of a history that holds several clusters (a
database written by many CronJobs, or a merged file): one row per cluster,
sorted by name, with the number of records, the count per verdict, the time
and verdict of its last record, and how many records in a row (since when)
have had that verdict. Records without a cluster are the row "-". It reads
the history once; the filters apply first.

-o json prints {"schema", "clusters", "corrupt_lines"}.
` + exitStatusHelp,
		Example: `  ksnap history clusters --history-url postgres://ksnap@db/ksnap
  ksnap history clusters --since 2026-11-01T00:00:00Z -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != formatText && output != formatJSON {
				return usageErrorf("-o %q: want text or json", output)
			}
			st, f, err := openFiltered(cmd, e, &file, &filters)
			if err != nil {
				return err
			}
			defer st.Close()
			stats, c, err := history.ByCluster(cmd.Context(), st, f)
			if err != nil {
				return err
			}
			reportCorrupt(e, st.String(), c)
			if output == formatJSON {
				return json.HistoryClusters(e.stdout, stats, c.Count)
			}
			return text.HistoryClusters(e.stdout, stats)
		},
	}
	file.addFlag(cmd.Flags())
	filters.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", formatText, "output format: text or json")
	return cmd
}
