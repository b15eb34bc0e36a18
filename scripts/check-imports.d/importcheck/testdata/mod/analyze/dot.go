package analyze

import . "time"

// Elapsed uses a dot import.
func Elapsed(t Time) Duration { return Until(t) }
