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
		wantJobs []string // name:errors:health, then per CronJob name:failed/jobs:errors/records:latest:health[>superseded by]
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
			wantJobs: []string{"cronjob nightly:3/3:3/3:nightly-220:ERROR"},
		},
		{
			name: "failed job superseded by a later successful one is downgraded (J11), no escalation",
			records: [][]Job{
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly"), ok("nightly-160", "nightly")},
			},
			want:     []Finding{{Rule: "J11", Level: model.LevelWarn, Job: "nightly-100", Owner: "nightly", SupersededBy: "nightly-160", Message: "failed job nightly-100 is superseded by the later successful job nightly-160 of CronJob nightly: downgraded to WARN"}},
			wantJobs: []string{"cronjob nightly:1/2:2/3:nightly-160:OK"},
		},
		{
			name: "an earlier success does not supersede a later failure",
			records: [][]Job{
				{ok("nightly-100", "nightly"), failed("nightly-160", "nightly")},
			},
			wantJobs: []string{"cronjob nightly:1/2:1/1:nightly-160:ERROR"},
		},
		{
			name:     "a successful job of another CronJob does not supersede",
			records:  [][]Job{{failed("a-1", "a"), ok("b-2", "b")}},
			wantJobs: []string{"cronjob a:1/1:1/1:a-1:ERROR"},
		},
		{
			name: "the latest job failed and a later successful one is gone: the CronJob is WARN (J11)",
			records: [][]Job{
				{failed("nightly-100", "nightly")},
				{failed("nightly-100", "nightly"), ok("nightly-160", "nightly")},
				{failed("nightly-100", "nightly")},
			},
			want:     []Finding{{Rule: "J11", Level: model.LevelWarn, Job: "nightly-100", Owner: "nightly", SupersededBy: "nightly-160", Message: "failed job nightly-100 is superseded by the later successful job nightly-160 of CronJob nightly: downgraded to WARN"}},
			wantJobs: []string{"cronjob nightly:1/2:2/3:nightly-100:WARN>nightly-160"},
		},
		{
			name: "jobs with and without a CronJob are listed apart",
			records: [][]Job{
				{failed("a", ""), failed("n-1", "n")},
				{failed("a", ""), ok("n-2", "n"), failed("b", "")},
			},
			wantJobs: []string{"a:2:ERROR", "b:1:ERROR", "cronjob n:1/2:1/2:n-2:OK"},
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
			for _, c := range s.CronJobs {
				row := fmt.Sprintf("cronjob %s:%d/%d:%d/%d:%s:%s", c.Name, c.FailedJobs, c.Jobs, c.Errors, c.Records, c.LatestJob, c.Health)
				if c.SupersededBy != "" {
					row += ">" + c.SupersededBy
				}
				jobs = append(jobs, row)
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

// A store out of time order summarizes as the same records sorted by
// time (store order among equal times); the streak follows capture time.
func TestSummarizeTimeOrder(t *testing.T) {
	t.Parallel()
	a, b, c, d := recAt(0, "OK"), recAt(1, "ERROR"), recAt(2, "ERROR"), recAt(2, "WARN")
	path := filepath.Join(t.TempDir(), "h.jsonl")
	appendRecs(t, path, c, a, d, b) // c and d share a time: c stays first
	got, err := summarizeFile(path, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := SummarizeRecords([]Record{a, b, c, d}, 0)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got.Streak != (Streak{Level: LevelWarn, Since: d.Time, Records: 1}) || got.First.Time != a.Time || got.Last.OverallHealth != LevelWarn {
		t.Errorf("streak %+v, first %s, last %s", got.Streak, got.First.Time, got.Last.OverallHealth)
	}
	w, err := summarizeFile(path, SummaryOptions{Window: 4})
	if err != nil || !reflect.DeepEqual(w, want) {
		t.Errorf("window: %v %+v", err, w)
	}
}

// Each target (cluster, namespace, selector) has its own summary; one
// target's streak is not broken by another's records.
func TestSummarizeTargets(t *testing.T) {
	t.Parallel()
	at := func(i int, ns, cluster, health string) Record {
		r := recAt(i, health)
		r.Namespace, r.Cluster = ns, cluster
		return r
	}
	recs := []Record{at(0, "a", "", "ERROR"), at(1, "b", "", "OK"), at(2, "a", "", "ERROR"), at(3, "a", "eu", "WARN"), at(4, "b", "", "OK")}
	path := filepath.Join(t.TempDir(), "h.jsonl")
	appendRecs(t, path, recs...)
	got, err := summarizeFile(path, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := SummarizeRecords(recs, 0)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	var targets []string
	for _, ts := range got.Targets {
		targets = append(targets, fmt.Sprintf("%s/%s/%s:%d:%s:%d", ts.Target.Cluster, ts.Target.Namespace, ts.Target.Selector, ts.Summary.Total, ts.Summary.Streak.Level, ts.Summary.Streak.Records))
	}
	sel := recs[0].Selector
	wantTargets := []string{"/a/" + sel + ":2:ERROR:2", "/b/" + sel + ":2:OK:2", "eu/a/" + sel + ":1:WARN:1"}
	if !reflect.DeepEqual(targets, wantTargets) {
		t.Errorf("targets %v, want %v", targets, wantTargets)
	}
	if got.Total != 5 || got.Streak.Records != 1 {
		t.Errorf("overall: %d records, streak %+v", got.Total, got.Streak)
	}
	one := SummarizeRecords(recs[:1], 0)
	if len(one.Targets) != 1 || one.Targets[0].Summary.Total != 1 || one.Targets[0].Target != recs[0].Target() {
		t.Errorf("one target: %+v", one.Targets)
	}
	if none := SummarizeRecords(nil, 0); none.Targets != nil {
		t.Errorf("no record: %+v", none.Targets)
	}
}

// Per job: failing since, last OK, errors and the top cause; with
// Filter.Job only that job or CronJob is folded.
func TestSummarizeJobCause(t *testing.T) {
	t.Parallel()
	withJobs := func(i int, jobs ...Job) Record {
		r := recAt(i, "OK")
		r.Jobs = jobs
		return r
	}
	oom := func(pod string) Job {
		return Job{Name: "a", Phase: "FAILED", Health: "ERROR", Cause: "P7", Reason: "P7 OOMKilled exit 137 pod " + pod}
	}
	ok := Job{Name: "a", Phase: "SUCCEEDED", Health: "OK"}
	crash := Job{Name: "a", Phase: "FAILED", Health: "ERROR", Cause: "P3", Reason: "P3 Error exit 1 pod a-1"}
	other := Job{Name: "n-1", Owner: "n", Phase: "FAILED", Health: "ERROR", Cause: "J1", Reason: "J1: failed"}
	recs := []Record{withJobs(0, oom("a-0"), other), withJobs(1, ok), withJobs(2, crash), withJobs(3, oom("a-2")), withJobs(4, oom("a-3"))}
	s := SummarizeRecords(recs, 0)
	var a *JobStat
	for i := range s.Jobs {
		if s.Jobs[i].Name == "a" {
			a = &s.Jobs[i]
		}
	}
	if a == nil {
		t.Fatalf("no job a in %+v", s.Jobs)
	}
	fs, lok := tAt(2), tAt(1)
	want := JobStat{Name: "a", Records: 5, Errors: 4, LastHealth: "ERROR", LastPhase: "FAILED", LastSeen: tAt(4), Health: "ERROR",
		FailingSince: &fs, LastOK: &lok, TopCause: "P7", TopCauseRecords: 3, TopReason: "P7 OOMKilled exit 137 pod a-3"}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("job a = %+v\nwant %+v", *a, want)
	}
	if got := s.Last.Jobs[0]; got.Cause != "P7" || got.Reason != "P7 OOMKilled exit 137 pod a-3" {
		t.Errorf("last record's job keeps its cause: %+v", got)
	}

	// --job n: the CronJob's runs only, in the records that list them.
	path := filepath.Join(t.TempDir(), "h.jsonl")
	appendRecs(t, path, recs...)
	js, err := summarizeFile(path, SummaryOptions{Filter: Filter{Job: "n"}})
	if err != nil {
		t.Fatal(err)
	}
	if js.Total != 1 || len(js.Jobs) != 0 || len(js.CronJobs) != 1 || len(js.Last.Jobs) != 2 {
		t.Fatalf("--job n: %+v", js)
	}
	t0 := tAt(0)
	wantN := CronJobStat{Name: "n", Jobs: 1, FailedJobs: 1, Records: 1, Errors: 1, LatestJob: "n-1", LastHealth: "ERROR", LastPhase: "FAILED",
		LastSeen: t0, Health: "ERROR", FailingSince: &t0, TopCause: "J1", TopCauseRecords: 1, TopReason: "J1: failed"}
	if !reflect.DeepEqual(js.CronJobs[0], wantN) {
		t.Errorf("--job n: CronJob %+v\nwant %+v", js.CronJobs[0], wantN)
	}
	if js, _ := summarizeFile(path, SummaryOptions{Filter: Filter{Job: "a"}}); js.Total != 5 || len(js.Jobs) != 1 {
		t.Errorf("--job a: %d records, jobs %+v", js.Total, js.Jobs)
	}
}
