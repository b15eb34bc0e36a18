package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/spf13/cobra"
)

// verifyResult is one element of `bundle verify -o json`.
type verifyResult struct {
	File    string `json:"file"`
	OK      bool   `json:"ok"`
	SHA256  string `json:"sha256,omitempty"`
	Members int    `json:"members"`
	Partial bool   `json:"partial"`
	Member  string `json:"member,omitempty"`
	Error   string `json:"error,omitempty"`
}

func newBundleVerifyCmd(e *env) *cobra.Command {
	output := formatText
	cmd := &cobra.Command{
		Use:   "verify FILE...",
		Short: "Check bundles: zstd, tar structure, member names, manifest, sizes and sha256",
		Long: `Verify reads each bundle completely and checks its zstd frames and checksums,
its tar structure, that every entry is a regular file with an allowed name
(no "..", absolute path or link) under the size caps, the manifest schema,
and every member's size and sha256 against the manifest.

One line per bundle on stdout: "ok FILE ..." or "FAIL FILE: member M: what";
-o json prints a JSON array of results instead.
A bundle whose capture was partial verifies fine: it is intact, and says so.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle verify bundles/*.tar.zst
  ksnap bundle verify -o json incoming/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != formatText && output != formatJSON {
				return usageErrorf("-o %q: want text or json", output)
			}
			var results []verifyResult
			failed := false
			for _, path := range args {
				r := verifyResult{File: path}
				b, err := bundle.Open(path)
				if err != nil {
					failed = true
					r.Error = textutil.OneLine(err.Error())
					var ce *bundle.CorruptError
					if errors.As(err, &ce) {
						r.Member, r.Error = ce.Member, textutil.OneLine(ce.Err.Error())
					}
				} else {
					r.OK, r.SHA256, r.Members = true, b.SHA256, len(b.Names())+1
					r.Partial = len(b.Manifest.FailedCommands()) > 0
				}
				results = append(results, r)
			}
			if output == formatJSON {
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
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", formatText, "output format: text or json")
	deprecatedAlias(f, e.stderr, "json", "", "output")
	f.Lookup("json").NoOptDefVal = formatJSON // --json alone meant -o json
	return cmd
}
