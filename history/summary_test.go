package history

import (
	"fmt"
	"github.com/ksnap/ksnap/analyze/model"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Seed parity §5.3 tests 16-18, plus the W13 fix (totals are not capped).
func TestSummarizeSeedParity(t *testing.T) {
	t.Parallel()
	t.Run("16: empty file", func(t *testing.T) {
		t.Parallel()
		s, err := summarizeFile(writeFile(t, ""), SummaryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 0 || s.Counts != (LevelCounts{}) || s.Last != nil {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("17: 2 OK + 1 WARN", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		appendN(t, path, "OK", "OK", "WARN")
		s, err := summarizeFile(path, SummaryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 3 || s.Counts != (LevelCounts{OK: 2, Warn: 1}) || s.Last.OverallHealth != "WARN" {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("18: window 2 of 5", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		appendN(t, path, "OK", "OK", "WARN", "ERROR", "OK")
		s, err := summarizeFile(path, SummaryOptions{Window: 2})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 2 || s.Counts != (LevelCounts{OK: 1, Error: 1}) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("W13: more than 10000 records are all counted", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		recs := make([]Record, 10005)
		for i := range recs {
			recs[i] = recAt(i, "OK")
		}
		appendRecs(t, path, recs...)
		s, err := summarizeFile(path, SummaryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total != 10005 {
			t.Errorf("total %d", s.Total)
		}
	})
}

func TestSummarizeStreakAndTransition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		healths        []string
		wantStreak     Streak
		wantTransition *Transition
		wantCounts     LevelCounts
	}{
		{"single", []string{"OK"}, Streak{"OK", tAt(0), 1}, nil, LevelCounts{OK: 1}},
		{"steady", []string{"WARN", "WARN", "WARN"}, Streak{"WARN", tAt(0), 3}, nil, LevelCounts{Warn: 3}},
		{"recovered", []string{"OK", "ERROR", "ERROR", "OK", "OK"}, Streak{"OK", tAt(3), 2}, &Transition{"ERROR", "OK", tAt(3)}, LevelCounts{OK: 3, Error: 2}},
		{"failing", []string{"OK", "WARN", "ERROR", "ERROR"}, Streak{"ERROR", tAt(2), 2}, &Transition{"WARN", "ERROR", tAt(2)}, LevelCounts{OK: 1, Warn: 1, Error: 2}},
		{"bogus level", []string{"OK", "BOGUS"}, Streak{"UNKNOWN", tAt(1), 1}, &Transition{"OK", "UNKNOWN", tAt(1)}, LevelCounts{OK: 1, Unknown: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var recs []Record
			for i, h := range tt.healths {
				recs = append(recs, recAt(i, h))
			}
			s := SummarizeRecords(recs, 0)
			if s.Streak != tt.wantStreak || !reflect.DeepEqual(s.LastTransition, tt.wantTransition) || s.Counts != tt.wantCounts {
				t.Errorf("streak %+v transition %+v counts %+v", s.Streak, s.LastTransition, s.Counts)
			}
		})
	}
}

func tAt(i int) time.Time { return recAt(i, "OK").Time }

func job(name, owner, phase, health string) Job {
	return Job{Name: name, Owner: owner, Phase: phase, Health: health}
}

func TestSummarizeJ10J11(t *testing.T) {
	t.Parallel()
	failed := func(name, owner string) Job { return job(name, owner, "FAILED", "ERROR") }
	ok := func(name, owner string) Job { return job(name, owner, "SUCCEEDED", "OK") }
	since := func(i int) *time.Time { t := tAt(i); return &t }
	tests := []struct {
		name     string
		records  [][]Job
		n        int
		want     []Finding
		wantJobs []string // name:errors:health
	}{
		{
			name:     "job ERROR in 3 consecutive records escalates",
			records:  [][]Job{{ok("a", "")}, {failed("a", "")}, {failed("a", "")}, {failed("a", "")}},
			want:     []Finding{{Rule: "J10", Level: model.LevelError, Job: "a", Records: 3, Since: since(1), Message: "job a is ERROR in 3 consecutive records since 2025-11-16T10:05:00Z: escalate"}},
			wantJobs: []string{"a:3:ERROR"},
		},
		{
			name:     "two consecutive records do not",
			records:  [][]Job{{failed("a", "")}, {ok("a", "")}, {failed("a", "")}, {failed("a", "")}},
			wantJobs: []string{"a:3:ERROR"},
		},
		{
			name:     "N is configurable",
			records:  [][]Job{{failed("a", "")}, {failed("a", "")}},
			n:        2,
			want:     []Finding{{Rule: "J10", Level: model.LevelError, Job: "a", Records: 2, Since: since(0), Message: "job a is ERROR in 2 consecutive records since 2025-11-16T10:00:00Z: escalate"}},
			wantJobs: []string{"a:2:ERROR"},
		},
		{
			name:     "a record without the job neither extends nor breaks the run",
			records:  [][]Job{{failed("a", "")}, {}, {failed("a", "")}, {failed("a", "")}},
			want:     []Finding{{Rule: "J10", Level: model.LevelError, Job: "a", Records: 3, Since: since(0), Message: "job a is ERROR in 3 consecutive records since 2025-11-16T10:00:00Z: escalate"}},
			wantJobs: []string{"a:3:ERROR"},
		},
		{
			name:     "a job gone from the last record is not escalated",
			records:  [][]Job{{failed("a", "")}, {failed("a", "")}, {failed("a", "")}, {ok("b", "")}},
			wantJobs: []string{"a:3:ERROR"},
		},
		{
			name: "CronJob whose successive jobs fail escalates by owner",
			records: [][]Job{
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly"), failed("nightly-160", "nightly")},
				{failed("nightly-160", "nightly"), failed("nightly-220", "nightly")},
			},
			want:     []Finding{{Rule: "J10", Level: model.LevelError, Job: "nightly-220", Owner: "nightly", Records: 3, Since: since(0), Message: "CronJob nightly is ERROR in 3 consecutive records since 2025-11-16T10:00:00Z (latest job nightly-220): escalate"}},
			wantJobs: []string{"nightly-100:2:ERROR", "nightly-160:2:ERROR", "nightly-220:1:ERROR"},
		},
		{
			name: "failed job superseded by a later successful one is downgraded (J11), no escalation",
			records: [][]Job{
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly"), ok("nightly-160", "nightly")},
			},
			want:     []Finding{{Rule: "J11", Level: model.LevelWarn, Job: "nightly-100", Owner: "nightly", SupersededBy: "nightly-160", Message: "failed job nightly-100 is superseded by the later successful job nightly-160 of CronJob nightly: downgraded to WARN"}},
			wantJobs: []string{"nightly-100:3:WARN"},
		},
		{
			name: "an earlier success does not supersede a later failure",
			records: [][]Job{
				{ok("nightly-100", "nightly"), failed("nightly-160", "nightly")},
			},
			wantJobs: []string{"nightly-160:1:ERROR"},
		},
		{
			name:     "a successful job of another CronJob does not supersede",
			records:  [][]Job{{failed("a-1", "a"), ok("b-2", "b")}},
			wantJobs: []string{"a-1:1:ERROR"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var recs []Record
			for i, jobs := range tt.records {
				recs = append(recs, sampleRecord(tAt(i), "ERROR", jobs...))
			}
			s := SummarizeRecords(recs, tt.n)
			if !reflect.DeepEqual(s.Findings, tt.want) {
				t.Errorf("findings:\n%+v\nwant\n%+v", s.Findings, tt.want)
			}
			var jobs []string
			for _, j := range s.Jobs {
				jobs = append(jobs, fmt.Sprintf("%s:%d:%s", j.Name, j.Errors, j.Health))
			}
			if !reflect.DeepEqual(jobs, tt.wantJobs) {
				t.Errorf("jobs %v, want %v", jobs, tt.wantJobs)
			}
		})
	}
}

func TestSummarizeNegativeWindow(t *testing.T) {
	t.Parallel()
	if _, err := summarizeFile("x", SummaryOptions{Window: -1}); err == nil || err.Error() != "window -1: must be a positive number of records" {
		t.Errorf("got %v", err)
	}
}
