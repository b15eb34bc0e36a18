package history

import (
	"errors"
	"fmt"
	"time"
)

// MaxLineSize caps one history line. A longer line is reported as corrupt
// and skipped without being held in memory.
const MaxLineSize = 16 << 20

// MaxReported caps the corrupt lines kept with their details in a result;
// all of them are counted.
const MaxReported = 100

// ErrBadLimit is returned (wrapped) for a limit or window that is not positive.
var ErrBadLimit = errors.New("must be a positive number of records")

// LineError is one corrupt line: where it is and what is wrong with it.
//
// A store reading backwards (the JSONL file's Tail) does not know how many
// lines precede a line, so it gives FromEnd (1 is the last line of the file)
// and the byte Offset of the line's start; one reading forwards (Scan) gives
// Line (1 is the first line). Either way Offset is exact: `tail -c +$((Offset+1)) FILE | head -1`
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
	if e.FromEnd == 0 {
		return fmt.Sprintf("%s: line at byte %d: %v", e.Path, e.Offset, e.Err)
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
	// Lines holds the first MaxReported of them (Tail: the nearest the end,
	// in file order; Scan: the first ones, in file order).
	Lines []LineError
}

// Add counts e, keeps it if fewer than MaxReported are kept, and passes
// it to rep (when not nil) under the same limit. Stores call it for every
// corrupt entry they skip.
func (c *Corrupt) Add(e LineError, rep Reporter) {
	c.Count++
	if len(c.Lines) < MaxReported {
		c.Lines = append(c.Lines, e)
	}
	if rep != nil && c.Count <= MaxReported {
		rep(&e)
	}
}

// Filter selects records. Zero fields select everything.
type Filter struct {
	// Cluster, Namespace and Selector match exactly when not empty.
	Cluster   string
	Namespace string
	Selector  string
	// Since and Until bound Time, inclusive, when not zero.
	Since time.Time
	Until time.Time
	// Job, when not empty, selects the records that list a job of that
	// name or a job of the CronJob of that name (Job.Name or Job.Owner,
	// exactly).
	Job string
}

// Match reports whether r passes the filter.
func (f *Filter) Match(r *Record) bool {
	if f.Cluster != "" && r.Cluster != f.Cluster {
		return false
	}
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
	if f.Job != "" {
		for i := range r.Jobs {
			if f.jobMatch(&r.Jobs[i]) {
				return true
			}
		}
		return false
	}
	return true
}

// jobMatch reports whether j is the filter's job or a run of its CronJob;
// every job matches a filter without Job.
func (f *Filter) jobMatch(j *Job) bool {
	return f.Job == "" || j.Name == f.Job || j.Owner == f.Job
}

// Loaded is the result of a Store's Tail.
type Loaded struct {
	// Records are the most recent matching records, oldest first (file order).
	Records []Record
	// Corrupt are the corrupt lines met while reading back to the oldest
	// returned record; lines further back were not read.
	Corrupt Corrupt
}
