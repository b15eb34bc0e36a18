package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/ksnap/ksnap/history"
)

// block is a run of whole lines handed to a parse worker. Blocks are
// recycled once delivered: the records, their job and rule slices and their
// strings (which point into data) must not be kept past Scan's fn, which is
// Scan's contract.
type block struct {
	buf        []byte // backing array of data, reused
	data       []byte
	offset     int64 // file offset of data[0]
	lines      int   // number of lines in data, counted by the worker
	terminated bool  // false: data is a final fragment without '\n'
	tooLong    bool  // data is empty; the line it stands for exceeded history.MaxLineSize
	recs       []history.Record
	offs       []int64 // offs[i] is the file offset of recs[i]'s line
	pastEnd    bool    // a record after the filter's stopAfter ended the block
	parser     history.Parser
	errs       []history.LineError // Line counts from 1 at the block's first line
	done       chan struct{}
}

// forwardBlock is the read size of the forward pass: large enough that the
// per-block hand-offs cost nothing, small enough that the blocks in flight
// stay in the caches (4 MiB blocks measured twice as slow as 256 KiB).
const forwardBlock = 1 << 18

// forwardSlack is the granularity of block buffers (see newBlock).
const forwardSlack = 64 << 10

// Scan calls fn for every record matching f, in file order. The file is
// read forwards in 256 KiB blocks that GOMAXPROCS workers parse in
// parallel; fn runs on the calling goroutine, block after block, so records
// arrive in file order. The record passed to fn points into a block that is
// reused once fn has seen the block's records: fn must clone what it keeps.
// Corrupt lines are skipped, counted and reported with their real line
// numbers. A missing file is an empty history. An error from fn, or ctx
// being done (checked between blocks), stops the scan and is returned as is.
//
// With f.Since or f.Until set, the scan reads only the part of the file
// that can hold them, assuming the file is in time order up to
// Options.ReorderWindow (see there): it starts at a line found by a binary
// search on time, and stops at the first record later than Until plus the
// window. Corrupt lines met after a seek have no line number (their byte
// offset is exact).
func (s *Store) Scan(ctx context.Context, f history.Filter, fn func(*history.Record) error) (history.Corrupt, error) {
	var corrupt history.Corrupt
	if err := ctx.Err(); err != nil {
		return corrupt, err
	}
	file, size, err := s.openRead()
	if err != nil || file == nil {
		return corrupt, err
	}
	defer file.Close()
	var start int64
	var stopAfter time.Time
	if w := s.reorderWindow(); w >= 0 {
		if !f.Since.IsZero() {
			start = seekBefore(file, size, f.Since.Add(-w))
		}
		if !f.Until.IsZero() {
			stopAfter = f.Until.Add(w)
		}
	}
	err = scanBlocks(ctx, file, start, size, s.path, &scanFilter{f: &f, stopAfter: stopAfter}, func(b *block, line int) error {
		for _, e := range b.errs {
			if line > 0 {
				e.Line += line - 1
			} else {
				e.Line = 0
			}
			corrupt.Add(e, s.opts.Report)
		}
		for i := range b.recs {
			if err := fn(&b.recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return corrupt, err
}

// scanFilter is what the parse workers select by: f, and (when not zero)
// stopAfter, the time past which a record ends the scan.
type scanFilter struct {
	f         *history.Filter
	stopAfter time.Time
}

// scanBlocks reads the bytes [start, size) of file, which start at a line,
// in blocks of whole lines that GOMAXPROCS workers parse, and calls visit
// for each block in file order on the calling goroutine, with the number of
// the block's first line (0 when start > 0: unknown). A block's records
// (b.recs, their offsets b.offs) are those matching sf; its corrupt lines
// are b.errs, numbered from 1 at the block's first line. The block is
// reused after visit returns. An error from visit, or ctx being done,
// stops the scan and is returned as is; so does a record past
// sf.stopAfter, silently.
func scanBlocks(ctx context.Context, file io.ReaderAt, start, size int64, path string, sf *scanFilter, visit func(b *block, line int) error) error {
	in := io.NewSectionReader(file, start, size-start)
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *block, workers)
	ordered := make(chan *block, 2*workers)
	// free holds delivered blocks for reuse; the reader allocates when it
	// is empty, so at most about len(ordered)+workers+2 blocks ever exist.
	free := make(chan *block, 4*workers)
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		readErr <- splitBlocks(in, start, path, work, ordered, free, stop)
		close(work)
		close(ordered)
	}()
	for range workers {
		go func() {
			for b := range work {
				parseBlock(b, path, sf)
				close(b.done)
			}
		}()
	}
	// halt stops the reader and waits until it is done with the file, so
	// that the caller's Close never races a read. Workers may still parse
	// the blocks queued for them; they touch no file.
	halt := func() {
		close(stop)
		for range ordered {
		}
		<-readErr
	}
	line := 1 // number of the next block's first line
	if start > 0 {
		line = 0
	}
	for b := range ordered {
		<-b.done
		if err := ctx.Err(); err != nil {
			halt()
			return err
		}
		if err := visit(b, line); err != nil {
			halt()
			return err
		}
		if line > 0 {
			line += b.lines
		}
		if b.pastEnd {
			halt()
			return nil
		}
		select {
		case free <- b:
		default:
		}
	}
	return <-readErr
}

// newBlock returns a recycled block, or a new one, with a buffer of at
// least n bytes.
func newBlock(free <-chan *block, n int) *block {
	var b *block
	select {
	case b = <-free:
		b.recs, b.offs, b.errs = b.recs[:0], b.offs[:0], b.errs[:0]
		b.parser.Reset()
		b.tooLong, b.pastEnd, b.lines = false, false, 0
	default:
		b = &block{}
	}
	if n > 0 && cap(b.buf) < n {
		// Round up with room to spare: the carried-over start of a cut line
		// varies from block to block, and a buffer exactly one block long
		// would be too short for the next one about half the time.
		b.buf = make([]byte, (n+2*forwardSlack-1)/forwardSlack*forwardSlack)
	}
	b.buf = b.buf[:cap(b.buf)]
	b.done = make(chan struct{})
	return b
}

// splitBlocks reads f forwards and sends blocks of whole lines, in order, to
// both channels.
func splitBlocks(f io.Reader, offset int64, path string, work, ordered chan<- *block, free <-chan *block, stop <-chan struct{}) error {
	send := func(b *block) bool {
		select {
		case ordered <- b:
		case <-stop:
			return false
		}
		select {
		case work <- b:
		case <-stop:
			return false
		}
		return true
	}
	var pending []byte // a copy of the start of a line cut by the last read
	// offset is the file offset of pending[0].
	skipping := false // inside an over-long line
	for {
		b := newBlock(free, len(pending)+forwardBlock)
		data := b.buf[:cap(b.buf)]
		copy(data, pending)
		n, err := io.ReadFull(f, data[len(pending):])
		data = data[:len(pending)+n]
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if skipping {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				offset += int64(len(data))
				pending = pending[:0]
				if eof {
					return nil
				}
				continue
			}
			skipping = false
			offset += int64(i + 1)
			data = data[i+1:]
		}
		cut := bytes.LastIndexByte(data, '\n') + 1
		// Keep the cut line's start before b goes to the workers: once
		// folded, b and its buffer are reused.
		pending = append(pending[:0], data[cut:]...)
		if cut > 0 {
			b.data, b.offset, b.terminated = data[:cut], offset, true
			offset += int64(cut)
			if !send(b) {
				return nil
			}
		}
		if len(pending) > history.MaxLineSize {
			tb := newBlock(free, 0)
			tb.data, tb.offset, tb.tooLong, tb.terminated = nil, offset, true, true
			if !send(tb) {
				return nil
			}
			offset += int64(len(pending))
			pending = nil
			skipping = true
		}
		if eof {
			if len(pending) > 0 {
				tb := newBlock(free, len(pending))
				tb.data = tb.buf[:copy(tb.buf, pending)]
				tb.offset, tb.terminated = offset, false
				send(tb)
			}
			return nil
		}
	}
}

func parseBlock(b *block, path string, sf *scanFilter) {
	if b.tooLong {
		b.errs = append(b.errs, history.LineError{Path: path, Line: 1, Offset: b.offset, Err: history.ErrLineTooLong})
		b.lines = 1
		return
	}
	data := b.data
	line := 1
	off := b.offset
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		start := off
		off += int64(len(l) + 1)
		n := line
		line++
		if len(l) > history.MaxLineSize {
			b.errs = append(b.errs, history.LineError{Path: path, Line: n, Offset: start, Err: history.ErrLineTooLong})
			continue
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		// Decode straight into the next slot; it is kept only if it matches.
		k := len(b.recs)
		if k == cap(b.recs) {
			b.recs = append(b.recs, history.Record{})[:k]
		}
		rec := &b.recs[:k+1][k]
		if err := b.parser.Parse(rec, l, true); err != nil {
			if !b.terminated {
				err = fmt.Errorf("%w: %v", history.ErrTorn, err)
			}
			b.errs = append(b.errs, history.LineError{Path: path, Line: n, Offset: start, Err: err})
			continue
		}
		if !sf.stopAfter.IsZero() && rec.Time.After(sf.stopAfter) {
			b.pastEnd = true
			break
		}
		if sf.f.Match(rec) {
			b.recs = b.recs[:k+1]
			b.offs = append(b.offs, start)
		}
	}
	b.lines = line - 1
}
