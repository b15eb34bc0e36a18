package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ksnap/ksnap/internal/atomicfile"
)

// PruneOptions select the records Prune keeps. At least one of KeepLast and
// OlderThan must be set; with both, a record must pass both to be kept.
type PruneOptions struct {
	// KeepLast keeps the last KeepLast records (0: no such limit).
	KeepLast int
	// OlderThan removes records whose time is before Now minus OlderThan
	// (0: no such limit).
	OlderThan time.Duration
	// Now is the reference time for OlderThan.
	Now time.Time
	// DryRun computes the result without touching the file.
	DryRun bool
	// Log receives one warning per corrupt line (up to MaxReported); discarded when nil.
	Log *slog.Logger
}

// PruneResult says what Prune kept and removed.
type PruneResult struct {
	// Kept and Removed count valid records.
	Kept    int
	Removed int
	// CorruptKept and CorruptRemoved count corrupt lines. A corrupt line is
	// removed only when it comes before the first kept record.
	CorruptKept    int
	CorruptRemoved int
	// Oldest is the time of the oldest kept record, zero if none is kept.
	Oldest time.Time
	// Corrupt lists the corrupt lines met (with real line numbers).
	Corrupt Corrupt
	// BytesBefore and BytesAfter are the file's sizes.
	BytesBefore int64
	BytesAfter  int64
}

// ErrNoPolicy is returned by Prune when neither KeepLast nor OlderThan is set.
var ErrNoPolicy = errors.New("nothing to prune by: set keep-last or older-than")

// Prune rewrites the history file at path without the records outside the
// policy. Kept lines are copied byte for byte (old-tool lines stay as they
// were). The rewrite is atomic and happens under the same exclusive lock as
// Append: a new file is written next to it, fsynced and renamed over it, so
// a reader sees either the old or the new file, and appenders waiting for
// the lock reopen the new one. A missing file prunes to nothing.
func Prune(path string, opts PruneOptions) (*PruneResult, error) {
	if opts.KeepLast < 0 || opts.OlderThan < 0 {
		return nil, fmt.Errorf("keep-last and older-than must not be negative")
	}
	if opts.KeepLast == 0 && opts.OlderThan == 0 {
		return nil, ErrNoPolicy
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return &PruneResult{}, nil
	}
	f, err := lockForAppend(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	res := &PruneResult{BytesBefore: int64(len(data))}

	type line struct {
		b     []byte
		start int64
		valid bool
		t     time.Time
	}
	var lines []line
	valid := 0
	var rec Record
	for off, n := 0, 1; off < len(data); n++ {
		end := bytes.IndexByte(data[off:], '\n')
		var raw []byte
		if end < 0 {
			raw = data[off:]
		} else {
			raw = data[off : off+end]
		}
		l := line{b: raw, start: int64(off)}
		off += len(raw) + 1
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		rec.Jobs = nil
		if err := parseInto(&rec, bytes.TrimSpace(raw), true); err != nil {
			if end < 0 {
				err = fmt.Errorf("%w: %v", ErrTorn, err)
			}
			res.Corrupt.add(LineError{Path: path, Line: n, Offset: l.start, Err: err}, opts.Log)
		} else {
			l.valid, l.t = true, rec.Time
			valid++
		}
		lines = append(lines, l)
	}
	cutoff := time.Time{}
	if opts.OlderThan > 0 {
		cutoff = opts.Now.Add(-opts.OlderThan)
	}
	var out bytes.Buffer
	seenValid := 0
	keptAny := false
	for _, l := range lines {
		if !l.valid {
			if keptAny {
				res.CorruptKept++
				out.Write(l.b)
				out.WriteByte('\n')
			} else {
				res.CorruptRemoved++
			}
			continue
		}
		seenValid++
		keep := true
		if opts.KeepLast > 0 && valid-seenValid >= opts.KeepLast {
			keep = false
		}
		if !cutoff.IsZero() && l.t.Before(cutoff) {
			keep = false
		}
		if !keep {
			res.Removed++
			continue
		}
		if !keptAny || l.t.Before(res.Oldest) {
			res.Oldest = l.t
		}
		keptAny = true
		res.Kept++
		out.Write(l.b)
		out.WriteByte('\n')
	}
	res.BytesAfter = int64(out.Len())
	if opts.DryRun || (res.Removed == 0 && res.CorruptRemoved == 0 && res.BytesAfter == res.BytesBefore) {
		return res, nil
	}
	if err := atomicfile.Replace(path, out.Bytes(), st.Mode().Perm()); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", path, err)
	}
	return res, nil
}
