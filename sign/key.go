package sign

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	keyType       = "ssh-ed25519"
	privateMagic  = "openssh-key-v1\x00"
	privatePEM    = "OPENSSH PRIVATE KEY"
	privateBlock  = 8 // cipher "none" pads the private section to 8 bytes
	maxKeyFileLen = 1 << 20
)

// PublicKey is an ed25519 public key with the comment of its key file.
type PublicKey struct {
	Key ed25519.PublicKey
	// Comment is the key line's comment (who the key belongs to), may be empty.
	Comment string
}

// blob is the key in SSH wire format.
func (k PublicKey) blob() []byte {
	return putString(putString(nil, []byte(keyType)), k.Key)
}

// ID is the key's fingerprint as ssh-keygen -l prints it:
// "SHA256:" and the unpadded base64 of the sha256 of the key's wire form.
func (k PublicKey) ID() string {
	sum := sha256.Sum256(k.blob())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// MarshalAuthorized is the key as one line of an OpenSSH .pub or
// authorized_keys file: "ssh-ed25519 BASE64 comment\n".
func (k PublicKey) MarshalAuthorized() []byte {
	line := keyType + " " + base64.StdEncoding.EncodeToString(k.blob())
	if k.Comment != "" {
		line += " " + k.Comment
	}
	return []byte(line + "\n")
}

// parseBlob reads an ssh-ed25519 public key in SSH wire format.
func parseBlob(b []byte) (ed25519.PublicKey, error) {
	r := &reader{b: b}
	typ := r.string()
	key := r.string()
	if r.err != nil {
		return nil, fmt.Errorf("public key: %w", r.err)
	}
	if string(typ) != keyType {
		return nil, fmt.Errorf("key type %q is not supported (only %s)", typ, keyType)
	}
	if len(key) != ed25519.PublicKeySize || len(r.b) != 0 {
		return nil, errors.New("malformed ssh-ed25519 public key")
	}
	return ed25519.PublicKey(bytes.Clone(key)), nil
}

// ParseAuthorized parses one "ssh-ed25519 BASE64 [comment]" line.
func ParseAuthorized(line string) (PublicKey, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return PublicKey{}, errors.New(`not a public key line ("ssh-ed25519 BASE64 [comment]")`)
	}
	if f[0] != keyType {
		return PublicKey{}, fmt.Errorf("key type %q is not supported (only %s)", f[0], keyType)
	}
	raw, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return PublicKey{}, errors.New("public key: bad base64")
	}
	key, err := parseBlob(raw)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey{Key: key, Comment: strings.Join(f[2:], " ")}, nil
}

// PrivateKey is an ed25519 private key with its comment.
type PrivateKey struct {
	Key     ed25519.PrivateKey
	Comment string
	// check is the key file's check integer (random; kept so that a key
	// read and written again gives the same file).
	check uint32
}

// Public returns the key's public half, with the same comment.
func (k PrivateKey) Public() PublicKey {
	return PublicKey{Key: k.Key.Public().(ed25519.PublicKey), Comment: k.Comment}
}

// GenerateKey makes a new key from rand (crypto/rand.Reader outside tests).
func GenerateKey(rand io.Reader, comment string) (PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("generate key: %w", err)
	}
	var check [4]byte
	if _, err := io.ReadFull(rand, check[:]); err != nil {
		return PrivateKey{}, fmt.Errorf("generate key: %w", err)
	}
	return PrivateKey{Key: priv, Comment: comment, check: binary.BigEndian.Uint32(check[:])}, nil
}

// MarshalOpenSSH encodes the key as an unencrypted OpenSSH private key file
// (PROTOCOL.key), which ssh-keygen and ssh read.
func (k PrivateKey) MarshalOpenSSH() []byte {
	check := k.check
	pub := k.Public()
	var sec []byte
	sec = binary.BigEndian.AppendUint32(sec, check)
	sec = binary.BigEndian.AppendUint32(sec, check)
	sec = putString(sec, []byte(keyType))
	sec = putString(sec, pub.Key)
	sec = putString(sec, k.Key)
	sec = putString(sec, []byte(k.Comment))
	for i := byte(1); len(sec)%privateBlock != 0; i++ {
		sec = append(sec, i)
	}
	b := []byte(privateMagic)
	b = putString(b, []byte("none")) // cipher
	b = putString(b, []byte("none")) // kdf
	b = putString(b, nil)            // kdf options
	b = binary.BigEndian.AppendUint32(b, 1)
	b = putString(b, pub.blob())
	b = putString(b, sec)
	return armor(privatePEM, b)
}

// ErrEncrypted is returned (wrapped) for a passphrase-protected key file.
var ErrEncrypted = errors.New("the private key is encrypted with a passphrase; ksnap reads only unencrypted keys (sign with: ssh-keygen -Y sign -n " + Namespace + ")")

// ParseOpenSSH decodes an unencrypted OpenSSH ed25519 private key file, as
// MarshalOpenSSH or ssh-keygen -t ed25519 -N "" write it.
func ParseOpenSSH(data []byte) (PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != privatePEM {
		return PrivateKey{}, errors.New("not an OpenSSH private key (want -----BEGIN " + privatePEM + "-----)")
	}
	b, ok := bytes.CutPrefix(blk.Bytes, []byte(privateMagic))
	if !ok {
		return PrivateKey{}, errors.New("not an openssh-key-v1 private key")
	}
	r := &reader{b: b}
	cipher, kdf := string(r.string()), string(r.string())
	r.string() // kdf options
	n := r.uint32()
	pubBlob := r.string()
	sec := r.string()
	if r.err != nil {
		return PrivateKey{}, fmt.Errorf("private key: %w", r.err)
	}
	if cipher != "none" || kdf != "none" {
		return PrivateKey{}, ErrEncrypted
	}
	if n != 1 {
		return PrivateKey{}, fmt.Errorf("private key file holds %d keys, want 1", n)
	}
	pub, err := parseBlob(pubBlob)
	if err != nil {
		return PrivateKey{}, err
	}
	s := &reader{b: sec}
	c1, c2 := s.uint32(), s.uint32()
	typ := string(s.string())
	pub2 := s.string()
	priv := s.string()
	comment := string(s.string())
	if s.err != nil {
		return PrivateKey{}, fmt.Errorf("private key: %w", s.err)
	}
	switch {
	case c1 != c2:
		return PrivateKey{}, errors.New("private key: check integers differ (corrupt file)")
	case typ != keyType:
		return PrivateKey{}, fmt.Errorf("key type %q is not supported (only %s)", typ, keyType)
	case len(priv) != ed25519.PrivateKeySize || !bytes.Equal(pub2, pub) || !bytes.Equal(priv[32:], pub):
		return PrivateKey{}, errors.New("private key: malformed ed25519 key")
	}
	key := ed25519.NewKeyFromSeed(priv[:32])
	if !bytes.Equal(key.Public().(ed25519.PublicKey), pub) {
		return PrivateKey{}, errors.New("private key: seed does not match its public key (corrupt file)")
	}
	return PrivateKey{Key: key, Comment: comment, check: c1}, nil
}

// ReadPrivateKey reads an OpenSSH ed25519 private key file. Like ssh, it
// refuses a key file that others may read.
func ReadPrivateKey(path string) (PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("read key %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return PrivateKey{}, fmt.Errorf("%s: private key is accessible by others (mode %04o); make it 0600", path, st.Mode().Perm())
	}
	if st.Size() > maxKeyFileLen {
		return PrivateKey{}, fmt.Errorf("%s: too large for a key file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("read key %s: %w", path, err)
	}
	k, err := ParseOpenSSH(data)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// TrustedKey is one key of a Keyring and where it came from.
type TrustedKey struct {
	PublicKey
	// File and Line locate its line in the trusted-keys directory.
	File string
	Line int
}

// Name is who the key stands for: its comment, else its file's base name
// without ".pub".
func (k TrustedKey) Name() string {
	if k.Comment != "" {
		return k.Comment
	}
	return strings.TrimSuffix(filepath.Base(k.File), ".pub")
}

// Keyring is a set of trusted public keys, by key ID.
type Keyring struct {
	// Dir is the directory the keys were read from.
	Dir  string
	keys map[string]TrustedKey
}

// KeyError is a malformed line in a trusted key file.
type KeyError struct {
	File string
	Line int
	Err  error
}

func (e *KeyError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

// LoadTrusted reads every regular "*.pub" file of dir (not descending,
// ignoring dot-files): each non-blank line not starting with "#" is one
// "ssh-ed25519 BASE64 [comment]" key, as in an authorized_keys file. A
// malformed line is a *KeyError; a directory with no key is an error.
func LoadTrusted(dir string) (*Keyring, error) {
	ds, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read trusted keys: %w", err)
	}
	kr := &Keyring{Dir: dir, keys: map[string]TrustedKey{}}
	for _, d := range ds {
		name := d.Name()
		if !d.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".pub") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read trusted key: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, err := ParseAuthorized(line)
			if err != nil {
				return nil, &KeyError{File: path, Line: n, Err: err}
			}
			if _, dup := kr.keys[k.ID()]; !dup { // the first file (by name) names it
				kr.keys[k.ID()] = TrustedKey{PublicKey: k, File: path, Line: n}
			}
		}
		if err := sc.Err(); err != nil {
			return nil, &KeyError{File: path, Err: err}
		}
	}
	if len(kr.keys) == 0 {
		return nil, fmt.Errorf("%s: no trusted keys (want *.pub files of ssh-ed25519 keys)", dir)
	}
	return kr, nil
}

// Lookup returns the trusted key with the given ID.
func (kr *Keyring) Lookup(id string) (TrustedKey, bool) {
	k, ok := kr.keys[id]
	return k, ok
}

// IDs returns the trusted key IDs, sorted.
func (kr *Keyring) IDs() []string {
	ids := make([]string, 0, len(kr.keys))
	for id := range kr.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
