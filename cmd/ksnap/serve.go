package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/atomicfile"
	"github.com/ksnap/ksnap/serve"
	"github.com/spf13/cobra"
)

// serveOptions are the parsed flags of serve.
type serveOptions struct {
	Path          string
	At            time.Time
	Port          int
	KubeconfigOut string
}

func newServeCmd(e *env, runF func(*serveOptions) error) *cobra.Command {
	o := &serveOptions{}
	var at string
	cmd := &cobra.Command{
		Use:   "serve BUNDLE|DIR [--at TIME] [--port N] [--kubeconfig-out F]",
		Short: "Serve a bundle as a read-only Kubernetes API for kubectl",
		Long: `Serve answers the read-only part of the Kubernetes API from one bundle, on
127.0.0.1 (a free port unless --port), so that kubectl get, describe and logs
work against a capture with no cluster (docs/serve.md). With a directory it
serves the newest bundle captured at or before --at (default: the newest).

It prints a kubeconfig whose context is named after the bundle (namespace and
capture time) and the export KUBECONFIG=... line to use it; with
--kubeconfig-out the kubeconfig is written to that file instead. Write
requests (delete, apply, label, ...) are refused. Table ages (kubectl get) are
computed at the capture time; kubectl describe computes its own from the real
clock. Ctrl+C stops the server and exits 0.
` + exitStatusHelp,
		Example: `  ksnap serve bundles/20261123T092613Z-batch-1a2b3c4d.tar.zst
  ksnap serve bundles/ --at 2026-11-23T09:30:00Z --kubeconfig-out /tmp/incident.kubeconfig`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = args[0]
			if at != "" {
				t, err := bundle.ParseTime(at)
				if err != nil {
					return usageErrorf("--at %q: want an RFC 3339 time such as 2026-11-23T09:30:00Z", at)
				}
				o.At = t
			}
			if o.Port < 0 || o.Port > 65535 {
				return usageErrorf("--port %d: must be 0 (any free port) to 65535", o.Port)
			}
			if runF != nil {
				return runF(o)
			}
			return runServe(cmd, e, o)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "with a directory: serve the newest bundle captured at or before this RFC 3339 time")
	cmd.Flags().IntVar(&o.Port, "port", 0, "port on 127.0.0.1 (default: any free port)")
	cmd.Flags().StringVar(&o.KubeconfigOut, "kubeconfig-out", "", "write the kubeconfig to this file instead of printing it")
	return cmd
}

func runServe(cmd *cobra.Command, e *env, o *serveOptions) error {
	path := o.Path
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if path, err = serve.Pick(path, o.At); err != nil {
			return err
		}
	} else if !o.At.IsZero() {
		return usageErrorf("--at needs a directory of bundles, not the file %s", path)
	}
	b, err := bundle.Open(path)
	if err != nil {
		return err
	}
	h, err := serve.New(b)
	if err != nil {
		return err
	}
	kcPath := o.KubeconfigOut
	if kcPath == "" {
		dir, err := os.MkdirTemp("", "ksnap-serve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		kcPath = filepath.Join(dir, "kubeconfig")
	}
	return serve.Listen(cmd.Context(), h, o.Port, func(url string) error {
		kc := serve.Kubeconfig(url, b.Manifest)
		if err := atomicfile.Replace(kcPath, kc, 0o600); err != nil {
			return err
		}
		if o.KubeconfigOut == "" {
			if _, err := e.stdout.Write(kc); err != nil {
				return err
			}
		}
		_, err := fmt.Fprintf(e.stdout, "# ksnap serve: %s (namespace %s, captured %s) at %s; Ctrl+C stops it\nexport KUBECONFIG=%s\n",
			path, b.Manifest.Namespace, b.Manifest.CapturedAt, url, shellQuote(kcPath))
		return err
	})
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+:@%=,", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
