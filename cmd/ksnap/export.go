package main

import (
	"bytes"
	"path/filepath"

	"github.com/ksnap/ksnap/export/metrics"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/spf13/cobra"
)

const (
	formatPrometheus  = "prometheus"
	formatOpenMetrics = "openmetrics"
	// textfileName is the file --textfile writes in its directory.
	textfileName = "ksnap.prom"
)

func newExportCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the health history to other tools",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newExportMetricsCmd(e, nil))
	return cmd
}

type exportMetricsOptions struct {
	file     historyFileFlag
	filters  historyFilterFlags
	Path     string
	Textfile string
	Output   string
	PerJob   bool
	Filter   history.Filter
}

func newExportMetricsCmd(e *env, runF func(*exportMetricsOptions) error) *cobra.Command {
	o := &exportMetricsOptions{}
	cmd := &cobra.Command{
		Use:   "metrics [--textfile DIR | -o openmetrics] [flags]",
		Short: "Print the newest verdicts as Prometheus metrics",
		Long: `Metrics reads the history and prints Prometheus metrics of the newest record
per target (namespace and selector) and per owner (a CronJob, or a Job
without one): ksnap_capture_timestamp_seconds, ksnap_capture_partial,
ksnap_verdict_level, ksnap_owner_health, ksnap_owner_consecutive_failures,
ksnap_owner_last_success_timestamp_seconds, ksnap_owner_failure_reason and
more (docs/dashboard.md lists them). Labels are kube-state-metrics' names
(namespace, owner_kind, owner_name, job_name); samples have no timestamp.
--per-job adds ksnap_job_health, one series per Job of the newest capture.

--textfile DIR writes DIR/` + textfileName + ` atomically, in the text format of
node_exporter's textfile collector. Otherwise the metrics go to stdout in
-o prometheus (text, the default) or openmetrics.
` + exitStatusHelp,
		Example: `  ksnap export metrics --textfile /var/lib/node_exporter/textfile_collector
  ksnap export metrics -o openmetrics`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := o.file.resolve(cmd, e)
			if err != nil {
				return err
			}
			o.Path = p
			switch o.Output {
			case formatPrometheus:
			case formatOpenMetrics:
				if o.Textfile != "" {
					return usageErrorf("-o openmetrics: the textfile collector reads the prometheus text format; drop -o or --textfile")
				}
			default:
				return usageErrorf("-o %q: want prometheus or openmetrics", o.Output)
			}
			f, err := o.filters.filter()
			if err != nil {
				return err
			}
			o.Filter = f
			if runF != nil {
				return runF(o)
			}
			return runExportMetrics(cmd, e, o)
		},
	}
	o.file.addFlag(cmd.Flags())
	o.filters.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.Textfile, "textfile", "", "write "+textfileName+" into this directory (node_exporter textfile collector)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", formatPrometheus, "output format: prometheus or openmetrics")
	cmd.Flags().BoolVar(&o.PerJob, "per-job", false, "add one series per Job of the newest capture (ksnap_job_health)")
	return cmd
}

func runExportMetrics(cmd *cobra.Command, e *env, o *exportMetricsOptions) error {
	s, err := e.openStore(cmd.Context(), o.Path, jsonl.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	fams, err := metrics.Build(cmd.Context(), s, metrics.Options{Filter: o.Filter, PerJob: o.PerJob})
	if err != nil {
		return err
	}
	format := metrics.Text
	if o.Output == formatOpenMetrics {
		format = metrics.OpenMetrics
	}
	var buf bytes.Buffer
	if err := metrics.Write(&buf, fams, format); err != nil {
		return err
	}
	if o.Textfile == "" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	return writeOutput(e, filepath.Join(o.Textfile, textfileName), buf.Bytes())
}
