package main

import (
	"fmt"
	"path/filepath"
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
	out         string
	maxLogLines int
	logs        string
	timeout     time.Duration
	kubectlPath string
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
	if withBundleDir {
		f.ownDir = true
		fs.StringVar(&f.out, "bundle-dir", "bundles", "directory for bundles, created when missing ($KSNAP_BUNDLE_DIR)")
	}
	fs.IntVar(&f.maxLogLines, "max-log-lines", 100, "lines of each container log tail (kubectl logs --tail); 0: no logs")
	fs.StringVar(&f.logs, "logs", "all", "which containers' logs: all (every started container), failed (pods that failed, restarted or wait in an error state), none")
	durationVar(fs, &f.timeout, "timeout", 30*time.Second, "timeout of each kubectl call")
	fs.StringVar(&f.kubectlPath, "kubectl", "kubectl", "kubectl program: a path, or a name looked up in PATH ($KSNAP_KUBECTL)")
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
		OutDir:      f.out,
		MaxLogLines: f.maxLogLines,
		Logs:        mode,
		Timeout:     f.timeout,
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

// captureOptions are the parsed flags of capture: the flags, and the
// library options and kubectl configuration built from them.
type captureOptions struct {
	flags   captureFlags
	Capture capture.Options
	Kubectl kubectl.Exec
}

func newCaptureCmd(e *env, runF func(*captureOptions) error) *cobra.Command {
	o := &captureOptions{}
	cmd := &cobra.Command{
		Use:   "capture -n NAMESPACE [-l SELECTOR] [flags]",
		Short: "Record kubectl's view of one namespace's Jobs, Pods, Events and logs into a bundle",
		Long: `Capture runs kubectl read-only (version, get jobs, get pods, get events, and
logs) for one namespace and label selector and stores kubectl's output byte for
byte in a timestamped zstd bundle with a manifest of every command: argv, exit
code, duration, stderr and sha256. The list calls run concurrently, logs
through a small pool.

A failing command (kubectl missing, Forbidden, unknown context, unreachable
server, timeout, output that is not JSON) is recorded in the manifest; the
bundle is still written, one line per failure goes to stderr, and the exit
status is 4. The bundle path is printed on stdout.

Events are captured for the whole namespace: Event objects carry no labels of
the objects they describe, so analysis joins them to the selected Jobs and
Pods by involved object.

Environment: KUBECONFIG (as kubectl), KSNAP_BUNDLE_DIR (--bundle-dir),
KSNAP_KUBECTL (--kubectl).
` + exitStatusHelp,
		Example: `  ksnap capture -n trading-bots -l app=arbitrage-tuning
  ksnap capture -n batch --context prod --bundle-dir /var/lib/ksnap/bundles --logs failed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Capture, o.Kubectl, err = o.flags.options(cmd, e); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runCapture(cmd, e, o)
		},
	}
	o.flags.addFlags(cmd.Flags(), true)
	deprecatedAlias(cmd.Flags(), e.stderr, "out", "", "bundle-dir")
	return cmd
}

func runCapture(cmd *cobra.Command, e *env, o *captureOptions) error {
	p := e.startProgress("capturing namespace "+o.Capture.Namespace, 0)
	res, err := capture.Run(cmd.Context(), o.Capture, e.kubectl(o.Kubectl))
	p.end()
	if err != nil {
		return err
	}
	reportFailures(e, res)
	fmt.Fprintln(e.stdout, res.Path)
	if res.Partial() {
		return silentExit(exitPartial)
	}
	return nil
}

// reportFailures prints one line per failed command on stderr,
// "ksnap: BUNDLE: member M: what" (or "kubectl KIND" for a command with no
// member), after one warning for the stale temp files the capture removed.
func reportFailures(e *env, res *capture.Result) {
	if n := len(res.Stale); n > 0 {
		var size int64
		for _, s := range res.Stale {
			size += s.Size
		}
		e.warnf("%s: removed %d stale temp file(s) of interrupted writes (%d bytes)", filepath.Dir(res.Stale[0].Path), n, size)
	}
	for _, c := range res.Failed {
		what := "member " + c.Member
		if c.Member == "" {
			what = "kubectl " + c.Kind
		}
		e.problem(fmt.Errorf("%s: %s: %s", res.Path, what, c.Error))
	}
}
