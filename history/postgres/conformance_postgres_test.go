//go:build postgres

package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/history/storetest"
)

// TestConformance runs the Store conformance suite against a real
// PostgreSQL, one fresh database per case.
func TestConformance(t *testing.T) {
	var bad atomic.Int64
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T, report history.Reporter) history.Store {
			u := migrated(t)
			s, err := postgres.Open(context.Background(), u, postgres.Options{Report: report})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		// A row whose line is not a record: only a table written by
		// something other than ksnap has one.
		Corrupt: func(t *testing.T, st history.Store) {
			n := bad.Add(1)
			err := postgres.InsertRawForTest(context.Background(), st.(*postgres.Store),
				fmt.Sprintf("bad-%d", n), `{"timestamp": "not a time"}`)
			if err != nil {
				t.Fatal(err)
			}
		},
		// No Torn: a row is committed whole or not at all.
	})
}
