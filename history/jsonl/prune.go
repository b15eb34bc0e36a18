package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/internal/atomicfile"
)

// Prune rewrites the file without the records outside the policy. Kept
// lines are copied byte for byte (old-tool lines stay as they were). The
// rewrite is atomic and happens under the same exclusive lock as Append
// (waiting at most LockTimeout): a new file is written next to it, fsynced
// and renamed over it, so a reader sees either the old or the new file,
// and appenders waiting for the lock reopen the new one. A missing file
// prunes to nothing. Corrupt lines are kept unless they come before the
// first kept record, and reported.
func (s *Store) Prune(ctx context.Context, opts history.PrunePolicy) (*history.PruneResult, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	path := s.path
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return &history.PruneResult{}, nil
	}
	f, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A prune that died mid-rewrite (kill -9, power loss) left its temp copy
	// of the history beside it: remove it now, and say so.
	stale, _ := atomicfile.CleanStale(filepath.Dir(path), time.Now())
	for _, st := range stale {
		if s.opts.Report != nil {
			s.opts.Report(fmt.Errorf("%s: removed the temp file of an interrupted write (%d bytes)", st.Path, st.Size))
		}
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	res := &history.PruneResult{BytesBefore: int64(len(data))}

	type line struct {
		b     []byte
		start int64
		valid bool
		t     time.Time
	}
	var lines []line
	valid := 0
	var rec history.Record
	var parser history.Parser
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
		parser.Reset()
		if err := parser.Parse(&rec, bytes.TrimSpace(raw), true); err != nil {
			if end < 0 {
				err = fmt.Errorf("%w: %v", history.ErrTorn, err)
			}
			res.Corrupt.Add(history.LineError{Path: path, Line: n, Offset: l.start, Err: err}, s.opts.Report)
		} else {
			l.valid, l.t = true, rec.Time
			valid++
		}
		lines = append(lines, l)
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
		keep := opts.Keeps(seenValid, valid, l.t)
		seenValid++
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
