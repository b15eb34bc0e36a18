package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
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
	cmd.AddCommand(newBundleVerifyCmd(e), newBundleSignCmd(e), newBundleLsCmd(e), newBundleCatCmd(e), newBundleImportCmd(e, nil), newBundlePruneCmd(e, nil), newBundleRedactCmd(e))
	return cmd
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
