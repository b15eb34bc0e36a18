package analyze

import "github.com/ksnap/ksnap/analyze/rules"

// Options tune the rules; see rules.Options. Use DefaultOptions and change
// fields; the zero value is not the default.
type Options = rules.Options

// EventRule is a user rule over events (E5); see rules.EventRule.
type EventRule = rules.EventRule

// Presence says whether an event rule fires on a match or on no match.
type Presence = rules.Presence

// Presence values.
const (
	Present = rules.Present // fire for each object with a matching event
	Absent  = rules.Absent  // fire once when no event matches
)

// DefaultOptions returns the documented defaults (docs/rules.md).
func DefaultOptions() Options { return rules.DefaultOptions() }
