package rules

import (
	"github.com/ksnap/ksnap/analyze/model"
)

// v2 is rule set "v2", version "ksnap-rules/2" (issue 17): v1 with Job
// semantics an SRE trusts on the hard cases and a narrower scope:
//
//   - J11: a failed run of a CronJob that a later run of the same CronJob
//     made good in the same capture is WARN, with the later run in the
//     evidence (Relate); a CronJob whose newest run failed stays ERROR;
//   - J12 and J4: Indexed Jobs with backoffLimitPerIndex are judged per
//     index: an index out of retries dooms the Job (ERROR), retrying indexes
//     are WARN, and backoffLimit (only the API default in that mode) is not
//     quoted;
//   - J13: a started Job with no pod and nothing active is PENDING and WARN
//     on its own (phase), its FailedCreate events evidence when present;
//   - J14: a Job with spec.managedBy is named as run by that controller, and
//     its phase is not derived from counts as the built-in controller's is;
//   - J9: --expect also matches the runs of a CronJob of that name;
//   - O1: bare pods are listed but count in the verdict only with
//     Options.IncludeBarePods;
//   - M1–M3 (issue 15): a container's usage sampled by the metrics API
//     (capture --metrics) near its memory limit, at its CPU limit, or far
//     above its requests (metrics.go).
//
// Like v1 it never changes once released: declare v3 instead.
var v2 = func() RuleSet {
	s, err := New("v2", "ksnap-rules/2", v2Rules())
	if err != nil {
		panic(err) // a declaration bug, caught by every test
	}
	s.phase = JobPhaseV2
	s.relate = supersede
	s.barePods = func(o Options) bool { return o.IncludeBarePods }
	return s
}()

// V2 returns rule set v2.
func V2() RuleSet { return v2 }

// v2Rules are v1's rules with J4, J8, J9, E4 and O1 replaced and J11–J14 added
// after the v1 rules they sit with: J11 after J1, J12 after J3, J13 after
// J8, J14 last of the Job rules (after E3); M1–M3 follow P17.
func v2Rules() []Rule {
	replace := map[string]Rule{
		"J4": {Code: "J4", Level: model.LevelWarn, Doc: "phase RUNNING or PENDING and `status.failed > 0`: retrying within backoffLimit; for an Indexed Job with `backoffLimitPerIndex`, retrying while no index is in `status.failedIndexes` (per-index limit quoted, not backoffLimit)",
			Job: jobRetryingV2},
		"J8": {Code: "J8", Level: model.LevelWarn, Doc: "PENDING without `startTime`, `WarnOnPending`, and now − `creationTimestamp` ≥ `PendingAfter` (or no creation time)",
			Job: jobPendingV2},
		"J9": {Code: "J9", Level: model.LevelError, Doc: "a name given by `--expect` is neither a Job's name nor the name of the CronJob owning a Job (bundle-level; not checked when the jobs list is unavailable)",
			Bundle: jobMissingV2},
		"E4": {Code: "E4", Level: model.LevelWarn, Doc: "Warning events with reason `FailedScheduling`, `FailedMount`, `FailedCreatePodSandBox`, `BackOff`, `Unhealthy`, `Failed`, `Evicted`, `Preempting`, `Preempted` or `FailedCreate` on a pod or Job, except `FailedCreate` on a Job J13 judges (it is J13's evidence)",
			Job: jobWarningEventsV2, Pod: podWarningEvents},
		"O1": {Code: "O1", Level: model.LevelOK, Doc: "the verdict is the worst of the bundle-level findings and every Job's health; bare pods are listed with their findings and count only with `IncludeBarePods` (`--include-bare-pods`)"}, // no finding: analyze takes the worst (RuleSet.BarePodsInVerdict)
	}
	after := map[string]Rule{
		"J1": {Code: "J11", Level: model.LevelWarn, Doc: "a FAILED run of a CronJob superseded by a later run of the same CronJob (same owner uid, later `creationTimestamp`) that SUCCEEDED, in the same capture: every finding on it and its pods is at most WARN; the superseding Job is the evidence",
			Job: jobSuperseded},
		"J3": {Code: "J12", Level: model.LevelError, Doc: "an Indexed Job with `backoffLimitPerIndex`, not finished, and `status.failedIndexes` set: those indexes are out of retries, so the Job can only end Failed; WARN when `spec.successPolicy` is set (it may still succeed)",
			Job: jobDoomed},
		"J8": {Code: "J13", Level: model.LevelWarn, Doc: "PENDING with `startTime`: started, but no pod and nothing active (`active`, `succeeded`, `failed`, `terminating` all 0), e.g. a ResourceQuota refusing every pod; the Job's latest Warning `FailedCreate` event joins the evidence when present",
			Job: jobNoPods},
		"E3": {Code: "J14", Level: model.LevelOK, Doc: "`spec.managedBy` names a controller other than the built-in one: named, and the phase comes from conditions, suspend and start only (no count-based phase, no J13)",
			Job: jobManaged},
	}
	var rs []Rule
	for _, r := range v1Rules() {
		if n, ok := replace[r.Code]; ok {
			r = n
		}
		rs = append(rs, r)
		if n, ok := after[r.Code]; ok {
			rs = append(rs, n)
		}
		if r.Code == "P17" {
			rs = append(rs, usageRules()...) // M1–M3 after the pod rules
		}
	}
	return rs
}
