package json

import (
	stdjson "encoding/json"
	"io"

	"github.com/ksnap/ksnap/history"
)

// JSON schema identifiers of the documents written by HistoryRecords and
// HistorySummary.
const (
	RecordsSchema = "ksnap.history.records/v1"
	SummarySchema = "ksnap.history.summary/v1"
)

// recordsDoc is the document HistoryRecords writes.
type recordsDoc struct {
	Schema       string           `json:"schema"`
	Records      []history.Record `json:"records"`
	CorruptLines int              `json:"corrupt_lines"`
}

// HistoryRecords writes records as one indented JSON document; each
// record has the same keys and order as its history line.
func HistoryRecords(w io.Writer, recs []history.Record, corrupt int) error {
	if recs == nil {
		recs = []history.Record{}
	}
	return writeJSON(w, recordsDoc{Schema: RecordsSchema, Records: recs, CorruptLines: corrupt})
}

// summaryDoc is the document HistorySummary writes.
type summaryDoc struct {
	Schema         string              `json:"schema"`
	Total          int                 `json:"total_records"`
	Counts         history.LevelCounts `json:"counts"`
	First          *history.Record     `json:"first"`
	Last           *history.Record     `json:"last"`
	Streak         *history.Streak     `json:"streak"`
	LastTransition *history.Transition `json:"last_transition"`
	Jobs           []history.JobStat   `json:"jobs"`
	Findings       []history.Finding   `json:"findings"`
	CorruptLines   int                 `json:"corrupt_lines"`
}

// HistorySummary writes the summary as one indented JSON document.
func HistorySummary(w io.Writer, s *history.Summary) error {
	d := summaryDoc{
		Schema: SummarySchema, Total: s.Total, Counts: s.Counts, First: s.First, Last: s.Last,
		LastTransition: s.LastTransition, Jobs: s.Jobs, Findings: s.Findings, CorruptLines: s.Corrupt.Count,
	}
	if s.Total > 0 {
		st := s.Streak
		d.Streak = &st
	}
	if d.Jobs == nil {
		d.Jobs = []history.JobStat{}
	}
	if d.Findings == nil {
		d.Findings = []history.Finding{}
	}
	return writeJSON(w, d)
}

// writeJSON is encoding/json, indented, without HTML escaping: the
// history documents are small, unlike reports.
func writeJSON(w io.Writer, v any) error {
	enc := stdjson.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ClustersSchema identifies the document HistoryClusters writes.
const ClustersSchema = "ksnap.history.clusters/v1"

// HistoryClusters writes {"schema", "clusters", "corrupt_lines"}.
func HistoryClusters(w io.Writer, stats []history.ClusterStat, corrupt int) error {
	if stats == nil {
		stats = []history.ClusterStat{}
	}
	return writeJSON(w, struct {
		Schema       string                `json:"schema"`
		Clusters     []history.ClusterStat `json:"clusters"`
		CorruptLines int                   `json:"corrupt_lines"`
	}{ClustersSchema, stats, corrupt})
}
