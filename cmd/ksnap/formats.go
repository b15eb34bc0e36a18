package main

import (
	"io"
	"sort"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/render/html"
	"github.com/ksnap/ksnap/render/json"
	"github.com/ksnap/ksnap/render/junit"
	"github.com/ksnap/ksnap/render/markdown"
	"github.com/ksnap/ksnap/render/text"
)

// Output formats (-o): one name, one renderer each.
const (
	formatText     = "text"
	formatJSON     = "json"
	formatJUnit    = "junit"
	formatMarkdown = "markdown"
	formatHTML     = "html"
)

// reportFormat is how one -o format writes analysis reports: either one
// report at a time (each), or all of them at the end (all).
type reportFormat struct {
	each func(w io.Writer, rep *analyze.Report) error
	all  func(w io.Writer, reps []*analyze.Report) error
	// unreadable, when set, writes an each-format's block for a bundle that
	// could not be read (stderr has its line too).
	unreadable func(w io.Writer, path string, err error) error
	// batch writes every bundle at the end, unreadable ones included.
	batch func(w io.Writer, es []junit.Entry, o renderOptions) error
	// separate: a blank line between reports, then one summary line per
	// bundle when there are several.
	separate bool
}

// reportFormats is the one place an analysis output format is chosen.
var reportFormats = map[string]reportFormat{
	formatText: {each: text.Report, separate: true},
	formatJSON: {each: json.Report},
	formatJUnit: {batch: func(w io.Writer, es []junit.Entry, o renderOptions) error {
		return junit.Write(w, es, junit.Options{Strict: o.Strict})
	}},
	formatMarkdown: {each: markdown.Report, unreadable: markdown.Unreadable},
	formatHTML:     {all: func(w io.Writer, reps []*analyze.Report) error { return html.WriteReport(w, reps...) }},
}

// renderOptions are the flags that shape a format's output rather than
// the analysis.
type renderOptions struct {
	Strict, All, Brief bool
}

// bind returns the format with the options that shape it applied.
func (f reportFormat) bind(name string, o renderOptions) reportFormat {
	switch name {
	case formatText:
		f.each = func(w io.Writer, rep *analyze.Report) error {
			return text.Write(w, rep, text.Options{All: o.All, Brief: o.Brief})
		}
	case formatMarkdown:
		f.each = func(w io.Writer, rep *analyze.Report) error {
			return markdown.Write(w, rep, markdown.Options{All: o.All})
		}
	}
	return f
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
