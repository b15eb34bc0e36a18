// Package render is the home of ksnap's output formats, one subpackage per
// format, each a set of functions taking (io.Writer, value):
//
//   - render/text: the human-readable analysis report and the history
//     table, summary, record block and compact line;
//   - render/json: the versioned JSON report and the history documents;
//   - render/junit: analysis reports as JUnit XML;
//   - render/html: the history dashboard and analysis reports as offline
//     HTML pages (the Prometheus export is export/metrics).
//
// Renderers turn values that analyze and history built into bytes; they
// never evaluate, never read files, the wall clock or the environment, and
// never import os, net or capture. Neither analyze nor history imports a
// renderer, so a new format (Markdown, HTML, OpenMetrics) is a new
// subpackage and nothing else changes.
//
// This package itself holds no code: its tests pin every renderer's output
// with the golden files in testdata (go test ./render -update rewrites them;
// review the diff, a golden change is a change of ksnap's output).
package render
