package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the progress goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	old := progressDelay
	progressDelay = 0
	t.Cleanup(func() { progressDelay = old })
	for _, tty := range []bool{false, true} {
		var errb lockedBuffer
		e := &env{stderr: &errb, isTerminal: func() bool { return tty }}
		p := e.startProgress("analyzing bundles", 3)
		p.set(2)
		time.Sleep(450 * time.Millisecond)
		e.warnf("x: something")
		p.end()
		got := errb.String()
		if !tty {
			if got != "ksnap: warning: x: something\n" {
				t.Fatalf("not a terminal: stderr %q, want the warning only", got)
			}
			continue
		}
		// Drawn at least once, erased before the warning, erased at the end.
		if !strings.HasPrefix(got, "\rksnap: analyzing bundles 2/3 (0s)\x1b[K\r\x1b[Kksnap: warning: x: something\n") {
			t.Fatalf("terminal: stderr %q", got)
		}
		if strings.Count(got, "\rksnap:") > 1 && !strings.HasSuffix(got, "\r\x1b[K") {
			t.Fatalf("terminal: the line is left on screen: %q", got)
		}
	}
}

func TestStderrIsTerminalHonoursCI(t *testing.T) {
	for _, vars := range []map[string]string{{"CI": "true"}, {"TERM": "dumb"}} {
		if stderrIsTerminal(func(k string) string { return vars[k] }) {
			t.Errorf("%v: progress shown", vars)
		}
	}
}
