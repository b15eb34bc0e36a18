package analyze

import (
	"errors"

	"github.com/ksnap/ksnap/analyze/rules"
)

// Options are the rule options (rules.Options, promoted) and what a report
// carries besides the findings. Use DefaultOptions and change fields; the
// zero value is not the default.
type Options struct {
	rules.Options
	// LogLines is how many of the last captured lines of each failing or
	// warning container's logs a report carries (PodResult.LogTails); 0
	// carries none. It never changes a verdict.
	LogLines int
}

// DefaultLogLines is the default of Options.LogLines.
const DefaultLogLines = 10

// Validate checks the rule options and LogLines.
func (o *Options) Validate() error {
	if err := o.Options.Validate(); err != nil {
		return err
	}
	if o.LogLines < 0 {
		return errors.New("log lines must be 0 or more")
	}
	return nil
}

// EventRule is a user rule over events (E5); see rules.EventRule.
type EventRule = rules.EventRule

// Presence says whether an event rule fires on a match or on no match.
type Presence = rules.Presence

// Presence values.
const (
	Present = rules.Present // fire for each object with a matching event
	Absent  = rules.Absent  // fire once when no event matches
)

// DefaultOptions returns the documented defaults (docs/rules.md), with
// DefaultLogLines.
func DefaultOptions() Options {
	return Options{Options: rules.DefaultOptions(), LogLines: DefaultLogLines}
}
