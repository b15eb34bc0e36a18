package rules

import (
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

var t0 = time.Date(2026, 12, 2, 5, 40, 0, 0, time.UTC)

func TestJobPhaseV2(t *testing.T) {
	cond := func(typ, reason string) []model.Condition {
		return []model.Condition{{Type: typ, Status: "True", Reason: reason}}
	}
	const other = "example.com/batch-dispatcher"
	tests := []struct {
		name   string
		job    model.Job
		phase  model.JobPhase
		reason string
	}{
		{"started, nothing at all: PENDING", model.Job{HasStatus: true, StartTime: t0, Terminating: model.Some(0)}, model.PhasePending, "started, no pod and nothing active"},
		{"started, one active", model.Job{HasStatus: true, StartTime: t0, Active: model.Some(1)}, model.PhaseRunning, ""},
		{"started, one finished, not yet counted", model.Job{HasStatus: true, StartTime: t0, Uncounted: 1}, model.PhaseRunning, ""},
		{"started, one terminating", model.Job{HasStatus: true, StartTime: t0, Terminating: model.Some(1)}, model.PhaseRunning, ""},
		{"started, one failed (retrying)", model.Job{HasStatus: true, StartTime: t0, Failed: model.Some(1)}, model.PhaseRunning, ""},
		{"started, one of two succeeded", model.Job{HasStatus: true, StartTime: t0, Succeeded: model.Some(1), Completions: model.Some(2)}, model.PhaseRunning, ""},
		{"not started", model.Job{HasStatus: true}, model.PhasePending, ""},
		{"started, suspended", model.Job{HasStatus: true, StartTime: t0, Suspend: true}, model.PhaseSuspended, "spec.suspend"},
		{"failed condition wins", model.Job{HasStatus: true, StartTime: t0, Conditions: cond("Failed", "DeadlineExceeded")}, model.PhaseFailed, "DeadlineExceeded"},
		{"managed, empty status", model.Job{HasStatus: true, ManagedBy: other}, model.PhasePending, ""},
		{"managed, no status", model.Job{ManagedBy: other}, model.PhaseUnknown, "no status"},
		{"managed, started with nothing: RUNNING, its pods are elsewhere", model.Job{HasStatus: true, ManagedBy: other, StartTime: t0}, model.PhaseRunning, ""},
		{"managed, failed counts are not the built-in arithmetic", model.Job{HasStatus: true, ManagedBy: other, Failed: model.Some(9), BackoffLimit: model.Some(0)}, model.PhasePending, ""},
		{"managed, Complete", model.Job{HasStatus: true, ManagedBy: other, Conditions: cond("Complete", "")}, model.PhaseSucceeded, "Complete"},
		{"managed, FailureTarget", model.Job{HasStatus: true, ManagedBy: other, Conditions: cond("FailureTarget", "PodFailurePolicy")}, model.PhaseFailed, "PodFailurePolicy"},
		{"managed, suspended", model.Job{HasStatus: true, ManagedBy: other, Suspend: true}, model.PhaseSuspended, "spec.suspend"},
		{"managedBy the built-in controller: as unmanaged", model.Job{HasStatus: true, ManagedBy: builtinManager, StartTime: t0}, model.PhasePending, "started, no pod and nothing active"},
	}
	for _, tt := range tests {
		if p, r := JobPhaseV2(&tt.job); p != tt.phase || r != tt.reason {
			t.Errorf("%s: %s %q, want %s %q", tt.name, p, r, tt.phase, tt.reason)
		}
	}
	// v1 is unchanged: a started Job with nothing is RUNNING.
	if p, _ := V1().Phase(&model.Job{HasStatus: true, StartTime: t0}); p != model.PhaseRunning {
		t.Errorf("v1 phase = %s", p)
	}
}

func TestSupersede(t *testing.T) {
	cron := func(name, uid string) model.OwnerRef { return model.OwnerRef{Kind: "CronJob", Name: name, UID: uid} }
	job := func(name string, owner model.OwnerRef, created time.Duration, p model.JobPhase) *Job {
		return &Job{Job: &model.Job{Name: name, Namespace: "ns", Owner: owner, Created: t0.Add(created)}, Phase: p}
	}
	F, S, R := model.PhaseFailed, model.PhaseSucceeded, model.PhaseRunning
	a := cron("a", "u1")
	tests := []struct {
		name string
		jobs []*Job
		want map[string]string // superseded -> superseding
	}{
		{"failed then succeeded", []*Job{job("a-2", a, time.Minute, S), job("a-1", a, 0, F)}, map[string]string{"a-1": "a-2"}},
		{"succeeded then failed: newest failed stays", []*Job{job("a-1", a, 0, S), job("a-2", a, time.Minute, F)}, nil},
		{"failed, succeeded, failed", []*Job{job("a-1", a, 0, F), job("a-2", a, time.Minute, S), job("a-3", a, 2*time.Minute, F)}, map[string]string{"a-1": "a-2"}},
		{"two later successes: the earliest", []*Job{job("a-3", a, 2*time.Minute, S), job("a-2", a, time.Minute, S), job("a-1", a, 0, F)}, map[string]string{"a-1": "a-2"}},
		{"failed then running", []*Job{job("a-1", a, 0, F), job("a-2", a, time.Minute, R)}, nil},
		{"same creation time", []*Job{job("a-1", a, 0, F), job("a-2", a, 0, S)}, nil},
		{"another CronJob", []*Job{job("a-1", a, 0, F), job("b-2", cron("b", "u2"), time.Minute, S)}, nil},
		{"a recreated CronJob of the same name (other uid)", []*Job{job("a-1", a, 0, F), job("a-2", cron("a", "u9"), time.Minute, S)}, nil},
		{"not owned by a CronJob", []*Job{job("x-1", model.OwnerRef{}, 0, F), job("x-2", model.OwnerRef{}, time.Minute, S)}, nil},
		{"no creation time", []*Job{job("a-1", a, 0, F), {Job: &model.Job{Name: "a-2", Namespace: "ns", Owner: a}, Phase: S}}, nil},
	}
	for _, tt := range tests {
		V2().Relate(tt.jobs)
		var got map[string]string
		for _, j := range tt.jobs {
			if j.SupersededBy != nil {
				if got == nil {
					got = map[string]string{}
				}
				got[j.Job.Name] = j.SupersededBy.Job.Name
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: superseded %v, want %v", tt.name, got, tt.want)
		}
	}
	// v1 relates nothing.
	jobs := []*Job{job("a-1", a, 0, F), job("a-2", a, time.Minute, S)}
	V1().Relate(jobs)
	if jobs[0].SupersededBy != nil {
		t.Error("v1 marked a superseded run")
	}
}

// TestSupersededLevels: on a superseded Job and its pods every finding is at
// most WARN, except a user rule's (E5).
func TestSupersededLevels(t *testing.T) {
	j := &Job{Job: &model.Job{Name: "a-1", Conditions: []model.Condition{{Type: "Failed", Status: "True", Reason: "BackoffLimitExceeded"}}},
		Phase: model.PhaseFailed, SupersededBy: &Job{Job: &model.Job{Name: "a-2"}, Phase: model.PhaseSucceeded}}
	got := ruleLevels(V2().EvaluateJob(&Env{Opts: DefaultOptions()}, j))
	if want := []string{"J1=WARN", "J11=WARN"}; !reflect.DeepEqual(got, want) {
		t.Errorf("job findings %v, want %v", got, want)
	}
	pod := &Pod{Job: j, Pod: &model.Pod{Name: "a-1-x", Phase: "Failed"}}
	if got, want := ruleLevels(V2().EvaluatePod(&Env{Opts: DefaultOptions()}, pod)), []string{"P2=WARN"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pod findings %v, want %v", got, want)
	}
	o := DefaultOptions()
	o.EventRules = []EventRule{{Reason: "Boom", Level: model.LevelError}}
	j.Events = []*EventGroup{{Kind: "Job", Name: "a-1", Type: "Warning", Reason: "Boom", Count: 1}}
	if got := ruleLevels(V2().EvaluateJob(&Env{Opts: o}, j)); !reflect.DeepEqual(got, []string{"J1=WARN", "J11=WARN", "E5=ERROR"}) {
		t.Errorf("with a user rule: %v", got)
	}
}

func ruleLevels(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"="+f.Level.String())
	}
	return out
}

func TestIndexCount(t *testing.T) {
	tests := []struct {
		set string
		n   int64
		ok  bool
	}{
		{"", 0, true}, {"0", 1, true}, {"1,3-5", 4, true}, {"0-2,7,9-10", 6, true},
		{"x", 0, false}, {"3-1", 0, false}, {"1,", 0, false}, {"-1", 0, false},
	}
	for _, tt := range tests {
		if n, ok := indexCount(tt.set); n != tt.n || ok != tt.ok {
			t.Errorf("indexCount(%q) = %d, %v; want %d, %v", tt.set, n, ok, tt.n, tt.ok)
		}
	}
}

// TestPerIndex checks J12 and J4 on Indexed Jobs with backoffLimitPerIndex.
func TestPerIndex(t *testing.T) {
	base := model.Job{Name: "idx", HasStatus: true, StartTime: t0, CompletionMode: "Indexed", Completions: model.Some(4),
		BackoffLimit: model.Some(2147483647), BackoffLimitPerIndex: model.Some(1), Active: model.Some(2)}
	tests := []struct {
		name string
		mod  func(j *model.Job)
		want []string // rule=LEVEL: message
	}{
		{"retrying, no failed index", func(j *model.Job) { j.Failed = model.Some(1) },
			[]string{"J4=WARN: job idx is retrying: 1 failed pod(s), no index out of its backoffLimitPerIndex 1, 2 active"}},
		{"one index out of retries, no maxFailedIndexes", func(j *model.Job) { j.Failed = model.Some(2); j.FailedIndexes = "1"; j.CompletedIndexes = "0" },
			[]string{"J12=ERROR: job idx can only end Failed: index(es) 1 failed with backoffLimitPerIndex 1 spent; 1 of 4 completed, 2 active"}},
		{"more failed indexes than maxFailedIndexes", func(j *model.Job) {
			j.Failed = model.Some(4)
			j.FailedIndexes, j.MaxFailedIndexes = "1-2", model.Some(1)
		}, []string{"J12=ERROR: job idx can only end Failed: index(es) 1-2 failed with backoffLimitPerIndex 1 spent, more than maxFailedIndexes 1; 0 of 4 completed, 2 active"}},
		{"successPolicy: may still succeed", func(j *model.Job) { j.Failed = model.Some(2); j.FailedIndexes = "3"; j.SuccessPolicy = true },
			[]string{"J12=WARN: job idx can only end Failed: index(es) 3 failed with backoffLimitPerIndex 1 spent; 0 of 4 completed, 2 active; spec.successPolicy may still let it succeed"}},
		{"failed for good: J1 only", func(j *model.Job) {
			j.Failed, j.FailedIndexes = model.Some(2), "1"
			j.Conditions = []model.Condition{{Type: "Failed", Status: "True", Reason: "FailedIndexes", Message: "Job has failed indexes"}}
		}, []string{"J1=ERROR: job idx failed: FailedIndexes: Job has failed indexes"}},
		{"not per-index: v1's J4", func(j *model.Job) {
			j.BackoffLimitPerIndex = model.OptInt{}
			j.BackoffLimit = model.Some(6)
			j.Failed = model.Some(1)
		},
			[]string{"J4=WARN: job idx is retrying: 1 failed of backoffLimit 6, 2 active"}},
	}
	for _, tt := range tests {
		job := base
		tt.mod(&job)
		p, reason := V2().Phase(&job)
		var got []string
		for _, f := range V2().EvaluateJob(&Env{Now: t0, Opts: DefaultOptions()}, &Job{Job: &job, Phase: p, PhaseReason: reason}) {
			got = append(got, f.Rule+"="+f.Level.String()+": "+f.Message)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}
