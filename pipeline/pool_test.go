package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestOrderedKeepsOrderAndBound(t *testing.T) {
	for _, tt := range []struct{ n, workers int }{{0, 4}, {1, 4}, {5, 1}, {100, 2}, {37, 8}} {
		t.Run(fmt.Sprintf("n%d_w%d", tt.n, tt.workers), func(t *testing.T) {
			var inFlight, peak atomic.Int64
			var got []int
			err := Ordered(context.Background(), tt.n, tt.workers,
				func(_ context.Context, i int) int {
					c := inFlight.Add(1)
					for {
						p := peak.Load()
						if c <= p || peak.CompareAndSwap(p, c) {
							break
						}
					}
					return i * i
				},
				func(i, v int) error {
					inFlight.Add(-1)
					if v != i*i {
						return fmt.Errorf("result %d = %d, want %d", i, v, i*i)
					}
					got = append(got, i)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.n {
				t.Fatalf("emitted %d results, want %d", len(got), tt.n)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("emit order %v", got)
				}
			}
			if bound := int64(2 * max(1, min(tt.workers, tt.n))); peak.Load() > bound {
				t.Fatalf("%d results held at once, bound %d", peak.Load(), bound)
			}
		})
	}
}

func TestOrderedStopsOnEmitError(t *testing.T) {
	stop := errors.New("stop")
	var started atomic.Int64
	err := Ordered(context.Background(), 1000, 2,
		func(_ context.Context, i int) int { started.Add(1); return i },
		func(i, v int) error {
			if i == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want %v", err, stop)
	}
	if n := started.Load(); n > 3+1+4 {
		t.Fatalf("%d items started after the stop at item 3 (bound: 2*workers in flight)", n)
	}
}

func TestOrderedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := Ordered(ctx, 100, 2,
		func(_ context.Context, i int) int { return i },
		func(i, v int) error {
			if i == 1 {
				cancel()
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
