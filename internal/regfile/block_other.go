//go:build !unix

package regfile

import "os"

// setBlocking has nothing to undo where O_NONBLOCK is not a file flag
// (Windows: os.OpenFile ignores it and FIFOs are not files).
func setBlocking(*os.File) {}
