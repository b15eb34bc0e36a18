//go:build !unix

package atomicfile

// alive cannot tell here: every writer counts as running, so only StaleAge
// applies.
func alive(pid int) bool { return true }
