// Package model owns the plain data types of ksnap's analyzer: the Job, Pod,
// Event and log-tail models that analyze/parse fills from kubectl JSON, the
// Level and JobPhase enums, and Finding. It does no I/O, reads no clock and
// does not import gjson; every field is set by analyze/parse or analyze.
package model

import (
	"fmt"
	"strconv"
	"time"
)

// Level is a health verdict. The zero value is LevelOK. Levels are ordered
// by severity for worst-of: LevelOK < LevelWarn < LevelUnknown < LevelError,
// so ERROR > UNKNOWN > WARN > OK (the order of exit codes across bundles).
type Level int

// Levels, in increasing severity.
const (
	LevelOK      Level = iota // OK: nothing to report
	LevelWarn                 // WARN: worth a look, not failing
	LevelUnknown              // UNKNOWN: could not be evaluated (jobs list missing or unreadable)
	LevelError                // ERROR: failing
)

var levelNames = [...]string{"OK", "WARN", "UNKNOWN", "ERROR"}

// String returns OK, WARN, UNKNOWN or ERROR.
func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the level as its String.
func (l Level) MarshalText() ([]byte, error) {
	if l < 0 || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("invalid level %d", int(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText decodes OK, WARN, UNKNOWN or ERROR (exact case).
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseLevel parses OK, WARN, UNKNOWN or ERROR (exact case).
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return LevelOK, fmt.Errorf("unknown level %q (want OK, WARN, UNKNOWN or ERROR)", s)
}

// Worst returns the more severe of l and m.
func (l Level) Worst(m Level) Level {
	if m > l {
		return m
	}
	return l
}

// JobPhase is the derived phase of a Job. The zero value is PhaseUnknown.
type JobPhase int

// Job phases.
const (
	PhaseUnknown   JobPhase = iota // UNKNOWN: the status cannot be interpreted
	PhasePending                   // PENDING: not started
	PhaseRunning                   // RUNNING: started, not finished
	PhaseSucceeded                 // SUCCEEDED: Complete or SuccessCriteriaMet
	PhaseFailed                    // FAILED: Failed or FailureTarget
	PhaseSuspended                 // SUSPENDED: spec.suspend or Suspended=True
)

var phaseNames = [...]string{"UNKNOWN", "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "SUSPENDED"}

// String returns the upper-case phase name.
func (p JobPhase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "JobPhase(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText encodes the phase as its String.
func (p JobPhase) MarshalText() ([]byte, error) {
	if p < 0 || int(p) >= len(phaseNames) {
		return nil, fmt.Errorf("invalid job phase %d", int(p))
	}
	return []byte(phaseNames[p]), nil
}

// UnmarshalText decodes an upper-case phase name.
func (p *JobPhase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if n == string(b) {
			*p = JobPhase(i)
			return nil
		}
	}
	return fmt.Errorf("unknown job phase %q", string(b))
}

// OptInt is an integer field that may be absent. Absent differs from zero:
// a Job with no status.failed has not failed, but one whose spec.completions
// is absent has no completion target.
type OptInt struct {
	Val int64
	Set bool
}

// Some returns a present OptInt.
func Some(v int64) OptInt { return OptInt{Val: v, Set: true} }

// Or returns the value, or def when absent.
func (o OptInt) Or(def int64) int64 {
	if o.Set {
		return o.Val
	}
	return def
}

// String returns the decimal value, or "-" when absent.
func (o OptInt) String() string {
	if !o.Set {
		return "-"
	}
	return strconv.FormatInt(o.Val, 10)
}

// OwnerRef names the controlling owner of an object (ownerReferences entry
// with controller=true, or the first entry when none is marked).
type OwnerRef struct {
	APIVersion string
	Kind       string
	Name       string
	UID        string
}

// IsZero reports whether no owner is set.
func (o OwnerRef) IsZero() bool { return o.Kind == "" && o.Name == "" && o.UID == "" }

// Condition is one entry of status.conditions (Job or Pod).
type Condition struct {
	Type               string
	Status             string // "True", "False" or "Unknown", verbatim
	Reason             string
	Message            string
	LastTransitionTime time.Time // zero when absent or "null"
}

// Label is one metadata label.
type Label struct{ Key, Value string }

// Job is one batch/v1 Job as far as the analyzer needs it.
type Job struct {
	Name      string
	Namespace string
	UID       string
	// Labels are sorted by key, each key once (of a key given twice, the
	// last value is kept, as a JSON decoder keeps it).
	Labels  []Label
	Created time.Time
	// Owner is the controlling owner, typically a CronJob.
	Owner OwnerRef

	Completions           OptInt
	Parallelism           OptInt
	CompletionMode        string
	BackoffLimit          OptInt
	ActiveDeadlineSeconds OptInt
	Suspend               bool
	// BackoffLimitPerIndex and MaxFailedIndexes are set on Indexed Jobs
	// that count failures per index (spec.backoffLimitPerIndex).
	BackoffLimitPerIndex OptInt
	MaxFailedIndexes     OptInt
	// ManagedBy is spec.managedBy: the controller that runs the Job when it
	// is not the built-in one ("" or "kubernetes.io/job-controller").
	ManagedBy string
	// SuccessPolicy says spec.successPolicy is set.
	SuccessPolicy bool

	// HasStatus is false when the object has no status stanza at all.
	HasStatus      bool
	Succeeded      OptInt
	Failed         OptInt
	Active         OptInt
	Ready          OptInt
	Terminating    OptInt
	StartTime      time.Time
	CompletionTime time.Time
	Conditions     []Condition
	// Uncounted is how many pods status.uncountedTerminatedPods lists
	// (finished, not yet in succeeded or failed).
	Uncounted int64
	// FailedIndexes and CompletedIndexes are status.failedIndexes and
	// status.completedIndexes verbatim ("1,3-5"), "" when absent or empty.
	FailedIndexes    string
	CompletedIndexes string
}

// Condition returns the first condition of the given type.
func (j *Job) Condition(typ string) (Condition, bool) {
	for _, c := range j.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return Condition{}, false
}

// StateKind is which of a container state's members is set.
type StateKind int

// Container state kinds.
const (
	StateNone       StateKind = iota // no state recorded
	StateWaiting                     // waiting
	StateRunning                     // running
	StateTerminated                  // terminated
)

var stateNames = [...]string{"none", "waiting", "running", "terminated"}

// String returns none, waiting, running or terminated.
func (k StateKind) String() string {
	if k >= 0 && int(k) < len(stateNames) {
		return stateNames[k]
	}
	return "StateKind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the kind as its String.
func (k StateKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ContainerState is a container's state or lastState.
type ContainerState struct {
	Kind       StateKind
	Reason     string
	Message    string
	ExitCode   int64 // terminated only
	Signal     int64 // terminated only; 0 when absent
	StartedAt  time.Time
	FinishedAt time.Time
}

// ContainerType tells init containers from app containers.
type ContainerType int

// Container types.
const (
	ContainerApp  ContainerType = iota // spec.containers
	ContainerInit                      // spec.initContainers
)

// String returns "app" or "init".
func (t ContainerType) String() string {
	if t == ContainerInit {
		return "init"
	}
	return "app"
}

// MarshalText encodes the type as its String.
func (t ContainerType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ContainerStatus is one entry of status.containerStatuses or
// status.initContainerStatuses.
type ContainerStatus struct {
	Name         string
	Type         ContainerType
	Ready        bool
	RestartCount int64
	State        ContainerState
	LastState    ContainerState
	// Sidecar is true for an init container whose spec has
	// restartPolicy: Always (a native sidecar).
	Sidecar bool
}

// Pod is one core/v1 Pod as far as the analyzer needs it.
type Pod struct {
	Name      string
	Namespace string
	UID       string
	Created   time.Time
	// Deleted is metadata.deletionTimestamp (zero when not terminating).
	Deleted time.Time
	// Owner is the controlling owner (a Job for Job pods).
	Owner OwnerRef
	// JobNameLabel is the job-name or batch.kubernetes.io/job-name label.
	JobNameLabel string
	// ControllerUIDLabel is the controller-uid or
	// batch.kubernetes.io/controller-uid label.
	ControllerUIDLabel string
	RestartPolicy      string
	NodeName           string

	Phase      string // status.phase verbatim: Pending, Running, Succeeded, Failed, Unknown
	Reason     string
	Message    string
	StartTime  time.Time
	Conditions []Condition
	// Containers holds init container statuses (spec order) then app
	// container statuses (status order).
	Containers []ContainerStatus
}

// Condition returns the first condition of the given type.
func (p *Pod) Condition(typ string) (Condition, bool) {
	for _, c := range p.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return Condition{}, false
}

// ObjectRef is the object an Event is about (involvedObject or regarding).
type ObjectRef struct {
	Kind      string
	Namespace string
	Name      string
	UID       string
}

// EventShape tells which API an Event came from.
type EventShape int

// Event shapes.
const (
	EventCoreV1   EventShape = iota // core/v1: involvedObject, message, count, source
	EventEventsV1                   // events.k8s.io/v1 (or v1beta1): regarding, note, series, reportingController
)

// String returns "core/v1" or "events.k8s.io".
func (s EventShape) String() string {
	if s == EventEventsV1 {
		return "events.k8s.io"
	}
	return "core/v1"
}

// Event is one Event in either API shape, normalised.
type Event struct {
	Name      string
	Namespace string
	Shape     EventShape
	Type      string // Normal or Warning, verbatim
	Reason    string
	// Message is message (core/v1) or note (events.k8s.io).
	Message string
	Object  ObjectRef
	// Count is count, series.count or deprecatedCount; 1 when none is set.
	Count int64
	// Source is source.component, reportingController or
	// deprecatedSource.component.
	Source    string
	First     time.Time // firstTimestamp or deprecatedFirstTimestamp
	Last      time.Time // lastTimestamp or deprecatedLastTimestamp
	EventTime time.Time // eventTime
	// SeriesLast is series.lastObservedTime.
	SeriesLast time.Time
	Created    time.Time // metadata.creationTimestamp
}

// Time is when the event last happened: lastTimestamp, else
// series.lastObservedTime, else eventTime, else firstTimestamp, else
// creationTimestamp (rule E6). It is zero when none is set.
func (e *Event) Time() time.Time {
	for _, t := range []time.Time{e.Last, e.SeriesLast, e.EventTime, e.First, e.Created} {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// LogTail is one captured container log tail.
type LogTail struct {
	Pod       string
	Container string
	// Previous is true for the previous instance's log (kubectl logs --previous).
	Previous bool
	// Lines are the tail's lines without line terminators ("\r\n" or "\n").
	Lines []string
}

// Field is one piece of evidence: a JSON path (or manifest field) and its value.
type Field struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// Evidence says where a finding comes from: the bundle member, the object
// and the field values the rule looked at.
type Evidence struct {
	Member string  `json:"member"`
	Kind   string  `json:"kind,omitempty"`
	Name   string  `json:"name,omitempty"`
	Fields []Field `json:"fields"`
}

// Finding is one rule's result: a stable rule code (J1, P3, E4, O2, ...),
// its level, a one-line message and the evidence.
type Finding struct {
	Rule     string   `json:"rule"`
	Level    Level    `json:"level"`
	Message  string   `json:"message"`
	Evidence Evidence `json:"evidence"`
}

// TimeLayout is how reports print object times: RFC 3339, UTC, seconds.
const TimeLayout = "2006-01-02T15:04:05Z"

// FormatTime prints t in TimeLayout, or "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		return t.Format(TimeLayout)
	}
	// TimeLayout by hand: reports format a time per pod, container and
	// event, and time.Format's generic layout walk dominated.
	var b [20]byte
	put := func(i, v, n int) {
		for k := i + n - 1; k >= i; k-- {
			b[k] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, s, 2)
	b[19] = 'Z'
	return string(b[:])
}

// Resources are a container's requests and limits from the pod spec
// (spec.containers[].resources): CPU in millicores, memory in bytes, each
// absent when the spec does not set it.
type Resources struct {
	CPURequest, CPULimit       OptInt
	MemoryRequest, MemoryLimit OptInt
}

// ContainerUsage is one container's sampled usage from the metrics API
// (metrics.k8s.io PodMetrics): CPU in millicores (rounded up), working-set
// memory in bytes, joined with the container's Resources.
type ContainerUsage struct {
	Name   string
	CPU    OptInt
	Memory OptInt
	Resources
}

// PodUsage is one PodMetrics object: the sample's time and window (the CPU
// rate is averaged over the window), and its containers sorted by name.
// It is usage sampled at capture time, not a history: a pod that finished
// has none.
type PodUsage struct {
	Namespace, Name string
	Timestamp       time.Time
	Window          time.Duration
	Containers      []ContainerUsage
}

// PodResources are the Resources of one pod's app containers, by name, in
// spec order.
type PodResources struct {
	Namespace, Name string
	Containers      []NamedResources
}

// NamedResources is one container's Resources.
type NamedResources struct {
	Name string
	Resources
}

// FormatMilliCPU prints millicores as kubectl top does: "250m".
func FormatMilliCPU(m int64) string { return strconv.FormatInt(m, 10) + "m" }

// FormatBytes prints a byte count in the largest binary unit (Ki, Mi, Gi,
// Ti) that leaves at least 1, with at most one decimal, rounded down:
// "512", "1.5Ki", "118Mi", "2Gi".
func FormatBytes(n int64) string {
	units := [...]string{"Ki", "Mi", "Gi", "Ti"}
	if n < 1<<10 && n > -(1<<10) {
		return strconv.FormatInt(n, 10)
	}
	u, div := -1, int64(1)
	for u+1 < len(units) && (n/div >= 1<<10 || n/div <= -(1<<10)) {
		u, div = u+1, div<<10
	}
	whole, tenth := n/div, (n%div)*10/div
	if tenth < 0 {
		tenth = -tenth
	}
	s := strconv.FormatInt(whole, 10)
	if tenth != 0 {
		s += "." + strconv.FormatInt(tenth, 10)
	}
	return s + units[u]
}
