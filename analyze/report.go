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
	// Containers are init containers then app containers, in status order.
	Containers []ContainerResult `json:"containers"`
	// Findings are sorted like JobResult.Findings.
	Findings []model.Finding `json:"findings"`
	// Events are Warning events about the pod, sorted by time, then reason.
	Events []EventResult `json:"events"`
}

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
