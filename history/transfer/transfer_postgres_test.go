//go:build postgres

package transfer_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/e2e/pgtest"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/history/transfer"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestRoundTripPostgres: JSONL -> PostgreSQL -> JSONL is byte-identical,
// old-tool lines (", " separators, a non-null raw_snapshot, a counter as a
// string) included, and a second import adds nothing.
func TestRoundTripPostgres(t *testing.T) {
	ctx := context.Background()
	in, err := os.ReadFile("testdata/roundtrip.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	u := pgtest.DB(t)
	if _, err := postgres.Migrate(ctx, u, postgres.Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := bytes.Count(in, []byte("\n"))
	res, err := transfer.Import(ctx, s, bytes.NewReader(in), "roundtrip.jsonl")
	if err != nil || res.Read != n || res.Written != n || res.Corrupt.Count != 0 {
		t.Fatalf("Import = %+v, %v; want %d read and written", res, err, n)
	}
	res, err = transfer.Import(ctx, s, bytes.NewReader(in), "roundtrip.jsonl")
	if err != nil || res.Read != n || res.Written != 0 || res.Skipped() != n {
		t.Fatalf("second Import = %+v, %v; want all %d skipped", res, err, n)
	}
	var out bytes.Buffer
	res, err = transfer.Export(ctx, &out, s, history.Filter{})
	if err != nil || res.Written != n {
		t.Fatalf("Export = %+v, %v", res, err)
	}
	if out.String() != string(in) {
		t.Errorf("JSONL -> PG -> JSONL differs:\n got: %s\nwant: %s", out.String(), in)
	}
	// A filter is pushed down and the lines stay exact.
	out.Reset()
	if _, err := transfer.Export(ctx, &out, s, history.Filter{Namespace: "trading-bots"}); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(strings.SplitAfter(string(in), "\n")[:3], ""); out.String() != want {
		t.Errorf("filtered export:\n got: %s\nwant: %s", out.String(), want)
	}
}
