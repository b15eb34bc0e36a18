package main

import (
	"io"
	"sort"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/render/html"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/text"
)

// Output formats (-o): one name, one renderer each.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatJUnit = "junit"
	formatHTML  = "html"
)

// reportFormat is how one -o format writes analysis reports: either one
// report at a time (each), or all of them at the end (all).
type reportFormat struct {
	each func(w io.Writer, rep *analyze.Report) error
	all  func(w io.Writer, reps []*analyze.Report) error
	// separate: a blank line between reports, then one summary line per
	// bundle when there are several.
	separate bool
}

// reportFormats is the one place an analysis output format is chosen.
var reportFormats = map[string]reportFormat{
	formatText:  {each: text.Report, separate: true},
	formatJSON:  {each: json.Report},
	formatJUnit: {all: func(w io.Writer, reps []*analyze.Report) error { return junit.Reports(w, reps...) }},
	formatHTML:  {all: func(w io.Writer, reps []*analyze.Report) error { return html.WriteReport(w, reps...) }},
}

// formatNames lists the keys of a format table, sorted, for help and errors.
func formatNames[V any](m map[string]V) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
