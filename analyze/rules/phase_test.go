package rules

import (
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
)

// TestJobPhase covers issue 3 item 3 and every example of seed-spec §3.2,
// with the seed's wrong answers (W3) replaced by the fixed ones.
func TestJobPhase(t *testing.T) {
	tests := []struct {
		name       string
		spec       string
		status     string
		want       model.JobPhase
		wantReason string
	}{
		{"seed: empty status is PENDING", `{}`, `{}`, model.PhasePending, ""},
		{"seed: succeeded+failed is SUCCEEDED", `{}`, `{"succeeded":1,"failed":1}`, model.PhaseSucceeded, "succeeded ≥ completions (no condition)"},
		{"W3: 1 of 3 completions is RUNNING, not SUCCEEDED", `{"completions":3}`, `{"succeeded":1,"active":2}`, model.PhaseRunning, ""},
		{"W3: retrying within backoffLimit is RUNNING, not FAILED", `{"backoffLimit":6}`, `{"failed":1,"active":1}`, model.PhaseRunning, ""},
		{"seed: zeros with startTime is RUNNING", `{}`, `{"succeeded":0,"failed":0,"active":0,"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseRunning, ""},
		{"seed: Complete condition", `{}`, `{"conditions":[{"type":"Complete","status":"True"}]}`, model.PhaseSucceeded, "Complete"},
		{"seed: Failed condition", `{}`, `{"conditions":[{"type":"Failed","status":"True","reason":"DeadlineExceeded"}],"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseFailed, "DeadlineExceeded"},
		{"W3: Suspended condition is SUSPENDED, not PENDING", `{}`, `{"conditions":[{"type":"Suspended","status":"True","reason":"JobSuspended"}]}`, model.PhaseSuspended, "JobSuspended"},
		{"seed: Complete=False falls through", `{}`, `{"conditions":[{"type":"Complete","status":"False"}],"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseRunning, ""},
		{"seed: ready:0 with startTime is RUNNING", `{}`, `{"ready":0,"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseRunning, ""},
		{"seed 5.1-11: failed 1 + startTime retries (default backoffLimit 6)", `{}`, `{"failed":1,"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseRunning, ""},
		{"seed 5.1-12: active 1 is RUNNING", `{}`, `{"active":1,"startTime":"2025-11-16T09:00:00Z"}`, model.PhaseRunning, ""},
		{"Complete wins over failed>0 (J2)", `{}`, `{"failed":1,"succeeded":0,"conditions":[{"type":"Complete","status":"True"}]}`, model.PhaseSucceeded, "Complete"},
		{"SuccessCriteriaMet", `{}`, `{"conditions":[{"type":"SuccessCriteriaMet","status":"True","reason":"CompletionsReached"}]}`, model.PhaseSucceeded, "CompletionsReached"},
		{"Failed wins over succeeded>0 (k8s#90551)", `{}`, `{"succeeded":1,"conditions":[{"type":"Failed","status":"True","reason":"DeadlineExceeded"}]}`, model.PhaseFailed, "DeadlineExceeded"},
		{"FailureTarget alone is FAILED", `{}`, `{"active":1,"conditions":[{"type":"FailureTarget","status":"True","reason":"BackoffLimitExceeded"}]}`, model.PhaseFailed, "BackoffLimitExceeded"},
		{"spec.suspend", `{"suspend":true}`, `{}`, model.PhaseSuspended, "spec.suspend"},
		{"conditions before suspend", `{"suspend":true}`, `{"conditions":[{"type":"Complete","status":"True"}]}`, model.PhaseSucceeded, "Complete"},
		{"failed beyond backoffLimit without condition", `{"backoffLimit":0}`, `{"failed":1}`, model.PhaseFailed, "BackoffLimitExceeded (from counts, no condition)"},
		{"completions reached without condition", `{"completions":2}`, `{"succeeded":2}`, model.PhaseSucceeded, "succeeded ≥ completions (no condition)"},
		{"no status stanza is UNKNOWN", `{}`, ``, model.PhaseUnknown, "no status"},
		{"status null is UNKNOWN", `{}`, `null`, model.PhaseUnknown, "no status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"kind":"Job","metadata":{"name":"j"},"spec":` + tt.spec
			if tt.status != "" {
				doc += `,"status":` + tt.status
			}
			doc += `}`
			jobs, errs, err := parse.Jobs("jobs.json", []byte(doc))
			if err != nil || len(errs) != 0 || len(jobs) != 1 {
				t.Fatalf("parse: jobs=%d errs=%v err=%v", len(jobs), errs, err)
			}
			got, reason := JobPhase(&jobs[0])
			if got != tt.want || reason != tt.wantReason {
				t.Errorf("JobPhase = %s %q, want %s %q", got, reason, tt.want, tt.wantReason)
			}
		})
	}
}
