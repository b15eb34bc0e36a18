package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/ksnap/ksnap/sign"
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
	// SignedBy, KeyID and KeyFile name the trusted signer (--trusted-keys).
	SignedBy string `json:"signed_by,omitempty"`
	KeyID    string `json:"key_id,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
}

func newBundleVerifyCmd(e *env) *cobra.Command {
	output := formatText
	var trusted string
	cmd := &cobra.Command{
		Use:   "verify [--trusted-keys DIR] FILE...",
		Short: "Check bundles: zstd, tar structure, member names, manifest, sizes and sha256",
		Long: `Verify reads each bundle completely and checks its zstd frames and checksums,
its tar structure, that every entry is a regular file with an allowed name
(no "..", absolute path or link) under the size caps, the manifest schema,
and every member's size and sha256 against the manifest.

One line per bundle on stdout: "ok FILE ..." or "FAIL FILE: member M: what";
-o json prints a JSON array of results instead.
A bundle whose capture was partial verifies fine: it is intact, and says so.

With --trusted-keys DIR, each bundle must also carry a signature FILE.sig
(ksnap bundle sign) that matches the whole file and was made by a key in
DIR (*.pub files, one ssh-ed25519 key per line); "ok" then names the signer.
A changed byte, a re-sealed bundle, a missing, foreign or untrusted
signature is one FAIL line.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle verify bundles/*.tar.zst
  ksnap bundle verify -o json incoming/20251116T100000Z-trading-bots-1a2b3c4d.tar.zst
  ksnap bundle verify --trusted-keys /media/audit/trusted-keys incoming/*.tar.zst`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != formatText && output != formatJSON {
				return usageErrorf("-o %q: want text or json", output)
			}
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
			known := e.verifiedSet()
			// A verdict is small: a wide window keeps both workers busy.
			workers := runtime.GOMAXPROCS(0)
			err = pipeline.OrderedWindow(cmd.Context(), len(args), workers, pipeline.SmallWindow*workers, func(_ context.Context, i int) verifyResult {
				return verifyOne(kr, args[i], known)
			}, func(_ int, r verifyResult) error {
				failed = failed || !r.OK
				results = append(results, r)
				return nil
			})
			if err != nil {
				return err
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
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", formatText, "output format: text or json")
	deprecatedAlias(f, e.stderr, "json", "", "output")
	f.Lookup("json").NoOptDefVal = formatJSON // --json alone meant -o json
	cmd.Flags().StringVar(&trusted, "trusted-keys", "", "directory of trusted public keys (*.pub): require a valid FILE.sig by one of them")
	return cmd
}

// verifyOne checks one bundle for bundle verify: its signature (when kr
// is set), then its whole content, always in full: the verify cache is
// never consulted, only told of a bundle that passed (known may be nil).
func verifyOne(kr *sign.Keyring, path string, known bundle.VerifiedSet) verifyResult {
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
	if known != nil {
		known.Add(b.SHA256)
	}
	r.Partial = len(b.Manifest.FailedCommands()) > 0
	return r
}
