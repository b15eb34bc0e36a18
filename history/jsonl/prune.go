package jsonl

import (
	"bufio"
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
//
// Prune streams: its memory does not grow with the file. With KeepLast it
// reads the file twice (the first pass counts the valid records), without
// it once; each pass is Scan's parallel forward read, and kept lines go
// from the pass's blocks straight to the new file.
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
	size := st.Size()
	res := &history.PruneResult{BytesBefore: size}
	all := &scanFilter{f: &history.Filter{}}
	valid := 0
	if opts.KeepLast > 0 {
		err := scanBlocks(ctx, f, 0, size, path, all, func(b *block, _ int) error {
			valid += len(b.recs)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	var tmp *atomicfile.Temp
	var dst io.Writer = io.Discard
	if !opts.DryRun {
		if tmp, err = atomicfile.CreateTemp(path, st.Mode().Perm()); err != nil {
			return nil, err
		}
		defer func() {
			if tmp != nil {
				tmp.Abort()
			}
		}()
		dst = tmp
	}
	out := &countWriter{w: bufio.NewWriterSize(dst, 1<<20)}
	seenValid := 0
	keptAny := false
	err = scanBlocks(ctx, f, 0, size, path, all, func(b *block, line int) error {
		// A block's corrupt lines and records, merged by offset: file order.
		ri, ei := 0, 0
		for ri < len(b.recs) || ei < len(b.errs) {
			if ei < len(b.errs) && (ri == len(b.recs) || b.errs[ei].Offset < b.offs[ri]) {
				e := b.errs[ei]
				ei++
				e.Line += line - 1
				res.Corrupt.Add(e, s.opts.Report)
				if !keptAny {
					res.CorruptRemoved++
					continue
				}
				res.CorruptKept++
				if b.tooLong {
					// The line is not in memory: copy it from the file.
					if err := copyLine(out, f, path, e.Offset, size); err != nil {
						return err
					}
					continue
				}
				out.line(lineAt(b, e.Offset))
				continue
			}
			r, off := &b.recs[ri], b.offs[ri]
			ri++
			keep := opts.Keeps(seenValid, valid, r.Time)
			seenValid++
			if !keep {
				res.Removed++
				continue
			}
			if !keptAny || r.Time.Before(res.Oldest) {
				res.Oldest = r.Time
			}
			keptAny = true
			res.Kept++
			out.line(lineAt(b, off))
		}
		if out.err != nil {
			return fmt.Errorf("write %s: %w", path, out.err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := out.flush(); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	res.BytesAfter = out.n
	if opts.DryRun || (res.Removed == 0 && res.CorruptRemoved == 0 && res.BytesAfter == res.BytesBefore) {
		return res, nil
	}
	t := tmp
	tmp = nil
	if err := t.Replace(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", path, err)
	}
	return res, nil
}

// lineAt is the line of b that starts at file offset off, without its
// newline.
func lineAt(b *block, off int64) []byte {
	l := b.data[off-b.offset:]
	if i := bytes.IndexByte(l, '\n'); i >= 0 {
		l = l[:i]
	}
	return l
}

// copyLine copies the line at off (up to its newline or size) from f to
// out, with a newline.
func copyLine(out *countWriter, f io.ReaderAt, path string, off, size int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, size-off), 1<<16)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			chunk = chunk[:len(chunk)-1]
			err = io.EOF
		}
		if err == io.EOF {
			out.line(chunk)
			return nil
		}
		out.write(chunk)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// countWriter writes through a bufio.Writer, counting bytes and keeping
// the first error.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) write(p []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
}

func (c *countWriter) line(p []byte) {
	c.write(p)
	if c.err == nil {
		c.err = c.w.WriteByte('\n')
		c.n++
	}
}

func (c *countWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}
