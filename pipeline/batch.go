package pipeline

import (
	"context"
	"runtime"
)

// BatchOptions configure AnalyzeAll.
type BatchOptions struct {
	// Workers bounds the bundles analyzed at once; 0 means GOMAXPROCS.
	Workers int
	// Prepare, when set, runs in the worker right after a bundle is
	// analyzed, e.g. to render its report into bytes so that the decoded
	// bundle can be freed while the result waits for its turn. What it
	// returns is handed to emit as Item.Prepared.
	Prepare func(a *Analyzed) (any, error)
	// Window bounds the results in flight (being analyzed or waiting for
	// their turn); 0 means 2*Workers. Set it wider (SmallWindow*Workers)
	// only when Prepare leaves each result small.
	Window int
	// Progress, when set, is called with the number of bundles done so
	// far, from the goroutine that emits, before each emit.
	Progress func(done int)
}

// workers is Workers, or GOMAXPROCS when it is 0.
func (bo BatchOptions) workers() int {
	if bo.Workers > 0 {
		return bo.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// SmallResults returns bo with Window set for small results:
// SmallWindow per worker. Use it only when Prepare leaves each result small.
func (bo BatchOptions) SmallResults() BatchOptions {
	bo.Window = SmallWindow * bo.workers()
	return bo
}

// Item is the outcome of one bundle of a batch.
type Item struct {
	// Path is the bundle file.
	Path string
	// Analyzed is nil when Err is set.
	Analyzed *Analyzed
	// Err is why the bundle could not be analyzed (a *bundle.CorruptError,
	// a missing file, ...); the batch goes on.
	Err error
	// Prepared is what BatchOptions.Prepare returned, and PrepareErr its error.
	Prepared   any
	PrepareErr error
}

// AnalyzeAll analyzes files with a bounded pool and calls emit for each
// in the order of files. A bundle that cannot be read is an Item with Err
// set, never a stop; only emit's error (or ctx) stops the batch.
func AnalyzeAll(ctx context.Context, files []string, opts Options, bo BatchOptions, emit func(Item) error) error {
	return OrderedWindow(ctx, len(files), bo.workers(), bo.Window, func(ctx context.Context, i int) Item {
		it := Item{Path: files[i]}
		it.Analyzed, it.Err = Analyze(files[i], opts)
		if it.Err == nil && bo.Prepare != nil {
			it.Prepared, it.PrepareErr = bo.Prepare(it.Analyzed)
		}
		return it
	}, func(i int, it Item) error {
		if bo.Progress != nil {
			bo.Progress(i + 1)
		}
		return emit(it)
	})
}
