package main

import (
	"fmt"

	"github.com/ksnap/ksnap/capture/redact"
	"github.com/spf13/cobra"
)

func newBundleRedactCmd(e *env) *cobra.Command {
	var o redact.Options
	cmd := &cobra.Command{
		Use:   "redact IN OUT [--rules FILE]",
		Short: "Write a shareable copy of a bundle with env values and secrets replaced",
		Long: `Redact verifies the bundle IN and writes a derived bundle to OUT (a directory,
or a path ending in .tar.zst) in which env values, the values of keys naming a
token, password, secret, credential or API key, the last-applied-configuration
annotation, the --kubeconfig paths in the manifest, and whatever the rules file
names are replaced by "[REDACTED]". Everything the analysis judges is kept, so
the copy gives the same verdicts. Its manifest records that it is redacted,
the rules' sha256 and the original's sha256. The original is not changed.

The rules file has one rule per line: "key REGEX" redacts the string value of
any object key matching REGEX; "value REGEX" replaces matches in every string
and log line. Lines starting with # are comments. The path written is printed
on stdout.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle redact bundles/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst shared/
  ksnap bundle redact --rules site.rules in.tar.zst out.tar.zst`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.In, o.Out = args[0], args[1]
			path, err := redact.Run(o)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(e.stdout, path)
			return err
		},
	}
	cmd.Flags().StringVar(&o.RulesFile, "rules", "", "rules file: \"key REGEX\" and \"value REGEX\" lines")
	return cmd
}
