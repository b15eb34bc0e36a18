package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/internal/atomicfile"
	"github.com/ksnap/ksnap/sign"
	"github.com/spf13/cobra"
)

func newKeyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Make signing keys for bundles",
		Long: `Key makes the ed25519 keys that sign bundles (ksnap bundle sign, capture
--sign) and verify them (ksnap bundle verify --trusted-keys DIR). Keys and
signatures are OpenSSH's formats: ssh-keygen reads the keys, and an auditor
without ksnap can check a bundle with "ssh-keygen -Y verify -n ksnap-bundle"
(docs/replay.md).` + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newKeyGenerateCmd(e))
	return cmd
}

func newKeyGenerateCmd(e *env) *cobra.Command {
	var out, comment string
	cmd := &cobra.Command{
		Use:   "generate --file K [--comment WHO]",
		Short: "Write a new ed25519 key pair: K (private, 0600) and K.pub",
		Long: `Generate writes a new ed25519 private key to K (mode 0600, an unencrypted
OpenSSH private key file) and its public key to K.pub (one
"ssh-ed25519 BASE64 WHO" line: copy it into the auditors' trusted-keys
directory). The directory is created (0700) when missing; it never
overwrites a file. stdout: the key id (the SHA256
fingerprint ssh-keygen -l prints) and K.pub.` + "\n" + exitStatusHelp,
		Example: `  ksnap key generate --file /etc/ksnap/signing-key --comment "capture@prod-cluster"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("required flag --file not set")
			}
			if comment == "" {
				comment = filepath.Base(out)
			}
			k, err := sign.GenerateKey(rand.Reader, comment)
			if err != nil {
				return err
			}
			pub := k.Public()
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				return err
			}
			if err := writeNew(out+".pub", pub.MarshalAuthorized(), 0o644); err != nil {
				return err
			}
			if err := writeNew(out, k.MarshalOpenSSH(), 0o600); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s %s (%s)\n", pub.ID(), out+".pub", comment)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "file", "", "private key file to write; the public key goes to FILE.pub (required)")
	deprecatedAlias(cmd.Flags(), e.stderr, "out", "", "file")
	cmd.Flags().StringVar(&comment, "comment", "", "who the key stands for, in K.pub and in verify's \"signed by\" (default: the file's base name)")
	return cmd
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	err := atomicfile.WriteNew(path, data, mode)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("%s already exists; not overwriting a key", path)
	}
	return err
}

func newBundleSignCmd(e *env) *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "sign BUNDLE... --key K",
		Short: "Sign bundles: a detached BUNDLE.sig over the whole file",
		Long: `Sign writes BUNDLE.sig beside each bundle: an ed25519 SSH signature
(namespace ksnap-bundle, sha512) over the bundle file's bytes, carrying the
signer's public key. The bundle itself is not changed. Signing again with the
same key is a no-op; a different signature already there is never replaced.
One line per bundle on stdout: the signature file and the key id.` + "\n" + exitStatusHelp,
		Example: `  ksnap bundle sign --key /etc/ksnap/signing-key bundles/*.tar.zst`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usageErrorf("required flag --key not set")
			}
			k, err := sign.ReadPrivateKey(key)
			if err != nil {
				return err
			}
			pub := k.Public()
			for _, path := range args {
				sp, err := sign.SignFile(path, k)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s %s (%s)\n", sp, pub.ID(), pub.Comment)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "private key file (ksnap key generate, or an unencrypted ssh-ed25519 key)")
	return cmd
}

// bundleSigner reads the private key at path once and returns a function
// that signs a bundle with it; with no path, the function does nothing.
func bundleSigner(path string) (func(bundle string) (string, error), error) {
	if path == "" {
		return func(string) (string, error) { return "", nil }, nil
	}
	k, err := sign.ReadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	return func(b string) (string, error) { return sign.SignFile(b, k) }, nil
}

// loadTrusted reads the trusted keys of verify --trusted-keys (nil without).
func loadTrusted(dir string) (*sign.Keyring, error) {
	if dir == "" {
		return nil, nil
	}
	return sign.LoadTrusted(dir)
}

// checkSignature verifies path's signature against kr into r: the signer on
// success, the one-line failure otherwise. Without kr it checks nothing.
func checkSignature(kr *sign.Keyring, path string, r *verifyResult) bool {
	if kr == nil {
		return true
	}
	k, err := sign.VerifyFile(path, kr)
	if err != nil {
		r.Error = err.Error()
		if errors.Is(err, sign.ErrUnsigned) {
			r.Error += "; sign it with: ksnap bundle sign --key KEY " + path
		}
		return false
	}
	r.SignedBy, r.KeyID, r.KeyFile = k.Name(), k.ID(), k.File
	return true
}
