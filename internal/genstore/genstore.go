// Package genstore is a read-only history.Store over records generated on
// the fly, for tests of readers (the dashboard fold, its renderer, the
// metrics export) with histories too large to hold: 10,000 captures of 200
// Jobs each. For stored records use history/memstore or history/jsonl. It
// owns no file and never writes; Append and Prune fail.
package genstore

import (
	"context"
	"errors"

	"github.com/ksnap/ksnap/history"
)

// ErrReadOnly is returned by Append and Prune.
var ErrReadOnly = errors.New("read-only store")

// Store serves the records Gen yields, in order.
type Store struct {
	Name string
	// Gen must call yield for each record in store order and stop when
	// yield returns false. The record may be reused after yield returns.
	Gen func(yield func(*history.Record) bool)
}

// Append fails: the store is read-only.
func (s *Store) Append(context.Context, ...history.Record) (history.AppendResult, error) {
	return history.AppendResult{}, ErrReadOnly
}

// Tail returns the last n matching records.
func (s *Store) Tail(ctx context.Context, n int, f history.Filter) (*history.Loaded, error) {
	var all []history.Record
	_, err := s.Scan(ctx, f, func(r *history.Record) error { all = append(all, r.Clone()); return nil })
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return &history.Loaded{Records: all}, err
}

// Scan calls fn for each matching record in order.
func (s *Store) Scan(ctx context.Context, f history.Filter, fn func(*history.Record) error) (history.Corrupt, error) {
	var err error
	each := func(r *history.Record) bool {
		if err = ctx.Err(); err != nil {
			return false
		}
		if f.Match(r) {
			err = fn(r)
		}
		return err == nil
	}
	s.Gen(each)
	return history.Corrupt{}, err
}

// Prune fails: the store is read-only.
func (s *Store) Prune(context.Context, history.PrunePolicy) (*history.PruneResult, error) {
	return nil, ErrReadOnly
}

// String names the store.
func (s *Store) String() string { return s.Name }

// Close does nothing.
func (s *Store) Close() error { return nil }
