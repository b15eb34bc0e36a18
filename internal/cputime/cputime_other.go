//go:build !unix

package cputime

import "time"

// Now returns 0 where the process CPU time is not available; Report then
// adds nothing.
func Now() time.Duration { return 0 }
