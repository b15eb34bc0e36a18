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
