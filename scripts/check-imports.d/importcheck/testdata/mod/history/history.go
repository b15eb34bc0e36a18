// Package history is the fold: evaluation.
package history

import (
	"net/url"
	"time"
)

// U: net/url only parses, and is allowed.
var U, _ = url.Parse("http://x")

// Wait is forbidden.
func Wait() { time.Sleep(time.Second) }
