package pipeline

import (
	"context"
	"fmt"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history"
)

// RecordResult is what one Record run did.
type RecordResult struct {
	// Capture is the capture's result: the bundle path and the failed commands.
	Capture *capture.Result
	// Analyzed is the evaluated bundle and its history record.
	Analyzed *Analyzed
	// Append says what the store did (a torn tail it worked around, ...);
	// zero when no store was given.
	Append history.AppendResult
}

// Record captures one bundle with r, analyzes it and, when st is not nil,
// appends its record to st: the whole of `ksnap record` (and, without a
// store, of one `ksnap watch` tick). A capture whose kubectl commands failed
// is still analyzed and recorded; the report says what failed.
//
// The analysis settings that differ from the defaults are recorded in the
// bundle's manifest (Settings), so that Rebuild, which judges each bundle by
// its manifest's settings, writes the same record.
func Record(ctx context.Context, copts capture.Options, r kubectl.Runner, st history.Store, opts Options) (*RecordResult, error) {
	copts.AnalysisOptions = SettingsMap(opts.Settings())
	res, err := capture.Run(ctx, copts, r)
	if err != nil {
		return nil, err
	}
	out := &RecordResult{Capture: res}
	if opts.AfterCapture != nil {
		if err := opts.AfterCapture(ctx, res); err != nil {
			return out, err
		}
	}
	out.Analyzed, err = Analyze(res.Path, opts)
	if err != nil {
		return out, err
	}
	if st != nil {
		out.Append, err = st.Append(ctx, out.Analyzed.Record)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// RebuildResult is what Rebuild did.
type RebuildResult struct {
	// Bundles is the number of bundles given, Written the records appended.
	Bundles int
	Written int
	// Failed are the bundles that could not be analyzed, in input order.
	Failed []Item
}

// rebuildChunk is how many records Rebuild hands to one Append.
const rebuildChunk = 512

// Rebuild analyzes files (in capture order, as bundle listing gives them)
// with the settings record used, as each bundle's manifest records them
// (opts.FromManifest is set; opts.LoadRules reads a rules file a manifest
// names), and appends one record per bundle to
// st, in that order: for the same bundles the result is byte for byte the
// history that record appended. Unreadable bundles are skipped and
// returned in Failed; onFail, when set, hears of each as it is met.
func Rebuild(ctx context.Context, files []string, st history.Store, opts Options, bo BatchOptions, onFail func(Item)) (*RebuildResult, error) {
	res := &RebuildResult{Bundles: len(files)}
	var pending []history.Record
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if _, err := st.Append(ctx, pending...); err != nil {
			return fmt.Errorf("rebuild: %w", err)
		}
		res.Written += len(pending)
		pending = pending[:0]
		return nil
	}
	// Only the record is kept: the report goes in the worker, so that
	// each result waiting for its turn is small and the window can be wide.
	bo.Prepare = func(a *Analyzed) (any, error) {
		a.Report = nil
		return nil, nil
	}
	if bo.Window == 0 {
		bo = bo.SmallResults()
	}
	opts.FromManifest = true
	err := AnalyzeAll(ctx, files, opts, bo, func(it Item) error {
		if it.Err != nil {
			res.Failed = append(res.Failed, it)
			if onFail != nil {
				onFail(it)
			}
			return nil
		}
		pending = append(pending, it.Analyzed.Record)
		if len(pending) == rebuildChunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, flush()
}
