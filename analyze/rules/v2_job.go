package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// The Job rules v2 adds or changes (J4, J8, J9, J11–J14), its phase
// derivation and its relation of Jobs (supersession).

// builtinManager is spec.managedBy's value for the built-in Job controller.
const builtinManager = "kubernetes.io/job-controller"

// managedElsewhere says whether spec.managedBy names another controller.
func managedElsewhere(j *model.Job) bool { return j.ManagedBy != "" && j.ManagedBy != builtinManager }

// perIndex says whether the Job counts failures per index.
func perIndex(j *model.Job) bool { return j.BackoffLimitPerIndex.Set }

// JobPhaseV2 derives a Job's phase as JobPhase does, with two changes
// (docs/rules.md, "Rule set v2"):
//
//   - a Job managed by another controller (spec.managedBy) gets its phase
//     from conditions, suspend, active and start only: its counts are that
//     controller's, not the built-in backoff arithmetic (J14);
//   - a started Job with no pod and nothing active (active, succeeded,
//     failed and terminating all 0) is PENDING, not RUNNING: nothing runs
//     (J13).
func JobPhaseV2(j *model.Job) (model.JobPhase, string) {
	if managedElsewhere(j) {
		return managedPhase(j)
	}
	p, reason := JobPhase(j)
	if p == model.PhaseRunning && noPods(j) {
		return model.PhasePending, "started, no pod and nothing active"
	}
	return p, reason
}

// noPods says whether a started Job has no pod: nothing active, succeeded,
// failed, terminating, or finished and not yet counted.
func noPods(j *model.Job) bool {
	return !j.StartTime.IsZero() && j.Active.Or(0) == 0 && j.Succeeded.Or(0) == 0 && j.Failed.Or(0) == 0 && j.Terminating.Or(0) == 0 && j.Uncounted == 0
}

// managedPhase is JobPhase without the count-based steps (6 and the
// finished-pod part of 7).
func managedPhase(j *model.Job) (model.JobPhase, string) {
	if !j.HasStatus {
		return model.PhaseUnknown, "no status"
	}
	for _, typ := range []string{"Complete", "SuccessCriteriaMet", "Failed", "FailureTarget", "Suspended"} {
		if c, ok := trueCond(j, typ); ok {
			return JobPhase(&model.Job{HasStatus: true, Conditions: []model.Condition{c}})
		}
	}
	switch {
	case j.Suspend:
		return model.PhaseSuspended, "spec.suspend"
	case j.Active.Or(0) > 0, !j.StartTime.IsZero():
		return model.PhaseRunning, ""
	}
	return model.PhasePending, ""
}

// supersede marks each FAILED run of a CronJob that a later run of the
// same CronJob (same namespace, owner name and uid; strictly later
// creation) SUCCEEDED: SupersededBy is the earliest such run (then by
// name, uid).
func supersede(jobs []*Job) {
	type owner struct{ ns, name, uid string }
	runs := map[owner][]*Job{}
	var keys []owner
	for _, j := range jobs {
		o := j.Job.Owner
		if o.Kind != "CronJob" || o.Name == "" || j.Job.Created.IsZero() {
			continue
		}
		k := owner{j.Job.Namespace, o.Name, o.UID}
		if runs[k] == nil {
			keys = append(keys, k)
		}
		runs[k] = append(runs[k], j)
	}
	for _, k := range keys {
		rs := runs[k]
		slices.SortStableFunc(rs, func(a, b *Job) int {
			if c := a.Job.Created.Compare(b.Job.Created); c != 0 {
				return c
			}
			if c := strings.Compare(a.Job.Name, b.Job.Name); c != 0 {
				return c
			}
			return strings.Compare(a.Job.UID, b.Job.UID)
		})
		for i, f := range rs {
			if f.Phase != model.PhaseFailed {
				continue
			}
			for _, s := range rs[i+1:] {
				if s.Phase == model.PhaseSucceeded && s.Job.Created.After(f.Job.Created) {
					f.SupersededBy = s
					break
				}
			}
		}
	}
}

func jobSuperseded(_ *Env, j *Job, out *Out) { // J11
	s := j.SupersededBy
	if s == nil {
		return
	}
	owner := s.Job.Owner.Kind + "/" + s.Job.Owner.Name
	out.Add(fmt.Sprintf("%s failed but is superseded: the later run %s of %s succeeded (%s)", jobName(j), s.Job.Name, owner, s.PhaseReason),
		model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: s.Job.Name, Fields: []model.Field{
			fld("metadata.ownerReferences[controller]", owner),
			fld("metadata.creationTimestamp", fmtTime(s.Job.Created)),
			fld("status.completionTime", fmtTime(s.Job.CompletionTime)),
			fld("superseded.name", j.Job.Name),
			fld("superseded.metadata.creationTimestamp", fmtTime(j.Job.Created)),
		}})
}

// indexCount is the number of indexes in an index set ("1,3-5" is 4); ok is
// false when the set does not parse.
func indexCount(set string) (n int64, ok bool) {
	if set == "" {
		return 0, true
	}
	for part := range strings.SplitSeq(set, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		if err != nil || a < 0 {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(hi, 10, 64); err != nil || b < a {
				return 0, false
			}
		}
		n += b - a + 1
	}
	return n, true
}

func perIndexFields(j *model.Job) []model.Field {
	return []model.Field{
		fld("spec.backoffLimitPerIndex", j.BackoffLimitPerIndex.String()), fld("spec.maxFailedIndexes", j.MaxFailedIndexes.String()),
		fld("status.failedIndexes", j.FailedIndexes), fld("status.completedIndexes", j.CompletedIndexes),
		fld("status.failed", j.Failed.String()), fld("status.active", j.Active.String()), fld("spec.completions", j.Completions.String()),
	}
}

// unfinished says whether the Job may still run (RUNNING, PENDING or
// SUSPENDED).
func unfinished(j *Job) bool {
	return j.Phase == model.PhaseRunning || j.Phase == model.PhasePending || j.Phase == model.PhaseSuspended
}

func jobDoomed(_ *Env, j *Job, out *Out) { // J12
	job := j.Job
	if !perIndex(job) || job.FailedIndexes == "" || !unfinished(j) {
		return
	}
	msg := fmt.Sprintf("%s can only end Failed: index(es) %s failed with backoffLimitPerIndex %d spent", jobName(j), job.FailedIndexes, job.BackoffLimitPerIndex.Val)
	if n, ok := indexCount(job.FailedIndexes); ok && job.MaxFailedIndexes.Set {
		if n > job.MaxFailedIndexes.Val {
			msg += fmt.Sprintf(", more than maxFailedIndexes %d", job.MaxFailedIndexes.Val)
		} else {
			msg += fmt.Sprintf(" (%d of maxFailedIndexes %d)", n, job.MaxFailedIndexes.Val)
		}
	}
	done, _ := indexCount(job.CompletedIndexes)
	msg += fmt.Sprintf("; %d of %s completed, %d active", done, job.Completions.String(), job.Active.Or(0))
	l := model.LevelError
	if job.SuccessPolicy {
		l = model.LevelWarn
		msg += "; spec.successPolicy may still let it succeed"
	}
	out.AddAt(l, msg, jobEvidence(job, perIndexFields(job)...))
}

func jobRetryingV2(e *Env, j *Job, out *Out) { // J4
	job := j.Job
	if !perIndex(job) {
		jobRetrying(e, j, out)
		return
	}
	if j.Phase != model.PhaseRunning && j.Phase != model.PhasePending || job.FailedIndexes != "" {
		return // J12 has failed indexes
	}
	if f := job.Failed.Or(0); f > 0 {
		out.Add(fmt.Sprintf("%s is retrying: %d failed pod(s), no index out of its backoffLimitPerIndex %d, %d active", jobName(j), f, job.BackoffLimitPerIndex.Val, job.Active.Or(0)),
			jobEvidence(job, perIndexFields(job)...))
	}
}

func jobPendingV2(e *Env, j *Job, out *Out) { // J8
	if j.Job.StartTime.IsZero() {
		jobPending(e, j, out)
	}
}

// failedCreate is the Job's latest Warning FailedCreate event, or nil.
func failedCreate(j *Job) *EventGroup {
	var ev *EventGroup
	for _, g := range j.Events {
		if g.Type == "Warning" && g.Reason == "FailedCreate" {
			ev = g
		}
	}
	return ev
}

// stuck says whether J13 judges the Job: PENDING though started.
func stuck(j *Job) bool {
	return j.Phase == model.PhasePending && !j.Job.StartTime.IsZero() && !managedElsewhere(j.Job)
}

func jobNoPods(e *Env, j *Job, out *Out) { // J13
	job := j.Job
	if !stuck(j) {
		return
	}
	msg := fmt.Sprintf("%s started %s ago but has no pod and nothing active", jobName(j), fmtAge(e.Now.Sub(job.StartTime)))
	fields := []model.Field{fld("status.startTime", fmtTime(job.StartTime)), fld("status.active", job.Active.String()),
		fld("status.succeeded", job.Succeeded.String()), fld("status.failed", job.Failed.String()), fld("status.terminating", job.Terminating.String())}
	if ev := failedCreate(j); ev != nil {
		msg += fmt.Sprintf(": FailedCreate (×%d)%s", ev.Count, msgSuffix(ev.Message))
		fields = append(fields, fld("event[FailedCreate].message", oneLine(ev.Message)), fld("event[FailedCreate].count", itoa(ev.Count)), fld("event[FailedCreate].last", fmtTime(ev.Last)))
	}
	out.Add(msg, jobEvidence(job, fields...))
}

// jobWarningEventsV2 is E4 on a Job, leaving out the FailedCreate events
// J13 already names.
func jobWarningEventsV2(e *Env, j *Job, out *Out) {
	if !stuck(j) {
		jobWarningEvents(e, j, out)
		return
	}
	var gs []*EventGroup
	for _, g := range j.Events {
		if g.Reason != "FailedCreate" {
			gs = append(gs, g)
		}
	}
	warningEvents(gs, true, out)
}

func jobManaged(_ *Env, j *Job, out *Out) { // J14
	if job := j.Job; managedElsewhere(job) {
		out.Add(jobName(j)+" is managed by "+job.ManagedBy+", not the built-in Job controller: its status is that controller's",
			jobEvidence(job, fld("spec.managedBy", job.ManagedBy)))
	}
}

func jobMissingV2(e *Env, b *Bundle, out *Out) { // J9
	if !b.JobsRead {
		return
	}
	have := map[string]bool{}
	for _, j := range b.Jobs {
		have[j.Job.Name] = true
		if o := j.Job.Owner; o.Kind == "CronJob" {
			have[o.Name] = true
		}
	}
	missingExpected(e, have, out)
}
