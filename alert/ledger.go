package alert

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// Delivery statuses in the ledger.
const (
	// StatusDelivered: the sink accepted the message that carried the
	// transition. Never sent to that sink again.
	StatusDelivered = "delivered"
	// StatusFailed: an attempt failed; the transition stays pending.
	StatusFailed = "failed"
	// StatusSkipped: older than the baseline (since) of a run that was
	// told to start there; never sent to that sink.
	StatusSkipped = "skipped"
)

// LedgerVersion is the v field of every ledger line this package writes.
const LedgerVersion = 1

// Entry is one line of the delivery ledger.
type Entry struct {
	V      int    `json:"v"`
	Sink   string `json:"sink"`
	Event  string `json:"event"`
	Status string `json:"status"`
	// At is the wall-clock time of the attempt (RFC 3339 UTC), for people
	// reading the ledger; nothing decides on it.
	At string `json:"at,omitempty"`
	// Error is the failure, naming only the receiver's host.
	Error string `json:"error,omitempty"`
}

// LedgerPath is the default ledger of a history file: beside it, the same
// name with ".alerts.jsonl" instead of its extension.
func LedgerPath(historyPath string) string {
	ext := filepath.Ext(historyPath)
	return strings.TrimSuffix(historyPath, ext) + ".alerts.jsonl"
}

// LedgerLineError is a corrupt ledger line (skipped: a torn last line
// after a crash, or a line edited by hand).
type LedgerLineError struct {
	Path string
	Line int
	Err  error
}

func (e *LedgerLineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }
func (e *LedgerLineError) Unwrap() error { return e.Err }

type sinkEvent struct{ sink, event string }

// Ledger is the delivery ledger as read: which transitions each sink has
// been sent (or was told to skip), and how often each pending one failed.
type Ledger struct {
	path     string
	done     map[sinkEvent]string
	failures map[sinkEvent]int
	// Corrupt are the lines skipped while reading.
	Corrupt []LedgerLineError
}

// ReadLedger reads the ledger at path; a missing file is an empty ledger.
// Corrupt lines are skipped and listed in Corrupt.
func ReadLedger(path string) (*Ledger, error) {
	l := &Ledger{path: path, done: map[sinkEvent]string{}, failures: map[sinkEvent]int{}}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	defer f.Close()
	if err := l.read(f); err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", path, err)
	}
	return l, nil
}

func (l *Ledger) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := ParseEntry(line)
		if err != nil {
			l.Corrupt = append(l.Corrupt, LedgerLineError{l.path, n, err})
			continue
		}
		l.add(e)
	}
	return sc.Err()
}

// ParseEntry decodes one ledger line.
func ParseEntry(line []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("not a ledger entry: %v", err)
	}
	if dec.More() {
		return Entry{}, errors.New("not a ledger entry: text after the object")
	}
	if e.V < 1 || e.V > LedgerVersion {
		return Entry{}, fmt.Errorf("ledger version %d: this ksnap reads 1 to %d", e.V, LedgerVersion)
	}
	if e.Sink == "" || e.Event == "" {
		return Entry{}, errors.New("missing sink or event")
	}
	switch e.Status {
	case StatusDelivered, StatusFailed, StatusSkipped:
	default:
		return Entry{}, fmt.Errorf("unknown status %q", e.Status)
	}
	return e, nil
}

func (l *Ledger) add(e Entry) {
	k := sinkEvent{e.Sink, e.Event}
	switch e.Status {
	case StatusFailed:
		l.failures[k]++
	default:
		l.done[k] = e.Status
	}
}

// Path returns the ledger's file.
func (l *Ledger) Path() string { return l.path }

// Done reports whether the transition id needs no more sending to sink
// (delivered or skipped).
func (l *Ledger) Done(sink, id string) bool { _, ok := l.done[sinkEvent{sink, id}]; return ok }

// Failures returns the failed attempts recorded for (sink, id).
func (l *Ledger) Failures(sink, id string) int { return l.failures[sinkEvent{sink, id}] }

// Append writes entries at the end of the ledger under an exclusive lock,
// as whole lines in one write, then fsyncs; a torn last line (a crash
// mid-write) is ended with a newline first, so it stays one corrupt line
// and the new entries read whole. The read state is updated too.
func (l *Ledger) Append(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var buf []byte
	for _, e := range entries {
		e.V = LedgerVersion
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("create directory for ledger %s: %w", l.path, err)
	}
	f, err := lockedfile.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open ledger %s: %w", l.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat ledger %s: %w", l.path, err)
	}
	if size := st.Size(); size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			return fmt.Errorf("read ledger %s: %w", l.path, err)
		}
		if last[0] != '\n' {
			buf = append([]byte{'\n'}, buf...)
		}
	}
	if _, err := f.Write(buf); err != nil {
		return fmt.Errorf("write ledger %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync ledger %s: %w", l.path, err)
	}
	for _, e := range entries {
		l.add(e)
	}
	return nil
}

// ErrLockTimeout is returned (wrapped) by LockRun when another run held
// the lock for the whole wait.
var ErrLockTimeout = errors.New("another alert run holds the ledger lock")

// LockRun takes the run lock of the ledger at path (a lock file beside it),
// waiting for any other run to finish, so two overlapping alert runs never
// send the same transition: the second reads the ledger after the first
// has written it. It waits at most wait (0: no limit) and returns promptly
// when ctx ends. The returned function releases the lock.
func LockRun(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory for ledger %s: %w", path, err)
	}
	mu := lockedfile.MutexAt(path + ".lock")
	type result struct {
		unlock func()
		err    error
	}
	done := make(chan result, 1)
	go func() {
		u, err := mu.Lock()
		done <- result{u, err}
	}()
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	// The blocking lock call cannot be interrupted: when we stop waiting,
	// it is left to finish in its goroutine, which releases the lock at once.
	abandon := func() {
		go func() {
			if r := <-done; r.unlock != nil {
				r.unlock()
			}
		}()
	}
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("lock ledger %s: %w", path, r.err)
		}
		return r.unlock, nil
	case <-timeout:
		abandon()
		return nil, fmt.Errorf("%s: %w (waited %s)", path, ErrLockTimeout, wait)
	case <-ctx.Done():
		abandon()
		return nil, fmt.Errorf("%s: waiting for the lock: %w", path, ctx.Err())
	}
}
