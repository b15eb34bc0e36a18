package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// Issue 19 item 3: a history writer whose lock another process holds gives
// up after --lock-timeout with one line naming the file, exit 3; a lock
// timeout that is not positive is a usage error.
func TestHistoryPruneLockTimeout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	f, err := lockedfile.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{[]string{"--lock-timeout", "100ms"}, "ksnap: " + path + ": the lock is held by another process; gave up after 100ms\n"},
		{[]string{"--lock-timeout", "0s"}, "ksnap: --lock-timeout 0s: must be a positive duration (see --help)\n"},
	}
	for _, tt := range tests {
		e, stdout, stderr := testEnv(t)
		e.now = func() time.Time { return time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC) }
		args := append([]string{"history", "prune", "--keep-last", "1", "--history-file", path}, tt.args...)
		if code := run(context.Background(), args, e); code != exitUnknown {
			t.Errorf("%v: exit %d, want %d", tt.args, code, exitUnknown)
		}
		if stdout.Len() != 0 || stderr.String() != tt.wantStderr {
			t.Errorf("%v: stdout %q, stderr %q, want %q", tt.args, stdout, stderr, tt.wantStderr)
		}
	}
}
