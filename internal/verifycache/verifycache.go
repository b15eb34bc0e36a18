// Package verifycache is the bundle.VerifiedSet ksnap keeps on the local
// disk: the sha256s of the bundle files it has verified in full, so that
// reading the same bytes again (history rebuild, reevaluate, a second
// analyze of an incident's bundles) skips hashing their members.
//
// Layout: ROOT/verified-1/ab/<64 hex>, one empty file per bundle file
// sha256, in 256 shard directories of at most MaxPerShard entries each
// (65,536 in all); when a shard is full its least recently used entries
// (by mtime, which a hit refreshes) are removed. The "1" is the generation
// of the checks a bundle passed: a ksnap whose reader checks more bumps it,
// and entries of the old generation vouch for nothing.
//
// The cache is trusted as the ksnap binary is, so Open refuses a root that
// is a symlink, is not a directory owned by the current user, or is
// writable by anyone else; a refused or unwritable cache only means the
// members are hashed again. It never stores anything but hashes, and it
// must never be consulted by bundle verify, the auditor's check.
package verifycache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Generation names the set of reader checks an entry vouches for.
const Generation = "verified-1"

// MaxPerShard bounds each of the 256 shard directories.
const MaxPerShard = 256

// Dir is a VerifiedSet in a directory. Its methods are safe for
// concurrent use by goroutines and by processes.
type Dir struct {
	root string // ROOT/verified-1
	now  func() time.Time
}

// Open opens (creating, mode 0700) the cache under root, which is the
// ksnap cache directory (e.g. ~/.cache/ksnap). It fails when root or its
// generation directory is unsafe to trust (see the package comment).
func Open(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("verify cache: no directory")
	}
	if !canCheckOwner { // refused before anything is created
		return nil, errors.New("verify cache: ownership cannot be checked on this platform; the cache is off")
	}
	dir := filepath.Join(root, Generation)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("verify cache: %w", err)
	}
	for _, p := range []string{root, dir} {
		if err := private(p); err != nil {
			return nil, fmt.Errorf("verify cache %s: %w", p, err)
		}
	}
	return &Dir{root: dir, now: time.Now}, nil
}

// private checks that p is a real directory of the current user that no
// one else may write to.
func private(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory (or a symlink)")
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("mode %v: writable by group or others", fi.Mode().Perm())
	}
	return ownedByMe(fi)
}

// valid reports whether s is 64 lower-case hex digits.
func valid(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (d *Dir) path(sha string) string { return filepath.Join(d.root, sha[:2], sha) }

// Contains reports whether the bundle file with this sha256 was verified
// in full before; a hit refreshes the entry's time, so entries in use
// outlive the others.
func (d *Dir) Contains(sha string) bool {
	if !valid(sha) {
		return false
	}
	p := d.path(sha)
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	t := d.now()
	_ = os.Chtimes(p, t, t) // best effort: a read-only cache still answers
	return true
}

// Add records that the bundle file with this sha256 passed every check.
// Errors are dropped: an entry that could not be written only means the
// next read hashes the members again.
func (d *Dir) Add(sha string) {
	_ = d.add(sha)
}

func (d *Dir) add(sha string) error {
	if !valid(sha) {
		return errors.New("not a sha256")
	}
	shard := filepath.Join(d.root, sha[:2])
	if err := os.Mkdir(shard, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	f, err := os.OpenFile(d.path(sha), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case errors.Is(err, os.ErrExist):
		return nil
	case err != nil:
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return trim(shard, sha)
}

// trim removes the least recently used entries of a shard that holds more
// than MaxPerShard, down to three quarters of it; keep (just added) stays.
func trim(shard, keep string) error {
	ents, err := os.ReadDir(shard)
	if err != nil || len(ents) <= MaxPerShard {
		return err
	}
	type entry struct {
		name string
		t    time.Time
	}
	es := make([]entry, 0, len(ents))
	for _, e := range ents {
		if e.Name() == keep {
			continue
		}
		if fi, err := e.Info(); err == nil {
			es = append(es, entry{e.Name(), fi.ModTime()})
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		if a.name < b.name {
			return -1
		}
		return 1
	})
	for _, e := range es[:max(0, len(es)+1-MaxPerShard*3/4)] {
		_ = os.Remove(filepath.Join(shard, e.name))
	}
	return nil
}
