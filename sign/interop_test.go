//go:build interop

package sign_test

// Interoperability with OpenSSH's ssh-keygen, the real component this
// package's formats follow: go test -tags interop ./sign (skips when
// ssh-keygen is not on PATH).

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/sign"
)

func sshKeygen(t *testing.T, dir string, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("ssh-keygen", args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestInteropSSHKeygen(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not on PATH")
	}
	dir := t.TempDir()
	b := copyFixture(t, dir, "oom.tar.zst")
	data, _ := os.ReadFile(b)

	// A ksnap key: ssh-keygen reads it, prints the same fingerprint, and
	// makes the very signature ksnap makes.
	k := testKey(t, 7, "alice@audit")
	os.WriteFile(filepath.Join(dir, "k"), k.MarshalOpenSSH(), 0o600)
	if got := sshKeygen(t, dir, nil, "-y", "-f", "k"); got != string(k.Public().MarshalAuthorized()) {
		t.Fatalf("ssh-keygen -y = %q, want %q", got, k.Public().MarshalAuthorized())
	}
	if got := sshKeygen(t, dir, nil, "-l", "-f", "k"); !strings.Contains(got, " "+k.Public().ID()+" ") {
		t.Fatalf("ssh-keygen -l = %q, want %s", got, k.Public().ID())
	}
	sp, err := sign.SignFile(b, k)
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := os.ReadFile(sp)
	os.WriteFile(filepath.Join(dir, "msg"), data, 0o600)
	sshKeygen(t, dir, nil, "-Y", "sign", "-q", "-n", sign.Namespace, "-f", "k", "msg")
	theirs, _ := os.ReadFile(filepath.Join(dir, "msg.sig"))
	if !bytes.Equal(ours, theirs) {
		t.Fatalf("ksnap's signature differs from ssh-keygen's:\n%s\nssh-keygen:\n%s", ours, theirs)
	}
	allowed := "alice@audit " + strings.Join(strings.Fields(string(k.Public().MarshalAuthorized()))[:2], " ") + "\n"
	os.WriteFile(filepath.Join(dir, "allowed"), []byte(allowed), 0o644)
	sshKeygen(t, dir, data, "-Y", "verify", "-f", "allowed", "-I", "alice@audit", "-n", sign.Namespace, "-s", filepath.Base(sp))

	// An ssh-keygen key signs with ksnap; its signature verifies in ksnap.
	sshKeygen(t, dir, nil, "-q", "-t", "ed25519", "-N", "", "-C", "bob@site", "-f", "bob")
	bob, err := sign.ReadPrivateKey(filepath.Join(dir, "bob"))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "bob.pub"))
	if got := bob.Public().MarshalAuthorized(); !bytes.Equal(got, pub) {
		t.Fatalf("bob.pub = %q, ksnap derives %q", pub, got)
	}
	if again := bob.MarshalOpenSSH(); !bytes.Equal(again, mustRead(t, filepath.Join(dir, "bob"))) {
		t.Fatalf("ksnap re-encodes ssh-keygen's key file differently:\n%s", again)
	}
	trusted := filepath.Join(dir, "trusted")
	os.Mkdir(trusted, 0o755)
	os.WriteFile(filepath.Join(trusted, "bob.pub"), pub, 0o644)
	kr, err := sign.LoadTrusted(trusted)
	if err != nil {
		t.Fatal(err)
	}
	b2 := copyFixture(t, dir, "succeed.tar.zst")
	os.WriteFile(filepath.Join(dir, "msg2"), mustRead(t, b2), 0o600)
	sshKeygen(t, dir, nil, "-Y", "sign", "-q", "-n", sign.Namespace, "-f", "bob", "msg2")
	os.Rename(filepath.Join(dir, "msg2.sig"), b2+".sig")
	if got, err := sign.VerifyFile(b2, kr); err != nil || got.Name() != "bob@site" {
		t.Fatalf("VerifyFile(ssh-keygen's signature) = %+v, %v", got, err)
	}

	// A passphrase-protected key is refused with a pointer to ssh-keygen.
	sshKeygen(t, dir, nil, "-q", "-t", "ed25519", "-N", "secret", "-f", "enc")
	if _, err := sign.ReadPrivateKey(filepath.Join(dir, "enc")); err == nil || !strings.Contains(err.Error(), "encrypted with a passphrase") {
		t.Fatalf("ReadPrivateKey(encrypted) = %v", err)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
