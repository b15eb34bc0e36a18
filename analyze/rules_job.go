package analyze

import (
	"fmt"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

func (ev *evaluation) jobFinding(st *jobState, rule string, l model.Level, msg string, fields ...model.Field) {
	st.res.Findings = append(st.res.Findings, model.Finding{Rule: rule, Level: l, Message: msg, Evidence: jobEvidence(st.job, fields...)})
}

// jobRules applies J0–J8, E3, E4 and E5 to one Job.
func (ev *evaluation) jobRules(st *jobState) {
	j := st.job
	o := ev.opts
	name := "job " + j.Name
	res := st.res
	for _, g := range st.events {
		res.Events = appendWarning(res.Events, g)
	}
	ev.eventRules(nil, st)
	defer func() {
		sortFindings(res.Findings)
		res.Health = worst(res.Findings)
	}()
	counts := []model.Field{
		fld("status.succeeded", j.Succeeded.String()), fld("status.failed", j.Failed.String()),
		fld("status.active", j.Active.String()), fld("spec.completions", j.Completions.String()),
		fld("spec.backoffLimit", j.BackoffLimit.String()),
	}
	// E3: the Job's own BackoffLimitExceeded / DeadlineExceeded event.
	var jobEvent *eventGroup
	for _, g := range st.events {
		if g.typ == "Warning" && (g.reason == "BackoffLimitExceeded" || g.reason == "DeadlineExceeded") {
			jobEvent = g
		}
	}
	condFields := func(typ string) []model.Field {
		c, _ := j.Condition(typ)
		return []model.Field{
			fld("status.conditions["+typ+"].status", c.Status), fld("status.conditions["+typ+"].reason", c.Reason),
			fld("status.conditions["+typ+"].message", textutil.OneLine(c.Message)),
		}
	}
	withEvent := func(fs []model.Field) []model.Field {
		if jobEvent != nil {
			fs = append(fs, fld("event["+jobEvent.reason+"].message", textutil.OneLine(jobEvent.msg)),
				fld("event["+jobEvent.reason+"].last", fmtTime(jobEvent.last)))
		}
		return fs
	}

	switch st.phase {
	case model.PhaseUnknown: // J0
		l := model.LevelWarn
		if o.TreatUnknownAsError {
			l = model.LevelError
		}
		ev.jobFinding(st, RuleUnknownPhase, l, name+" phase is UNKNOWN: "+reasonOr(res.PhaseReason, "status cannot be interpreted"), fld("status", "absent"))
	case model.PhaseFailed:
		if c, ok := trueCond(j, "Failed"); ok { // J1
			msg := name + " failed: " + reasonOr(c.Reason, "Failed") + msgSuffix(reasonOr(c.Message, eventMsg(jobEvent)))
			ev.jobFinding(st, RuleJobFailed, model.LevelError, msg, withEvent(append(condFields("Failed"), counts...))...)
		} else if c, ok := trueCond(j, "FailureTarget"); ok { // J3
			msg := name + " is failing (FailureTarget: " + reasonOr(c.Reason, "no reason") + "), pods still terminating" + msgSuffix(c.Message)
			ev.jobFinding(st, RuleJobFailureTarget, model.LevelError, msg, withEvent(append(condFields("FailureTarget"), counts...))...)
		} else { // J1 derived from counts
			msg := fmt.Sprintf("%s failed: %d failed pods exceed backoffLimit %d (no Failed condition)%s", name, j.Failed.Or(0), j.BackoffLimit.Or(defaultBackoffLimit), msgSuffix(eventMsg(jobEvent)))
			ev.jobFinding(st, RuleJobFailed, model.LevelError, msg, withEvent(counts)...)
		}
	case model.PhaseSucceeded: // J2
		if f := j.Failed.Or(0); f > 0 {
			ev.jobFinding(st, RuleJobComplete, model.LevelOK, fmt.Sprintf("%s succeeded (%s) after %d failed pod(s)", name, res.PhaseReason, f), counts...)
		}
	case model.PhaseSuspended: // J5
		ev.jobFinding(st, RuleJobSuspended, o.SuspendedLevel, name+" is suspended ("+res.PhaseReason+")",
			fld("spec.suspend", fmt.Sprint(j.Suspend)), fld("status.conditions[Suspended].status", condStatus(j, "Suspended")))
	case model.PhasePending: // J8
		age := ev.now.Sub(j.Created)
		if o.WarnOnPending && (j.Created.IsZero() || age >= o.PendingAfter) {
			msg := name + " has not started"
			if !j.Created.IsZero() {
				msg += " " + fmtAge(age) + " after creation"
			}
			ev.jobFinding(st, RuleJobPending, model.LevelWarn, msg, fld("status.startTime", ""), fld("status.active", j.Active.String()),
				fld("metadata.creationTimestamp", fmtTime(j.Created)))
		}
	}
	if st.phase == model.PhaseRunning || st.phase == model.PhasePending {
		if f := j.Failed.Or(0); f > 0 { // J4
			ev.jobFinding(st, RuleJobRetrying, model.LevelWarn,
				fmt.Sprintf("%s is retrying: %d failed of backoffLimit %d, %d active", name, f, j.BackoffLimit.Or(defaultBackoffLimit), j.Active.Or(0)), counts...)
		}
	}
	if st.phase == model.PhaseRunning && !j.StartTime.IsZero() {
		run := ev.now.Sub(j.StartTime)
		if j.Active.Or(0) > 0 && run > o.MaxRuntime { // J6
			ev.jobFinding(st, RuleJobLongRunning, model.LevelWarn,
				fmt.Sprintf("%s has been running for %s (limit %s)", name, fmtAge(run), o.MaxRuntime),
				fld("status.startTime", fmtTime(j.StartTime)), fld("status.active", j.Active.String()))
		}
		if ads := j.ActiveDeadlineSeconds; ads.Set && ads.Val > 0 { // J7
			deadline := time.Duration(ads.Val) * time.Second
			if run*100 > deadline*time.Duration(o.DeadlineWarnPercent) {
				ev.jobFinding(st, RuleJobNearDeadline, model.LevelWarn,
					fmt.Sprintf("%s has used %d%% of activeDeadlineSeconds %d (running %s)", name, int64(run*100/deadline), ads.Val, fmtAge(run)),
					fld("spec.activeDeadlineSeconds", ads.String()), fld("status.startTime", fmtTime(j.StartTime)))
			}
		}
	}
	if jobEvent != nil && st.phase != model.PhaseFailed && st.phase != model.PhaseSucceeded { // E3 before the Failed condition landed
		ev.jobFinding(st, RuleJobEvent, model.LevelError, name+" has a "+jobEvent.reason+" event but no Failed condition"+msgSuffix(jobEvent.msg),
			withEvent(counts)...)
	}
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

func eventMsg(g *eventGroup) string {
	if g == nil {
		return ""
	}
	return g.msg
}
