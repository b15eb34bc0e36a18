package rules

import (
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/kube"
)

// v1 is rule set "v1", version "ksnap-rules/1": the rules of the first
// releases (docs/rules.md). Its version string is the one every report and
// history record of those releases carries; do not change it, and do not
// change a condition or default level of v1: declare v2 (v1.Derive) instead.
var v1 = func() RuleSet {
	s, err := New("v1", "ksnap-rules/1", v1Rules())
	if err != nil {
		panic(err) // a declaration bug, caught by every test
	}
	return s
}()

// V1 returns rule set v1.
func V1() RuleSet { return v1 }

// v1Rules declares every rule of v1 once, in listing order: within one
// level, findings are listed in this order.
func v1Rules() []Rule {
	return []Rule{
		{Code: "O2", Level: model.LevelWarn, Doc: "a manifest command failed (kubectl exit ≠ 0, timeout, not found, wrong output): named with its error and first stderr line (seed W1, W4)",
			Bundle: captureFailed},
		{Code: "O5", Level: model.LevelWarn, Doc: "a member cannot be read (not JSON, not a list/array/object, missing): UNKNOWN for `jobs.json`, WARN otherwise; one or more malformed items skipped (one finding per member, naming the first)",
			Bundle: input},
		{Code: "O3", Level: model.LevelWarn, Doc: "the jobs list was read and holds no Job (seed W2)",
			Bundle: noJobs},
		{Code: "J9", Level: model.LevelError, Doc: "a Job named by `--expect` is not in the jobs list (bundle-level; not checked when the jobs list is unavailable)",
			Bundle: jobMissing},
		{Code: "J0", Level: model.LevelError, Doc: "phase UNKNOWN (no status stanza)",
			Job: jobUnknown},
		{Code: "J1", Level: model.LevelError, Doc: "phase FAILED from `Failed=True`, or from counts (failed > backoffLimit, no condition); message is the condition's reason and message, or the E3 event's",
			Job: jobFailed},
		{Code: "J3", Level: model.LevelError, Doc: "`FailureTarget=True` without `Failed=True`",
			Job: jobFailureTarget},
		{Code: "J2", Level: model.LevelOK, Doc: "phase SUCCEEDED with `status.failed > 0` (noted only then)",
			Job: jobComplete},
		{Code: "J4", Level: model.LevelWarn, Doc: "phase RUNNING or PENDING and `status.failed > 0`: retrying within backoffLimit",
			Job: jobRetrying},
		{Code: "J5", Level: model.LevelWarn, Doc: "phase SUSPENDED",
			Job: jobSuspended},
		{Code: "J6", Level: model.LevelWarn, Doc: "RUNNING, `active > 0` and now − `startTime` > `MaxRuntime`",
			Job: jobLongRunning},
		{Code: "J7", Level: model.LevelWarn, Doc: "RUNNING, `spec.activeDeadlineSeconds` set and now − `startTime` > `DeadlineWarnPercent`% of it",
			Job: jobNearDeadline},
		{Code: "J8", Level: model.LevelWarn, Doc: "PENDING, `WarnOnPending`, and now − `creationTimestamp` ≥ `PendingAfter` (or no creation time)",
			Job: jobPending},
		{Code: "E3", Level: model.LevelError, Doc: "the Job's own Warning `BackoffLimitExceeded` / `DeadlineExceeded` event corroborates J1 (its message and time join J1's evidence, its text is J1's message when the condition has none); on a Job that is neither FAILED nor SUCCEEDED it is an ERROR finding of its own (\"event but no Failed condition\")",
			Job: jobEventOnly},
		{Code: "P2", Level: model.LevelError, Doc: "phase Failed, unless P9 explains it",
			Attempt: true, Pod: podFailed},
		{Code: "P15", Level: model.LevelError, Doc: "init container (not a native sidecar) waiting `CrashLoopBackOff` or a P4/P5 reason, or terminated with exit ≠ 0 (`Init:Error`, `Init:ExitCode:N`)",
			Pod: initFailed},
		{Code: "P3", Level: model.LevelError, Doc: "app container (or native sidecar) waiting `CrashLoopBackOff`; message adds the last termination reason and exit code",
			Pod: appWaiting(isCrashLoop)},
		{Code: "P4", Level: model.LevelError, Doc: "waiting `ImagePullBackOff`, `ErrImagePull`, `InvalidImageName`, `ErrImageNeverPull`, `ImageInspectError`",
			Pod: appWaiting(kube.IsImagePull)},
		{Code: "P5", Level: model.LevelError, Doc: "waiting `CreateContainerConfigError`, `CreateContainerError`, `RunContainerError`, `PreStartHookError`, `PreCreateHookError`",
			Pod: appWaiting(kube.IsContainerConfig)},
		{Code: "P6", Level: model.LevelWarn, Doc: "any other waiting reason (`ContainerCreating`, `PodInitializing`, ...): ERROR if the pod's latest Warning event is `FailedMount` or `FailedCreatePodSandBox`; WARN once waiting ≥ `WaitingWarnAfter` since `status.startTime` (else creation; unknown start counts as exceeded); else nothing",
			Pod: waiting},
		{Code: "P7", Level: model.LevelWarn, Doc: "`OOMKilled` in `state.terminated` (ERROR when the pod Failed, else WARN) or in `lastState.terminated` (WARN)",
			Attempt: true, SucceededLevel: model.LevelWarn, Pod: oomKilled},
		{Code: "P8", Level: model.LevelError, Doc: "app container `state.terminated` with exit code ≠ 0 (not OOMKilled, pod not Succeeded); signal recorded",
			Attempt: true, Pod: exitCode},
		{Code: "P9", Level: model.LevelWarn, Doc: "`status.reason` is `Evicted`, `NodeLost`, `Shutdown`, `UnexpectedAdmissionError`, `NodeAffinity`, `PreemptionByScheduler`, `TerminationByKubelet` or `DeadlineExceeded`",
			Attempt: true, Pod: podReason},
		{Code: "P10", Level: model.LevelWarn, Doc: "condition `DisruptionTarget=True`",
			Pod: podDisruption},
		{Code: "P11", Level: model.LevelWarn, Doc: "phase Pending and `PodScheduled=False` reason `Unschedulable`",
			Pod: podUnschedulable},
		{Code: "P12", Level: model.LevelOK, Doc: "`PodScheduled=False` reason `SchedulingGated`",
			Pod: podSchedulingGated},
		{Code: "P13", Level: model.LevelWarn, Doc: "phase Running, `Ready=False`, and not a Job pod (no Job owner, no job-name label)",
			Pod: podNotReady},
		{Code: "P14", Level: model.LevelWarn, Doc: "a container's `restartCount ≥ RestartWarn`",
			Pod: restarts},
		{Code: "P16", Level: model.LevelOK, Doc: "`metadata.deletionTimestamp` set: OK while recent; WARN when now is more than `TerminatingWarnAfter` past it",
			Pod: podTerminating},
		{Code: "P17", Level: model.LevelWarn, Doc: "phase Unknown",
			Pod: podUnknown},
		{Code: "P1", Level: model.LevelOK, Doc: "phase Succeeded: no container checks (sidecars may exit non-zero)"}, // no finding: the pod rules skip container checks (checked)
		{Code: "E4", Level: model.LevelWarn, Doc: "Warning events with reason `FailedScheduling`, `FailedMount`, `FailedCreatePodSandBox`, `BackOff`, `Unhealthy`, `Failed`, `Evicted`, `Preempting`, `Preempted` or `FailedCreate` on a pod or Job",
			Job: jobWarningEvents, Pod: podWarningEvents},
		{Code: "E5", Level: model.LevelWarn, Doc: "user rules (`Options.EventRules`, library only): reason (+ object kind, + message regexp) present → the rule's level on that object; absent from the whole events list → the rule's level at bundle level",
			UserLevel: true, Bundle: userEventsAbsent, Job: jobUserEvents, Pod: podUserEvents},
		{Code: "E1", Level: model.LevelOK, Doc: "only `type: Warning` events raise a level; Normal events are counted (`counts.events`) but never listed or judged"},                                                                                                                                                                                                                                                                                                                           // no finding: analyze lists only Warning events; the rules judge only them
		{Code: "E2", Level: model.LevelOK, Doc: "events join Jobs and Pods by `involvedObject` (core/v1) or `regarding` (events.k8s.io) kind, namespace and name, and uid when both sides have one; never by labels or name prefixes (seed W5)"},                                                                                                                                                                                                                                               // no finding: analyze joins events by object
		{Code: "E6", Level: model.LevelOK, Doc: "events are deduplicated by object (kind, namespace, name, uid), type and reason: counts summed (`count`, `series.count` or `deprecatedCount`, the largest of the three per event, default 1), first = earliest first time, last = latest time, message = the latest's. An event's time is `lastTimestamp` (or `deprecatedLastTimestamp`), else `series.lastObservedTime`, else `eventTime`, else `firstTimestamp`, else `creationTimestamp`"}, // no finding: analyze deduplicates events into EventGroups
		{Code: "E7", Level: model.LevelOK, Doc: "no event is not evidence of health (events expire after 1h by default): no rule treats a missing event as OK"},                                                                                                                                                                                                                                                                                                                                // no finding: no rule reads a missing event as health
		{Code: "O1", Level: model.LevelOK, Doc: "the verdict is the worst of the bundle-level findings, every Job's health and every bare pod's health (see Verdicts)"},                                                                                                                                                                                                                                                                                                                        // no finding: analyze takes the worst of all findings and health
	}
}

func isCrashLoop(reason string) bool { return reason == kube.CrashLoopBackOff }

func jobWarningEvents(_ *Env, j *Job, out *Out) { warningEvents(j.Events, true, out) }
func podWarningEvents(_ *Env, p *Pod, out *Out) { warningEvents(p.Events, false, out) }
func jobUserEvents(e *Env, j *Job, out *Out)    { userEvents(e, j.Events, out) }
func podUserEvents(e *Env, p *Pod, out *Out)    { userEvents(e, p.Events, out) }
