package main

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/history/spool"
	"github.com/ksnap/ksnap/history/storeurl"
)

// historySpool is where record keeps the records a database could not take
// (BUNDLE_DIR/.spool/history.jsonl), for the next run to send first.
func historySpool(bundleDir string) string {
	return filepath.Join(bundleDir, ".spool", "history.jsonl")
}

// recordStore is the history record appends to: the store at loc, behind
// an outbox (history/spool) when it is a database, so that while the
// database cannot be reached the record is kept in BUNDLE_DIR/.spool and
// sent first by the next run. Other errors (a missing schema, a refused
// statement) fail the command.
func (e *env) recordStore(loc, bundleDir string, opts jsonl.Options) history.Store {
	open := func(ctx context.Context) (history.Store, error) { return e.openStore(ctx, loc, opts) }
	outage := func(error) bool { return false }
	if storeurl.IsPostgres(loc) {
		outage = func(err error) bool { return errors.Is(err, postgres.ErrConnect) }
	}
	return &spool.Store{Open: open, Path: historySpool(bundleDir), Outage: outage, Options: opts}
}
