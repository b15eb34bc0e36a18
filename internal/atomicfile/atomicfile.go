// Package atomicfile owns ksnap's durable whole-file writes: a temp file in
// the target directory, write, fsync, then link or rename into place and
// fsync the directory, so a crash leaves either the old state or the whole
// new file, never a partial one. Bundles use WriteNew (never overwrite);
// history prune uses Replace.
package atomicfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned (wrapped) by WriteNew when a different file already
// has the name.
var ErrExists = errors.New("a different file already exists at that path")

// WriteNew writes data to path durably and never overwrites: the temp file
// is hard-linked to path (where links are unsupported, an existence check and
// a rename). If path already holds exactly data, WriteNew succeeds; if it
// holds anything else, it fails with ErrExists.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return sameOrExists(path, data)
		}
		if _, statErr := os.Lstat(path); statErr == nil {
			return sameOrExists(path, data)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename %s: %w", path, err)
		}
	}
	return syncDir(filepath.Dir(path))
}

// Replace atomically replaces path (or creates it) with data.
func Replace(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s over %s: %w", tmp, path, err)
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new temp file next to path and fsyncs it.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("close %s: %w", tmp, err)
	}
	return tmp, nil
}

func sameOrExists(path string, data []byte) error {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return nil
	}
	return fmt.Errorf("write %s: %w", path, ErrExists)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}
