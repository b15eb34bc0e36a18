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
