// Package storeurl opens the history store a location names: a
// postgres:// (or postgresql://) URL is the PostgreSQL store, anything else
// a JSONL file path. It is the one place that knows every store, so that
// commands stay unaware of which one they use.
//
// It never reads flags or the environment; HasPassword lets a caller refuse
// a password given where other users can read it (argv).
package storeurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/postgres"
)

// Options configure Open per kind of store.
type Options struct {
	JSONL    jsonl.Options
	Postgres postgres.Options
}

// IsPostgres reports whether loc names a PostgreSQL database.
func IsPostgres(loc string) bool {
	return strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://")
}

// Open opens the store at loc. A PostgreSQL store must have the current
// schema (postgres.Migrate creates it).
func Open(ctx context.Context, loc string, opts Options) (history.Store, error) {
	if IsPostgres(loc) {
		return postgres.Open(ctx, loc, opts.Postgres)
	}
	return jsonl.Open(loc, opts.JSONL)
}

// Name is how loc is named in messages: the path, or the database without
// user, password or parameters.
func Name(loc string) string {
	if IsPostgres(loc) {
		return postgres.Name(loc)
	}
	return loc
}

// HasPassword reports whether loc carries a password (user:password@ or a
// password parameter).
func HasPassword(loc string) bool {
	if !IsPostgres(loc) {
		return false
	}
	u, err := url.Parse(loc)
	if err != nil {
		return strings.Contains(loc, "@") // unparseable: assume the worst
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}

// ErrEmptyURLFile is returned (wrapped) for a URL file holding no URL.
var ErrEmptyURLFile = errors.New("holds no URL")

// ReadURLFile returns the location stored in the file at path (its first
// line, surrounding space trimmed): a URL with a password can live in a
// file readable only by its owner, or in a mounted Kubernetes Secret.
func ReadURLFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("%s: %w", path, ErrEmptyURLFile)
	}
	return line, nil
}
