package analyze

import (
	"github.com/ksnap/ksnap/analyze/model"
)

// SchemaVersion is the version of the JSON report schema
// (docs/report-schema.md). It changes when a field is removed or changes
// meaning; adding a field does not change it.
const SchemaVersion = 1

// Report is the result of analysing one bundle.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// RuleSet is the version of the rule set that judged the bundle
	// (rules.RuleSet.Version, e.g. ksnap-rules/1).
	RuleSet string `json:"rule_set"`
	Bundle  Bundle `json:"bundle"`
	// CapturedAt is the manifest's capture time, the "now" of every rule.
	CapturedAt string        `json:"captured_at"`
	Namespace  string        `json:"namespace"`
	Selector   string        `json:"selector"`
	Verdict    model.Level   `json:"verdict"`
	Options    ReportOptions `json:"options"`
	Counts     Counts        `json:"counts"`
	// Findings are bundle-level findings (O2, O3, O5, J9, E5 absent).
	Findings []model.Finding `json:"findings"`
	// Jobs are sorted by namespace, name, uid.
	Jobs []JobResult `json:"jobs"`
	// BarePods are pods not owned by a captured Job, sorted by namespace, name, uid.
	BarePods []PodResult `json:"bare_pods"`
	// CaptureFailures are the manifest's commands that did not capture, in
	// manifest order.
	CaptureFailures []CaptureFailure `json:"capture_failures"`
	// InputProblems are members or items that could not be read, sorted by
	// member, then index.
	InputProblems []InputProblem `json:"input_problems"`
	// Metrics says whether the bundle's pod metrics (capture --metrics)
	// could be read; absent when the capture did not ask for them.
	Metrics *MetricsStatus `json:"metrics,omitempty"`
}

// MetricsStatus is the state of a bundle's pod metrics.
type MetricsStatus struct {
	// Status is the podmetrics command's: ok, unavailable (the cluster does
	// not serve the metrics API, or this identity may not read it: not a
	// failure) or failed (O2).
	Status string `json:"status"`
	// Reason says why they are unavailable or failed; "" when ok.
	Reason string `json:"reason"`
	Member string `json:"member"`
	// Pods counts the PodMetrics objects read, Joined those that matched a
	// captured pod by namespace and name.
	Pods   int `json:"pods"`
	Joined int `json:"joined"`
}

// PodUsage is a pod's sampled usage at capture time (metrics.k8s.io): the
// sample's time (RFC 3339 UTC) and window (a Go duration), containers by
// name.
type PodUsage struct {
	Timestamp  string           `json:"timestamp"`
	Window     string           `json:"window"`
	Containers []ContainerUsage `json:"containers"`
}

// ContainerUsage is one container's CPU (millicores) and working-set
// memory (bytes) with its requests and limits from the pod spec; null when
// absent.
type ContainerUsage struct {
	Name          string `json:"name"`
	CPU           OptInt `json:"cpu_millicores"`
	CPURequest    OptInt `json:"cpu_request_millicores"`
	CPULimit      OptInt `json:"cpu_limit_millicores"`
	Memory        OptInt `json:"memory_bytes"`
	MemoryRequest OptInt `json:"memory_request_bytes"`
	MemoryLimit   OptInt `json:"memory_limit_bytes"`
}

// Bundle names the analysed bundle file.
type Bundle struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Source string `json:"source"`
}

// ReportOptions records the options that shaped the verdict.
type ReportOptions struct {
	WarnOnPending           bool     `json:"warn_on_pending"`
	TreatUnknownAsError     bool     `json:"treat_unknown_as_error"`
	PendingAfter            string   `json:"pending_after"`
	MaxRuntime              string   `json:"max_runtime"`
	DeadlineWarnPercent     int      `json:"deadline_warn_percent"`
	SuspendedLevel          string   `json:"suspended_level"`
	RestartWarn             int64    `json:"restart_warn"`
	WaitingWarnAfter        string   `json:"waiting_warn_after"`
	UnschedulableErrorAfter string   `json:"unschedulable_error_after"`
	TerminatingWarnAfter    string   `json:"terminating_warn_after"`
	AllowEmpty              bool     `json:"allow_empty"`
	Expect                  []string `json:"expect"`
	EventRules              int      `json:"event_rules"`
	// LogLines is Options.LogLines: at most this many lines per log tail.
	LogLines int `json:"log_lines"`
}

// Counts summarise a report.
type Counts struct {
	Jobs      int `json:"jobs"`
	JobsOK    int `json:"jobs_ok"`
	JobsWarn  int `json:"jobs_warn"`
	JobsError int `json:"jobs_error"`
	Pods      int `json:"pods"`
	BarePods  int `json:"bare_pods"`
	// Events counts the events joined to captured Jobs and Pods, after
	// deduplication by object and reason (E6).
	Events int `json:"events"`
	// WarningEvents counts those of type Warning.
	WarningEvents int `json:"warning_events"`
}

// JobResult is one Job's phase, health and evidence.
type JobResult struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
	// Owner is "Kind/name" of the controlling owner (a CronJob), or "".
	Owner       string         `json:"owner"`
	Phase       model.JobPhase `json:"phase"`
	PhaseReason string         `json:"phase_reason"`
	Health      model.Level    `json:"health"`
	// Cause is the finding that best explains a WARN, UNKNOWN or ERROR
	// health (see Cause); nil when the Job is OK.
	Cause *Cause `json:"cause"`

	Completions           OptInt `json:"completions"`
	Parallelism           OptInt `json:"parallelism"`
	BackoffLimit          OptInt `json:"backoff_limit"`
	ActiveDeadlineSeconds OptInt `json:"active_deadline_seconds"`
	Succeeded             OptInt `json:"succeeded"`
	Failed                OptInt `json:"failed"`
	Active                OptInt `json:"active"`
	Ready                 OptInt `json:"ready"`
	// Times are RFC 3339 UTC, "" when absent.
	Created        string `json:"created"`
	StartTime      string `json:"start_time"`
	CompletionTime string `json:"completion_time"`
	// Labels are sorted by key.
	Labels []Label `json:"labels"`
	// Findings are the Job's own findings, worst level first, then rule
	// order, then message.
	Findings []model.Finding `json:"findings"`
	// Pods are the Job's pods, sorted by name, then uid.
	Pods []PodResult `json:"pods"`
	// Events are Warning events about the Job itself (E6-deduplicated),
	// sorted by time, then reason.
	Events []EventResult `json:"events"`
}

// Label is one metadata label.
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PodResult is one pod's state, health and evidence.
type PodResult struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
	// Owner is "Kind/name" of the controlling owner, or "".
	Owner     string      `json:"owner"`
	Phase     string      `json:"phase"`
	Reason    string      `json:"reason"`
	Node      string      `json:"node"`
	StartTime string      `json:"start_time"`
	Restarts  int64       `json:"restarts"`
	Health    model.Level `json:"health"`
	// Cause is set for a bare pod that is not OK, as for a Job; nil for
	// the pods of a Job (the Job's cause names its pod).
	Cause *Cause `json:"cause"`
	// Containers are init containers then app containers, in status order.
	Containers []ContainerResult `json:"containers"`
	// Findings are sorted like JobResult.Findings.
	Findings []model.Finding `json:"findings"`
	// Events are Warning events about the pod, sorted by time, then reason.
	Events []EventResult `json:"events"`
	// LogTails are the ends of the captured logs of each container a
	// finding of level WARN or worse names, in container order, the
	// current log before the previous instance's; empty when
	// Options.LogLines is 0 or the capture kept no log for them.
	LogTails []LogTail `json:"log_tails"`
	// Usage is the pod's sampled usage when the bundle has pod metrics for it.
	Usage *PodUsage `json:"usage,omitempty"`
}

// Cause is the one finding that best explains a Job's (or bare pod's)
// health, for the first lines of a report: among the findings at that
// level, one naming a container (the latest to have happened), else the
// Job's own, else a pod's, else one citing an event.
type Cause struct {
	Rule  string      `json:"rule"`
	Level model.Level `json:"level"`
	// Message is the finding's message; a message from the cluster that
	// the rule cut short is restored whole from the evidence (FullMessage).
	Message string `json:"message"`
	// Pod and Container name where it happened, "" when not a pod's or a
	// container's finding.
	Pod       string `json:"pod"`
	Container string `json:"container"`
	// Reason and ExitCode are the container's termination (its current
	// state, else its last state), when it terminated.
	Reason   string `json:"reason"`
	ExitCode OptInt `json:"exit_code"`
	// Detail is that termination's message (what the container wrote to
	// its termination log, on one line), "" when none.
	Detail string `json:"detail"`
	// Since is when it happened, RFC 3339 UTC: the container's
	// termination (or start), the condition's transition, the event's last
	// time, the Job's failure or start, the pod's start; "" when unknown.
	Since string `json:"since"`
	// Age is the capture time minus Since, rounded to seconds ("3m12s"),
	// "" when Since is.
	Age string `json:"age"`
}

// LogTail is the end of one captured container log: up to
// Options.LogLines lines of bundle member Member.
type LogTail struct {
	Container string `json:"container"`
	// Previous marks the previous instance's log (kubectl logs --previous).
	Previous bool   `json:"previous"`
	Member   string `json:"member"`
	// Status is "ok" when the lines are the member's last ones, else why
	// there are none: "failed" or "not_captured" (the manifest's command
	// status, Note its error), "skipped" (capture chose not to fetch it,
	// Note the reason) or "unreadable" (Note says why).
	Status string `json:"status"`
	Note   string `json:"note"`
	// Captured is the number of lines the member holds; Lines are its last
	// min(Captured, LogLines), each cut at MaxLogLineBytes.
	Captured int      `json:"captured"`
	Lines    []string `json:"lines"`
}

// MaxLogLineBytes caps each line of a LogTail; a longer line is cut at a
// character boundary and ends in "…" (the member keeps it whole).
const MaxLogLineBytes = 2048

// ContainerResult is one container's current state.
type ContainerResult struct {
	Name     string              `json:"name"`
	Type     model.ContainerType `json:"type"`
	State    model.StateKind     `json:"state"`
	Reason   string              `json:"reason"`
	ExitCode OptInt              `json:"exit_code"`
	Restarts int64               `json:"restarts"`
	Ready    bool                `json:"ready"`
}

// EventResult is one deduplicated event (E6).
type EventResult struct {
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Count   int64  `json:"count"`
	First   string `json:"first"`
	Last    string `json:"last"`
	Message string `json:"message"`
	Source  string `json:"source"`
}

// CaptureFailure is a manifest command that did not capture.
type CaptureFailure struct {
	Kind      string `json:"kind"`
	Member    string `json:"member"`
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Status    string `json:"status"`
	ExitCode  int    `json:"exit_code"`
	Error     string `json:"error"`
	Stderr    string `json:"stderr"`
}

// InputProblem is a member or item that could not be read. Index is -1 for
// a whole member.
type InputProblem struct {
	Member  string `json:"member"`
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// OptInt is model.OptInt that encodes as a JSON number, or null when absent.
type OptInt model.OptInt

// MarshalJSON encodes the value or null.
func (o OptInt) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return []byte(model.OptInt(o).String()), nil
}
