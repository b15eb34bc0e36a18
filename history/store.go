package history

import (
	"context"
	"time"
)

// Store is where history records live: a JSONL file (history/jsonl), memory
// (history/memstore), and later a database. Every implementation passes the
// conformance suite in history/storetest; commands, the summary fold, alerts
// and exports see only this interface.
//
// Order: a store keeps records in append order ("store order"). Readers that
// need capture-time order sort with SortByTime; for the JSONL file, store
// order is file order.
//
// Errors name the store (its String) and never include secrets.
type Store interface {
	// Append adds recs at the end, in order, durably (unless the store was
	// opened for bulk writes) and atomically per record: after a crash each
	// record is either whole or absent, never torn into the next one. Safe
	// for concurrent use by several processes.
	Append(ctx context.Context, recs ...Record) (AppendResult, error)

	// Tail returns the last n records (n > 0) that match f, oldest first,
	// with the corrupt entries met on the way. Its cost is proportional to
	// what it returns, not to the size of the store, where the store allows.
	Tail(ctx context.Context, n int, f Filter) (*Loaded, error)

	// Scan calls fn for every record that matches f, in store order. The
	// record passed to fn is valid only until fn returns: fn must copy what
	// it keeps (Record.Clone). A non-nil error from fn stops the scan and is
	// returned as is. The corrupt entries skipped are returned with the error.
	Scan(ctx context.Context, f Filter, fn func(*Record) error) (Corrupt, error)

	// Prune removes the records that p does not keep, atomically: a reader
	// sees the store before or after, and concurrent appends are neither lost
	// nor written into a replaced store.
	Prune(ctx context.Context, p PrunePolicy) (*PruneResult, error)

	// String names the store in messages: a file path, or host and database
	// (never a password).
	String() string

	// Close releases the store's resources.
	Close() error
}

// PrunePolicy selects the records Prune keeps. At least one of KeepLast and
// OlderThan must be set; with both, a record must pass both to be kept.
type PrunePolicy struct {
	// KeepLast keeps the last KeepLast records (0: no such limit).
	KeepLast int
	// OlderThan removes records whose time is before Now minus OlderThan
	// (0: no such limit).
	OlderThan time.Duration
	// Now is the reference time for OlderThan.
	Now time.Time
	// DryRun computes the result without changing the store.
	DryRun bool
}

// Reporter receives diagnostics (a corrupt line, a torn tail) as they are
// met, so that a command can print them in its one stderr format. Stores
// call it at most MaxReported times per call; nil discards them.
type Reporter func(msg error)
