package main

import (
	"fmt"
	"path/filepath"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/spf13/cobra"
)

// captureOptions are the parsed flags of capture: the flags, and the
// library options and kubectl configuration built from them.
type captureOptions struct {
	flags   captureFlags
	Capture capture.Options
	Kubectl kubectl.Exec
	// SignKey is the private key that signs the bundle (--sign), if any.
	SignKey string
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

With --metrics, pod CPU and memory usage at capture time are captured too
(kubectl get podmetrics.metrics.k8s.io, served by metrics-server). A cluster
without the metrics API, or an identity Forbidden to read it, records that
command as unavailable: not a failure, exit status and verdict unchanged.

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
	cmd.Flags().StringVar(&o.SignKey, "sign", "", "private key file: also write BUNDLE.sig (see ksnap bundle sign)")
	return cmd
}

func runCapture(cmd *cobra.Command, e *env, o *captureOptions) error {
	signBundle, err := bundleSigner(o.SignKey) // before kubectl runs: a bad key fails fast
	if err != nil {
		return err
	}
	p := e.startProgress("capturing namespace "+o.Capture.Namespace, 0)
	res, err := capture.Run(cmd.Context(), o.Capture, e.kubectl(o.Kubectl))
	p.end()
	if err != nil {
		return err
	}
	reportFailures(e, res)
	if err := e.uploadBundle(cmd.Context(), o.flags.bundleURL, res); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res.Path)
	if _, err := signBundle(res.Path); err != nil {
		return err
	}
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
