// Package rules is evaluation too, and must not import encoding/xml.
package rules

import (
	"encoding/xml"
	"time"

	"example.com/bad/render/junit"
)

type clock struct{}

func (clock) Now() time.Time { return time.Time{} }

// Now is a local variable named time: not the time package, not reported
// (a grep for "time.Now" would flag it).
func Now() time.Time {
	time := clock{}
	return time.Now()
}

// X keeps encoding/xml used.
var X = xml.Header

// J imports a renderer from evaluation.
var J = junit.H

// D is allowed: durations and parsing never read the clock.
var D = 2 * time.Second
