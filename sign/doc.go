// Package sign owns ksnap's detached bundle signatures: ed25519 keys in
// OpenSSH's file formats (an unencrypted "OPENSSH PRIVATE KEY" file and a
// one-line .pub), signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig,
// namespace "ksnap-bundle", sha512) over a whole bundle file, written beside
// it as BUNDLE.sig, and a keyring of trusted public keys read from a
// directory of *.pub files.
//
// The formats are OpenSSH's so that an auditor with no ksnap can check a
// bundle with stock tools (ssh-keygen -Y verify) and sign with an existing
// SSH key; everything is built on the standard library (crypto/ed25519),
// with no new dependency.
//
// It signs and verifies bytes only: the bundle's structure is the bundle
// package's to check. It never prints, never reads the clock, and its
// errors name files, never CLI flags.
package sign
