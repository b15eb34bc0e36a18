// Package transfer moves history between a JSONL stream and any
// history.Store, losslessly: `ksnap history export` and `history import`.
//
// Import reads JSONL lines (a file written by ksnap or by the old tool) and
// appends them in order; a store that can keep each record's exact line
// (LineAppender, e.g. history/postgres) gets the bytes as read, so that
// JSONL -> store -> JSONL gives back the same file, byte for byte, for a
// file without corrupt or blank lines and without two records of one key
// (a store keyed like PostgreSQL keeps the first of those). Export writes
// every record's line in store order: the stored line when the store keeps
// lines (LineScanner), else the record's canonical encoding.
//
// It never opens files or connections itself (callers pass a reader, a
// writer and open stores) and never prints: corrupt input lines come back
// in the Result.
package transfer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ksnap/ksnap/history"
)

// LineAppender is a store that can keep records' exact lines.
type LineAppender interface {
	AppendLines(ctx context.Context, recs []history.Record, lines [][]byte) (int, error)
}

// LineScanner is a store that can give back each record's stored line.
type LineScanner interface {
	ScanLines(ctx context.Context, f history.Filter, fn func(*history.Record, []byte) error, c *history.Corrupt) error
}

// Result says what a transfer moved.
type Result struct {
	// Read is the number of valid records read from the source.
	Read int
	// Written is the number of records the destination added (an import
	// into a keyed store skips records it already holds).
	Written int
	// Corrupt are the source's corrupt lines, skipped.
	Corrupt history.Corrupt
}

// Skipped is the number of valid records the destination already held.
func (r Result) Skipped() int { return r.Read - r.Written }

// batch is how many records go into one Append.
const batch = 1000

// Import appends the JSONL lines read from r (named name in diagnostics) to
// dst, in order, batch by batch. Blank lines are ignored; corrupt lines are
// skipped and returned in Result.Corrupt. A write error stops the import:
// the batches before it are stored (an import retried after a failure adds
// only what is missing to a keyed store).
func Import(ctx context.Context, dst history.Store, r io.Reader, name string) (Result, error) {
	var res Result
	la, keepLines := dst.(LineAppender)
	br := bufio.NewReaderSize(r, 256<<10)
	var recs []history.Record
	var lines [][]byte
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		var n int
		var err error
		if keepLines {
			n, err = la.AppendLines(ctx, recs, lines)
		} else {
			var ar history.AppendResult
			ar, err = dst.Append(ctx, recs...)
			n = ar.Lines
		}
		res.Written += n
		recs, lines = recs[:0], lines[:0]
		return err
	}
	var off int64
	for n := 1; ; n++ {
		line, size, tooLong, err := readLine(br)
		start := off
		off += size
		if size > 0 {
			content := bytes.TrimRight(line, "\n")
			switch rec, perr := history.ParseLine(content); {
			case tooLong:
				addCorrupt(&res.Corrupt, history.LineError{Path: name, Line: n, Offset: start, Err: history.ErrLineTooLong})
			case len(bytes.TrimSpace(content)) == 0:
			case perr != nil:
				addCorrupt(&res.Corrupt, history.LineError{Path: name, Line: n, Offset: start, Err: perr})
			default:
				recs = append(recs, rec)
				lines = append(lines, bytes.Clone(content))
				res.Read++
			}
		}
		if len(recs) >= batch {
			if err := flush(); err != nil {
				return res, err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	return res, flush()
}

// readLine returns the next line with its newline (none at the end of the
// input) and its size in bytes; a line over history.MaxLineSize is read past
// and returned empty with tooLong set.
func readLine(br *bufio.Reader) (line []byte, size int64, tooLong bool, err error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		size += int64(len(frag))
		if !tooLong {
			if len(buf)+len(frag) > history.MaxLineSize+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, size, tooLong, err
	}
}

func addCorrupt(c *history.Corrupt, e history.LineError) { c.Add(e, nil) }

// Export writes every record of src matching f to w as JSONL, in store
// order.
func Export(ctx context.Context, w io.Writer, src history.Store, f history.Filter) (Result, error) {
	var res Result
	bw := bufio.NewWriterSize(w, 256<<10)
	var buf []byte
	write := func(r *history.Record, line []byte) error {
		if line == nil {
			buf = history.AppendJSON(buf[:0], r)
			line = buf
		}
		res.Read++
		res.Written++
		if _, err := bw.Write(line); err != nil {
			return err
		}
		return bw.WriteByte('\n')
	}
	var err error
	if ls, ok := src.(LineScanner); ok {
		err = ls.ScanLines(ctx, f, write, &res.Corrupt)
	} else {
		res.Corrupt, err = src.Scan(ctx, f, func(r *history.Record) error { return write(r, nil) })
	}
	if err != nil {
		return res, err
	}
	return res, bw.Flush()
}
