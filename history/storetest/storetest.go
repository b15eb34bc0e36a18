// Package storetest is the conformance suite of history.Store, in the style
// of restic's internal/backend/test: one Run that every store's tests call
// with a factory for fresh empty stores, so that the JSONL file, memory and
// any later store (a database) are held to the same contract: store order,
// filters, Tail's window, Scan's errors and record validity, concurrent
// appends, prune by count and age (dry run included), prune atomicity while
// appends run, and corrupt or torn entries skipped and reported.
//
// Hooking a new store in is one test in its package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Suite{
//			New: func(t *testing.T, report history.Reporter) history.Store { ... },
//			Corrupt: ..., // if the store can hold a corrupt entry
//		})
//	}
//
// It imports testing and is for tests only; it must not know any store's
// internals beyond the hooks a Suite gives.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

// Suite describes the store under test.
type Suite struct {
	// New returns a fresh, empty store that passes its diagnostics to
	// report. The suite closes it.
	New func(t *testing.T, report history.Reporter) history.Store
	// Corrupt, when set, adds one corrupt entry (a line that is not a
	// record) at the end of st. Stores that cannot hold one leave it nil
	// and the cases that need it are skipped.
	Corrupt func(t *testing.T, st history.Store)
	// Torn, when set, leaves a torn entry at the end of st, as a write cut
	// short by a crash would (a last line without its newline).
	Torn func(t *testing.T, st history.Store)
	// Serial runs the cases one after the other instead of in parallel.
	Serial bool
}

// t0 is the time of record 0.
var t0 = time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)

// Rec returns the suite's record i: one minute after record i-1, in
// namespace ns, with selector sel, and two jobs (one of a CronJob) so that
// every field of a record is exercised.
func Rec(i int, ns, sel, health string) history.Record {
	worker := history.Job{Name: "worker", Phase: "FAILED", Health: health}
	if health != history.LevelOK {
		worker.Cause, worker.Reason = "P7", fmt.Sprintf("P7 OOMKilled exit 137 pod worker-%d", i)
	}
	var opts []history.Option
	if i%4 == 3 {
		opts = []history.Option{{Key: "max_runtime", Value: "2h0m0s"}}
	}
	return history.NewRecord(history.Input{
		CapturedAt: t0.Add(time.Duration(i) * time.Minute), Namespace: ns, Selector: sel, OverallHealth: health,
		Bundle: fmt.Sprintf("20251116T100000Z-%s-%08x.tar.zst", ns, i), BundleSHA256: fmt.Sprintf("%064x", i),
		Ruleset: "1", CaptureErrors: i % 2, WarningEvents: i % 3,
		Jobs: []history.Job{
			{Name: fmt.Sprintf("nightly-%d", 29000000+i/4*60), Phase: "SUCCEEDED", Health: "OK", Owner: "nightly", Rules: []string{"J1", "P3"}},
			worker,
		},
		Options: opts,
	})
}

func recs(from, to int) []history.Record {
	var out []history.Record
	for i := from; i < to; i++ {
		out = append(out, Rec(i, "ns", "app=x", []string{"OK", "WARN", "ERROR"}[i%3]))
	}
	return out
}

// Run runs every case against fresh stores from s.New.
func Run(t *testing.T, s Suite) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s *Suite)
	}{
		{"Empty", testEmpty},
		{"AppendTailScanOrder", testOrder},
		{"Filters", testFilters},
		{"TailWindow", testTailWindow},
		{"ScanFnError", testScanFnError},
		{"ContextCancel", testCancel},
		{"RecordValidity", testValidity},
		{"ConcurrentAppends", testConcurrentAppends},
		{"PruneKeepLast", testPruneKeepLast},
		{"PruneByAge", testPruneByAge},
		{"PrunePolicyErrors", testPruneErrors},
		{"PruneWhileAppending", testPruneWhileAppending},
		{"Summarize", testSummarize},
		{"CorruptEntries", testCorrupt},
		{"TornEntry", testTorn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !s.Serial {
				t.Parallel()
			}
			c.fn(t, &s)
		})
	}
}

// reports collects what a store passes to its Reporter.
type reports struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reports) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, err.Error())
}

func (r *reports) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.msgs
	r.msgs = nil
	return m
}

func (s *Suite) open(t *testing.T) (history.Store, *reports) {
	t.Helper()
	r := &reports{}
	st := s.New(t, r.report)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if st.String() == "" {
		t.Errorf("String is empty: a store must name itself in messages")
	}
	return st, r
}

func mustAppend(t *testing.T, st history.Store, rs ...history.Record) {
	t.Helper()
	res, err := st.Append(context.Background(), rs...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != len(rs) {
		t.Fatalf("Append of %d records: %+v", len(rs), res)
	}
}

// scanAll clones every record Scan passes.
func scanAll(t *testing.T, st history.Store, f history.Filter) ([]history.Record, history.Corrupt) {
	t.Helper()
	var out []history.Record
	c, err := st.Scan(context.Background(), f, func(r *history.Record) error {
		out = append(out, r.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, c
}

func tail(t *testing.T, st history.Store, n int, f history.Filter) *history.Loaded {
	t.Helper()
	l, err := st.Tail(context.Background(), n, f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func equal(t *testing.T, what string, got, want []history.Record) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: record %d of %d differs:\ngot  %+v\nwant %+v", what, i, len(want), got[i], want[i])
			return
		}
	}
	t.Errorf("%s: got %d records, want %d", what, len(got), len(want))
}

func testEmpty(t *testing.T, s *Suite) {
	st, rep := s.open(t)
	got, c := scanAll(t, st, history.Filter{})
	equal(t, "Scan", got, nil)
	l := tail(t, st, 10, history.Filter{})
	equal(t, "Tail", l.Records, nil)
	if c.Count != 0 || l.Corrupt.Count != 0 || len(rep.take()) != 0 {
		t.Errorf("corrupt entries in an empty store: %+v %+v", c, l.Corrupt)
	}
	for _, n := range []int{0, -1} {
		if _, err := st.Tail(context.Background(), n, history.Filter{}); !errors.Is(err, history.ErrBadLimit) {
			t.Errorf("Tail(%d): %v, want ErrBadLimit", n, err)
		}
	}
	if res, err := st.Append(context.Background()); err != nil || res.Lines != 0 {
		t.Errorf("Append of nothing: %+v %v", res, err)
	}
}

// Records come back in append order, across batches of different sizes,
// whole and equal to what was appended.
func testOrder(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 12)
	mustAppend(t, st, all[0])
	mustAppend(t, st, all[1:5]...)
	mustAppend(t, st, all[5:12]...)
	got, _ := scanAll(t, st, history.Filter{})
	equal(t, "Scan", got, all)
	equal(t, "Tail(12)", tail(t, st, 12, history.Filter{}).Records, all)
	// Store order is append order, not time order: an older record
	// appended last comes last.
	late := Rec(100, "ns", "app=x", "OK")
	late.Time = t0.Add(-time.Hour)
	late.Timestamp = history.FormatTime(late.Time)
	mustAppend(t, st, late)
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "Scan after an older record", got, append(all[:12:12], late))
	sorted := append([]history.Record(nil), got...)
	history.SortByTime(sorted)
	equal(t, "SortByTime", sorted, append([]history.Record{late}, all...))
}

func testFilters(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	var all []history.Record
	for i := range 20 {
		ns := []string{"a", "b"}[i%2]
		sel := []string{"app=x", "app=y", "app=x,tier=1"}[i%3]
		all = append(all, Rec(i, ns, sel, "OK"))
	}
	mustAppend(t, st, all...)
	pick := func(keep func(i int) bool) []history.Record {
		var out []history.Record
		for i, r := range all {
			if keep(i) {
				out = append(out, r)
			}
		}
		return out
	}
	tests := []struct {
		name string
		f    history.Filter
		want []history.Record
	}{
		{"none", history.Filter{}, all},
		{"namespace", history.Filter{Namespace: "b"}, pick(func(i int) bool { return i%2 == 1 })},
		{"selector exact, not a prefix", history.Filter{Selector: "app=x"}, pick(func(i int) bool { return i%3 == 0 })},
		{"since inclusive", history.Filter{Since: all[15].Time}, all[15:]},
		{"until inclusive", history.Filter{Until: all[3].Time}, all[:4]},
		{"all four", history.Filter{Namespace: "a", Selector: "app=y", Since: all[4].Time, Until: all[16].Time}, pick(func(i int) bool { return i%2 == 0 && i%3 == 1 && i >= 4 && i <= 16 })},
		{"nothing matches", history.Filter{Namespace: "c"}, nil},
		{"job by name", history.Filter{Job: "nightly-29000060"}, all[4:8]},
		{"job by CronJob", history.Filter{Job: "nightly", Namespace: "a"}, pick(func(i int) bool { return i%2 == 0 })},
		{"job name exact, not a prefix", history.Filter{Job: "nightly-2900006"}, nil},
		{"job and time", history.Filter{Job: "worker", Since: all[18].Time}, all[18:]},
	}
	for _, tt := range tests {
		got, _ := scanAll(t, st, tt.f)
		equal(t, "Scan "+tt.name, got, tt.want)
		equal(t, "Tail "+tt.name, tail(t, st, 100, tt.f).Records, tt.want)
		if len(tt.want) > 2 {
			equal(t, "Tail(2) "+tt.name, tail(t, st, 2, tt.f).Records, tt.want[len(tt.want)-2:])
		}
	}
}

func testTailWindow(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 30)
	mustAppend(t, st, all...)
	for _, n := range []int{1, 7, 29, 30, 31, 1000} {
		want := all[max(len(all)-n, 0):]
		equal(t, "Tail("+strconv.Itoa(n)+")", tail(t, st, n, history.Filter{}).Records, want)
	}
}

func testScanFnError(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	mustAppend(t, st, recs(0, 50)...)
	stop := errors.New("stop here")
	calls := 0
	_, err := st.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		calls++
		if calls == 7 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("Scan returned %v, want fn's error as is", err)
	}
	if calls != 7 {
		t.Errorf("fn called %d times after returning an error at call 7", calls)
	}
}

func testCancel(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	const n = 3000
	mustAppend(t, st, recs(0, n)...)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := st.Scan(ctx, history.Filter{}, func(r *history.Record) error {
		calls++
		if calls == 1 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Scan cancelled in fn: %v", err)
	}
	if calls >= n {
		t.Errorf("Scan went on to the end (%d records) after its context was cancelled", calls)
	}
	if _, err := st.Scan(ctx, history.Filter{}, func(*history.Record) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan with a cancelled context: %v", err)
	}
	if _, err := st.Tail(ctx, 10, history.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Tail with a cancelled context: %v", err)
	}
	if _, err := st.Append(ctx, Rec(n, "ns", "app=x", "OK")); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a cancelled context: %v", err)
	}
	if _, err := st.Prune(ctx, history.PrunePolicy{KeepLast: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("Prune with a cancelled context: %v", err)
	}
	if got, _ := scanAll(t, st, history.Filter{}); len(got) != n {
		t.Errorf("%d records after cancelled calls, want %d", len(got), n)
	}
}

// The record Scan passes is the store's until fn returns: a caller that
// clones keeps correct values whatever the store does with its memory, and
// nothing a caller does to a record it was given (by Scan or Tail) or gave
// (to Append) changes the store.
func testValidity(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 2000) // several blocks of a file reader
	in := make([]history.Record, len(all))
	for i := range all {
		in[i] = all[i].Clone()
	}
	mustAppend(t, st, in...)
	for i := range in {
		in[i].Namespace = "changed after Append"
		in[i].Jobs[0].Name = "changed"
		in[i].Jobs[0].Rules[0] = "X"
	}
	var kept []history.Record
	_, err := st.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		kept = append(kept, r.Clone())
		// Writing into the record must not reach the store.
		r.Namespace = "changed in fn"
		if len(r.Jobs) > 0 {
			r.Jobs[0].Name = "changed in fn"
			if len(r.Jobs[0].Rules) > 0 {
				r.Jobs[0].Rules[0] = "X"
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clones kept from Scan", kept, all)
	l := tail(t, st, len(all), history.Filter{})
	equal(t, "Tail after writes into scanned records", l.Records, all)
	for i := range l.Records {
		l.Records[i].Namespace = "changed in Tail's result"
		l.Records[i].Jobs[0].Rules[0] = "X"
	}
	equal(t, "Tail after writes into Tail's result", tail(t, st, len(all), history.Filter{}).Records, all)
	got, _ := scanAll(t, st, history.Filter{})
	equal(t, "Scan at the end", got, all)
}

// Concurrent appends from goroutines: none lost, none torn, each
// goroutine's records in its order.
func testConcurrentAppends(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := Rec(i, "w"+strconv.Itoa(w), strconv.Itoa(i), "OK")
				batch := []history.Record{r}
				if i%10 == 9 { // some batches of two
					batch = append(batch, Rec(i, "w"+strconv.Itoa(w), strconv.Itoa(i)+"b", "OK"))
				}
				if _, err := st.Append(context.Background(), batch...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, c := scanAll(t, st, history.Filter{})
	if c.Count != 0 {
		t.Errorf("%d corrupt entries after concurrent appends: %+v", c.Count, c.Lines)
	}
	wantN := writers * (each + each/10)
	if len(got) != wantN {
		t.Fatalf("%d records, want %d", len(got), wantN)
	}
	next := map[string]int{}
	seen := map[string]bool{}
	for _, r := range got {
		key := r.Namespace + "/" + r.Selector
		if seen[key] {
			t.Fatalf("%s appears twice", key)
		}
		seen[key] = true
		sel := r.Selector
		if len(sel) > 0 && sel[len(sel)-1] == 'b' {
			sel = sel[:len(sel)-1]
		} else {
			i, _ := strconv.Atoi(sel)
			if i != next[r.Namespace] {
				t.Fatalf("%s: record %d follows %d", r.Namespace, i, next[r.Namespace]-1)
			}
			next[r.Namespace]++
		}
		i, _ := strconv.Atoi(sel)
		if want := Rec(i, r.Namespace, r.Selector, "OK"); !reflect.DeepEqual(r, want) {
			t.Fatalf("record %s differs from what was appended:\n%+v\n%+v", key, r, want)
		}
	}
}

func prune(t *testing.T, st history.Store, p history.PrunePolicy) *history.PruneResult {
	t.Helper()
	res, err := st.Prune(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkPrune compares what a store may compute its own way (sizes) only
// for consistency, and everything else exactly.
func checkPrune(t *testing.T, what string, got *history.PruneResult, want history.PruneResult) {
	t.Helper()
	if got.BytesBefore < got.BytesAfter || (got.Removed+got.CorruptRemoved > 0) != (got.BytesAfter < got.BytesBefore) {
		t.Errorf("%s: bytes %d -> %d for %+v", what, got.BytesBefore, got.BytesAfter, got)
	}
	g := *got
	g.BytesBefore, g.BytesAfter, g.Corrupt = 0, 0, history.Corrupt{}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("%s: result %+v, want %+v", what, g, want)
	}
}

func testPruneKeepLast(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 10)
	mustAppend(t, st, all...)
	want := history.PruneResult{Kept: 4, Removed: 6, Oldest: all[6].Time}
	checkPrune(t, "dry run", prune(t, st, history.PrunePolicy{KeepLast: 4, DryRun: true}), want)
	got, _ := scanAll(t, st, history.Filter{})
	equal(t, "after a dry run", got, all)
	checkPrune(t, "prune", prune(t, st, history.PrunePolicy{KeepLast: 4}), want)
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "after prune", got, all[6:])
	checkPrune(t, "nothing to remove", prune(t, st, history.PrunePolicy{KeepLast: 100}), history.PruneResult{Kept: 4, Oldest: all[6].Time})
	// Appends go on after a prune.
	mustAppend(t, st, recs(10, 12)...)
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "append after prune", got, append(all[6:10:10], recs(10, 12)...))
}

func testPruneByAge(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 10)
	// Out of time order: the oldest kept is not the first kept.
	all[8].Time, all[8].Timestamp = all[5].Time, all[5].Timestamp
	mustAppend(t, st, all...)
	now := all[9].Time
	p := history.PrunePolicy{OlderThan: 4 * time.Minute, Now: now, DryRun: true} // keeps >= record 5's time
	want := history.PruneResult{Kept: 5, Removed: 5, Oldest: all[5].Time}
	checkPrune(t, "dry run", prune(t, st, p), want)
	got, _ := scanAll(t, st, history.Filter{})
	equal(t, "after a dry run", got, all)
	p.DryRun = false
	checkPrune(t, "prune", prune(t, st, p), want)
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "after prune", got, all[5:])
	// Both limits: a record must pass both.
	p = history.PrunePolicy{KeepLast: 2, OlderThan: time.Minute, Now: now} // last 2: 8 and 9; age: 9 only
	checkPrune(t, "both", prune(t, st, p), history.PruneResult{Kept: 1, Removed: 4, Oldest: all[9].Time})
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "after both", got, all[9:])
	checkPrune(t, "all too old", prune(t, st, history.PrunePolicy{OlderThan: time.Minute, Now: now.Add(time.Hour)}), history.PruneResult{Removed: 1})
	got, _ = scanAll(t, st, history.Filter{})
	equal(t, "after all removed", got, nil)
}

func testPruneErrors(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	mustAppend(t, st, recs(0, 3)...)
	if _, err := st.Prune(context.Background(), history.PrunePolicy{}); !errors.Is(err, history.ErrNoPolicy) {
		t.Errorf("no policy: %v", err)
	}
	if _, err := st.Prune(context.Background(), history.PrunePolicy{KeepLast: -1}); err == nil {
		t.Errorf("negative keep-last accepted")
	}
	if got, _ := scanAll(t, st, history.Filter{}); len(got) != 3 {
		t.Errorf("a refused prune changed the store: %d records", len(got))
	}
}

// Prune is atomic against concurrent appends: the old records go, every
// record appended while prunes run is there once, and no reader ever sees
// a half-pruned store.
func testPruneWhileAppending(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	old := recs(0, 200) // 2025-11-16
	mustAppend(t, st, old...)
	newAt := t0.AddDate(1, 0, 0)
	const writers, each = 4, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := Rec(i, "w"+strconv.Itoa(w), strconv.Itoa(i), "OK")
				r.Time, r.Timestamp = newAt.Add(time.Duration(i)*time.Second), history.FormatTime(newAt.Add(time.Duration(i)*time.Second))
				if _, err := st.Append(context.Background(), r); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	p := history.PrunePolicy{OlderThan: time.Hour, Now: newAt}
	prunes := 0
	for running := true; running; prunes++ {
		select {
		case <-done:
			running = false
		default:
		}
		prune(t, st, p)
		// A reader between prunes sees whole records only: the old ones
		// all there or all gone, never some.
		got, c := scanAll(t, st, history.Filter{Namespace: "ns"})
		if c.Count != 0 || (len(got) != 0 && len(got) != len(old)) {
			t.Fatalf("a reader saw %d of the %d old records (%d corrupt)", len(got), len(old), c.Count)
		}
		time.Sleep(time.Millisecond)
	}
	got, c := scanAll(t, st, history.Filter{})
	if c.Count != 0 {
		t.Errorf("%d corrupt entries", c.Count)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if r.Namespace == "ns" {
			t.Fatalf("an old record survived the prunes: %+v", r)
		}
		seen[r.Namespace+"/"+r.Selector] = true
	}
	if len(got) != writers*each || len(seen) != writers*each {
		t.Fatalf("%d records (%d distinct) after %d prunes, want %d: appends were lost or doubled", len(got), len(seen), prunes, writers*each)
	}
}

// The summary fold gives over the store what it gives over the records.
func testSummarize(t *testing.T, s *Suite) {
	st, _ := s.open(t)
	all := recs(0, 40)
	mustAppend(t, st, all...)
	ctx := context.Background()
	got, err := history.Summarize(ctx, st, history.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := history.SummarizeRecords(all, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize over the store:\n%+v\nwant\n%+v", got, want)
	}
	got, err = history.Summarize(ctx, st, history.SummaryOptions{Window: 9})
	if err != nil {
		t.Fatal(err)
	}
	if want := history.SummarizeRecords(all[31:], 0); !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize window 9:\n%+v\nwant\n%+v", got, want)
	}
}

func testCorrupt(t *testing.T, s *Suite) {
	if s.Corrupt == nil {
		t.Skip("the store cannot hold a corrupt entry")
	}
	st, rep := s.open(t)
	all := recs(0, 4)
	mustAppend(t, st, all[:2]...)
	s.Corrupt(t, st)
	mustAppend(t, st, all[2:]...)
	got, c := scanAll(t, st, history.Filter{})
	equal(t, "Scan", got, all)
	msgs := rep.take()
	if c.Count != 1 || len(c.Lines) != 1 || len(msgs) != 1 || msgs[0] != c.Lines[0].Error() {
		t.Errorf("Scan: corrupt %+v, reported %q", c, msgs)
	}
	if c.Lines[0].Path != st.String() {
		t.Errorf("the corrupt entry names %q, not the store %q", c.Lines[0].Path, st.String())
	}
	l := tail(t, st, 10, history.Filter{})
	equal(t, "Tail(10)", l.Records, all)
	if l.Corrupt.Count != 1 || len(rep.take()) != 1 {
		t.Errorf("Tail(10): corrupt %+v", l.Corrupt)
	}
	l = tail(t, st, 2, history.Filter{})
	equal(t, "Tail(2)", l.Records, all[2:])
	if l.Corrupt.Count != 0 || len(rep.take()) != 0 {
		t.Errorf("Tail(2) met a corrupt entry before the records it returns: %+v", l.Corrupt)
	}
	sum, err := history.Summarize(context.Background(), st, history.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 4 || sum.Corrupt.Count != 1 {
		t.Errorf("Summarize: total %d corrupt %d", sum.Total, sum.Corrupt.Count)
	}
	rep.take()
	// Prune keeps a corrupt entry after the first kept record and removes
	// one before it.
	checkPrune(t, "keep 3", prune(t, st, history.PrunePolicy{KeepLast: 3, DryRun: true}), history.PruneResult{Kept: 3, Removed: 1, CorruptKept: 1, Oldest: all[1].Time})
	checkPrune(t, "keep 2", prune(t, st, history.PrunePolicy{KeepLast: 2}), history.PruneResult{Kept: 2, Removed: 2, CorruptRemoved: 1, Oldest: all[2].Time})
	got, c = scanAll(t, st, history.Filter{})
	equal(t, "after prune", got, all[2:])
	if c.Count != 0 {
		t.Errorf("the removed corrupt entry is still there: %+v", c)
	}
	// Many corrupt entries: all counted, at most MaxReported reported
	// per call and kept with details.
	rep.take()
	for range history.MaxReported + 5 {
		s.Corrupt(t, st)
	}
	_, c = scanAll(t, st, history.Filter{})
	if msgs := rep.take(); c.Count != history.MaxReported+5 || len(c.Lines) != history.MaxReported || len(msgs) != history.MaxReported {
		t.Errorf("%d corrupt entries: counted %d, kept %d, reported %d", history.MaxReported+5, c.Count, len(c.Lines), len(msgs))
	}
}

func testTorn(t *testing.T, s *Suite) {
	if s.Torn == nil {
		t.Skip("the store cannot hold a torn entry")
	}
	st, rep := s.open(t)
	all := recs(0, 3)
	mustAppend(t, st, all[0])
	s.Torn(t, st)
	got, c := scanAll(t, st, history.Filter{})
	equal(t, "Scan with a torn tail", got, all[:1])
	if c.Count != 1 || !errors.Is(c.Lines[0].Err, history.ErrTorn) {
		t.Errorf("the torn tail: %+v", c)
	}
	rep.take()
	res, err := st.Append(context.Background(), all[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Torn == nil || res.Lines != 2 {
		t.Errorf("Append after a torn tail: %+v", res)
	}
	if msgs := rep.take(); len(msgs) != 1 || msgs[0] != res.Torn.Error() {
		t.Errorf("reported %q, want the torn tail", msgs)
	}
	got, c = scanAll(t, st, history.Filter{})
	equal(t, "Scan after the append", got, all)
	if c.Count != 1 {
		t.Errorf("the fragment should stay one corrupt entry: %+v", c)
	}
}
