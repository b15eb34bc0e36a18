package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// AppendResult is what a Store's Append did.
type AppendResult struct {
	// Lines is the number of records written.
	Lines int
	// Torn is set when the store ended in a torn entry before the write
	// (the JSONL file: a last line without a newline).
	Torn *TornLine
	// Spooled is set by an outbox store (history/spool) that could not
	// reach its store: it names the local file the records were kept in for
	// the next run, and SpoolCause says why.
	Spooled    string
	SpoolCause error
	// Sent counts the records an outbox store sent from its spool first.
	Sent int
}

// TornLine describes an unterminated fragment found at the end of a history
// file (a write interrupted by a crash or a full disk). Append never glues a
// record onto it: it starts the record on a new line, so the fragment stays
// one corrupt line that readers report and skip.
type TornLine struct {
	Path string
	// Offset is the byte offset where the fragment starts.
	Offset int64
	// Size is the fragment's length in bytes.
	Size int64
}

// String describes the fragment in one line, naming the file and offset.
func (t *TornLine) String() string {
	return fmt.Sprintf("%s: byte %d: torn last line of %d bytes (no newline); the new record starts on a new line and the fragment is left as a corrupt line", t.Path, t.Offset, t.Size)
}

// Error is String, so that a TornLine can go to a Reporter.
func (t *TornLine) Error() string { return t.String() }

// PruneResult says what Prune kept and removed.
type PruneResult struct {
	// Kept and Removed count valid records.
	Kept    int
	Removed int
	// CorruptKept and CorruptRemoved count corrupt entries. A corrupt entry
	// is removed only when it comes before the first kept record.
	CorruptKept    int
	CorruptRemoved int
	// Oldest is the time of the oldest kept record, zero if none is kept.
	Oldest time.Time
	// Corrupt lists the corrupt entries met (with real line numbers).
	Corrupt Corrupt
	// BytesBefore and BytesAfter are the store's sizes in bytes (the
	// encoded records for a store that has no file).
	BytesBefore int64
	BytesAfter  int64
}

// ErrNoPolicy is returned by Prune when neither KeepLast nor OlderThan is set.
var ErrNoPolicy = errors.New("nothing to prune by: set keep-last or older-than")

// Check returns an error when p cannot select anything: a negative field,
// or neither KeepLast nor OlderThan set (ErrNoPolicy).
func (p PrunePolicy) Check() error {
	if p.KeepLast < 0 || p.OlderThan < 0 {
		return fmt.Errorf("keep-last and older-than must not be negative")
	}
	if p.KeepLast == 0 && p.OlderThan == 0 {
		return ErrNoPolicy
	}
	return nil
}

// Keeps reports whether p keeps the record with time t that is the i-th
// (0-based) of n valid records in store order.
func (p PrunePolicy) Keeps(i, n int, t time.Time) bool {
	if p.KeepLast > 0 && n-(i+1) >= p.KeepLast {
		return false
	}
	if p.OlderThan > 0 && t.Before(p.Now.Add(-p.OlderThan)) {
		return false
	}
	return true
}

// Parser decodes history lines like ParseLine, for readers of many lines:
// the Jobs and Rules slices of the records it decodes come from an arena it
// reuses, so a block of lines costs a few allocations instead of two per
// record, and timestamps in TimeLayout are decoded with a per-date cache.
// The zero Parser is ready to use; it is not safe for concurrent use.
type Parser struct {
	ar arena
}

// Parse decodes line (without its newline; surrounding space is the
// caller's to trim) into r, setting every field. When stable is true the
// caller guarantees that line's bytes are not modified while r is in use,
// and r's strings may point into them instead of a copy. r's Jobs and
// Rules are valid until the next Reset.
func (p *Parser) Parse(r *Record, line []byte, stable bool) error {
	r.Jobs = nil
	return parseIntoArena(r, line, stable, &p.ar)
}

// Reset lets the parser reuse its arena: the Jobs and Rules of every record
// parsed before must no longer be used.
func (p *Parser) Reset() {
	p.ar.jobs, p.ar.rules = p.ar.jobs[:0], p.ar.rules[:0]
}

// Clone returns a deep copy of r that shares no memory with it (what a
// Scan callback keeps).
func (r *Record) Clone() Record {
	c := *r
	for _, p := range []*string{&c.Timestamp, &c.Namespace, &c.Selector, &c.OverallHealth, &c.Bundle, &c.BundleSHA256, &c.Ruleset, &c.Cluster} {
		*p = strings.Clone(*p)
	}
	if r.RawSnapshot != nil {
		c.RawSnapshot = append(json.RawMessage{}, r.RawSnapshot...)
	}
	if r.Jobs != nil {
		c.Jobs = make([]Job, len(r.Jobs))
		for i, j := range r.Jobs {
			j.Name, j.Phase, j.Health, j.Owner = strings.Clone(j.Name), strings.Clone(j.Phase), strings.Clone(j.Health), strings.Clone(j.Owner)
			if j.Rules != nil {
				rules := make([]string, len(j.Rules))
				for k, code := range j.Rules {
					rules[k] = strings.Clone(code)
				}
				j.Rules = rules
			}
			c.Jobs[i] = j
		}
	}
	return c
}

// SortByTime sorts recs by Time, keeping store order among equal times.
func SortByTime(recs []Record) {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
}
