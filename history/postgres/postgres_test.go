//go:build postgres

package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/e2e/pgtest"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/postgres"
)

func TestMain(m *testing.M) {
	if os.Getenv("KSNAP_PG_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(pgtest.Main(m))
}

// migrated returns the URL of a fresh database with the current schema.
func migrated(t *testing.T) string {
	t.Helper()
	u := pgtest.DB(t)
	if _, err := postgres.Migrate(context.Background(), u, postgres.Options{}); err != nil {
		t.Fatal(err)
	}
	return u
}

func openStore(t *testing.T, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 123456789, time.UTC)

func rec(i int, ns string) history.Record {
	return history.NewRecord(history.Input{
		CapturedAt:    t0.Add(time.Duration(i) * time.Minute),
		Namespace:     ns,
		Selector:      "app=x",
		OverallHealth: history.LevelOK,
		Bundle:        fmt.Sprintf("b%d.tar.zst", i),
		BundleSHA256:  fmt.Sprintf("%064x", i),
		Ruleset:       "v1",
		Jobs:          []history.Job{{Name: "j", Phase: "Complete", Health: history.LevelOK, Rules: []string{}}},
	})
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	u := pgtest.DB(t)
	_, err := postgres.Open(ctx, u, postgres.Options{})
	var se *postgres.SchemaError
	if !errors.As(err, &se) || se.Have != 0 || se.Want != postgres.SchemaVersion || !errors.Is(err, postgres.ErrSchema) {
		t.Fatalf("Open before migrate: %v", err)
	}
	want := postgres.Name(u) + ": no ksnap history schema"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	for i, want := range []postgres.MigrateResult{{From: 0, To: 1}, {From: 1, To: 1}} {
		got, err := postgres.Migrate(ctx, u, postgres.Options{})
		if err != nil || got != want {
			t.Fatalf("Migrate #%d = %+v, %v; want %+v", i+1, got, err, want)
		}
	}
	openStore(t, u)
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	if err := postgres.ExecForTest(ctx, u, `INSERT INTO ksnap_schema_version (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(ctx, u, postgres.Options{})
	want := postgres.Name(u) + ": history schema version 99 is newer than this build's 1 (upgrade ksnap)"
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v, want %q", err, want)
	}
	if _, err := postgres.Migrate(ctx, u, postgres.Options{}); err == nil || err.Error() != want {
		t.Fatalf("Migrate = %v, want %q", err, want)
	}
}

func TestAppendIdempotentAndFilters(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, migrated(t))
	var recs []history.Record
	for i := range 10 {
		recs = append(recs, rec(i, []string{"a", "b"}[i%2]))
	}
	res, err := s.Append(ctx, recs...)
	if err != nil || res.Lines != 10 {
		t.Fatalf("Append = %+v, %v", res, err)
	}
	// Replaying the same bundles adds nothing.
	res, err = s.Append(ctx, recs...)
	if err != nil || res.Lines != 0 {
		t.Fatalf("second Append = %+v, %v", res, err)
	}
	got, err := s.Tail(ctx, 3, history.Filter{Namespace: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []history.Record{recs[4], recs[6], recs[8]}; !equalLines(got.Records, want) {
		t.Errorf("Tail(3, a) = %v, want %v", lines(got.Records), lines(want))
	}
	var scanned []history.Record
	_, err = s.Scan(ctx, history.Filter{Since: recs[3].Time, Until: recs[5].Time}, func(r *history.Record) error {
		scanned = append(scanned, history.Record{}) // replaced below
		scanned[len(scanned)-1] = clone(r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := recs[3:6]; !equalLines(scanned, want) {
		t.Errorf("Scan(since, until) = %v, want %v", lines(scanned), lines(want))
	}
	stop := errors.New("stop")
	n := 0
	if _, err := s.Scan(ctx, history.Filter{}, func(*history.Record) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Scan with a failing fn = %v after %d, want stop after 1", err, n)
	}
}

func lines(recs []history.Record) []string {
	var out []string
	for i := range recs {
		out = append(out, string(history.AppendJSON(nil, &recs[i])))
	}
	return out
}

func equalLines(a, b []history.Record) bool {
	return strings.Join(lines(a), "\n") == strings.Join(lines(b), "\n")
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, migrated(t))
	var recs []history.Record
	for i := range 20 {
		recs = append(recs, rec(i, "a"))
	}
	if _, err := s.Append(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	size := func(rs []history.Record) int64 {
		var n int64
		for _, l := range lines(rs) {
			n += int64(len(l)) + 1
		}
		return n
	}
	dry, err := s.Prune(ctx, history.PrunePolicy{KeepLast: 5, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := history.PruneResult{Kept: 5, Removed: 15, Oldest: recs[15].Time, BytesBefore: size(recs), BytesAfter: size(recs[15:])}
	if fmt.Sprint(*dry) != fmt.Sprint(want) {
		t.Errorf("dry run = %+v, want %+v", *dry, want)
	}
	got, err := s.Prune(ctx, history.PrunePolicy{KeepLast: 12, OlderThan: 10 * time.Minute, Now: recs[19].Time})
	if err != nil {
		t.Fatal(err)
	}
	// keep-last 12 keeps 8..19; older-than 10m before t19 (cutoff t9) keeps 9..19.
	want = history.PruneResult{Kept: 11, Removed: 9, Oldest: recs[9].Time, BytesBefore: size(recs), BytesAfter: size(recs[9:])}
	if fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Errorf("Prune = %+v, want %+v", *got, want)
	}
	l, err := s.Tail(ctx, 100, history.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !equalLines(l.Records, recs[9:]) {
		t.Errorf("after prune: %v", lines(l.Records))
	}
	if _, err := s.Prune(ctx, history.PrunePolicy{}); !errors.Is(err, history.ErrNoPolicy) {
		t.Errorf("Prune without a policy = %v", err)
	}
}

// TestConcurrentWriters runs N processes (two per cluster, three clusters)
// each appending M records one at a time and then replaying them all, and
// checks that every record landed exactly once.
func TestConcurrentWriters(t *testing.T) {
	const procs, each = 6, 200
	u := migrated(t)
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "KSNAP_PG_CHILD="+u, "KSNAP_PG_CHILD_ID="+strconv.Itoa(p), "KSNAP_PG_CHILD_N="+strconv.Itoa(each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("writer: %v", err)
		}
	}
	s := openStore(t, u)
	seen := map[string]int{}
	n := 0
	if _, err := s.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		seen[strings.Clone(r.BundleSHA256)]++ // the record is valid only in fn
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != procs*each || len(seen) != procs*each {
		t.Fatalf("%d records, %d distinct; want %d each", n, len(seen), procs*each)
	}
}

// child appends its records one Append per record, then replays them all.
func child() int {
	ctx := context.Background()
	id, _ := strconv.Atoi(os.Getenv("KSNAP_PG_CHILD_ID"))
	n, _ := strconv.Atoi(os.Getenv("KSNAP_PG_CHILD_N"))
	s, err := postgres.Open(ctx, os.Getenv("KSNAP_PG_CHILD"), postgres.Options{MaxConns: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	var recs []history.Record
	for i := range n {
		r := rec(id*100000+i, "ns"+strconv.Itoa(id))
		r.Cluster = "cluster-" + strconv.Itoa(id%3) // several writers per cluster
		recs = append(recs, r)
		if _, err := s.Append(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if res, err := s.Append(ctx, recs...); err != nil || res.Lines != 0 {
		fmt.Fprintln(os.Stderr, "replay:", res, err)
		return 1
	}
	return 0
}

func TestConnectErrorNamesHostAndDatabaseOnly(t *testing.T) {
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://alice:s3cret@127.0.0.1:1/fleet?sslmode=disable", postgres.Options{})
	want := "postgres://127.0.0.1:1/fleet: cannot connect: connect: connection refused"
	if err == nil || err.Error() != want || !errors.Is(err, postgres.ErrConnect) {
		t.Fatalf("Open = %v, want %q", err, want)
	}
	_, err = postgres.Open(ctx, "postgres://alice:s3cret@127.0.0.1:notaport/fleet", postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "alice") {
		t.Fatalf("bad URL error = %v", err)
	}
}

func TestTryLock(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	a, b := openStore(t, u), openStore(t, u)
	l, err := a.TryLock(ctx, "alert")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.TryLock(ctx, "alert"); !errors.Is(err, postgres.ErrLocked) {
		t.Fatalf("second TryLock = %v, want ErrLocked", err)
	}
	other, err := b.TryLock(ctx, "other")
	if err != nil {
		t.Fatalf("another name: %v", err)
	}
	other.Release(ctx)
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	l2, err := b.TryLock(ctx, "alert")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release(ctx)
}

// clone deep-copies r through its line (Scan's record is valid only in fn).
func clone(r *history.Record) history.Record {
	c, err := history.ParseLine(history.AppendJSON(nil, r))
	if err != nil {
		panic(err)
	}
	return c
}

// The key includes the cluster: the same bundle hash from two clusters is
// two records, and the cluster filter runs in SQL.
func TestClusters(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, migrated(t))
	var recs []history.Record
	for _, c := range []string{"prod-eu", "prod-us", ""} {
		for i := range 3 {
			r := rec(i, "a")
			r.Cluster = c
			recs = append(recs, r)
		}
	}
	if res, err := s.Append(ctx, recs...); err != nil || res.Lines != 9 {
		t.Fatalf("Append = %+v, %v", res, err)
	}
	got, err := s.Tail(ctx, 10, history.Filter{Cluster: "prod-us"})
	if err != nil {
		t.Fatal(err)
	}
	if !equalLines(got.Records, recs[3:6]) {
		t.Errorf("Tail(cluster prod-us) = %v", lines(got.Records))
	}
}
