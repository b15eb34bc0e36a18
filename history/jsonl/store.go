// Package jsonl is the history store in a JSONL file, one record per line,
// as ksnap record and the old tool write it: history.Store's first
// implementation.
//
// It owns the file's concurrency and crash rules: appends under an
// exclusive advisory lock with a deadline, one whole line per write, a torn
// last line never glued onto, a failed write truncated away; reads that
// skip and report corrupt lines; a prune that replaces the file atomically
// under the same lock. It must not print, render or know about commands:
// diagnostics go to the Reporter the caller passes.
package jsonl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/internal/regfile"
	"github.com/rogpeppe/go-internal/lockedfile"
)

// FileMode is the permission of a history file the store creates.
const FileMode = 0o644

// DefaultLockTimeout is how long a writer waits for the file's lock when
// Options.LockTimeout is 0.
const DefaultLockTimeout = 30 * time.Second

// ErrLockTimeout matches (errors.Is) the LockError a writer returns when
// the lock stayed held by another process for the whole LockTimeout.
var ErrLockTimeout = errors.New("history lock timeout")

// LockError says that the file's lock stayed held for the whole timeout.
type LockError struct {
	Path    string
	Timeout time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%s: the lock is held by another process; gave up after %s", e.Path, e.Timeout)
}

// Is makes errors.Is(err, ErrLockTimeout) true.
func (e *LockError) Is(target error) bool { return target == ErrLockTimeout }

// LockWait is what a writer reports (once) when it has waited
// LockWaitNotice for the lock: another process holds it. The lock (flock)
// does not say which process.
type LockWait struct {
	Path    string
	Timeout time.Duration
}

func (e *LockWait) Error() string {
	return fmt.Sprintf("%s: waiting for the lock, which another process holds (giving up after %s)", e.Path, e.Timeout)
}

// LockWaitNotice is how long a writer waits for the lock before it
// reports a LockWait.
const LockWaitNotice = time.Second

// Options configure a Store.
type Options struct {
	// NoSync skips the fsync after each Append. Use it for bulk writes (a
	// rebuild into a new file) and call Sync once at the end; the default
	// is durable.
	NoSync bool
	// Report receives the corrupt lines and torn tails met, as they are
	// met (at most history.MaxReported per call); nil discards them.
	Report history.Reporter
	// LockTimeout bounds the wait of Append and Prune for the file's lock;
	// 0 means DefaultLockTimeout, negative is not allowed.
	LockTimeout time.Duration
	// ReorderWindow is how far out of time order the file's lines may be
	// for a read with Filter.Since or Filter.Until to skip by time (0:
	// DefaultReorderWindow; negative: never skip, read the whole file).
	// Lines are appended at capture time, so a file is in time order up to
	// clock skew and late records: a read assumes that no record is more
	// than ReorderWindow later than any record after it in the file. A
	// record further out of order than that, beyond the point where the
	// read starts (Since) or stops (Until), is missed.
	ReorderWindow time.Duration
}

// Store is a history file. Open does not touch the file: a missing file
// reads as an empty history and is created by the first Append (with its
// parent directory). A Store holds no open file between calls, so Close
// only marks it closed; any number of Stores and processes may use the same
// file at once.
type Store struct {
	path string
	opts Options
	// wrap, when set (tests), wraps the locked file Append writes to.
	wrap func(appendFile) appendFile
}

// Open returns the store of the history file at path.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("history file: empty path")
	}
	if opts.LockTimeout < 0 {
		return nil, fmt.Errorf("%s: lock timeout %s must not be negative", path, opts.LockTimeout)
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	return &Store{path: path, opts: opts}, nil
}

// String is the file's path.
func (s *Store) String() string { return s.path }

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Close releases nothing (the store holds no file between calls).
func (s *Store) Close() error { return nil }

// Sync fsyncs the file (after Appends with NoSync).
func (s *Store) Sync() error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", s.path, err)
	}
	return f.Close()
}

var _ history.Store = (*Store)(nil)

// maxReopen bounds how often a writer retries when the file it locked was
// replaced by a concurrent Prune.
const maxReopen = 1000

// lock opens the file for appending and locks it exclusively, waiting at
// most LockTimeout in all and returning promptly when ctx is done. Prune
// replaces the file by renaming a new one over it; a writer that waited for
// the lock on the old file would append to an unlinked file, so after
// locking it checks that the path still names the file it holds, and
// retries otherwise.
func (s *Store) lock(ctx context.Context) (*lockedfile.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	deadline := time.NewTimer(s.opts.LockTimeout)
	defer deadline.Stop()
	notice := time.NewTimer(LockWaitNotice)
	defer notice.Stop()
	for range maxReopen {
		f, err := s.lockOnce(ctx, deadline.C, notice.C)
		if err != nil {
			return nil, err
		}
		same, err := stillAt(f, s.path)
		if err != nil {
			f.Close()
			return nil, err
		}
		if same {
			return f, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: the file kept being replaced while waiting for its lock", s.path)
}

// lockOnce waits for one lockedfile.OpenFile. The blocking lock call cannot
// be interrupted, so on a timeout or cancel it is left to finish in its
// goroutine, which then releases the lock at once.
func (s *Store) lockOnce(ctx context.Context, deadline, notice <-chan time.Time) (*lockedfile.File, error) {
	type result struct {
		f   *lockedfile.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := lockedfile.OpenFile(s.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
		done <- result{f, err}
	}()
	abandon := func() {
		go func() {
			if r := <-done; r.f != nil {
				r.f.Close()
			}
		}()
	}
	for {
		select {
		case r := <-done:
			if r.err != nil {
				return nil, fmt.Errorf("open %s: %w", s.path, r.err)
			}
			return r.f, nil
		case <-notice:
			if s.opts.Report != nil {
				s.opts.Report(&LockWait{Path: s.path, Timeout: s.opts.LockTimeout})
			}
		case <-deadline:
			abandon()
			return nil, &LockError{Path: s.path, Timeout: s.opts.LockTimeout}
		case <-ctx.Done():
			abandon()
			return nil, fmt.Errorf("%s: waiting for the lock: %w", s.path, ctx.Err())
		}
	}
}

func stillAt(f *lockedfile.File, path string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	now, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	return os.SameFile(held, now), nil
}

// openRead opens the file for reading; a missing file gives nil, nil. It
// refuses anything but a regular file (a FIFO would block the reader) and
// returns the size at a moment when no append was in progress: appends
// write whole lines under the exclusive lock, so taking the shared lock
// for an instant makes everything below that size whole lines (or the torn
// tail a crash left). Readers then read only up to that size: a line being
// appended meanwhile is not half-read as corrupt, and no reader holds the
// lock while it reads.
func (s *Store) openRead() (*os.File, int64, error) {
	f, err := regfile.Open(s.path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nil, 0, fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	if err != nil {
		return nil, 0, err
	}
	quiesce(f, s.opts.LockTimeout)
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("stat %s: %w", s.path, err)
	}
	return f, st.Size(), nil
}
