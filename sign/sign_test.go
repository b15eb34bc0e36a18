package sign_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/sign"
)

// testKey is a key from a fixed seed, so tests are deterministic.
func testKey(t testing.TB, seed int64, comment string) sign.PrivateKey {
	t.Helper()
	k, err := sign.GenerateKey(rand.New(rand.NewSource(seed)), comment)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// trustDir writes the public keys into a new trusted-keys directory.
func trustDir(t *testing.T, keys ...sign.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	for i, k := range keys {
		name := filepath.Join(dir, string(rune('a'+i))+".pub")
		if err := os.WriteFile(name, k.Public().MarshalAuthorized(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFixture(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyFileRoundTrip(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1, "alice@audit")
	file := k.MarshalOpenSSH()
	got, err := sign.ParseOpenSSH(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Key, k.Key) || got.Comment != k.Comment {
		t.Fatalf("ParseOpenSSH(MarshalOpenSSH(k)) = %+v, want %+v", got, k)
	}
	if again := got.MarshalOpenSSH(); !bytes.Equal(again, file) {
		t.Fatalf("key file not stable across a read:\n%s\nwant\n%s", again, file)
	}
	pub, err := sign.ParseAuthorized(string(k.Public().MarshalAuthorized()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub.Key, k.Public().Key) || pub.Comment != "alice@audit" || pub.ID() != k.Public().ID() {
		t.Fatalf("ParseAuthorized = %+v, want %+v", pub, k.Public())
	}
	if id := pub.ID(); !strings.HasPrefix(id, "SHA256:") || len(id) != len("SHA256:")+43 {
		t.Fatalf("ID() = %q, want SHA256: and 43 base64 characters", id)
	}
}

func TestParseKeyErrors(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1, "alice")
	good := string(k.Public().MarshalAuthorized())
	tests := []struct {
		name, line, want string
	}{
		{"one field", "ssh-ed25519", `not a public key line ("ssh-ed25519 BASE64 [comment]")`},
		{"rsa", "ssh-rsa AAAAB3NzaC1yc2E= bob", `key type "ssh-rsa" is not supported (only ssh-ed25519)`},
		{"bad base64", "ssh-ed25519 !!!", "public key: bad base64"},
		{"truncated blob", good[:40], "public key: truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.ParseAuthorized(tt.line)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("ParseAuthorized(%q) error = %v, want %q", tt.line, err, tt.want)
			}
		})
	}
	if _, err := sign.ParseOpenSSH([]byte(good)); err == nil || err.Error() != "not an OpenSSH private key (want -----BEGIN OPENSSH PRIVATE KEY-----)" {
		t.Fatalf("ParseOpenSSH(public key) error = %v", err)
	}
}

func TestReadPrivateKeyRefusesOpenModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	if err := os.WriteFile(p, testKey(t, 1, "").MarshalOpenSSH(), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o640)
	_, err := sign.ReadPrivateKey(p)
	want := p + ": private key is accessible by others (mode 0640); make it 0600"
	if err == nil || err.Error() != want {
		t.Fatalf("ReadPrivateKey error = %v, want %q", err, want)
	}
	os.Chmod(p, 0o600)
	if _, err := sign.ReadPrivateKey(p); err != nil {
		t.Fatal(err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := copyFixture(t, dir, "oom.tar.zst")
	k := testKey(t, 1, "alice@audit")
	sp, err := sign.SignFile(b, k)
	if err != nil {
		t.Fatal(err)
	}
	if sp != b+".sig" {
		t.Fatalf("SignFile path = %s, want %s.sig", sp, b)
	}
	first, _ := os.ReadFile(sp)
	if _, err := sign.SignFile(b, k); err != nil { // same key, same bytes: a no-op
		t.Fatalf("signing again with the same key: %v", err)
	}
	kr, err := sign.LoadTrusted(trustDir(t, testKey(t, 2, "bob"), k))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sign.VerifyFile(b, kr)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != k.Public().ID() || got.Name() != "alice@audit" || got.Line != 1 || filepath.Base(got.File) != "b.pub" {
		t.Fatalf("VerifyFile = %+v, want alice@audit from b.pub:1", got)
	}
	// Another key may not replace the signature.
	_, err = sign.SignFile(b, testKey(t, 2, "bob"))
	if err == nil || !strings.Contains(err.Error(), "a different signature is already there") {
		t.Fatalf("signing with another key: %v", err)
	}
	if now, _ := os.ReadFile(sp); !bytes.Equal(now, first) {
		t.Fatal("the signature file changed")
	}
}

// TestVerifyTampering starts from a signed bundle, breaks one thing, and
// checks that VerifyFile fails with exactly one error naming it.
func TestVerifyTampering(t *testing.T) {
	t.Parallel()
	alice, mallory := testKey(t, 1, "alice@audit"), testKey(t, 3, "mallory")
	trusted := trustDir(t, alice)
	kr, err := sign.LoadTrusted(trusted)
	if err != nil {
		t.Fatal(err)
	}
	aliceID, malloryID := alice.Public().ID(), mallory.Public().ID()
	tests := []struct {
		name   string
		tamper func(t *testing.T, b string)
		want   string // with {B} for the bundle path, {D} for the trusted-keys dir
		is     error
	}{
		{
			name: "changed byte",
			tamper: func(t *testing.T, b string) {
				data, _ := os.ReadFile(b)
				data[len(data)/2] ^= 1
				os.WriteFile(b, data, 0o600)
			},
			want: "{B}: signature {B}.sig by " + aliceID + " does not match: the bundle changed after signing, or the signature is another file's",
			is:   sign.ErrMismatch,
		},
		{
			name: "appended byte",
			tamper: func(t *testing.T, b string) {
				f, _ := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
				f.Write([]byte{0})
				f.Close()
			},
			want: "{B}: signature {B}.sig by " + aliceID + " does not match: the bundle changed after signing, or the signature is another file's",
			is:   sign.ErrMismatch,
		},
		{
			// The attack plain `bundle verify` cannot see: the manifest is
			// edited and the bundle re-sealed with every sha256 recomputed.
			name: "swapped manifest, hashes recomputed",
			tamper: func(t *testing.T, b string) {
				bd, err := bundle.Open(b)
				if err != nil {
					t.Fatal(err)
				}
				m := *bd.Manifest
				m.CapturedAt = "2020-01-01T00:00:00Z"
				var ms []bundle.Member
				for _, n := range bd.Names() {
					d, _ := bd.Member(n)
					ms = append(ms, bundle.Member{Name: n, Data: d})
				}
				var buf bytes.Buffer
				if _, err := bundle.Encode(&buf, &m, ms); err != nil {
					t.Fatal(err)
				}
				if _, err := bundle.Decode(b, buf.Bytes()); err != nil {
					t.Fatalf("the re-sealed bundle must pass plain verification: %v", err)
				}
				os.WriteFile(b, buf.Bytes(), 0o600)
			},
			want: "{B}: signature {B}.sig by " + aliceID + " does not match: the bundle changed after signing, or the signature is another file's",
			is:   sign.ErrMismatch,
		},
		{
			name: "another bundle's signature",
			tamper: func(t *testing.T, b string) {
				other := copyFixture(t, filepath.Dir(b), "succeed.tar.zst")
				if _, err := sign.SignFile(other, alice); err != nil {
					t.Fatal(err)
				}
				os.Rename(other+".sig", b+".sig")
			},
			want: "{B}: signature {B}.sig by " + aliceID + " does not match: the bundle changed after signing, or the signature is another file's",
			is:   sign.ErrMismatch,
		},
		{
			name:   "missing signature",
			tamper: func(t *testing.T, b string) { os.Remove(b + ".sig") },
			want:   "{B}: not signed (no {B}.sig)",
			is:     sign.ErrUnsigned,
		},
		{
			name: "untrusted signer",
			tamper: func(t *testing.T, b string) {
				os.Remove(b + ".sig")
				if _, err := sign.SignFile(b, mallory); err != nil {
					t.Fatal(err)
				}
			},
			want: "{B}: signed by " + malloryID + ", which is not a trusted key in {D}",
		},
		{
			name: "signature for another namespace",
			tamper: func(t *testing.T, b string) {
				sig, _ := os.ReadFile(b + ".sig")
				os.WriteFile(b+".sig", resign(t, sig, b, alice, "file"), 0o644)
			},
			want: `{B}.sig: signature namespace is "file", want "ksnap-bundle"`,
		},
		{
			name:   "not a signature",
			tamper: func(t *testing.T, b string) { os.WriteFile(b+".sig", []byte("hello\n"), 0o644) },
			want:   "{B}.sig: not an SSH signature (want -----BEGIN SSH SIGNATURE-----)",
		},
		{
			name: "truncated signature",
			tamper: func(t *testing.T, b string) {
				sig, _ := os.ReadFile(b + ".sig")
				blk, _ := pem.Decode(sig)
				blk.Bytes = blk.Bytes[:40]
				os.WriteFile(b+".sig", pem.EncodeToMemory(blk), 0o644)
			},
			want: "{B}.sig: signature: truncated",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			b := copyFixture(t, dir, "oom.tar.zst")
			if _, err := sign.SignFile(b, alice); err != nil {
				t.Fatal(err)
			}
			if _, err := sign.VerifyFile(b, kr); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tt.tamper(t, b)
			_, err := sign.VerifyFile(b, kr)
			want := strings.NewReplacer("{B}", b, "{D}", trusted).Replace(tt.want)
			if err == nil || err.Error() != want {
				t.Fatalf("VerifyFile error =\n  %v\nwant\n  %s", err, want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tt.is)
			}
			var ue *sign.UntrustedError
			if errors.As(err, &ue) != strings.Contains(tt.want, "not a trusted key") {
				t.Fatalf("errors.As(UntrustedError) = %v for %v", !strings.Contains(tt.want, "not a trusted key"), err)
			}
		})
	}
}

// resign rewrites an SSH signature's namespace and signs it again, the way
// `ssh-keygen -Y sign -n NS` would have: a valid signature, wrong purpose.
func resign(t *testing.T, _ []byte, path string, k sign.PrivateKey, ns string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sig, err := sign.SignNamespace(f, k, ns)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestLoadTrusted(t *testing.T) {
	t.Parallel()
	k1, k2 := testKey(t, 1, ""), testKey(t, 2, "bob@site")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "alice.pub"), append([]byte("# audit team\n\n"), k1.Public().MarshalAuthorized()...), 0o644)
	os.WriteFile(filepath.Join(dir, "team.pub"), k2.Public().MarshalAuthorized(), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.pub"), []byte("garbage\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("garbage\n"), 0o644)
	kr, err := sign.LoadTrusted(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range kr.IDs() {
		k, _ := kr.Lookup(id)
		got = append(got, k.Name()+" "+filepath.Base(k.File)+":"+string(rune('0'+k.Line)))
	}
	want := []string{"alice alice.pub:3", "bob@site team.pub:1"}
	if k1.Public().ID() > k2.Public().ID() {
		want[0], want[1] = want[1], want[0]
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("keys = %q, want %q", got, want)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "x.pub"), append(k1.Public().MarshalAuthorized(), "ssh-rsa AAAA x\n"...), 0o644)
	_, err = sign.LoadTrusted(bad)
	var ke *sign.KeyError
	if want := filepath.Join(bad, "x.pub") + `:2: key type "ssh-rsa" is not supported (only ssh-ed25519)`; err == nil || err.Error() != want || !errors.As(err, &ke) {
		t.Fatalf("LoadTrusted(bad) = %v, want %s", err, want)
	}
	empty := t.TempDir()
	if _, err := sign.LoadTrusted(empty); err == nil || err.Error() != empty+": no trusted keys (want *.pub files of ssh-ed25519 keys)" {
		t.Fatalf("LoadTrusted(empty) = %v", err)
	}
}

func FuzzParseSignature(f *testing.F) {
	var buf bytes.Buffer
	buf.WriteString("ksnap")
	sig, _ := sign.Sign(&buf, testKey(f, 1, "x"))
	f.Add(sig)
	f.Add([]byte("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sign.ParseSignature(data)
		if err == nil {
			_ = s.Verify(strings.NewReader("ksnap"))
		}
	})
}

func FuzzParseOpenSSH(f *testing.F) {
	f.Add(testKey(f, 1, "x").MarshalOpenSSH())
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := sign.ParseOpenSSH(data)
		if err == nil {
			if _, err := sign.ParseOpenSSH(k.MarshalOpenSSH()); err != nil {
				t.Fatalf("re-reading a parsed key: %v", err)
			}
		}
	})
}
