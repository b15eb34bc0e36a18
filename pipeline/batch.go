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
	// Progress, when set, is called with the number of bundles done so
	// far, from the goroutine that emits, before each emit.
	Progress func(done int)
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
	workers := bo.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return Ordered(ctx, len(files), workers, func(ctx context.Context, i int) Item {
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
