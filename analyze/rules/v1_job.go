package rules

import (
	"fmt"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/kube"
)

// The Job rules of v1 (J0–J8, E3). E4 and E5 on a Job are in v1_event.go.

func jobName(j *Job) string { return "job " + j.Job.Name }

func jobCounts(j *model.Job) []model.Field {
	return []model.Field{
		fld("status.succeeded", j.Succeeded.String()), fld("status.failed", j.Failed.String()),
		fld("status.active", j.Active.String()), fld("spec.completions", j.Completions.String()),
		fld("spec.backoffLimit", j.BackoffLimit.String()),
	}
}

func condFields(j *model.Job, typ string) []model.Field {
	c, _ := j.Condition(typ)
	return []model.Field{
		fld("status.conditions["+typ+"].status", c.Status), fld("status.conditions["+typ+"].reason", c.Reason),
		fld("status.conditions["+typ+"].message", oneLine(c.Message)),
	}
}

// jobEvent is the Job's own Warning BackoffLimitExceeded / DeadlineExceeded
// event (E3), the latest of them, or nil.
func jobEvent(j *Job) *EventGroup {
	var ev *EventGroup
	for _, g := range j.Events {
		if g.Type == "Warning" && isJobEventReason(g.Reason) {
			ev = g
		}
	}
	return ev
}

func isJobEventReason(r string) bool { return r == "BackoffLimitExceeded" || r == "DeadlineExceeded" }

// withEvent appends the E3 event's message and time to fs.
func withEvent(fs []model.Field, ev *EventGroup) []model.Field {
	if ev != nil {
		fs = append(fs, fld("event["+ev.Reason+"].message", oneLine(ev.Message)), fld("event["+ev.Reason+"].last", fmtTime(ev.Last)))
	}
	return fs
}

func eventMsg(g *EventGroup) string {
	if g == nil {
		return ""
	}
	return g.Message
}

func trueCond(j *model.Job, typ string) (model.Condition, bool) {
	for _, c := range j.Conditions {
		if c.Type == typ && c.Status == "True" {
			return c, true
		}
	}
	return model.Condition{}, false
}

func condStatus(j *model.Job, typ string) string {
	c, _ := j.Condition(typ)
	return c.Status
}

func jobUnknown(e *Env, j *Job, out *Out) { // J0
	if j.Phase != model.PhaseUnknown {
		return
	}
	l := model.LevelWarn
	if e.Opts.TreatUnknownAsError {
		l = model.LevelError
	}
	out.AddAt(l, jobName(j)+" phase is UNKNOWN: "+reasonOr(j.PhaseReason, "status cannot be interpreted"), jobEvidence(j.Job, fld("status", "absent")))
}

func jobFailed(_ *Env, j *Job, out *Out) { // J1
	if j.Phase != model.PhaseFailed {
		return
	}
	job, ev := j.Job, jobEvent(j)
	if c, ok := trueCond(job, "Failed"); ok {
		msg := jobName(j) + " failed: " + reasonOr(c.Reason, "Failed") + msgSuffix(reasonOr(c.Message, eventMsg(ev)))
		out.Add(msg, jobEvidence(job, withEvent(append(condFields(job, "Failed"), jobCounts(job)...), ev)...))
		return
	}
	if _, ok := trueCond(job, "FailureTarget"); ok {
		return // J3
	}
	msg := fmt.Sprintf("%s failed: %d failed pods exceed backoffLimit %d (no Failed condition)%s", jobName(j), job.Failed.Or(0), job.BackoffLimit.Or(kube.DefaultBackoffLimit), msgSuffix(eventMsg(ev)))
	out.Add(msg, jobEvidence(job, withEvent(jobCounts(job), ev)...))
}

func jobFailureTarget(_ *Env, j *Job, out *Out) { // J3
	if j.Phase != model.PhaseFailed {
		return
	}
	job := j.Job
	if _, ok := trueCond(job, "Failed"); ok {
		return
	}
	if c, ok := trueCond(job, "FailureTarget"); ok {
		msg := jobName(j) + " is failing (FailureTarget: " + reasonOr(c.Reason, "no reason") + "), pods still terminating" + msgSuffix(c.Message)
		out.Add(msg, jobEvidence(job, withEvent(append(condFields(job, "FailureTarget"), jobCounts(job)...), jobEvent(j))...))
	}
}

func jobComplete(_ *Env, j *Job, out *Out) { // J2
	if f := j.Job.Failed.Or(0); j.Phase == model.PhaseSucceeded && f > 0 {
		out.Add(fmt.Sprintf("%s succeeded (%s) after %d failed pod(s)", jobName(j), j.PhaseReason, f), jobEvidence(j.Job, jobCounts(j.Job)...))
	}
}

func jobRetrying(_ *Env, j *Job, out *Out) { // J4
	if j.Phase != model.PhaseRunning && j.Phase != model.PhasePending {
		return
	}
	if f := j.Job.Failed.Or(0); f > 0 {
		out.Add(fmt.Sprintf("%s is retrying: %d failed of backoffLimit %d, %d active", jobName(j), f, j.Job.BackoffLimit.Or(kube.DefaultBackoffLimit), j.Job.Active.Or(0)),
			jobEvidence(j.Job, jobCounts(j.Job)...))
	}
}

func jobSuspended(e *Env, j *Job, out *Out) { // J5
	if j.Phase == model.PhaseSuspended {
		out.AddAt(e.Opts.SuspendedLevel, jobName(j)+" is suspended ("+j.PhaseReason+")",
			jobEvidence(j.Job, fld("spec.suspend", fmt.Sprint(j.Job.Suspend)), fld("status.conditions[Suspended].status", condStatus(j.Job, "Suspended"))))
	}
}

// runFor is how long a RUNNING Job with a start time has run.
func runFor(e *Env, j *Job) (time.Duration, bool) {
	if j.Phase != model.PhaseRunning || j.Job.StartTime.IsZero() {
		return 0, false
	}
	return e.Now.Sub(j.Job.StartTime), true
}

func jobLongRunning(e *Env, j *Job, out *Out) { // J6
	run, ok := runFor(e, j)
	if ok && j.Job.Active.Or(0) > 0 && run > e.Opts.MaxRuntime {
		out.Add(fmt.Sprintf("%s has been running for %s (limit %s)", jobName(j), fmtAge(run), e.Opts.MaxRuntime),
			jobEvidence(j.Job, fld("status.startTime", fmtTime(j.Job.StartTime)), fld("status.active", j.Job.Active.String())))
	}
}

func jobNearDeadline(e *Env, j *Job, out *Out) { // J7
	run, ok := runFor(e, j)
	ads := j.Job.ActiveDeadlineSeconds
	if !ok || !ads.Set || ads.Val <= 0 {
		return
	}
	deadline := time.Duration(ads.Val) * time.Second
	if run*100 > deadline*time.Duration(e.Opts.DeadlineWarnPercent) {
		out.Add(fmt.Sprintf("%s has used %d%% of activeDeadlineSeconds %d (running %s)", jobName(j), int64(run*100/deadline), ads.Val, fmtAge(run)),
			jobEvidence(j.Job, fld("spec.activeDeadlineSeconds", ads.String()), fld("status.startTime", fmtTime(j.Job.StartTime))))
	}
}

func jobPending(e *Env, j *Job, out *Out) { // J8
	if j.Phase != model.PhasePending {
		return
	}
	job := j.Job
	age := e.Now.Sub(job.Created)
	if e.Opts.WarnOnPending && (job.Created.IsZero() || age >= e.Opts.PendingAfter) {
		msg := jobName(j) + " has not started"
		if !job.Created.IsZero() {
			msg += " " + fmtAge(age) + " after creation"
		}
		out.Add(msg, jobEvidence(job, fld("status.startTime", ""), fld("status.active", job.Active.String()), fld("metadata.creationTimestamp", fmtTime(job.Created))))
	}
}

func jobEventOnly(_ *Env, j *Job, out *Out) { // E3 before the Failed condition landed
	ev := jobEvent(j)
	if ev != nil && j.Phase != model.PhaseFailed && j.Phase != model.PhaseSucceeded {
		out.Add(jobName(j)+" has a "+ev.Reason+" event but no Failed condition"+msgSuffix(ev.Message), jobEvidence(j.Job, withEvent(jobCounts(j.Job), ev)...))
	}
}
