package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/ksnap/ksnap/internal/atomicfile"
)

// Namespace is the SSH signature namespace of ksnap bundle signatures: a
// signature made for another purpose (git commits, "file") never verifies
// as a bundle signature.
const Namespace = "ksnap-bundle"

// Extension is appended to a bundle's path to name its signature file.
const Extension = ".sig"

const (
	sigMagic   = "SSHSIG"
	sigVersion = 1
	sigPEM     = "SSH SIGNATURE"
	hashAlg    = "sha512"
	maxSigLen  = 64 << 10
	armorWidth = 70 // as ssh-keygen writes
)

var (
	// ErrUnsigned is returned (wrapped) when a bundle has no signature file.
	ErrUnsigned = errors.New("not signed")
	// ErrMismatch is returned (wrapped) when a signature does not match
	// the bytes: they changed after signing, or it signs another file.
	ErrMismatch = errors.New("does not match")
)

// UntrustedError says a signature is valid but made by a key the keyring
// does not hold.
type UntrustedError struct {
	KeyID string
	Dir   string
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("signed by %s, which is not a trusted key in %s", e.KeyID, e.Dir)
}

// Signature is a decoded SSH signature (OpenSSH PROTOCOL.sshsig).
type Signature struct {
	Signer    PublicKey
	Namespace string
	HashAlg   string
	raw       []byte
}

// signedData is what the key signs: the magic, namespace, reserved field,
// hash algorithm and the message's hash.
func signedData(ns, alg string, digest []byte) []byte {
	b := []byte(sigMagic)
	b = putString(b, []byte(ns))
	b = putString(b, nil)
	b = putString(b, []byte(alg))
	return putString(b, digest)
}

func newHash(alg string) (hash.Hash, error) {
	switch alg {
	case "sha512":
		return sha512.New(), nil
	case "sha256":
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("hash algorithm %q is not supported", alg)
}

func digest(alg string, msg io.Reader) ([]byte, error) {
	h, err := newHash(alg)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(h, msg); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// armor wraps b in BEGIN/END lines of typ with base64 lines of 70
// characters, byte for byte as ssh-keygen writes them.
func armor(typ string, b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	out.WriteString("-----BEGIN " + typ + "-----\n")
	for len(enc) > armorWidth {
		out.WriteString(enc[:armorWidth] + "\n")
		enc = enc[armorWidth:]
	}
	out.WriteString(enc + "\n-----END " + typ + "-----\n")
	return out.Bytes()
}

// Sign signs everything msg yields with k in the bundle namespace and
// returns the armored SSH signature, the bytes
// `ssh-keygen -Y sign -n ksnap-bundle -f KEY` writes for the same key and
// message (ed25519 signatures are deterministic).
func Sign(msg io.Reader, k PrivateKey) ([]byte, error) { return signNS(msg, k, Namespace) }

func signNS(msg io.Reader, k PrivateKey, ns string) ([]byte, error) {
	d, err := digest(hashAlg, msg)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sig := ed25519.Sign(k.Key, signedData(ns, hashAlg, d))
	b := []byte(sigMagic)
	b = binary.BigEndian.AppendUint32(b, sigVersion)
	b = putString(b, k.Public().blob())
	b = putString(b, []byte(ns))
	b = putString(b, nil)
	b = putString(b, []byte(hashAlg))
	b = putString(b, putString(putString(nil, []byte(keyType)), sig))
	return armor(sigPEM, b), nil
}

// ParseSignature decodes an armored SSH signature.
func ParseSignature(data []byte) (*Signature, error) {
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != sigPEM {
		return nil, errors.New("not an SSH signature (want -----BEGIN " + sigPEM + "-----)")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("data after the signature")
	}
	b, ok := bytes.CutPrefix(blk.Bytes, []byte(sigMagic))
	if !ok {
		return nil, errors.New("not an SSHSIG signature")
	}
	r := &reader{b: b}
	ver := r.uint32()
	pub := r.string()
	ns := r.string()
	r.string() // reserved
	alg := r.string()
	sigBlob := r.string()
	if r.err != nil {
		return nil, fmt.Errorf("signature: %w", r.err)
	}
	if ver != sigVersion {
		return nil, fmt.Errorf("signature version %d is not supported (want %d)", ver, sigVersion)
	}
	key, err := parseBlob(pub)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	s := &reader{b: sigBlob}
	typ := s.string()
	raw := s.string()
	if s.err != nil || string(typ) != keyType || len(raw) != ed25519.SignatureSize || len(s.b) != 0 {
		return nil, errors.New("signature: malformed ssh-ed25519 signature")
	}
	if _, err := newHash(string(alg)); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return &Signature{Signer: PublicKey{Key: key}, Namespace: string(ns), HashAlg: string(alg), raw: raw}, nil
}

// Verify checks that s signs everything msg yields in the bundle
// namespace: ErrMismatch (wrapped) when it does not.
func (s *Signature) Verify(msg io.Reader) error {
	if s.Namespace != Namespace {
		return fmt.Errorf("signature namespace is %q, want %q", s.Namespace, Namespace)
	}
	d, err := digest(s.HashAlg, msg)
	if err != nil {
		return err
	}
	if !ed25519.Verify(s.Signer.Key, signedData(s.Namespace, s.HashAlg, d), s.raw) {
		return ErrMismatch
	}
	return nil
}

// SigPath is the signature file of the bundle at path: path + ".sig".
func SigPath(path string) string { return path + Extension }

// SignFile signs the whole file at path with k and writes the signature
// durably to SigPath(path) (mode 0644). It never replaces a different
// signature file (atomicfile.ErrExists, wrapped); signing the same file
// with the same key again is a no-op.
func SignFile(path string, k PrivateKey) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sig, err := Sign(f, k)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	out := SigPath(path)
	if err := atomicfile.WriteNew(out, sig, 0o644); err != nil {
		if errors.Is(err, atomicfile.ErrExists) {
			return "", fmt.Errorf("%s: a different signature is already there (another key signed it); move it away to sign again: %w", out, err)
		}
		return "", err
	}
	return out, nil
}

// VerifyFile checks the signature file of the bundle at path against kr and
// returns the trusted key that made it. Every failure names the file: no
// signature file (ErrUnsigned), a malformed one, a namespace other than
// ksnap-bundle, a signature that does not match the file's bytes
// (ErrMismatch), or a signer not in kr (*UntrustedError).
func VerifyFile(path string, kr *Keyring) (TrustedKey, error) {
	sp := SigPath(path)
	st, err := os.Stat(sp)
	if errors.Is(err, os.ErrNotExist) {
		return TrustedKey{}, fmt.Errorf("%s: %w (no %s)", path, ErrUnsigned, sp)
	}
	if err != nil {
		return TrustedKey{}, fmt.Errorf("%s: %w", sp, err)
	}
	if st.Size() > maxSigLen {
		return TrustedKey{}, fmt.Errorf("%s: too large for a signature", sp)
	}
	data, err := os.ReadFile(sp)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("%s: %w", sp, err)
	}
	s, err := ParseSignature(data)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("%s: %w", sp, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return TrustedKey{}, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	if err := s.Verify(f); err != nil {
		if errors.Is(err, ErrMismatch) {
			return TrustedKey{}, fmt.Errorf("%s: signature %s by %s %w: the bundle changed after signing, or the signature is another file's", path, sp, s.Signer.ID(), err)
		}
		return TrustedKey{}, fmt.Errorf("%s: %w", sp, err)
	}
	k, ok := kr.Lookup(s.Signer.ID())
	if !ok {
		return TrustedKey{}, fmt.Errorf("%s: %w", path, &UntrustedError{KeyID: s.Signer.ID(), Dir: kr.Dir})
	}
	return k, nil
}
