package main

import (
	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/pipeline"
)

// analyzeForHistory is pipeline.Analyze with the settings record and
// rebuild share.
func analyzeForHistory(path string) (history.Record, *analyze.Report, error) {
	a, err := pipeline.Analyze(path, pipeline.DefaultOptions())
	if err != nil {
		return history.Record{}, nil, err
	}
	return a.Record, a.Report, nil
}
