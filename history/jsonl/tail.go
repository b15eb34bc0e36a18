package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ksnap/ksnap/history"
)

// blockSize is the read size of Tail.
const blockSize = 64 << 10

// Tail returns the most recent n records matching f, oldest first. It
// reads the file backwards in 64 KiB blocks and stops as soon as it has
// enough records, so its cost depends on the records asked for, not on the
// file's size. With f.Until set, a binary search on time first finds where
// the records after Until begin (see Options.ReorderWindow), and the read
// starts there; with f.Since set, the read stops at the first record
// before Since minus the window. Corrupt lines are skipped, counted and
// reported, with their number from the end (after an Until seek: their
// byte offset only); they never abort the read. A missing file is an empty
// history.
func (s *Store) Tail(ctx context.Context, n int, f history.Filter) (*history.Loaded, error) {
	if n <= 0 {
		return nil, fmt.Errorf("limit %d: %w", n, history.ErrBadLimit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := s.path
	out := &history.Loaded{}
	file, size, err := s.openRead()
	if err != nil {
		return nil, err
	}
	if file == nil {
		return out, nil
	}
	defer file.Close()
	full := size
	if w := s.reorderWindow(); w >= 0 && !f.Until.IsZero() {
		// Records after Until (and its reorder window) need not be read.
		size = seekAfter(file, size, f.Until.Add(w))
	}
	cut := size < full
	// Reading backwards, a record before Since minus the window means
	// every record before it is before Since too.
	var stopBefore time.Time
	if w := s.reorderWindow(); w >= 0 && !f.Since.IsZero() {
		stopBefore = f.Since.Add(-w)
	}
	var ctxErr error
	err = scanBackward(file, size, blockSize, func(line []byte, fromEnd int, off int64, terminated bool, tooLong bool) bool {
		if fromEnd%1024 == 0 {
			if ctxErr = ctx.Err(); ctxErr != nil {
				return false
			}
		}
		lineErr := func(e error) history.LineError {
			le := history.LineError{Path: path, FromEnd: fromEnd, Offset: off, Err: e}
			if cut {
				le.FromEnd = 0 // counted from the seek point, not the end
			}
			return le
		}
		if tooLong {
			out.Corrupt.Add(lineErr(history.ErrLineTooLong), s.opts.Report)
			return true
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return true
		}
		rec, err := history.ParseLine(line)
		if err != nil {
			if !terminated {
				err = fmt.Errorf("%w: %v", history.ErrTorn, err)
			}
			out.Corrupt.Add(lineErr(err), s.opts.Report)
			return true
		}
		if !stopBefore.IsZero() && rec.Time.Before(stopBefore) {
			return false
		}
		if !f.Match(&rec) {
			return true
		}
		out.Records = append(out.Records, rec)
		return len(out.Records) < n
	})
	if ctxErr != nil {
		return nil, ctxErr
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	reverse(out.Records)
	reverse(out.Corrupt.Lines)
	return out, nil
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// scanBackward calls fn for each line of the first size bytes of f, last
// line first, with its 1-based number from the end and its byte offset. A
// final fragment without a newline is passed with terminated false. Lines
// longer than history.MaxLineSize are passed empty with tooLong true. fn returns
// false to stop. The line slice is only valid during the call.
func scanBackward(f io.ReaderAt, size int64, bs int64, fn func(line []byte, fromEnd int, off int64, terminated, tooLong bool) bool) error {
	if size == 0 {
		return nil
	}
	buf := make([]byte, bs)
	// carry holds the start of the file's bytes after pos that belong to a
	// line whose beginning lies before pos.
	var carry []byte
	tooLong := false
	pos := size
	fromEnd := 0
	terminated := true
	// Check the last byte: if it is '\n' it ends the last line, which then
	// does not make an empty extra line.
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		pos = size - 1
	} else {
		terminated = false
	}
	for pos > 0 {
		start := max(pos-bs, 0)
		chunk := buf[:pos-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		end := len(chunk)
		for i := end - 1; i >= 0; i-- {
			if chunk[i] != '\n' {
				continue
			}
			var line []byte
			if len(carry) > 0 || tooLong {
				line = append(chunk[i+1:end:end], carry...)
			} else {
				line = chunk[i+1 : end]
			}
			fromEnd++
			tl := tooLong || len(line) > history.MaxLineSize
			if tl {
				line = nil
			}
			if !fn(line, fromEnd, start+int64(i)+1, terminated, tl) {
				return nil
			}
			carry, tooLong, terminated = carry[:0], false, true
			end = i
		}
		// chunk[:end] is the tail of a line that starts in an earlier block.
		if !tooLong {
			if len(carry)+end > history.MaxLineSize {
				tooLong, carry = true, carry[:0]
			} else {
				carry = append(append(make([]byte, 0, end+len(carry)), chunk[:end]...), carry...)
			}
		}
		pos = start
	}
	if len(carry) > 0 || tooLong {
		fromEnd++
		fn(carry, fromEnd, 0, terminated, tooLong)
	}
	return nil
}
