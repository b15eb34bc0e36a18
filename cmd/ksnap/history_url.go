package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/storeurl"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// historyURLFlag binds --history-url and --history-url-file: a database
// (postgres://HOST[:PORT]/DB) instead of the history file.
type historyURLFlag struct{ url, file string }

func (h *historyURLFlag) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&h.url, "history-url", "", "history database instead of the file: postgres://USER@HOST[:PORT]/DB, no password (PGPASSWORD, PGPASSFILE, ~/.pgpass) ($KSNAP_HISTORY_URL)")
	fs.StringVar(&h.file, "history-url-file", "", "read the history database URL (which may hold a password) from this file")
}

// resolve returns the history location: --history-url, else the URL in
// --history-url-file, else $KSNAP_HISTORY_URL, else path (the file). A
// password in --history-url is refused: argv is visible to every user of
// the machine.
func (h *historyURLFlag) resolve(cmd *cobra.Command, e *env, path string) (string, error) {
	fs := cmd.Flags()
	switch {
	case fs.Changed("history-url") && fs.Changed("history-url-file"):
		return "", usageErrorf("--history-url and --history-url-file: give one of them")
	case fs.Changed("history-url"):
		if storeurl.HasPassword(h.url) {
			return "", usageErrorf("--history-url: a password on the command line is visible to every user of the machine; use PGPASSWORD, a passfile, $KSNAP_HISTORY_URL or --history-url-file")
		}
		if !storeurl.IsPostgres(h.url) {
			return "", usageErrorf("--history-url %q: want postgres://HOST[:PORT]/DB (use --history-file for a file)", h.url)
		}
		return h.url, nil
	case fs.Changed("history-url-file"):
		u, err := storeurl.ReadURLFile(h.file)
		if err != nil {
			return "", err
		}
		if !storeurl.IsPostgres(u) {
			return "", fmt.Errorf("%s: want a postgres:// URL", h.file)
		}
		return u, nil
	}
	if v := e.getenv("KSNAP_HISTORY_URL"); v != "" {
		if !storeurl.IsPostgres(v) {
			return "", usageErrorf("$KSNAP_HISTORY_URL: want a postgres:// URL")
		}
		return v, nil
	}
	return path, nil
}

// openStore opens the history store at loc (a file path or a database URL);
// a file's diagnostics go to stderr as openHistory prints them.
func (e *env) openStore(ctx context.Context, loc string, opts jsonl.Options) (history.Store, error) {
	if storeurl.IsPostgres(loc) {
		st, err := storeurl.Open(ctx, loc, storeurl.Options{})
		if err != nil {
			return nil, withMigrateHint(err)
		}
		return st, nil
	}
	return e.openHistory(loc, opts)
}

// errNoHistory is a history file that does not exist, for a command that
// only reads it.
type errNoHistory struct{ path string }

func (e *errNoHistory) Error() string {
	return e.path + ": no such history file (ksnap record creates it; --allow-missing reads a missing file as empty)"
}

// openReadStore is openHistoryReader for the commands that only read the
// history (standard input for "-", a file or a database):
// a history file that does not exist is an error naming it, unless
// allowMissing (then it reads as empty). A database is opened as it is.
func (e *env) openReadStore(ctx context.Context, loc string, allowMissing bool) (history.Store, error) {
	if !allowMissing && loc != "-" && !storeurl.IsPostgres(loc) {
		if _, err := os.Stat(loc); errors.Is(err, os.ErrNotExist) {
			return nil, &errNoHistory{loc}
		}
	}
	return e.openHistoryReader(ctx, loc)
}
