package capture

import (
	"io"
	"syscall"
)

// fSetPipeSz is F_SETPIPE_SZ (fcntl.h, Linux 2.6.35).
const fSetPipeSz = 1031

// growPipe asks for a 1 MiB pipe buffer when r is the read end of a pipe
// (kubectl's stdout, as os/exec hands it to spill.ReadFrom): kubectl then
// writes a chunk and ksnap reads it in 16 times fewer round trips than
// through the default 64 KiB. Only a hint: on any error nothing changes.
func growPipe(r io.Reader) {
	sc, ok := r.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSz, spillChunk)
	})
}
