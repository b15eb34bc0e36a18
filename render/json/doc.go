// Package json renders ksnap's machine-readable output: the versioned
// analysis report (Report, docs/report-schema.md) and the history documents
// (HistoryRecords, HistorySummary, with the schema identifiers
// RecordsSchema and SummarySchema). Every function takes the writer and the
// value, writes 2-space indented JSON with a trailing newline, never HTML
// escapes, never writes a null list where the schema promises one, and
// returns the first error.
//
// The document types that exist only to be encoded (the history documents)
// live here; the report's types live with analyze, which builds them. It
// may import analyze, analyze/model, history and internal/*; it never
// imports os, net or capture, and neither analyze nor history imports it.
package json
