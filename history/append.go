package history

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// FileMode is the permission of a history file ksnap creates.
const FileMode = 0o644

// AppendOptions configure Append.
type AppendOptions struct {
	// NoSync skips the fsync after the write. Use it for bulk writes (a
	// rebuild into a new file) and call Sync once at the end; the default is
	// durable.
	NoSync bool
	// Log receives a warning for a torn last line; discarded when nil.
	Log *slog.Logger
}

// AppendResult is what Append did.
type AppendResult struct {
	// Lines is the number of records written.
	Lines int
	// Torn is set when the file did not end in a newline before the write.
	Torn *TornLine
}

// TornLine describes an unterminated fragment found at the end of a history
// file (a write interrupted by a crash or a full disk). Append never glues a
// record onto it: it starts the record on a new line, so the fragment stays
// one corrupt line that Load reports and skips.
type TornLine struct {
	Path string
	// Offset is the byte offset where the fragment starts.
	Offset int64
	// Size is the fragment's length in bytes.
	Size int64
}

// String describes the fragment in one line, naming the file and offset.
func (t *TornLine) String() string {
	return fmt.Sprintf("%s: byte %d: torn last line of %d bytes (no newline); the new record starts on a new line and the fragment is left as a corrupt line", t.Path, t.Offset, t.Size)
}

// maxReopen bounds how often Append retries when the file it locked was
// replaced by a concurrent Prune.
const maxReopen = 1000

// Append writes recs to the history file at path, one line per record,
// under an exclusive advisory lock on the file (flock on Unix, LockFileEx on
// Windows, via go-internal's lockedfile), then fsyncs unless opts.NoSync.
// The parent directory is created when missing.
//
// Each line is written whole in a single write call (records are batched
// into writes of at most 1 MiB, always ending at a line end). If the file
// does not end in a newline, a newline is written first and the torn
// fragment is reported in the result and through opts.Log.
func Append(path string, opts AppendOptions, recs ...Record) (AppendResult, error) {
	if len(recs) == 0 {
		return AppendResult{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return AppendResult{}, fmt.Errorf("create directory for %s: %w", path, err)
	}
	f, err := lockForAppend(path)
	if err != nil {
		return AppendResult{}, err
	}
	defer f.Close()

	var res AppendResult
	st, err := f.Stat()
	if err != nil {
		return res, fmt.Errorf("stat %s: %w", path, err)
	}
	var buf []byte
	if size := st.Size(); size > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return res, fmt.Errorf("read %s: %w", path, err)
		}
		if last[0] != '\n' {
			res.Torn = &TornLine{Path: path, Size: tornSize(f.File, size)}
			res.Torn.Offset = size - res.Torn.Size
			if opts.Log != nil {
				opts.Log.Warn("torn last line in history file", "path", path, "offset", res.Torn.Offset, "bytes", res.Torn.Size)
			}
			buf = append(buf, '\n')
		}
	}
	const flushAt = 1 << 20
	for i := range recs {
		buf = AppendJSON(buf, &recs[i])
		buf = append(buf, '\n')
		if len(buf) >= flushAt {
			if _, err := f.Write(buf); err != nil {
				return res, fmt.Errorf("write %s: %w", path, err)
			}
			buf = buf[:0]
		}
		res.Lines++
	}
	if len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			return res, fmt.Errorf("write %s: %w", path, err)
		}
	}
	if !opts.NoSync {
		if err := f.Sync(); err != nil {
			return res, fmt.Errorf("fsync %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return res, fmt.Errorf("close %s: %w", path, err)
	}
	return res, nil
}

// Sync fsyncs the history file at path (after Appends with NoSync).
func Sync(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return f.Close()
}

// lockForAppend opens path for appending and locks it exclusively. Prune
// replaces the file by renaming a new one over it; a writer that waited for
// the lock on the old file would append to an unlinked file, so after
// locking it checks that path still names the file it holds, and retries
// otherwise.
func lockForAppend(path string) (*lockedfile.File, error) {
	for range maxReopen {
		f, err := lockedfile.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		same, err := stillAt(f, path)
		if err != nil {
			f.Close()
			return nil, err
		}
		if same {
			return f, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: the file kept being replaced while waiting for its lock", path)
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

// tornSize returns the length of the unterminated fragment at the end of a
// file of the given size (which does not end in '\n'), scanning backwards.
func tornSize(f *os.File, size int64) int64 {
	const block = 64 << 10
	buf := make([]byte, block)
	end := size
	for end > 0 {
		start := max(end-block, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return size - end
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				return size - (start + int64(i) + 1)
			}
		}
		end = start
	}
	return size
}
