// Package slack is a notifier: net/http and the clock are allowed.
package slack

import (
	"net/http"
	"time"
)

// C keeps net/http used.
var C = http.Client{Timeout: time.Second}

// Now is fine outside evaluation.
func Now() time.Time { return time.Now() }
