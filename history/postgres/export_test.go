package postgres

import (
	"context"
)

// ExecForTest runs one statement on the database at loc (tests only).
func ExecForTest(ctx context.Context, loc, sql string) error {
	s, err := open(ctx, loc, Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.pool.Exec(ctx, sql)
	return s.wrap("exec", err)
}

// TableBytesForTest returns the size of the history table with its indexes
// and TOAST (benchmarks report it for sizing).
func TableBytesForTest(ctx context.Context, s *Store) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('ksnap_history')`).Scan(&n)
	return n, err
}

// InsertRawForTest appends a row holding line as is, under key, at the end
// of the store (the conformance suite's corrupt entry).
func InsertRawForTest(ctx context.Context, s *Store, key, line string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO ksnap_history
		(cluster, record_key, ruleset, captured_at, captured_ns, namespace, selector, overall_health, bundle, record, line)
		VALUES ('', $1, '', now(), 0, '', '', '', '', '{}', $2)`, key, line)
	return s.wrap("insert", err)
}
