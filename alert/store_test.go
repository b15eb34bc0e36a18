package alert

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/memstore"
)

// TestEvaluateStoresAgree: the JSONL store (which may reuse the memory of
// the records it passes) and the in-memory store give the same result, in
// order and out of order.
func TestEvaluateStoresAgree(t *testing.T) {
	t.Parallel()
	var recs []history.Record
	levels := []string{"OK", "ERROR", "ERROR", "WARN", "OK", "ERROR", "UNKNOWN"}
	for i := range 300 {
		var specs []string
		for k := range 7 {
			specs = append(specs, fmt.Sprintf("job-%d@cron-%d=%s", i, k, levels[(i+k)%7]), fmt.Sprintf("solo-%d=%s", k, levels[(i*k)%7]))
		}
		recs = append(recs, rec(i, specs...))
	}
	swapped := append([]history.Record(nil), recs...)
	swapped[10], swapped[200] = swapped[200], swapped[10]
	for name, in := range map[string][]history.Record{"sorted": recs, "unsorted": swapped} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			js, err := jsonl.Open(filepath.Join(t.TempDir(), "h.jsonl"), jsonl.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			ms := memstore.New("m", nil)
			var results []*Result
			for _, st := range []history.Store{js, ms} {
				if _, err := st.Append(context.Background(), in...); err != nil {
					t.Fatal(err)
				}
				res, _, err := Evaluate(context.Background(), st, history.Filter{}, Options{For: 2})
				if err != nil {
					t.Fatal(err)
				}
				results = append(results, res)
			}
			if len(results[0].Transitions) < 100 {
				t.Fatalf("only %d transitions", len(results[0].Transitions))
			}
			if !reflect.DeepEqual(results[0], results[1]) {
				t.Errorf("jsonl and memstore differ:\n%s\n---\n%s", brief(results[0].Transitions), brief(results[1].Transitions))
			}
			want := evaluate(t, Options{For: 2}, recs...)
			if !reflect.DeepEqual(results[0].Transitions, want.Transitions) {
				t.Error("out-of-order store gave other transitions than the sorted one")
			}
		})
	}
}
