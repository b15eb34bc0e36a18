package main

import (
	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/pipeline"
)

// historyOptions are the settings rebuild (and alert, reading a recorded
// bundle) judge bundles by: each bundle's manifest's (record wrote them).
func historyOptions() pipeline.Options {
	o := pipeline.DefaultOptions()
	o.FromManifest, o.LoadRules = true, loadRulesFile
	return o
}

// analyzeForHistory is pipeline.Analyze of a recorded bundle by the
// settings its manifest records, as rebuild judges it.
func analyzeForHistory(path string) (history.Record, *analyze.Report, error) {
	a, err := pipeline.Analyze(path, historyOptions())
	if err != nil {
		return history.Record{}, nil, err
	}
	return a.Record, a.Report, nil
}
