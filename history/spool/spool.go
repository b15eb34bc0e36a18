// Package spool is the history outbox: a history.Store that appends to a
// primary store (a database) and, while that store cannot be reached, keeps
// the records in a local JSONL file that the next append sends first.
// Nothing is lost while the database is down, and nothing is added twice:
// the spool is sent with the store's idempotent import (records are keyed),
// so a crash between sending it and removing it only re-sends what the
// store then ignores.
//
// It owns only the outbox decision; opening stores, schemas and the wire
// protocol belong to the stores themselves. It prints nothing: what it did
// is in the AppendResult.
package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/transfer"
)

// Store is the outbox in front of a primary store. Only Append uses the
// spool; reads and prunes go to the primary store.
type Store struct {
	// Open opens the primary store; it is called once, on first use.
	Open func(ctx context.Context) (history.Store, error)
	// Path is the spool file (created, with its directory, when needed).
	Path string
	// Outage reports whether an error means the primary store cannot be
	// reached (the records are then spooled) rather than refused them (the
	// error is returned).
	Outage func(error) bool
	// Options are those of the spool file.
	Options jsonl.Options

	st      history.Store
	openErr error
	opened  bool
}

func (s *Store) primary(ctx context.Context) (history.Store, error) {
	if !s.opened {
		s.opened = true
		s.st, s.openErr = s.Open(ctx)
	}
	return s.st, s.openErr
}

// Append sends the spool, then recs, to the primary store; while the
// store is unreachable it appends recs to the spool instead and says so in
// the result (Spooled, SpoolCause): that is not an error.
func (s *Store) Append(ctx context.Context, recs ...history.Record) (history.AppendResult, error) {
	var res history.AppendResult
	st, err := s.primary(ctx)
	if err == nil {
		var sent int
		sent, err = s.flush(ctx, st)
		if err == nil {
			res, err = st.Append(ctx, recs...)
			res.Sent = sent
			if err == nil {
				return res, nil
			}
		}
	}
	if !s.Outage(err) {
		return res, err
	}
	if mkErr := os.MkdirAll(filepath.Dir(s.Path), 0o700); mkErr != nil {
		return res, fmt.Errorf("%w (and keeping the records in %s failed: %v)", err, s.Path, mkErr)
	}
	sp, serr := jsonl.Open(s.Path, s.Options)
	if serr == nil {
		defer sp.Close()
		res, serr = sp.Append(ctx, recs...)
	}
	if serr != nil {
		return res, fmt.Errorf("%w (and keeping the records in %s failed: %v)", err, s.Path, serr)
	}
	res.Spooled, res.SpoolCause = s.Path, err
	return res, nil
}

// flush imports the spool into st and removes it.
func (s *Store) flush(ctx context.Context, st history.Store) (int, error) {
	f, err := os.Open(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := transfer.Import(ctx, st, f, s.Path)
	if err != nil {
		return 0, err
	}
	return r.Written, os.Remove(s.Path)
}

// Tail reads the primary store.
func (s *Store) Tail(ctx context.Context, n int, f history.Filter) (*history.Loaded, error) {
	st, err := s.primary(ctx)
	if err != nil {
		return nil, err
	}
	return st.Tail(ctx, n, f)
}

// Scan reads the primary store.
func (s *Store) Scan(ctx context.Context, f history.Filter, fn func(*history.Record) error) (history.Corrupt, error) {
	st, err := s.primary(ctx)
	if err != nil {
		return history.Corrupt{}, err
	}
	return st.Scan(ctx, f, fn)
}

// Prune prunes the primary store.
func (s *Store) Prune(ctx context.Context, p history.PrunePolicy) (*history.PruneResult, error) {
	st, err := s.primary(ctx)
	if err != nil {
		return nil, err
	}
	return st.Prune(ctx, p)
}

// String names the primary store once it is open, else the spool.
func (s *Store) String() string {
	if s.st != nil {
		return s.st.String()
	}
	return s.Path
}

// Close closes the primary store.
func (s *Store) Close() error {
	if s.st != nil {
		return s.st.Close()
	}
	return nil
}
