package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// pluginName is the binary name under which ksnap is a kubectl plugin:
// kubectl runs kubectl-ksnap for "kubectl ksnap ...".
const pluginName = "kubectl-ksnap"

// pluginCompletionName is the helper kubectl (1.26+) runs to complete
// "kubectl ksnap <TAB>": the same binary, answering cobra's __complete.
const pluginCompletionName = "kubectl_complete-ksnap"

// asKubectlPlugin makes usage and examples say "kubectl ksnap".
func asKubectlPlugin(root *cobra.Command) {
	if root.Annotations == nil { // also under pluginCompletionName: see run
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = "kubectl ksnap"
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Example = strings.ReplaceAll(c.Example, "  ksnap ", "  kubectl ksnap ")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// newManCmd generates one man page per command with cobra/doc (roff via
// go-md2man), dated $SOURCE_DATE_EPOCH when set, for reproducible pages.
func newManCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write ksnap's man pages (section 1) into DIR",
		Long: `Man writes one roff page per command (ksnap.1, ksnap-capture.1,
ksnap-history-show.1, ...) into DIR, created when missing, from the same
text as --help. The pages are dated $SOURCE_DATE_EPOCH when it is set.
` + exitStatusHelp,
		Example: `  ksnap man /usr/local/share/man/man1 && man ksnap-analyze`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			date := e.now()
			if v := e.getenv("SOURCE_DATE_EPOCH"); v != "" {
				sec, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fmt.Errorf("$SOURCE_DATE_EPOCH %q: not a number of seconds", v)
				}
				date = time.Unix(sec, 0).UTC()
			}
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return fmt.Errorf("create %s: %w", args[0], err)
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			hdr := &doc.GenManHeader{Title: "KSNAP", Section: "1", Source: "ksnap " + root.Version, Manual: "ksnap manual", Date: &date}
			if err := doc.GenManTree(root, hdr, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.stdout, "%s: man pages written\n", args[0])
			return err
		},
	}
}
