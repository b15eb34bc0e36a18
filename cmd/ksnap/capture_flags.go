package main

import (
	"time"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/capture/redact"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// captureFlags are the flags shared by capture, record and watch.
type captureFlags struct {
	namespace   string
	selector    string
	kubeconfig  string
	context     string
	cluster     string
	bundleURL   string
	out         string
	maxLogLines int
	logs        string
	timeout     time.Duration
	kubectlPath string
	metrics     bool
	redact      bool
	redactRules string
	// ownDir: --bundle-dir is bound to out (capture); record and watch
	// bind and resolve their own.
	ownDir bool
}

// addFlags binds the flags; withBundleDir adds --bundle-dir (capture's;
// record and watch bind their own). The old tool's --label-selector is a
// silent alias of --selector.
func (f *captureFlags) addFlags(fs *pflag.FlagSet, withBundleDir bool) {
	fs.StringVarP(&f.namespace, "namespace", "n", "", "namespace to capture (required)")
	fs.StringVarP(&f.selector, "selector", "l", "", "label selector for jobs and pods, passed to kubectl -l as given (empty: all)")
	compatAlias(fs, "label-selector", "selector")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, as kubectl)")
	fs.StringVar(&f.context, "context", "", "kube context (default: the kubeconfig's current-context)")
	fs.StringVar(&f.cluster, "cluster", "", "cluster name recorded in the bundle and its history record (default: the kube context name; $KSNAP_CLUSTER)")
	if withBundleDir {
		f.ownDir = true
		fs.StringVar(&f.out, "bundle-dir", "bundles", "directory for bundles, created when missing ($KSNAP_BUNDLE_DIR)")
	}
	fs.StringVar(&f.bundleURL, "bundle-url", "", "also store each bundle in S3: s3://BUCKET[/PREFIX] (credentials and endpoint from the AWS environment; $KSNAP_BUNDLE_URL)")
	fs.IntVar(&f.maxLogLines, "max-log-lines", 100, "lines of each container log tail (kubectl logs --tail); 0: no logs")
	fs.StringVar(&f.logs, "logs", "all", "which containers' logs: all (every started container), failed (pods that failed, restarted or wait in an error state), none")
	durationVar(fs, &f.timeout, "timeout", 30*time.Second, "timeout of each kubectl call")
	fs.StringVar(&f.kubectlPath, "kubectl", "kubectl", "kubectl program: a path, or a name looked up in PATH ($KSNAP_KUBECTL)")
	fs.BoolVar(&f.metrics, "metrics", false, "also capture pod CPU and memory usage (kubectl get podmetrics.metrics.k8s.io); a cluster without the metrics API records it as unavailable")
	fs.BoolVar(&f.redact, "redact", false, "write only a redacted bundle (env values, secrets; see ksnap bundle redact), never the raw one")
	fs.StringVar(&f.redactRules, "redact-rules", "", "rules file for --redact (implies it)")
}

// options converts the flags into capture options and the kubectl runner
// configuration. cmd is used for flag > env > default precedence.
func (f *captureFlags) options(cmd *cobra.Command, e *env) (capture.Options, kubectl.Exec, error) {
	if f.namespace == "" {
		return capture.Options{}, kubectl.Exec{}, usageErrorf("required flag -n/--namespace not set")
	}
	if f.ownDir {
		f.out = resolveBundleDir(cmd, e, "bundle-dir", f.out)
	}
	if !cmd.Flags().Changed("kubectl") {
		if v := e.getenv("KSNAP_KUBECTL"); v != "" {
			f.kubectlPath = v
		}
	}
	mode, err := capture.ParseLogMode(f.logs)
	if err != nil {
		return capture.Options{}, kubectl.Exec{}, usageErrorf("--logs %v", err)
	}
	if f.maxLogLines < 0 {
		return capture.Options{}, kubectl.Exec{}, usageErrorf("--max-log-lines %d: must be 0 (no logs) or more", f.maxLogLines)
	}
	if f.bundleURL, err = bundleURL(f.bundleURL, e); err != nil {
		return capture.Options{}, kubectl.Exec{}, err
	}
	if f.timeout <= 0 {
		return capture.Options{}, kubectl.Exec{}, usageErrorf("--timeout %s: must be positive", f.timeout)
	}
	ctxName := f.context
	if ctxName == "" {
		ctxName = capture.CurrentContext(capture.KubeconfigPaths(f.kubeconfig, e.getenv("KUBECONFIG"), e.getenv("HOME")))
	}
	opts := capture.Options{
		Namespace:   f.namespace,
		Selector:    f.selector,
		ContextName: ctxName,
		Cluster:     clusterName(cmd, e, f.cluster, ctxName),
		OutDir:      f.out,
		MaxLogLines: f.maxLogLines,
		Logs:        mode,
		Timeout:     f.timeout,
		Metrics:     f.metrics,
		Now:         e.now,
		Log:         e.logger(),
	}
	if f.redact || f.redactRules != "" {
		opts.Redact = true
		if f.redactRules != "" {
			if opts.RedactRules, err = redact.LoadRules(f.redactRules); err != nil {
				return capture.Options{}, kubectl.Exec{}, err
			}
		}
	}
	x := kubectl.Exec{Path: f.kubectlPath, Kubeconfig: f.kubeconfig, Context: f.context, Timeout: f.timeout,
		// One byte over the member limit tells an oversize list; twice the
		// log tail lets capture cut it at a line.
		MaxStdout: bundle.MaxMemberSize + 1, MaxLogStdout: 2 * bundle.MaxLogTail}
	return opts, x, nil
}
