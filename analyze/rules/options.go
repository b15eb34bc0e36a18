package rules

import (
	"fmt"
	"regexp"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

// Presence says whether an event rule fires on a match or on no match.
type Presence int

// Presence values.
const (
	Present Presence = iota // fire for each object with a matching event
	Absent                  // fire once when no event matches
)

// EventRule is a user rule over events (E5): reason (and optionally object
// kind and message pattern) present or absent gives Level.
type EventRule struct {
	Reason  string
	Kind    string         // involved object kind; "" matches any
	Message *regexp.Regexp // nil matches any
	When    Presence
	Level   model.Level
}

func (r EventRule) matches(kind, reason, msg string) bool {
	return reason == r.Reason && (r.Kind == "" || r.Kind == kind) && (r.Message == nil || r.Message.MatchString(msg))
}

// Options tune the rules. Use DefaultOptions and change fields; the zero
// value is not the default.
type Options struct {
	// WarnOnPending makes a PENDING Job WARN (J8); otherwise it is OK.
	WarnOnPending bool
	// TreatUnknownAsError makes a Job in phase UNKNOWN ERROR (J0); otherwise WARN.
	TreatUnknownAsError bool
	// PendingAfter is how old (since creation) a PENDING Job must be before
	// J8 warns. 0 warns at once, like the seed tool.
	PendingAfter time.Duration
	// MaxRuntime is J6's limit on how long an active Job may run.
	MaxRuntime time.Duration
	// DeadlineWarnPercent is J7's share of activeDeadlineSeconds after
	// which a running Job warns (1–100).
	DeadlineWarnPercent int
	// SuspendedLevel is J5's level for a suspended Job (WARN or OK).
	SuspendedLevel model.Level
	// RestartWarn is P14's restartCount threshold (at least 1).
	RestartWarn int64
	// WaitingWarnAfter is how long P6 lets a container wait
	// (ContainerCreating, PodInitializing) before it warns.
	WaitingWarnAfter time.Duration
	// UnschedulableErrorAfter is how long P11 lets a pod be unschedulable
	// before WARN becomes ERROR.
	UnschedulableErrorAfter time.Duration
	// TerminatingWarnAfter is how long after its deletionTimestamp P16
	// lets a pod still exist before it warns.
	TerminatingWarnAfter time.Duration
	// AllowEmpty makes zero matched Jobs OK; by default it is WARN (O3).
	AllowEmpty bool
	// Expect names Jobs that must be present (J9, ERROR when absent); in v2
	// a name also matches the runs of a CronJob of that name.
	Expect []string
	// IncludeBarePods makes bare pods (no captured Job owns them) count in
	// the verdict (O1). v2 only: in v1 they always count.
	IncludeBarePods bool
	// EventRules are user rules over events (E5), applied in order.
	EventRules []EventRule
}

// DefaultOptions returns the documented defaults (docs/rules.md).
func DefaultOptions() Options {
	return Options{
		WarnOnPending:           true,
		TreatUnknownAsError:     true,
		PendingAfter:            0,
		MaxRuntime:              12 * time.Hour,
		DeadlineWarnPercent:     80,
		SuspendedLevel:          model.LevelWarn,
		RestartWarn:             5,
		WaitingWarnAfter:        time.Hour,
		UnschedulableErrorAfter: 15 * time.Minute,
		TerminatingWarnAfter:    10 * time.Minute,
	}
}

// OptionError is an option value out of its range: Option is the Options
// field name, Value the value as text.
type OptionError struct {
	Option, Value, Problem string
}

func (e *OptionError) Error() string { return e.Option + " " + e.Value + ": " + e.Problem }

// Validate checks the options' ranges; an *OptionError names the field.
func (o *Options) Validate() error {
	switch {
	case o.PendingAfter < 0:
		return &OptionError{Option: "PendingAfter", Value: o.PendingAfter.String(), Problem: "must not be negative"}
	case o.MaxRuntime <= 0:
		return &OptionError{Option: "MaxRuntime", Value: o.MaxRuntime.String(), Problem: "must be positive"}
	case o.DeadlineWarnPercent < 1 || o.DeadlineWarnPercent > 100:
		return fmt.Errorf("deadline warn percent %d is not in 1..100", o.DeadlineWarnPercent)
	case o.SuspendedLevel != model.LevelOK && o.SuspendedLevel != model.LevelWarn:
		return fmt.Errorf("suspended level %s must be OK or WARN", o.SuspendedLevel)
	case o.RestartWarn < 1:
		return &OptionError{Option: "RestartWarn", Value: fmt.Sprint(o.RestartWarn), Problem: "must be at least 1"}
	case o.WaitingWarnAfter < 0, o.UnschedulableErrorAfter < 0, o.TerminatingWarnAfter < 0:
		return fmt.Errorf("durations must not be negative")
	}
	for i, n := range o.Expect {
		if n == "" {
			return fmt.Errorf("expect[%d] is empty", i)
		}
	}
	for i, r := range o.EventRules {
		if r.Reason == "" {
			return fmt.Errorf("event rule %d has no reason", i)
		}
	}
	return nil
}
