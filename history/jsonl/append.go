package jsonl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/history"
)

// appendFile is what Append does to the locked file after reading its end:
// the seam tests use to make a write or fsync fail.
type appendFile interface {
	Write(b []byte) (int, error)
	Sync() error
	Truncate(size int64) error
}

// Append writes recs to the file, one line per record, under an exclusive
// advisory lock on the file (flock on Unix, LockFileEx on Windows, via
// go-internal's lockedfile), then fsyncs unless NoSync. The parent
// directory is created when missing.
//
// Each line is written whole in a single write call (records are batched
// into writes of at most 1 MiB, always ending at a line end). If the file
// does not end in a newline, a newline is written first and the torn
// fragment is reported in the result and to the Reporter. If a write or the
// fsync fails (a full disk, an I/O error), the file is truncated back to
// its size before the call, so no partial line stays behind, and the error
// is returned.
func (s *Store) Append(ctx context.Context, recs ...history.Record) (history.AppendResult, error) {
	if len(recs) == 0 {
		return history.AppendResult{}, nil
	}
	path := s.path
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return history.AppendResult{}, fmt.Errorf("create directory for %s: %w", path, err)
	}
	lf, err := s.lock(ctx)
	if err != nil {
		return history.AppendResult{}, err
	}
	defer lf.Close()

	var res history.AppendResult
	st, err := lf.Stat()
	if err != nil {
		return res, fmt.Errorf("stat %s: %w", path, err)
	}
	size := st.Size()
	var buf []byte
	if size > 0 {
		var last [1]byte
		if _, err := lf.ReadAt(last[:], size-1); err != nil {
			return res, fmt.Errorf("read %s: %w", path, err)
		}
		if last[0] != '\n' {
			res.Torn = &history.TornLine{Path: path, Size: tornSize(lf.File, size)}
			res.Torn.Offset = size - res.Torn.Size
			if s.opts.Report != nil {
				s.opts.Report(res.Torn)
			}
			buf = append(buf, '\n')
		}
	}
	var f appendFile = lf.File
	if s.wrap != nil {
		f = s.wrap(f)
	}
	// undo truncates what this call wrote, so a failed write leaves the
	// file as it was (the torn fragment included).
	undo := func(op string, err error) error {
		err = fmt.Errorf("%s %s: %w", op, path, err)
		if terr := f.Truncate(size); terr != nil {
			return errors.Join(err, fmt.Errorf("truncate %s back to %d bytes: %w", path, size, terr))
		}
		return err
	}
	const flushAt = 1 << 20
	for i := range recs {
		buf = history.AppendJSON(buf, &recs[i])
		buf = append(buf, '\n')
		if len(buf) >= flushAt {
			if _, err := f.Write(buf); err != nil {
				return history.AppendResult{Torn: res.Torn}, undo("write", err)
			}
			buf = buf[:0]
		}
		res.Lines++
	}
	if len(buf) > 0 {
		if _, err := f.Write(buf); err != nil {
			return history.AppendResult{Torn: res.Torn}, undo("write", err)
		}
	}
	if !s.opts.NoSync {
		if err := f.Sync(); err != nil {
			return history.AppendResult{Torn: res.Torn}, undo("fsync", err)
		}
	}
	if err := lf.Close(); err != nil {
		return res, fmt.Errorf("close %s: %w", path, err)
	}
	return res, nil
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
