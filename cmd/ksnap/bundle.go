package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/sign"
	"github.com/spf13/cobra"
)

func newBundleCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Verify, list, read and import bundles",
		Long: `Tools for ksnap bundles (docs/bundle-format.md): verify their integrity, list
their members and commands, print a member's raw bytes, and build a bundle
from kubectl output files captured elsewhere.` + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newBundleVerifyCmd(e), newBundleSignCmd(e), newBundleLsCmd(e), newBundleCatCmd(e), newBundleImportCmd(e), newBundlePruneCmd(e, nil), newBundleRedactCmd(e))
	return cmd
}

// verifyResult is one line of `bundle verify --json`.
type verifyResult struct {
	File    string `json:"file"`
	OK      bool   `json:"ok"`
	SHA256  string `json:"sha256,omitempty"`
	Members int    `json:"members"`
	Partial bool   `json:"partial"`
	Member  string `json:"member,omitempty"`
	Error   string `json:"error,omitempty"`
	// SignedBy, KeyID and KeyFile name the trusted signer (--trusted-keys).
	SignedBy string `json:"signed_by,omitempty"`
	KeyID    string `json:"key_id,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
}

func newBundleVerifyCmd(e *env) *cobra.Command {
	var asJSON bool
	var trusted string
	cmd := &cobra.Command{
		Use:   "verify [--trusted-keys DIR] FILE...",
		Short: "Check bundles: zstd, tar structure, member names, manifest, sizes and sha256",
		Long: `Verify reads each bundle completely and checks its zstd frames and checksums,
its tar structure, that every entry is a regular file with an allowed name
(no "..", absolute path or link) under the size caps, the manifest schema,
and every member's size and sha256 against the manifest.

One line per bundle on stdout: "ok FILE ..." or "FAIL FILE: member M: what".
A bundle whose capture was partial verifies fine: it is intact, and says so.

With --trusted-keys DIR, each bundle must also carry a signature FILE.sig
(ksnap bundle sign) that matches the whole file and was made by a key in
DIR (*.pub files, one ssh-ed25519 key per line); "ok" then names the signer.
A changed byte, a re-sealed bundle, a missing, foreign or untrusted
signature is one FAIL line.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle verify bundles/*.tar.zst
  ksnap bundle verify --json incoming/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst
  ksnap bundle verify --trusted-keys /media/audit/trusted-keys incoming/*.tar.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := loadTrusted(trusted)
			if err != nil {
				return err
			}
			var results []verifyResult
			failed := false
			args, err = e.localBundles(cmd.Context(), args, true)
			if err != nil {
				return err
			}
			// One bounded pool for many bundles, results in argument order.
			defer batchGC(e.getenv, len(args))()
			err = pipeline.Ordered(cmd.Context(), len(args), runtime.GOMAXPROCS(0), func(_ context.Context, i int) verifyResult {
				return verifyOne(kr, args[i])
			}, func(_ int, r verifyResult) error {
				failed = failed || !r.OK
				results = append(results, r)
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					switch {
					case r.OK:
						note := ""
						if r.Partial {
							note = ", partial capture"
						}
						if r.SignedBy != "" {
							note += fmt.Sprintf(", signed by %s %s", r.SignedBy, r.KeyID)
						}
						fmt.Fprintf(e.stdout, "ok   %s (%d members, sha256 %s%s)\n", r.File, r.Members, r.SHA256, note)
					case r.Member != "":
						fmt.Fprintf(e.stdout, "FAIL %s: member %s: %s\n", r.File, r.Member, r.Error)
					default:
						fmt.Fprintf(e.stdout, "FAIL %s: %s\n", r.File, strings.TrimPrefix(r.Error, r.File+": "))
					}
				}
			}
			if failed {
				return silentExit(exitUnknown)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of results")
	cmd.Flags().StringVar(&trusted, "trusted-keys", "", "directory of trusted public keys (*.pub): require a valid FILE.sig by one of them")
	return cmd
}

// verifyOne checks one bundle for bundle verify: its signature (when kr
// is set), then its whole content.
func verifyOne(kr *sign.Keyring, path string) verifyResult {
	r := verifyResult{File: path}
	if !checkSignature(kr, path, &r) {
		return r
	}
	b, err := bundle.Verify(path)
	if err != nil {
		r.Error = textutil.OneLine(err.Error())
		var ce *bundle.CorruptError
		if errors.As(err, &ce) {
			r.Member, r.Error = ce.Member, textutil.OneLine(ce.Err.Error())
		}
		return r
	}
	r.OK, r.SHA256, r.Members = true, b.SHA256, len(b.Names())+1
	r.Partial = len(b.Manifest.FailedCommands()) > 0
	return r
}

func newBundleLsCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "ls FILE",
		Short: "List a bundle's capture details, commands and members",
		Long: `Ls prints the manifest's header (capture time, namespace, selector, context,
kubectl versions) and one row per command: member, size, sha256 prefix,
kind, status, exit code, duration and error.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle ls bundles/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := bundle.Open(args[0])
			if err != nil {
				return err
			}
			m := b.Manifest
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "bundle:\t%s\n", b.Path)
			fmt.Fprintf(tw, "sha256:\t%s\n", b.SHA256)
			fmt.Fprintf(tw, "format:\t%s v%d (ksnap %s, %s)\n", m.Format, m.FormatVersion, m.KsnapVersion, m.Source)
			fmt.Fprintf(tw, "captured:\t%s .. %s\n", m.CapturedAt, m.FinishedAt)
			fmt.Fprintf(tw, "namespace:\t%s\n", m.Namespace)
			fmt.Fprintf(tw, "selector:\t%s\n", dash(m.Selector))
			fmt.Fprintf(tw, "context:\t%s\n", dash(m.Context))
			fmt.Fprintf(tw, "kubectl:\tclient %s, server %s\n", dash(m.Kubectl.Client), dash(m.Kubectl.Server))
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout)
			tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "MEMBER\tSIZE\tSHA256\tKIND\tSTATUS\tEXIT\tDURATION\tERROR")
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", bundle.ManifestMember, len(b.ManifestBytes), "-", "-", "-", "-", "-", "-")
			inCmd := map[string]bool{}
			for _, c := range m.Commands {
				inCmd[c.Member] = true
				sha := "-"
				if c.SHA256 != "" {
					sha = c.SHA256[:12]
				}
				exit := fmt.Sprint(c.ExitCode)
				if c.Status == bundle.StatusNotCaptured {
					exit = "-"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(c.Member), c.Size, sha, c.Kind, c.Status, exit,
					time.Duration(c.DurationNS).Round(time.Millisecond), dash(c.Error))
			}
			for _, mi := range m.Members {
				if !inCmd[mi.Name] {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", mi.Name, mi.Size, mi.SHA256[:12], "source", "-", "-", "-", "-")
				}
			}
			for _, s := range m.Skipped {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", bundle.LogMember(s.Pod, s.Container, false), "-", "-", "log", "skipped", "-", "-", s.Reason)
			}
			return tw.Flush()
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newBundleCatCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "cat FILE MEMBER",
		Short: "Print one member's raw bytes, exactly as kubectl printed them",
		Long: `Cat verifies the bundle and writes the member's bytes unchanged to stdout.
Member names are as listed by "ksnap bundle ls", e.g. jobs.json, pods.json,
events.json, manifest.json, logs/POD/CONTAINER.log.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle cat bundles/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst jobs.json | jq '.items[].metadata.name'`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := bundle.Open(args[0])
			if err != nil {
				return err
			}
			data, err := b.Member(args[1])
			if err != nil {
				return fmt.Errorf("%s: no member %q (list them with: ksnap bundle ls %s)", args[0], args[1], args[0])
			}
			_, err = e.stdout.Write(data)
			return err
		},
	}
}

func newBundleImportCmd(e *env) *cobra.Command {
	var o capture.ImportOptions
	var capturedAt string
	cmd := &cobra.Command{
		Use:   "import --jobs F --pods F --events F [--logs DIR] -n NS [-l SEL] --captured-at RFC3339 -o OUT",
		Short: "Build a bundle from kubectl output files captured elsewhere",
		Long: `Import builds a bundle from files made with "kubectl get jobs|pods|events -o json"
(or -o yaml) elsewhere, e.g. at an air-gapped site. Each file may hold a List,
a typed list (JobList, PodList, EventList), a bare array, or a single object;
its kind is checked. A file not given is recorded as not captured, so the
analysis says so. JSON is stored byte for byte; YAML is stored converted to
JSON with the original kept under source/. --logs DIR holds
POD/CONTAINER.log files. The same inputs always give the same bundle.

-o is a directory (the bundle gets its usual time-stamped name) or a path
ending in .tar.zst. The bundle path is printed on stdout.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle import --jobs jobs.json --pods pods.json --events events.json \
      -n trading-bots -l app=arbitrage-tuning --captured-at 2025-11-16T10:00:00Z -o bundles/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Namespace == "" {
				return usageErrorf("required flag -n/--namespace not set")
			}
			if capturedAt == "" {
				return usageErrorf("required flag --captured-at not set (the time the files were captured, RFC 3339)")
			}
			t, err := time.Parse(time.RFC3339Nano, capturedAt)
			if err != nil {
				return usageErrorf("--captured-at %q: not an RFC 3339 time such as 2025-11-16T10:00:00Z", capturedAt)
			}
			if o.Out == "" {
				return usageErrorf("required flag -o/--out not set")
			}
			if o.JobsFile == "" && o.PodsFile == "" && o.EventsFile == "" {
				return usageErrorf("nothing to import: give at least one of --jobs, --pods, --events")
			}
			o.CapturedAt = t
			path, err := capture.Import(o)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(e.stdout, path)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.JobsFile, "jobs", "", "kubectl get jobs output (JSON or YAML)")
	f.StringVar(&o.PodsFile, "pods", "", "kubectl get pods output (JSON or YAML)")
	f.StringVar(&o.EventsFile, "events", "", "kubectl get events output (JSON or YAML)")
	f.StringVar(&o.LogsDir, "logs", "", "directory of POD/CONTAINER.log files")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "namespace the files were captured from (required)")
	f.StringVarP(&o.Selector, "selector", "l", "", "label selector the files were captured with")
	f.StringVar(&o.Context, "context", "", "kube context the files were captured from, for the record")
	f.StringVar(&capturedAt, "captured-at", "", "when the files were captured, RFC 3339 (required): the analysis clock")
	f.StringVarP(&o.Out, "out", "o", "", "output directory, or a file path ending in .tar.zst (required)")
	return cmd
}
