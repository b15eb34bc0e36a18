package capture

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fGetPipeSz is F_GETPIPE_SZ (fcntl.h).
const fGetPipeSz = 1032

// growPipe gives kubectl's stdout pipe a 1 MiB buffer where the kernel
// allows pipes that large, and leaves anything else alone.
func TestGrowPipe(t *testing.T) {
	t.Parallel()
	if b, err := os.ReadFile("/proc/sys/fs/pipe-max-size"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n < spillChunk && os.Geteuid() != 0 {
			t.Skipf("pipe-max-size is %d, below %d", n, spillChunk)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	growPipe(r)
	n, _, errno := syscall.Syscall(syscall.SYS_FCNTL, r.Fd(), fGetPipeSz, 0)
	if errno != 0 || int(n) < spillChunk {
		t.Errorf("pipe buffer %d bytes (errno %v), want %d", n, errno, spillChunk)
	}
	growPipe(strings.NewReader("not a pipe")) // no file: nothing to do, no panic
	f, err := os.CreateTemp(t.TempDir(), "file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	growPipe(f) // a regular file refuses F_SETPIPE_SZ: ignored
}
