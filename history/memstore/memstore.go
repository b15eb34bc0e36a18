// Package memstore is a history.Store in memory: for unit tests of code
// that takes a Store, and the second implementation the conformance suite
// (history/storetest) runs, so the suite does not encode the JSONL file's
// accidents. It owns nothing on disk and must not be used for real history.
package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/ksnap/ksnap/history"
)

// entry is a record or, when bad is set, a corrupt entry (AppendCorrupt).
type entry struct {
	rec history.Record
	bad error
}

// Store keeps records in a slice, in append order. It is safe for
// concurrent use. Records are cloned on the way in and out, and Scan passes
// each record in memory it clears after fn returns, so a caller that keeps
// a record past fn sees it emptied (the contract, made visible).
type Store struct {
	name   string
	report history.Reporter
	mu     sync.Mutex
	// entries is replaced, never modified in place, by Prune; Append only
	// appends, so a reader may use a snapshot of it without the lock.
	entries []entry
}

// New returns an empty store named name (its String) that passes corrupt
// entries to report (nil: discard).
func New(name string, report history.Reporter) *Store {
	return &Store{name: name, report: report}
}

// String is the store's name.
func (s *Store) String() string { return s.name }

// Close does nothing.
func (s *Store) Close() error { return nil }

// AppendCorrupt adds a corrupt entry with the given cause, as a torn or
// broken line would be in a file: readers skip and report it.
func (s *Store) AppendCorrupt(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, entry{bad: cause})
}

// Append adds clones of recs.
func (s *Store) Append(ctx context.Context, recs ...history.Record) (history.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return history.AppendResult{}, err
	}
	add := make([]entry, len(recs))
	for i := range recs {
		add[i].rec = recs[i].Clone()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, add...)
	return history.AppendResult{Lines: len(recs)}, nil
}

func (s *Store) snapshot() []entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[:len(s.entries):len(s.entries)]
}

func (s *Store) lineError(i int, err error) history.LineError {
	return history.LineError{Path: s.name, Line: i + 1, Err: err}
}

// Tail returns clones of the last n records matching f.
func (s *Store) Tail(ctx context.Context, n int, f history.Filter) (*history.Loaded, error) {
	if n <= 0 {
		return nil, fmt.Errorf("limit %d: %w", n, history.ErrBadLimit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	es := s.snapshot()
	out := &history.Loaded{}
	start := len(es)
	for found := 0; start > 0 && found < n; {
		start--
		if es[start].bad == nil && f.Match(&es[start].rec) {
			found++
		}
	}
	for i := start; i < len(es); i++ {
		if es[i].bad != nil {
			out.Corrupt.Add(s.lineError(i, es[i].bad), s.report)
			continue
		}
		if f.Match(&es[i].rec) {
			out.Records = append(out.Records, es[i].rec.Clone())
		}
	}
	return out, nil
}

// Scan calls fn with each record matching f, in append order.
func (s *Store) Scan(ctx context.Context, f history.Filter, fn func(*history.Record) error) (history.Corrupt, error) {
	var corrupt history.Corrupt
	if err := ctx.Err(); err != nil {
		return corrupt, err
	}
	var r history.Record
	for i, e := range s.snapshot() {
		if err := ctx.Err(); err != nil {
			return corrupt, err
		}
		if e.bad != nil {
			corrupt.Add(s.lineError(i, e.bad), s.report)
			continue
		}
		if !f.Match(&e.rec) {
			continue
		}
		r = e.rec.Clone()
		err := fn(&r)
		r = history.Record{}
		if err != nil {
			return corrupt, err
		}
	}
	return corrupt, nil
}

// Prune keeps the records p keeps and the corrupt entries after the first
// kept record; BytesBefore and BytesAfter count the records' JSON lines.
func (s *Store) Prune(ctx context.Context, p history.PrunePolicy) (*history.PruneResult, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &history.PruneResult{}
	valid := 0
	for _, e := range s.entries {
		if e.bad == nil {
			valid++
		}
	}
	var kept []entry
	seen := 0
	for i, e := range s.entries {
		size := int64(1)
		if e.bad != nil {
			res.Corrupt.Add(s.lineError(i, e.bad), s.report)
		} else {
			size = int64(len(history.AppendJSON(nil, &e.rec)) + 1)
		}
		res.BytesBefore += size
		if e.bad != nil {
			if len(kept) > 0 {
				res.CorruptKept++
				kept = append(kept, e)
				res.BytesAfter += size
			} else {
				res.CorruptRemoved++
			}
			continue
		}
		keep := p.Keeps(seen, valid, e.rec.Time)
		seen++
		if !keep {
			res.Removed++
			continue
		}
		if res.Kept == 0 || e.rec.Time.Before(res.Oldest) {
			res.Oldest = e.rec.Time
		}
		res.Kept++
		kept = append(kept, e)
		res.BytesAfter += size
	}
	if !p.DryRun {
		s.entries = kept
	}
	return res, nil
}

var _ history.Store = (*Store)(nil)
