package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SchemaVersion is the schema version this package reads and writes.
const SchemaVersion = 1

// migrations[i] takes the schema from version i to i+1. Never edit a
// released step: add one.
var migrations = []string{
	// v1: one row per record. The key is (cluster, record_key, ruleset)
	// plus namespace and selector: record_key is the bundle's sha256 (which
	// fixes the namespace and selector: they are in its manifest, so for
	// real records they add no distinction), or "line:" + the sha256 of the
	// line for a record without one (old-tool lines). seq is store order.
	// line is the exact JSONL line (what export writes back, byte for
	// byte); record is the same as jsonb, for queries only.
	`CREATE TABLE ksnap_history (
		seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		cluster       text        NOT NULL,
		record_key    text        NOT NULL,
		ruleset       text        NOT NULL,
		captured_at   timestamptz NOT NULL,
		captured_ns   bigint      NOT NULL,
		namespace     text        NOT NULL,
		selector      text        NOT NULL,
		overall_health text       NOT NULL,
		bundle        text        NOT NULL,
		record        jsonb       NOT NULL,
		line          text        NOT NULL,
		CONSTRAINT ksnap_history_key UNIQUE (cluster, record_key, ruleset, namespace, selector)
	);
	CREATE INDEX ksnap_history_time ON ksnap_history (captured_ns);
	CREATE INDEX ksnap_history_target ON ksnap_history (cluster, namespace, selector, seq);`,
}

// ErrSchema is returned (wrapped in a *SchemaError) when the database has no
// ksnap schema or one of another version.
var ErrSchema = errors.New("history schema missing or not current")

// SchemaError says which schema version a database has and which this
// build needs. Have 0 means there is no schema at all.
type SchemaError struct {
	Store string
	Have  int
	Want  int
}

func (e *SchemaError) Error() string {
	switch {
	case e.Have == 0:
		return fmt.Sprintf("%s: no ksnap history schema", e.Store)
	case e.Have < e.Want:
		return fmt.Sprintf("%s: history schema version %d is older than %d", e.Store, e.Have, e.Want)
	}
	return fmt.Sprintf("%s: history schema version %d is newer than this build's %d (upgrade ksnap)", e.Store, e.Have, e.Want)
}

func (e *SchemaError) Unwrap() error { return ErrSchema }

// migrateLockKey serialises concurrent migrations (pg_advisory_xact_lock).
const migrateLockKey = 0x6b736e61705f6d67 // "ksnap_mg"

// schemaVersion returns the database's schema version, 0 when there is none.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v *int
	err := q.QueryRow(ctx, `SELECT max(version) FROM ksnap_schema_version`).Scan(&v)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	From, To int
}

// Migrate creates or upgrades the schema to SchemaVersion in one
// transaction, under an advisory lock so that concurrent migrations apply
// each step once. Running it on a current schema does nothing.
func Migrate(ctx context.Context, loc string, opts Options) (MigrateResult, error) {
	s, err := open(ctx, loc, opts)
	if err != nil {
		return MigrateResult{}, err
	}
	defer s.Close()
	var res MigrateResult
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLockKey)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ksnap_schema_version (
			version    int PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		have, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		res = MigrateResult{From: have, To: have}
		if have > SchemaVersion {
			return &SchemaError{Store: s.name, Have: have, Want: SchemaVersion}
		}
		for v := have; v < SchemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("schema step %d: %w", v+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ksnap_schema_version (version) VALUES ($1)`, v+1); err != nil {
				return err
			}
			res.To = v + 1
		}
		return nil
	})
	if err != nil {
		return MigrateResult{}, s.wrap("migrate", err)
	}
	return res, nil
}
