package dashboard

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func rec(min int, health string, capErrs int, jobs ...history.Job) history.Record {
	return history.Record{
		Time: t0.Add(time.Duration(min) * time.Minute), Namespace: "ns", Selector: "app=x",
		OverallHealth: health, Bundle: "b" + time.Duration(min).String(), BundleSHA256: "sha", Ruleset: "r/1",
		CaptureErrors: capErrs, Jobs: jobs,
	}
}

func job(name, owner, health string, rules ...string) history.Job {
	return history.Job{Name: name, Owner: owner, Health: health, Rules: rules}
}

func TestBuild(t *testing.T) {
	// Store order is not time order: the fold sorts.
	recs := []history.Record{
		rec(10, "ERROR", 0, job("etl-2", "etl", "ERROR", "J1"), job("solo", "", "OK")),
		rec(0, "OK", 0, job("etl-1", "etl", "OK")),
		rec(20, "ERROR", 1, job("etl-3", "etl", "ERROR", "J1")),
		rec(30, "ERROR", 0, job("etl-4", "etl", "WARN", "J4"), job("etl-5", "etl", "ERROR", "bad code!"), job("solo", "", "OK")),
	}
	d, err := Build(context.Background(), store(t, recs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	caps := []Capture{
		{Time: at(0), Bundle: "b0s", SHA256: "sha", Ruleset: "r/1", Health: model.LevelOK},
		{Time: at(10), Bundle: "b10ns", SHA256: "sha", Ruleset: "r/1", Health: model.LevelError},
		{Time: at(20), Bundle: "b20ns", SHA256: "sha", Ruleset: "r/1", Health: model.LevelError, CaptureErrors: 1},
		{Time: at(30), Bundle: "b30ns", SHA256: "sha", Ruleset: "r/1", Health: model.LevelError},
	}
	want := &Dashboard{
		AsOf: at(30), Captures: 4,
		Targets: []Target{{
			Namespace: "ns", Selector: "app=x", Captures: caps, Count: 4,
			Columns: []Column{
				{Start: at(0), First: 0, Last: 0, Health: model.LevelOK},
				{Start: at(10), First: 1, Last: 1, Health: model.LevelError},
				{Start: at(20), First: 2, Last: 2, Health: model.LevelError, Partial: true},
				{Start: at(30), First: 3, Last: 3, Health: model.LevelError},
			},
			Owners: []Owner{
				{
					Kind: "CronJob", Name: "etl",
					Cells: []Cell{
						{State: StateOK, Present: 1, Capture: 0},
						{State: StateError, Present: 1, Errors: 1, Capture: 1, Reason: "J1"},
						{State: StateError, Present: 1, Errors: 1, Capture: 2, Reason: "J1"},
						{State: StateError, Present: 1, Errors: 1, Capture: 3, Reason: "other"},
					},
					Seen: 4, Errors: 3,
					Last: model.LevelError, LastSeen: at(30), LastReason: "other", LastJob: "etl-5",
					ConsecutiveFailures: 3, LastOK: at(0), LastOKAge: 30 * time.Minute,
					TopReason: "J1", TopReasonCount: 2,
				},
				{
					Kind: "Job", Name: "solo",
					Cells: []Cell{
						{State: StateGap, Capture: 0},
						{State: StateOK, Present: 1, Capture: 1},
						{State: StatePartial, Capture: 2},
						{State: StateOK, Present: 1, Capture: 3},
					},
					Seen: 2, Last: model.LevelOK, LastSeen: at(30), LastJob: "solo",
					LastOK: at(30),
				},
			},
			Streak: Streak{Health: model.LevelError, Captures: 3, Since: at(10)},
			Transitions: []Transition{
				{Time: at(10), From: model.LevelOK, To: model.LevelError, Bundle: "b10ns"},
			},
			NewestJobs: []history.Job{job("etl-4", "etl", "WARN", "J4"), job("etl-5", "etl", "ERROR", "bad code!"), job("solo", "", "OK")},
		}},
		Reasons: []Reason{
			{Reason: "J1", Count: 2, Owners: 1, Last: at(20)},
			{Reason: "other", Count: 1, Owners: 1, Last: at(30)},
		},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Build:\n got %+v\nwant %+v", d, want)
	}
}

func TestAggregation(t *testing.T) {
	tests := []struct {
		name     string
		captures int
		every    time.Duration
		maxCols  int
		bucket   time.Duration
		cols     int
		omitted  int
	}{
		{"fits", 10, time.Minute, 10, 0, 10, 0},
		{"hourly", 300, 5 * time.Minute, 100, time.Hour, 25, 0},
		{"daily", 3000, 5 * time.Minute, 24, 24 * time.Hour, 11, 0},
		{"weekly, oldest omitted", 200, 24 * time.Hour, 24, 7 * 24 * time.Hour, 24, 5 * 7}, // 29 weeks from a Monday: the oldest 5 go,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []history.Record
			for i := range tt.captures {
				r := rec(0, "OK", 0, job("a", "", "OK"))
				r.Time = t0.Add(time.Duration(i) * tt.every)
				recs = append(recs, r)
			}
			d, err := Build(context.Background(), store(t, recs), Options{MaxColumns: tt.maxCols})
			if err != nil {
				t.Fatal(err)
			}
			tg := d.Targets[0]
			if tg.Bucket != tt.bucket || len(tg.Columns) != tt.cols || tg.Omitted != tt.omitted {
				t.Errorf("bucket %v, %d columns, %d omitted; want %v, %d, %d", tg.Bucket, len(tg.Columns), tg.Omitted, tt.bucket, tt.cols, tt.omitted)
			}
			n := 0
			for _, c := range tg.Columns {
				n += c.Count()
			}
			if n+tg.Omitted != tt.captures {
				t.Errorf("columns hold %d captures + %d omitted, want %d", n, tg.Omitted, tt.captures)
			}
		})
	}
}

func TestReasonCode(t *testing.T) {
	for in, want := range map[string]string{"J1": "J1", "P14": "P14", "": "other", "a b": "other", "ABCDEFGHIJKLMNOPQ": "other"} {
		if got := ReasonCode(in); got != want {
			t.Errorf("ReasonCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func store(t *testing.T, recs []history.Record) history.Store {
	t.Helper()
	s := memstore.New("test", nil)
	if _, err := s.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	return s
}

// randomHistory is n records over three targets and a dozen owners, in
// time order but for local shuffles of up to jitter records, with equal
// times and bundle names now and then (the sort's ties), and far records
// (one moved back by far positions) when far > 0.
func randomHistory(rng *rand.Rand, n, jitter, far int) []history.Record {
	healths := []string{"OK", "OK", "OK", "WARN", "ERROR", "ERROR", "UNKNOWN"}
	recs := make([]history.Record, n)
	for i := range recs {
		min := i
		if rng.Intn(10) == 0 && i > 0 {
			min = i - 1 // the same time as the one before
		}
		r := rec(min, healths[rng.Intn(len(healths))], rng.Intn(4)/3)
		r.Namespace = []string{"a", "b", "c"}[rng.Intn(3)]
		if rng.Intn(8) == 0 {
			r.Bundle = "same"
		}
		for k := range 1 + rng.Intn(4) {
			owner := []string{"etl", "report", "", ""}[rng.Intn(4)]
			name := fmt.Sprintf("job-%d", rng.Intn(12))
			if owner != "" && k%2 == 1 {
				name = owner + "-" + name
			}
			r.Jobs = append(r.Jobs, job(name, owner, healths[rng.Intn(len(healths))], []string{"J1", "P4", "bad code!", ""}[rng.Intn(4)]))
		}
		recs[i] = r
	}
	for i := 0; i+jitter <= len(recs); i += jitter {
		rng.Shuffle(jitter, func(a, b int) { recs[i+a], recs[i+b] = recs[i+b], recs[i+a] })
	}
	if far > 0 && len(recs) > far {
		i := far + rng.Intn(len(recs)-far)
		moved := recs[i-far]
		copy(recs[i-far:i], recs[i-far+1:i+1])
		recs[i] = moved
	}
	return recs
}

// TestNoGridFoldsAsItReads: the NoGrid fold, which folds the records as it
// reads them through a reorder window, gives what folding them all after
// sorting gives; a history further out of order than the window makes it
// fall back to the full fold, with the same result.
func TestNoGridFoldsAsItReads(t *testing.T) {
	defer func(w int) { reorderWindow = w }(reorderWindow)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	for round := range 300 {
		reorderWindow = []int{1, 2, 8, 64}[round%4]
		jitter := 1 + rng.Intn(reorderWindow)
		far := 0
		if round%3 == 0 {
			far = reorderWindow + 1 + rng.Intn(5)
		}
		recs := randomHistory(rng, 1+rng.Intn(120), jitter, far)
		s := store(t, recs)
		o := Options{NoGrid: true, MaxCells: DefaultMaxCells, MaxColumns: DefaultMaxColumns}
		want, err := build(ctx, s, o, false) // sort, then fold
		if err != nil {
			t.Fatal(err)
		}
		if n := len(want.Targets[0].Captures); n != 1 {
			t.Fatalf("NoGrid kept %d captures of a target, want the newest only", n)
		}
		streamed, err := build(ctx, s, o, true)
		switch {
		case errors.Is(err, errOutOfOrder):
			if far == 0 {
				t.Fatalf("round %d: window %d, jitter %d: fell back without a far record", round, reorderWindow, jitter)
			}
		case err != nil:
			t.Fatal(err)
		default:
			if !reflect.DeepEqual(streamed, want) {
				t.Fatalf("round %d: window %d, jitter %d, far %d: streamed fold\n got %+v\nwant %+v", round, reorderWindow, jitter, far, streamed, want)
			}
		}
		got, err := Build(ctx, s, Options{NoGrid: true})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Build with NoGrid\n got %+v\nwant %+v", round, got, want)
		}
	}
}
