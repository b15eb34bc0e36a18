package history

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

// cronSchedule describes the runs of one CronJob in a generated history:
// run r is created at record r*every (for r < runs) and is listed while
// the CronJob's history limits keep it: keepOK records when it succeeded,
// keepFailed when it failed. failed says which runs fail.
type cronSchedule struct {
	owner              string
	every, runs        int
	keepOK, keepFailed int
	failed             func(run int) bool
}

func (c cronSchedule) jobName(run int) string { return fmt.Sprintf("%s-%d", c.owner, 29000000+run*60) }

// jobs are the CronJob's jobs listed in record i.
func (c cronSchedule) jobs(i int) []Job {
	var out []Job
	for r := range c.runs {
		start := r * c.every
		keep := c.keepOK
		if c.failed(r) {
			keep = c.keepFailed
		}
		if i < start || i >= start+keep {
			continue
		}
		if c.failed(r) {
			out = append(out, Job{Name: c.jobName(r), Owner: c.owner, Phase: "FAILED", Health: LevelError, Cause: "J1", Reason: "J1: job " + c.jobName(r) + " failed"})
		} else {
			out = append(out, Job{Name: c.jobName(r), Owner: c.owner, Phase: "SUCCEEDED", Health: LevelOK})
		}
	}
	return out
}

// cronHistory is n records of the CronJobs' jobs.
func cronHistory(n int, cs ...cronSchedule) []Record {
	recs := make([]Record, n)
	for i := range recs {
		var jobs []Job
		for _, c := range cs {
			jobs = append(jobs, c.jobs(i)...)
		}
		recs[i] = sampleRecord(tAt(i), LevelOK, jobs...)
	}
	return recs
}

// fold folds recs with a folder whose jobs of CronJobs are folded away
// after horizon records of their CronJob (0: childHorizon), and returns the
// summary and the most accumulators the folder held at once.
func fold(recs []Record, horizon int) (*Summary, int) {
	fo := newFolder(DefaultEscalateAfter, "")
	if horizon > 0 {
		fo.horizon, fo.nextSweep = horizon, horizon
	}
	most := 0
	for i := range recs {
		fo.add(&recs[i])
		most = max(most, len(fo.jobs))
	}
	return fo.finish(), most
}

// never is a horizon no test history reaches: nothing is folded away.
const never = 1 << 30

// The CronJob row over many runs, with the jobs of old runs folded away.
func TestSummarizeCronJobFold(t *testing.T) {
	t.Parallel()
	at := func(i int) *time.Time { t := tAt(i); return &t }
	tests := []struct {
		name  string
		recs  []Record
		want  []CronJobStat
		findg []Finding
	}{
		{
			name: "200 successful runs: not listed",
			recs: cronHistory(400, cronSchedule{owner: "nightly", every: 2, runs: 200, keepOK: 3, keepFailed: 3, failed: func(int) bool { return false }}),
		},
		{
			name: "one run failed long ago",
			recs: cronHistory(400, cronSchedule{owner: "nightly", every: 2, runs: 200, keepOK: 3, keepFailed: 3, failed: func(r int) bool { return r == 5 }}),
			// Run 5 is in records 10-12; the CronJob's latest job is run 5 in 10 and 11.
			want: []CronJobStat{{Name: "nightly", Jobs: 200, FailedJobs: 1, Records: 400, Errors: 2, LatestJob: "nightly-29011940",
				LastHealth: "OK", LastPhase: "SUCCEEDED", LastSeen: tAt(399), Health: "OK", LatestSucceeded: "nightly-29011940",
				LastOK: at(399), TopCause: "J1", TopCauseRecords: 2, TopReason: "J1: job nightly-29000300 failed"}},
		},
		{
			name: "runs alternate failing and succeeding; the last three records fail: escalated",
			recs: cronHistory(300, cronSchedule{owner: "nightly", every: 3, runs: 100, keepOK: 3, keepFailed: 3, failed: func(r int) bool { return r%2 == 1 }}),
			want: []CronJobStat{{Name: "nightly", Jobs: 100, FailedJobs: 50, Records: 300, Errors: 150, LatestJob: "nightly-29005940",
				LastHealth: "ERROR", LastPhase: "FAILED", LastSeen: tAt(299), Health: "ERROR", LatestSucceeded: "nightly-29005880",
				FailingSince: at(297), LastOK: at(296), TopCause: "J1", TopCauseRecords: 150, TopReason: "J1: job nightly-29005940 failed"}},
			findg: []Finding{{Rule: "J10", Level: model.LevelError, Job: "nightly-29005940", Owner: "nightly", Records: 3, Since: at(297),
				Message: "CronJob nightly is ERROR in 3 consecutive records since 2025-11-17T10:45:00Z (latest job nightly-29005940): escalate"}},
		},
		{
			// Failed jobs are kept 1000 records, successful ones 1: run 2
			// fails and stays; runs 3-49 succeed and go. From record 100 on
			// only run 2 is left, its CronJob's latest job, superseded by
			// run 49, folded away long before. Records 1 and 3 list no job.
			name: "the last record's failed job is superseded by a successful job folded away long ago",
			recs: cronHistory(200, cronSchedule{owner: "nightly", every: 2, runs: 50, keepOK: 1, keepFailed: 1000, failed: func(r int) bool { return r == 2 }}),
			want: []CronJobStat{{Name: "nightly", Jobs: 50, FailedJobs: 1, Records: 198, Errors: 149, LatestJob: "nightly-29000120",
				LastHealth: "ERROR", LastPhase: "FAILED", LastSeen: tAt(199), Health: "WARN", SupersededBy: "nightly-29002940", LatestSucceeded: "nightly-29002940",
				FailingSince: at(99), LastOK: at(98), TopCause: "J1", TopCauseRecords: 149, TopReason: "J1: job nightly-29000120 failed"}},
			// J10 judges the CronJob by its latest job in each record, as
			// before the fold: both rules fire.
			findg: []Finding{{Rule: "J10", Level: model.LevelError, Job: "nightly-29000120", Owner: "nightly", Records: 101, Since: at(99),
				Message: "CronJob nightly is ERROR in 101 consecutive records since 2025-11-16T18:15:00Z (latest job nightly-29000120): escalate"},
				{Rule: "J11", Level: model.LevelWarn, Job: "nightly-29000120", Owner: "nightly", SupersededBy: "nightly-29002940",
					Message: "failed job nightly-29000120 is superseded by the later successful job nightly-29002940 of CronJob nightly: downgraded to WARN"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, most := fold(tt.recs, 0)
			if !reflect.DeepEqual(s.CronJobs, tt.want) {
				t.Errorf("CronJobs:\n%+v\nwant\n%+v", s.CronJobs, tt.want)
			}
			if !reflect.DeepEqual(s.Findings, tt.findg) {
				t.Errorf("findings:\n%+v\nwant\n%+v", s.Findings, tt.findg)
			}
			if len(s.Jobs) != 0 {
				t.Errorf("jobs without a CronJob: %+v", s.Jobs)
			}
			// Nothing folded away changes the summary.
			if u, _ := fold(tt.recs, never); !reflect.DeepEqual(s, u) {
				t.Errorf("with jobs folded away:\n%+v\nwithout\n%+v", s, u)
			}
			if most > 2*childHorizon+2 {
				t.Errorf("%d accumulators at once", most)
			}
		})
	}
}

// Folding old jobs of CronJobs away gives the summary of keeping them all,
// on random histories whose jobs never come back once gone: several
// CronJobs of different schedules and history limits, jobs without a
// CronJob, and records without jobs (a failed jobs list).
func TestSummarizeFoldMatchesUnbounded(t *testing.T) {
	t.Parallel()
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 16))
		var cs []cronSchedule
		for k := range 1 + rng.IntN(4) {
			p := rng.Float64() * 0.6
			fails := map[int]bool{}
			runs := 20 + rng.IntN(200)
			for r := range runs {
				fails[r] = rng.Float64() < p
			}
			cs = append(cs, cronSchedule{owner: fmt.Sprintf("cj%d", k), every: 1 + rng.IntN(12), runs: runs,
				keepOK: 1 + rng.IntN(5), keepFailed: 1 + rng.IntN(60), failed: func(r int) bool { return fails[r] }})
		}
		recs := cronHistory(100+rng.IntN(900), cs...)
		levels := []string{LevelOK, LevelOK, LevelWarn, LevelError, LevelError}
		for i := range recs {
			if rng.IntN(20) == 0 {
				recs[i].Jobs = nil
				continue
			}
			for _, name := range []string{"worker-a", "worker-b"} {
				if rng.IntN(3) > 0 {
					recs[i].Jobs = append(recs[i].Jobs, Job{Name: name, Phase: "RUNNING", Health: levels[rng.IntN(len(levels))]})
				}
			}
			rng.Shuffle(len(recs[i].Jobs), func(a, b int) { recs[i].Jobs[a], recs[i].Jobs[b] = recs[i].Jobs[b], recs[i].Jobs[a] })
		}
		got, _ := fold(recs, 0)
		want, _ := fold(recs, never)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("seed %d: with jobs folded away:\n%+v\nwithout\n%+v", seed, got, want)
		}
	}
}

// The accumulators a summary holds do not grow with the records: the
// bench history (three jobs a record, one of a CronJob whose job changes
// every 12 records) holds as many after 12,000 records as after 1,200.
func TestSummarizeAccumulatorsBounded(t *testing.T) {
	t.Parallel()
	var most []int
	for _, n := range []int{1_200, 12_000} {
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = benchRecord(i)
		}
		s, m := fold(recs, 0)
		if s.Total != n {
			t.Fatalf("%d records folded, want %d", s.Total, n)
		}
		most = append(most, m)
	}
	// Two jobs without a CronJob, and the CronJob's jobs (12 records each)
	// seen in its last childHorizon records plus one sweep period.
	if bound := 2 + (2*childHorizon+12)/12 + 1; most[0] > bound || most[1] != most[0] {
		t.Errorf("most accumulators at once: %d at 1,200 records, %d at 12,000; want equal and at most %d", most[0], most[1], bound)
	}
	if _, m := fold(cronHistory(2000, cronSchedule{owner: "every-record", every: 1, runs: 2000, keepOK: 3, keepFailed: 3, failed: func(r int) bool { return r%7 == 0 }}), 0); m > 2*childHorizon+3 {
		t.Errorf("a CronJob with a new job every record: %d accumulators at once", m)
	}
}
