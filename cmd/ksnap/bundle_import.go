package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// bundleImportOptions are the parsed flags of bundle import.
type bundleImportOptions struct {
	capturedAt string
	bundleDir  string
	file       string
	Import     capture.ImportOptions
}

func newBundleImportCmd(e *env, runF func(*bundleImportOptions) error) *cobra.Command {
	o := &bundleImportOptions{}
	cmd := &cobra.Command{
		Use:   "import --jobs F --pods F --events F [--logs DIR] -n NS [-l SEL] --captured-at RFC3339 [--bundle-dir DIR | --file F.tar.zst]",
		Short: "Build a bundle from kubectl output files captured elsewhere",
		Long: `Import builds a bundle from files made with "kubectl get jobs|pods|events -o json"
(or -o yaml) elsewhere, e.g. at an air-gapped site. Each file may hold a List,
a typed list (JobList, PodList, EventList), a bare array, or a single object;
its kind is checked; one of them may be "-" for standard input. A file not
given is recorded as not captured, so the analysis says so. JSON is stored
byte for byte; YAML is stored converted to JSON with the original kept under
source/. --logs DIR holds POD/CONTAINER.log files. The same inputs always
give the same bundle.

The bundle goes into --bundle-dir with its usual time-stamped name (default
$KSNAP_BUNDLE_DIR, else bundles), or to --file, a path ending in .tar.zst.
The bundle path is printed on stdout. (The old -o/--out DIR|FILE still works.)
` + exitStatusHelp,
		Example: `  ksnap bundle import --jobs jobs.json --pods pods.json --events events.json \
      -n trading-bots -l app=arbitrage-tuning --captured-at 2025-11-16T10:00:00Z --bundle-dir bundles
  kubectl get jobs -o json | ksnap bundle import --jobs - -n batch --captured-at 2025-11-16T10:00:00Z --file b.tar.zst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(cmd, e); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			path, err := capture.Import(o.Import)
			if err != nil {
				return importFlagError(err)
			}
			_, err = fmt.Fprintln(e.stdout, path)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Import.JobsFile, "jobs", "", "kubectl get jobs output (JSON or YAML; - for stdin)")
	f.StringVar(&o.Import.PodsFile, "pods", "", "kubectl get pods output (JSON or YAML; - for stdin)")
	f.StringVar(&o.Import.EventsFile, "events", "", "kubectl get events output (JSON or YAML; - for stdin)")
	f.StringVar(&o.Import.LogsDir, "logs", "", "directory of POD/CONTAINER.log files")
	f.StringVarP(&o.Import.Namespace, "namespace", "n", "", "namespace the files were captured from (required)")
	f.StringVarP(&o.Import.Selector, "selector", "l", "", "label selector the files were captured with")
	compatAlias(f, "label-selector", "selector")
	f.StringVar(&o.Import.Context, "context", "", "kube context the files were captured from, for the record")
	f.StringVar(&o.capturedAt, "captured-at", "", "when the files were captured, RFC 3339 (required): the analysis clock")
	f.StringVar(&o.bundleDir, "bundle-dir", "bundles", "directory for the bundle, created when missing ($KSNAP_BUNDLE_DIR)")
	f.StringVar(&o.file, "file", "", "write the bundle to this path (ending in "+bundle.Extension+") instead")
	f.VarP(&importOutAlias{o: o, fs: f, e: e}, "out", "o", "deprecated: use --bundle-dir DIR or --file FILE")
	f.Lookup("out").Hidden = true
	return cmd
}

func (o *bundleImportOptions) complete(cmd *cobra.Command, e *env) error {
	in := &o.Import
	if in.Namespace == "" {
		return usageErrorf("required flag -n/--namespace not set")
	}
	if o.capturedAt == "" {
		return usageErrorf("required flag --captured-at not set (the time the files were captured, RFC 3339)")
	}
	t, err := time.Parse(time.RFC3339Nano, o.capturedAt)
	if err != nil {
		return usageErrorf("--captured-at %q: not an RFC 3339 time such as 2025-11-16T10:00:00Z", o.capturedAt)
	}
	if in.JobsFile == "" && in.PodsFile == "" && in.EventsFile == "" {
		return usageErrorf("nothing to import: give at least one of --jobs, --pods, --events")
	}
	switch {
	case o.file != "" && cmd.Flags().Changed("bundle-dir"):
		return usageErrorf("--file and --bundle-dir exclude each other")
	case o.file != "":
		if !strings.HasSuffix(o.file, bundle.Extension) {
			return usageErrorf("--file %s: must end in %s", o.file, bundle.Extension)
		}
		in.Out = o.file
	default:
		in.Out = resolveBundleDir(cmd, e, "bundle-dir", o.bundleDir)
		if strings.HasSuffix(in.Out, bundle.Extension) {
			return usageErrorf("--bundle-dir %s: is a bundle name; use --file for one", in.Out)
		}
	}
	in.CapturedAt, in.Stdin = t, e.stdin
	return nil
}

// importOutAlias is the old -o/--out of bundle import, which was a
// directory or a FILE.tar.zst: it sets --file or --bundle-dir by the name,
// with one deprecation line.
type importOutAlias struct {
	o      *bundleImportOptions
	fs     *pflag.FlagSet
	e      *env
	warned bool
	last   string
}

func (a *importOutAlias) String() string { return a.last }
func (a *importOutAlias) Type() string   { return "string" }

func (a *importOutAlias) Set(s string) error {
	if !a.warned {
		a.warned = true
		a.e.warnf("-o/--out is deprecated and will be removed; use --bundle-dir DIR or --file FILE%s", bundle.Extension)
	}
	a.last = s
	if strings.HasSuffix(s, bundle.Extension) {
		return a.fs.Set("file", s)
	}
	return a.fs.Set("bundle-dir", s)
}
