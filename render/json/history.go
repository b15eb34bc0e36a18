package json

import (
	stdjson "encoding/json"
	"io"

	"github.com/ksnap/ksnap/history"
)

// JSON schema identifiers of the documents written by HistoryRecords and
// HistorySummary. A version changes when a key is removed or changes
// meaning; keys may be added within one. The summary's v2 has "cronjobs"
// (one row per CronJob) and its "jobs" no longer lists a CronJob's jobs,
// which v1's did (one row per run, with "owner" and "superseded_by").
const (
	RecordsSchema = "ksnap.history.records/v1"
	SummarySchema = "ksnap.history.summary/v2"
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

// summaryBody is what a summary and each of its targets have.
type summaryBody struct {
	Total          int                   `json:"total_records"`
	Counts         history.LevelCounts   `json:"counts"`
	First          *history.Record       `json:"first"`
	Last           *history.Record       `json:"last"`
	Streak         *history.Streak       `json:"streak"`
	LastTransition *history.Transition   `json:"last_transition"`
	Jobs           []history.JobStat     `json:"jobs"`
	CronJobs       []history.CronJobStat `json:"cronjobs"`
	Findings       []history.Finding     `json:"findings"`
}

// summaryDoc is the document HistorySummary writes.
type summaryDoc struct {
	Schema string `json:"schema"`
	summaryBody
	CorruptLines int         `json:"corrupt_lines"`
	Targets      []targetDoc `json:"targets"`
}

// targetDoc is one target's summary.
type targetDoc struct {
	history.Target
	summaryBody
}

func bodyOf(s *history.Summary) summaryBody {
	b := summaryBody{Total: s.Total, Counts: s.Counts, First: s.First, Last: s.Last, LastTransition: s.LastTransition, Jobs: s.Jobs, CronJobs: s.CronJobs, Findings: s.Findings}
	if s.Total > 0 {
		st := s.Streak
		b.Streak = &st
	}
	if b.Jobs == nil {
		b.Jobs = []history.JobStat{}
	}
	if b.CronJobs == nil {
		b.CronJobs = []history.CronJobStat{}
	}
	if b.Findings == nil {
		b.Findings = []history.Finding{}
	}
	return b
}

// HistorySummary writes the summary as one indented JSON document: the
// summary of every record, then "targets", each target's own (its
// streak, transition, jobs and findings judge its records alone).
func HistorySummary(w io.Writer, s *history.Summary) error {
	d := summaryDoc{Schema: SummarySchema, summaryBody: bodyOf(s), CorruptLines: s.Corrupt.Count, Targets: []targetDoc{}}
	for _, t := range s.Targets {
		d.Targets = append(d.Targets, targetDoc{Target: t.Target, summaryBody: bodyOf(t.Summary)})
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
