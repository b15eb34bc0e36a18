//go:build !windows

package atomicfile

// dirSync says whether a rename is made durable by fsyncing its directory.
const dirSync = true
