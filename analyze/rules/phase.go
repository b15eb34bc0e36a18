package rules

import (
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/kube"
)

// JobPhase derives a Job's phase and the reason behind it, in this order
// (issue 3; it fixes the seed's W3 ordering bugs):
//
//  1. no status stanza at all: UNKNOWN;
//  2. condition Complete=True or SuccessCriteriaMet=True: SUCCEEDED, even
//     when status.failed > 0 (J2);
//  3. condition Failed=True: FAILED with its reason;
//  4. condition FailureTarget=True: FAILED (pods still terminating, J3);
//  5. spec.suspend or Suspended=True: SUSPENDED;
//  6. counts: succeeded ≥ completions (completions absent: 1) with nothing
//     active: SUCCEEDED; failed > backoffLimit (absent: 6) with nothing
//     active: FAILED (BackoffLimitExceeded, derived); active > 0: RUNNING;
//  7. startTime set, or any pod finished: RUNNING; otherwise PENDING.
//
// Counts never override a condition: {succeeded:1, active:2} is RUNNING,
// and {failed:1, active:1} is RUNNING (retrying, J4), not FAILED.
func JobPhase(j *model.Job) (model.JobPhase, string) {
	if !j.HasStatus {
		return model.PhaseUnknown, "no status"
	}
	cond := func(typ string) (model.Condition, bool) {
		for _, c := range j.Conditions {
			if c.Type == typ && c.Status == "True" {
				return c, true
			}
		}
		return model.Condition{}, false
	}
	if c, ok := cond("Complete"); ok {
		return model.PhaseSucceeded, reasonOr(c.Reason, "Complete")
	}
	if c, ok := cond("SuccessCriteriaMet"); ok {
		return model.PhaseSucceeded, reasonOr(c.Reason, "SuccessCriteriaMet")
	}
	if c, ok := cond("Failed"); ok {
		return model.PhaseFailed, reasonOr(c.Reason, "Failed")
	}
	if c, ok := cond("FailureTarget"); ok {
		return model.PhaseFailed, reasonOr(c.Reason, "FailureTarget")
	}
	if c, ok := cond("Suspended"); ok {
		return model.PhaseSuspended, reasonOr(c.Reason, "Suspended")
	}
	if j.Suspend {
		return model.PhaseSuspended, "spec.suspend"
	}
	active := j.Active.Or(0)
	succeeded := j.Succeeded.Or(0)
	failed := j.Failed.Or(0)
	if active == 0 && succeeded > 0 && succeeded >= j.Completions.Or(1) {
		return model.PhaseSucceeded, "succeeded ≥ completions (no condition)"
	}
	if active == 0 && failed > j.BackoffLimit.Or(kube.DefaultBackoffLimit) {
		return model.PhaseFailed, "BackoffLimitExceeded (from counts, no condition)"
	}
	if active > 0 {
		return model.PhaseRunning, ""
	}
	if !j.StartTime.IsZero() || succeeded > 0 || failed > 0 {
		return model.PhaseRunning, ""
	}
	return model.PhasePending, ""
}
