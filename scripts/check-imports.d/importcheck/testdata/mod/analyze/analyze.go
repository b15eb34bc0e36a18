// Package analyze is evaluation: every forbidden use below must be reported.
package analyze

import (
	"os"
	clock "time"
)

// StampNow reads the clock through a renamed import.
func StampNow() string { return clock.Now().Format(clock.RFC3339) }

// InLocal converts to the machine's zone, by method and by variable.
func InLocal(t clock.Time) (clock.Time, clock.Time) { return t.Local(), t.In(clock.Local) }

// Env reads the environment.
func Env() string { return os.Getenv("TZ") }

// later is a method value of a forbidden function: a use, not a call.
var later = clock.Since
