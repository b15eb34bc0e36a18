//go:build unix

package regfile

import (
	"os"
	"syscall"
)

// setBlocking clears the O_NONBLOCK that Open used, so that the
// descriptor is exactly what a plain open gives.
func setBlocking(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = syscall.SetNonblock(int(fd), false) })
	}
}
