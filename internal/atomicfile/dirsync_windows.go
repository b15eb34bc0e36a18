//go:build windows

package atomicfile

// dirSync is false on Windows: a directory cannot be opened for
// FlushFileBuffers there, and NTFS journals the rename itself.
const dirSync = false
