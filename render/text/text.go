// Package text renders ksnap's human-readable output: the analysis report
// (Report, SummaryLine) and the history views (HistoryTable,
// HistorySummary, RecordBlock, CompactLine). Each writer takes the
// io.Writer and the value to render and returns the first write error;
// SummaryLine returns its line as a string.
//
// Layout rules shared by all of them: "Label:" values start at column 26
// (the seed tool's reports), an absent value prints "-", times print as
// RFC 3339 UTC, and nothing depends on the wall clock, the time zone or map
// order. Every string from a bundle or a history is escaped with
// textutil.Terminal, so control characters show as \x1b-style escapes and
// no name or message can start a line of its own.
//
// It may import analyze, analyze/model, history and internal/*; it never
// imports os, net or capture, and neither analyze nor history imports it.
package text

import (
	"io"
	"strings"

	"github.com/ksnap/ksnap/internal/textutil"
)

// esc escapes a string from a bundle or a history for one field of one
// line (textutil.Terminal).
var esc = textutil.Terminal

// rule80 frames every block.
const rule80 = "================================================================================"

// valueColumn is where values start on "Label:   value" lines (1-based
// column 26, as in the seed tool's reports).
const valueColumn = 26

// label returns "<indent spaces>Name:" padded so that what follows starts at
// valueColumn; a label too long for the column gets one space.
func label(indent int, name string) string {
	var b strings.Builder
	writeLabel(&b, indent, name)
	return b.String()
}

// spaces is sliced for indents and padding: no label needs more.
const spaces = "                                "

// writeLabel writes what label returns, without building a string (the
// report writes one per value line).
func writeLabel(w io.StringWriter, indent int, name string) {
	pad := max(1, valueColumn-1-indent-len(name)-1)
	w.WriteString(spaces[:min(indent, len(spaces))])
	w.WriteString(name)
	w.WriteString(":")
	w.WriteString(spaces[:min(pad, len(spaces))])
}

// dash prints an absent value as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
