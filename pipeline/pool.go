package pipeline

import (
	"context"
)

// SmallWindow is the window per worker for results that are small once
// work returns (a verdict, rendered bytes, a history record): with 32 per
// worker a slow bundle, or an emitter busy writing, does not leave the
// other workers idle waiting for the one result whose turn it is.
const SmallWindow = 32

// Ordered runs work(ctx, i) for every i in [0, n) on up to workers
// goroutines and calls emit(i, v) for each result in index order, from the
// calling goroutine. At most 2*workers results (being computed or waiting
// for their turn) exist at once, so memory stays bounded however large n is.
//
// The first error emit returns stops the pool: no new work starts, the
// goroutines are waited for, and that error is returned. A cancelled ctx
// stops it the same way and returns ctx.Err(). work must itself honour ctx
// for a prompt stop.
func Ordered[T any](ctx context.Context, n, workers int, work func(ctx context.Context, i int) T, emit func(i int, v T) error) error {
	return OrderedWindow(ctx, n, workers, 0, work, emit)
}

// OrderedWindow is Ordered with at most window results in flight (0 or
// less: 2*workers; never fewer than the workers). A wide window is for
// results that are small: the memory bound is window results, however
// large each was while work ran.
func OrderedWindow[T any](ctx context.Context, n, workers, window int, work func(ctx context.Context, i int) T, emit func(i int, v T) error) error {
	if n == 0 {
		return ctx.Err()
	}
	workers = max(1, min(workers, n))
	if window <= 0 {
		window = 2 * workers
	}
	window = max(window, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make([]chan T, n)
	for i := range results {
		results[i] = make(chan T, 1) // a worker never waits for the reader
	}
	slots := make(chan struct{}, window)
	todo := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(todo)
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case todo <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	live := workers
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range todo {
				results[i] <- work(ctx, i)
			}
		}()
	}
	wait := func() {
		for ; live > 0; live-- {
			<-done
		}
	}
	defer wait()
	for i := range n {
		var v T
		select {
		case v = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := emit(i, v)
		<-slots // the result is gone only once emit has returned
		if err != nil {
			cancel()
			return err
		}
	}
	return ctx.Err()
}
