package jsonl

import (
	"bytes"
	"io"
	"time"

	"github.com/ksnap/ksnap/history"
)

// DefaultReorderWindow is Options.ReorderWindow when it is 0.
const DefaultReorderWindow = 24 * time.Hour

// reorderWindow is the window the time seeks assume; negative: no seeks.
func (s *Store) reorderWindow() time.Duration {
	if s.opts.ReorderWindow == 0 {
		return DefaultReorderWindow
	}
	return s.opts.ReorderWindow
}

// seekGap is where the binary searches on time stop: a range this short is
// read rather than searched further.
const seekGap = 64 << 10

// seekProbe is how much a probe reads to find one whole line.
const seekProbe = 16 << 10

// seekBefore returns the offset of a line start from which a forward read
// sees every record at or after t, in a file in time order up to the
// reorder window (see Options.ReorderWindow), with t the wanted time minus
// that window: the start of a line whose record is before t, found by
// binary search, or 0. Every record before such a line is then before the
// wanted time. A probe that finds no parsable record counts as "not before
// t", which only makes the read longer.
func seekBefore(f io.ReaderAt, size int64, t time.Time) int64 {
	lo, hi := int64(0), size
	for hi-lo > seekGap {
		mid := lo + (hi-lo)/2
		start, _, rt, ok := probe(f, mid, hi)
		if ok && rt.Before(t) {
			lo = start
		} else {
			hi = mid
		}
	}
	return lo
}

// seekAfter returns an offset at a line start such that no record from
// there on is at or before the wanted time, with t that time plus the
// reorder window: the start of a line
// whose record is after t, found by binary search, or size.
func seekAfter(f io.ReaderAt, size int64, t time.Time) int64 {
	lo, hi := int64(0), size
	for hi-lo > seekGap {
		mid := lo + (hi-lo)/2
		start, end, rt, ok := probe(f, mid, hi)
		switch {
		case ok && rt.After(t):
			hi = start
		case end > mid:
			lo = end
		default:
			lo = mid + 1
		}
	}
	return hi
}

// probe finds the first whole line starting after offset at (a line that
// starts exactly at at is skipped: at may be inside it) and before limit,
// and parses it; it tries a few lines. It returns the line's start and end
// (after its newline) and its record's time; ok is false when no record
// was found within seekProbe bytes.
func probe(f io.ReaderAt, at, limit int64) (start, end int64, t time.Time, ok bool) {
	buf := make([]byte, min(seekProbe, limit-at))
	n, err := f.ReadAt(buf, at)
	if err != nil && err != io.EOF {
		return 0, at, t, false
	}
	buf = buf[:n]
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		return 0, at, t, false
	}
	pos := i + 1
	for pos < len(buf) {
		j := bytes.IndexByte(buf[pos:], '\n')
		if j < 0 {
			break
		}
		line := bytes.TrimSpace(buf[pos : pos+j])
		if len(line) > 0 {
			if rec, err := history.ParseLine(line); err == nil {
				return at + int64(pos), at + int64(pos+j+1), rec.Time, true
			}
		}
		pos += j + 1
	}
	return 0, at + int64(pos), t, false
}
