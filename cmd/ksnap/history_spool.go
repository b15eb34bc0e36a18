package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/history/storeurl"
	"github.com/ksnap/ksnap/history/transfer"
)

// historySpool is where record keeps the records a database could not take
// (BUNDLE_DIR/.spool/history.jsonl), for the next run to send first.
func historySpool(bundleDir string) string {
	return filepath.Join(bundleDir, ".spool", "history.jsonl")
}

// appendRecord appends rec to the history at loc and returns the store's
// name. For a database it first sends the records spooled by earlier runs
// (an import: keyed, so a crash between sending and removing the spool adds
// nothing twice); when the database cannot be reached it appends rec to the
// spool instead and warns: nothing is lost while the database is down.
// Other errors (a missing schema, a refused statement) fail the command.
func (e *env) appendRecord(ctx context.Context, loc, bundleDir string, opts jsonl.Options, rec history.Record) (string, error) {
	if !storeurl.IsPostgres(loc) {
		st, err := e.openStore(ctx, loc, opts)
		if err != nil {
			return "", err
		}
		defer st.Close()
		_, err = st.Append(ctx, rec)
		return st.String(), err
	}
	spool := historySpool(bundleDir)
	st, err := e.openStore(ctx, loc, jsonl.Options{})
	if err == nil {
		defer st.Close()
		if err = flushHistorySpool(ctx, st, spool); err == nil {
			_, err = st.Append(ctx, rec)
		}
	}
	if err == nil {
		return st.String(), nil
	}
	if !errors.Is(err, postgres.ErrConnect) {
		return "", err
	}
	sp, serr := jsonl.Open(spool, opts)
	if serr == nil {
		_, serr = sp.Append(ctx, rec)
	}
	if serr != nil {
		return "", fmt.Errorf("%w (and keeping the record in %s failed: %v)", err, spool, serr)
	}
	fmt.Fprintf(e.stderr, "ksnap: warning: %s; the record is kept in %s for the next run\n", oneLine(err.Error()), spool)
	return spool, nil
}

// flushHistorySpool imports the spool file into st and removes it.
func flushHistorySpool(ctx context.Context, st history.Store, spool string) error {
	f, err := os.Open(spool)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := transfer.Import(ctx, st, f, spool); err != nil {
		return err
	}
	return os.Remove(spool)
}
