//go:build unix

package jsonl

import (
	"os"
	"syscall"
	"time"
)

// quiesce waits, at most max, for a moment when no writer holds the file's
// exclusive lock (lockedfile uses flock on Unix), by taking the shared lock
// and releasing it at once. If the lock stays held (a prune rewriting a
// large file, a stuck process), the read goes on without it: the worst
// case is then the half-written last line an unlocked read can see, which
// is reported like a torn line.
func quiesce(f *os.File, max time.Duration) {
	fd := int(f.Fd())
	deadline := time.Now().Add(max)
	for {
		err := syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			syscall.Flock(fd, syscall.LOCK_UN)
			return
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR || time.Now().After(deadline) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
