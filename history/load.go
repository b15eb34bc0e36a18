package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// MaxLineSize caps one history line. A longer line is reported as corrupt
// and skipped without being held in memory.
const MaxLineSize = 16 << 20

// MaxReported caps the corrupt lines kept with their details in a result;
// all of them are counted.
const MaxReported = 100

// blockSize is the read size for both directions.
const blockSize = 64 << 10

// ErrBadLimit is returned (wrapped) for a limit or window that is not positive.
var ErrBadLimit = errors.New("must be a positive number of records")

// LineError is one corrupt line: where it is and what is wrong with it.
//
// Load reads backwards and does not know how many lines precede a line, so
// it gives FromEnd (1 is the last line of the file) and the byte Offset of
// the line's start; Summarize reads forwards and gives Line (1 is the first
// line). Either way Offset is exact: `tail -c +$((Offset+1)) FILE | head -1`
// prints the line.
type LineError struct {
	Path string
	// Line is the 1-based line number from the start of the file, 0 if unknown.
	Line int
	// FromEnd is the 1-based line number counted from the end, 0 if unknown.
	FromEnd int
	// Offset is the byte offset of the line's first byte.
	Offset int64
	Err    error
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: line %d from the end (byte %d): %v", e.Path, e.FromEnd, e.Offset, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrTorn is the LineError cause for an unterminated last line that is not
// a valid record (a torn write, or one still in progress).
var ErrTorn = errors.New("unterminated last line (torn or still being written)")

// ErrLineTooLong is the LineError cause for a line over MaxLineSize.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineSize)

// Corrupt collects the corrupt lines met by a load or summary.
type Corrupt struct {
	// Count is the number of corrupt lines.
	Count int
	// Lines holds the first MaxReported of them (Load: nearest the end first
	// reversed into file order; Summarize: in file order).
	Lines []LineError
}

func (c *Corrupt) add(e LineError, log *slog.Logger) {
	c.Count++
	if len(c.Lines) < MaxReported {
		c.Lines = append(c.Lines, e)
	}
	if log != nil && c.Count <= MaxReported {
		log.Warn("skipped corrupt history line", "error", e.Error())
	}
}

// Filter selects records. Zero fields select everything.
type Filter struct {
	// Namespace and Selector match exactly when not empty.
	Namespace string
	Selector  string
	// Since and Until bound Time, inclusive, when not zero.
	Since time.Time
	Until time.Time
}

// Match reports whether r passes the filter.
func (f *Filter) Match(r *Record) bool {
	if f.Namespace != "" && r.Namespace != f.Namespace {
		return false
	}
	if f.Selector != "" && r.Selector != f.Selector {
		return false
	}
	if !f.Since.IsZero() && r.Time.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && r.Time.After(f.Until) {
		return false
	}
	return true
}

// LoadOptions configure Load.
type LoadOptions struct {
	// Limit is the number of records to return (the most recent matching
	// ones). It must be positive: there is no "0 means all".
	Limit  int
	Filter Filter
	// Log receives one warning per corrupt line (up to MaxReported); discarded when nil.
	Log *slog.Logger
}

// Loaded is the result of Load.
type Loaded struct {
	// Records are the most recent matching records, oldest first (file order).
	Records []Record
	// Corrupt are the corrupt lines met while reading back to the oldest
	// returned record; lines further back were not read.
	Corrupt Corrupt
}

// LoadRecent returns the last n records of the history file at path, oldest
// first. It is Load with only a limit.
func LoadRecent(path string, n int) (*Loaded, error) {
	return Load(path, LoadOptions{Limit: n})
}

// Load returns the most recent opts.Limit records matching opts.Filter,
// oldest first. It reads the file backwards in 64 KiB blocks and stops as
// soon as it has enough records, so its cost depends on the records asked
// for, not on the file's size. Corrupt lines are skipped, counted and
// reported; they never abort the load. A missing file is an empty history.
func Load(path string, opts LoadOptions) (*Loaded, error) {
	if opts.Limit <= 0 {
		return nil, fmt.Errorf("limit %d: %w", opts.Limit, ErrBadLimit)
	}
	out := &Loaded{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	var rec Record
	err = scanBackward(f, st.Size(), blockSize, func(line []byte, fromEnd int, off int64, terminated bool, tooLong bool) bool {
		lineErr := func(e error) LineError {
			return LineError{Path: path, FromEnd: fromEnd, Offset: off, Err: e}
		}
		if tooLong {
			out.Corrupt.add(lineErr(ErrLineTooLong), opts.Log)
			return true
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return true
		}
		rec.Jobs = nil
		if err := parseInto(&rec, bytes.TrimSpace(line), false); err != nil {
			if !terminated {
				err = fmt.Errorf("%w: %v", ErrTorn, err)
			}
			out.Corrupt.add(lineErr(err), opts.Log)
			return true
		}
		if !opts.Filter.Match(&rec) {
			return true
		}
		out.Records = append(out.Records, rec)
		return len(out.Records) < opts.Limit
	})
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
// longer than MaxLineSize are passed empty with tooLong true. fn returns
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
			tl := tooLong || len(line) > MaxLineSize
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
			if len(carry)+end > MaxLineSize {
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
