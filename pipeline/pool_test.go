package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
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

// OrderedWindow holds at most window results, and never fewer than the
// workers; 0 is Ordered's 2*workers.
func TestOrderedWindowBound(t *testing.T) {
	for _, tt := range []struct{ n, workers, window, bound int }{
		{100, 2, 0, 4}, {100, 2, 64, 64}, {100, 4, 1, 4}, {10, 2, 64, 64}, {3, 8, 64, 64},
	} {
		t.Run(fmt.Sprintf("n%d_w%d_win%d", tt.n, tt.workers, tt.window), func(t *testing.T) {
			var held, peak atomic.Int64
			var got []int
			err := OrderedWindow(context.Background(), tt.n, tt.workers, tt.window,
				func(_ context.Context, i int) int {
					c := held.Add(1)
					for p := peak.Load(); c > p && !peak.CompareAndSwap(p, c); p = peak.Load() {
					}
					return i
				},
				func(i, v int) error {
					held.Add(-1)
					got = append(got, v)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("emit order %v", got)
				}
			}
			if len(got) != tt.n {
				t.Fatalf("emitted %d, want %d", len(got), tt.n)
			}
			if p := peak.Load(); p > int64(tt.bound) {
				t.Fatalf("%d results held at once, bound %d", p, tt.bound)
			}
		})
	}
}

// While the first result is slow, the other workers run ahead until the
// window is full, and no further: exactly window-1 later items finish
// before the first is emitted.
func TestOrderedWindowLateFirstFillsWindow(t *testing.T) {
	const n, workers, window = 200, 2, 16
	release := make(chan struct{})
	var doneBeforeFirst atomic.Int64
	var firstEmitted atomic.Bool
	finished := make(chan struct{}, n)
	go func() {
		// Wait until window-1 later items are done (or give up: a narrower
		// window never gets there), then let the first one finish.
		timeout := time.After(5 * time.Second)
		for range window - 1 {
			select {
			case <-finished:
			case <-timeout:
				close(release)
				return
			}
		}
		close(release)
	}()
	err := OrderedWindow(context.Background(), n, workers, window,
		func(_ context.Context, i int) int {
			if i == 0 {
				<-release
				return i
			}
			if !firstEmitted.Load() {
				doneBeforeFirst.Add(1)
			}
			finished <- struct{}{}
			return i
		},
		func(i, v int) error {
			if i == 0 {
				firstEmitted.Store(true)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	// Item window can only start once item 0 has been emitted.
	if got := doneBeforeFirst.Load(); got != window-1 {
		t.Fatalf("%d items done before the first was emitted, want %d", got, window-1)
	}
}
