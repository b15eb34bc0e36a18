package rules

import (
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// Env is what every rule may read besides its facts.
type Env struct {
	// Now is the bundle's capture time, the "now" of every rule.
	Now time.Time
	// Opts are the validated options.
	Opts Options
}

// EventGroup is the E6 deduplication of the events about one object with
// one type and reason.
type EventGroup struct {
	Kind, Namespace, Name, UID string // the involved object
	Type, Reason               string
	Count                      int64
	First, Last                time.Time
	Message                    string // the latest event's
	Source                     string
}

// Job is one Job with its derived phase and its events (sorted by last
// time, type, reason). Its pods are evaluated apart, each as a Pod.
type Job struct {
	Job         *model.Job
	Phase       model.JobPhase
	PhaseReason string
	Events      []*EventGroup
	// SupersededBy is, for a FAILED run of a CronJob, the first later run
	// of the same CronJob that SUCCEEDED (set by RuleSet.Relate in v2; J11);
	// nil otherwise. Findings on a superseded Job and its pods are at most
	// WARN.
	SupersededBy *Job
}

// Pod is one pod, the Job it belongs to (nil for a bare pod) and its events
// (sorted like Job.Events).
type Pod struct {
	Pod    *model.Pod
	Job    *Job
	Events []*EventGroup
	// Usage is the pod's sampled usage from the metrics API joined with its
	// containers' requests and limits; nil when the bundle has no pod
	// metrics or none for this pod (a finished pod has none).
	Usage *model.PodUsage
}

// Problem is a member or item that could not be read. Index is -1 for a
// whole member; Fatal marks the jobs list, without which no Job can be
// evaluated.
type Problem struct {
	Member  string
	Index   int
	Field   string
	Problem string
	Fatal   bool
}

// Bundle is what the bundle-level rules read.
type Bundle struct {
	Namespace, Selector string
	// Failures are the commands that did not capture: the manifest's failed
	// commands in manifest order, then list kinds with no command at all.
	Failures []bundle.Command
	// Problems are the input problems in the order they were found.
	Problems []Problem
	// JobsRead says the jobs list was read and parsed; Jobs are its Jobs.
	JobsRead bool
	Jobs     []*Job
	// Events are every parsed event, joined or not.
	Events []model.Event
}
