// Package atomicfile owns ksnap's durable whole-file writes: a temp file in
// the target directory, write, fsync, then link or rename into place and
// fsync the directory, so a crash leaves either the old state or the whole
// new file, never a partial one. Bundles use WriteNew (never overwrite);
// history prune uses Replace. CleanStale removes the temp files that dead
// writers left behind.
package atomicfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// LinkNew fsyncs the temp file and links it to its path, never
// overwriting: WriteNew for a file written piece by piece (a bundle streamed
// from spill files). If path already holds exactly the temp file's bytes,
// LinkNew succeeds; if it holds anything else, it fails with ErrExists. The
// temp file is removed in every case.
func (t *Temp) LinkNew() error {
	if err := t.syncClose(); err != nil {
		return err
	}
	defer os.Remove(t.name)
	if err := os.Link(t.name, t.path); err != nil {
		_, statErr := os.Lstat(t.path)
		if errors.Is(err, fs.ErrExist) || statErr == nil {
			return sameFileOrExists(t.path, t.name)
		}
		if err := os.Rename(t.name, t.path); err != nil {
			return fmt.Errorf("rename %s: %w", t.path, err)
		}
	}
	return syncDir(filepath.Dir(t.path))
}

// Name is the temp file's path.
func (t *Temp) Name() string { return t.name }

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
	t, err := CreateTemp(path, perm)
	if err != nil {
		return "", err
	}
	if _, err := t.Write(data); err != nil {
		t.Abort()
		return "", fmt.Errorf("write %s: %w", t.name, err)
	}
	if err := t.syncClose(); err != nil {
		return "", err
	}
	return t.name, nil
}

// Temp is a new temp file next to its final path, for a replacement too
// large to hold in memory: write it (it is an *os.File), then Replace or
// Abort.
type Temp struct {
	*os.File
	name, path string
}

// CreateTemp creates the temp file that Replace will rename over path.
func CreateTemp(path string, perm os.FileMode) (*Temp, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	// The writer's PID is part of the name, so that a later run can tell
	// the temp file of a dead writer (kill -9, power loss) from one in
	// progress: see CleanStale.
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+tempInfix+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	return &Temp{File: f, name: tmp, path: path}, nil
}

// syncClose fsyncs and closes the temp file, removing it on failure.
func (t *Temp) syncClose() error {
	if err := t.Sync(); err != nil {
		t.Abort()
		return fmt.Errorf("fsync %s: %w", t.name, err)
	}
	if err := t.File.Close(); err != nil {
		os.Remove(t.name)
		return fmt.Errorf("close %s: %w", t.name, err)
	}
	return nil
}

// Abort closes and removes the temp file.
func (t *Temp) Abort() {
	t.File.Close()
	os.Remove(t.name)
}

// Replace fsyncs the temp file and renames it over its path, atomically,
// then fsyncs the directory. On failure the temp file is removed.
func (t *Temp) Replace() error {
	if err := t.syncClose(); err != nil {
		return err
	}
	if err := os.Rename(t.name, t.path); err != nil {
		os.Remove(t.name)
		return fmt.Errorf("rename %s: %w", t.path, err)
	}
	return syncDir(filepath.Dir(t.path))
}

func sameOrExists(path string, data []byte) error {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return nil
	}
	return fmt.Errorf("write %s: %w", path, ErrExists)
}

// sameFileOrExists compares path with the file tmp, piece by piece.
func sameFileOrExists(path, tmp string) error {
	a, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, ErrExists)
	}
	defer a.Close()
	b, err := os.Open(tmp)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", tmp, err)
	}
	defer b.Close()
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(a, bufA)
		nb, errB := io.ReadFull(b, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return fmt.Errorf("write %s: %w", path, ErrExists)
		}
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		switch {
		case endA && endB:
			return nil
		case errA != nil && !endA:
			return fmt.Errorf("read %s: %w", path, errA)
		case errB != nil && !endB:
			return fmt.Errorf("read %s: %w", tmp, errB)
		case endA != endB:
			return fmt.Errorf("write %s: %w", path, ErrExists)
		}
	}
}

func syncDir(dir string) error {
	if !dirSync {
		return nil
	}
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

// tempInfix separates the final name from the writer's PID and a random
// suffix in a temp file name: .NAME.tmp-PID-RANDOM (before PIDs were
// recorded: .NAME.tmp-RANDOM).
const tempInfix = ".tmp-"

// Stale ages: a temp file of a writer that is no longer running is removed
// once it is StaleDeadAge old (a writer in another PID namespace may still
// be writing it, so never at once); any temp file, whoever wrote it, once
// it is StaleAge old (no write takes that long; PIDs are reused).
const (
	StaleDeadAge = time.Minute
	StaleAge     = time.Hour
)

// Stale is one temp file CleanStale removed, with why.
type Stale struct {
	Path string
	Size int64
	// PID is the writer's process ID, 0 when the name does not record one.
	PID int
}

// CleanStale removes the temp files of WriteNew and Replace in dir whose
// writer is gone: its PID (from the name) is not a running process and the
// file is at least StaleDeadAge old, or the file is at least StaleAge old.
// Files of this process are never touched. It returns what it removed, in
// name order; err reports a directory that cannot be read or a file that
// cannot be removed (the others are still removed).
func CleanStale(dir string, now time.Time) ([]Stale, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Stale
	var errs []error
	for _, de := range ents {
		name := de.Name()
		i := strings.LastIndex(name, tempInfix)
		if !strings.HasPrefix(name, ".") || i < 0 || !de.Type().IsRegular() {
			continue
		}
		pid := 0
		if p, _, ok := strings.Cut(name[i+len(tempInfix):], "-"); ok {
			pid, _ = strconv.Atoi(p)
		}
		if pid == os.Getpid() {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		age := now.Sub(fi.ModTime())
		dead := pid > 0 && !alive(pid) && age >= StaleDeadAge
		if !dead && age < StaleAge {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		out = append(out, Stale{Path: p, Size: fi.Size(), PID: pid})
	}
	return out, errors.Join(errs...)
}
