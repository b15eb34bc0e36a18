//go:build !unix

package jsonl

import (
	"os"
	"time"
)

// quiesce is a no-op where flock is not available.
func quiesce(*os.File, time.Duration) {}
