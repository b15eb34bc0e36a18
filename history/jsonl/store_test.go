package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/rogpeppe/go-internal/lockedfile"
)

func job(name, owner, phase, health string) history.Job {
	return history.Job{Name: name, Owner: owner, Phase: phase, Health: health}
}

// The parallel forward pass must give exactly what a sequential fold of the
// same lines gives, across many 256 KiB blocks, with corrupt lines on the way.
func TestSummarizeForwardMatchesSequential(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	var recs []history.Record
	var wantCorrupt []int
	line := 0
	levels := []string{"OK", "OK", "WARN", "ERROR", "OK"}
	for i := range 12000 {
		r := sampleRecord(tAt(i), levels[i%5], job(fmt.Sprintf("nightly-%d", i/7), "nightly", "FAILED", "ERROR"), job("static", "", "RUNNING", "OK"))
		if i%3 == 0 {
			r.Namespace = "other"
		}
		b.WriteString(lineOf(r))
		line++
		if r.Namespace == "trading-bots" {
			recs = append(recs, r)
		}
		if i%997 == 0 {
			b.WriteString("{broken\n")
			line++
			wantCorrupt = append(wantCorrupt, line)
		}
	}
	path := writeFile(t, b.String())
	got, err := summarize(t, path, history.SummaryOptions{Filter: history.Filter{Namespace: "trading-bots"}})
	if err != nil {
		t.Fatal(err)
	}
	want := history.SummarizeRecords(recs, 0)
	var gotLines []int
	for _, e := range got.Corrupt.Lines {
		gotLines = append(gotLines, e.Line)
		if !strings.HasPrefix(b.String()[e.Offset:], "{broken\n") {
			t.Errorf("line %d: offset %d does not point at it", e.Line, e.Offset)
		}
	}
	if !reflect.DeepEqual(gotLines, wantCorrupt) {
		t.Errorf("corrupt lines %v, want %v", gotLines, wantCorrupt)
	}
	got.Corrupt = history.Corrupt{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("forward summary differs from sequential:\n%+v\n%+v", got, want)
	}
	// The window pass over the same file agrees on the window.
	win, err := summarize(t, path, history.SummaryOptions{Window: 100, Filter: history.Filter{Namespace: "trading-bots"}})
	if err != nil {
		t.Fatal(err)
	}
	if wantWin := history.SummarizeRecords(recs[len(recs)-100:], 0); !reflect.DeepEqual(win.Streak, wantWin.Streak) || win.Total != 100 || win.Counts != wantWin.Counts {
		t.Errorf("window summary %+v", win)
	}
}

// holdLock locks path as another writer would and returns the unlock.
func holdLock(t *testing.T, path string) func() {
	t.Helper()
	f, err := lockedfile.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock := func() { once.Do(func() { f.Close() }) }
	t.Cleanup(unlock)
	return unlock
}

// A writer waits at most LockTimeout for a lock another writer holds, and
// the error names the file and says the lock is held.
func TestLockTimeout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	holdLock(t, path)
	s := open(t, path, Options{LockTimeout: 50 * time.Millisecond})
	ctx := context.Background()
	_, err := s.Append(ctx, recAt(0, "OK"))
	want := path + ": the lock is held by another process; gave up after 50ms"
	if !errors.Is(err, ErrLockTimeout) || err == nil || err.Error() != want {
		t.Errorf("Append: %v, want %q", err, want)
	}
	var le *LockError
	if !errors.As(err, &le) || le.Path != path || le.Timeout != 50*time.Millisecond {
		t.Errorf("Append: %#v", err)
	}
	if _, err := s.Prune(ctx, history.PrunePolicy{KeepLast: 1}); !errors.Is(err, ErrLockTimeout) {
		t.Errorf("Prune: %v", err)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("the file was written: %q", b)
	}
}

// A writer that waits LockWaitNotice reports once that another process
// holds the lock, then goes on when the lock is released.
func TestLockWaitReported(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	unlock := holdLock(t, path)
	var mu sync.Mutex
	var got []string
	s := open(t, path, Options{LockTimeout: time.Minute, Report: func(err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err.Error())
	}})
	time.AfterFunc(LockWaitNotice+500*time.Millisecond, unlock)
	if _, err := s.Append(context.Background(), recAt(0, "OK")); err != nil {
		t.Fatal(err)
	}
	want := []string{path + ": waiting for the lock, which another process holds (giving up after 1m0s)"}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reported %q, want %q", got, want)
	}
}

// A cancel while waiting for the lock returns at once with ctx's error; the
// abandoned wait releases the lock when it gets it, so a later writer goes
// through.
func TestLockWaitCancel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	unlock := holdLock(t, path)
	s := open(t, path, Options{LockTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, recAt(0, "OK"))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("Append after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Append did not return after its context was cancelled")
	}
	unlock()
	s2 := open(t, path, Options{LockTimeout: 10 * time.Second})
	if _, err := s2.Append(context.Background(), recAt(1, "OK")); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 1 {
		t.Errorf("lines %q", got)
	}
}

func TestOpenRejectsNegativeLockTimeout(t *testing.T) {
	t.Parallel()
	if _, err := Open("h.jsonl", Options{LockTimeout: -1}); err == nil || err.Error() != "h.jsonl: lock timeout -1ns must not be negative" {
		t.Errorf("got %v", err)
	}
}

// failingFile writes the first okBytes of what it is given, then fails
// every write with writeErr; Sync fails with syncErr.
type failingFile struct {
	appendFile
	okBytes  int
	writeErr error
	syncErr  error
}

func (f *failingFile) Write(b []byte) (int, error) {
	if f.writeErr == nil {
		return f.appendFile.Write(b)
	}
	n := min(f.okBytes, len(b))
	f.okBytes -= n
	if n > 0 {
		if _, err := f.appendFile.Write(b[:n]); err != nil {
			return 0, err
		}
	}
	if n < len(b) {
		return n, f.writeErr
	}
	return n, nil
}

func (f *failingFile) Sync() error {
	if f.syncErr != nil {
		return f.syncErr
	}
	return f.appendFile.Sync()
}

// Issue 19 item 4: a write or fsync that fails (a full disk, an I/O error)
// leaves the file as it was before the call, torn fragment included: no
// partial line stays behind.
func TestAppendFailureTruncatesBack(t *testing.T) {
	t.Parallel()
	big := make([]history.Record, 3000) // more than one 1 MiB write
	for i := range big {
		big[i] = recAt(i, "OK")
		big[i].Bundle = strings.Repeat("b", 400)
	}
	tests := []struct {
		name     string
		existing string
		file     failingFile
		recs     []history.Record
		wantErr  string
	}{
		{"short write", lineOf(recAt(0, "OK")), failingFile{okBytes: 10, writeErr: syscall.ENOSPC}, []history.Record{recAt(1, "OK")}, "write PATH: no space left on device"},
		{"second 1 MiB write", "", failingFile{okBytes: 1<<20 + 100, writeErr: syscall.ENOSPC}, big, "write PATH: no space left on device"},
		{"fsync", lineOf(recAt(0, "OK")), failingFile{syncErr: syscall.EIO}, []history.Record{recAt(1, "OK")}, "fsync PATH: input/output error"},
		{"torn tail stays as it was", lineOf(recAt(0, "OK")) + `{"torn`, failingFile{okBytes: 3, writeErr: syscall.EIO}, []history.Record{recAt(1, "OK")}, "write PATH: input/output error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, tt.existing)
			s := open(t, path, Options{})
			var seen *failingFile
			s.wrap = func(f appendFile) appendFile {
				ff := tt.file
				ff.appendFile = f
				seen = &ff
				return &ff
			}
			_, err := s.Append(context.Background(), tt.recs...)
			if want := strings.ReplaceAll(tt.wantErr, "PATH", path); err == nil || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
			if seen == nil {
				t.Fatal("the seam was not used")
			}
			if got, _ := os.ReadFile(path); string(got) != tt.existing {
				t.Errorf("file after the failed append:\n%q\nwant\n%q", got, tt.existing)
			}
		})
	}
}

// Scan stops at fn's error and returns it as is; a cancelled context stops
// it too; both leave no reader behind (the race detector and the deferred
// close would see one).
func TestScanStops(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for i := range 20000 {
		b.WriteString(lineOf(recAt(i, "OK")))
	}
	path := writeFile(t, b.String())
	s := open(t, path, Options{})
	stop := errors.New("stop")
	n := 0
	_, err := s.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		if n++; n == 5000 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5000 {
		t.Errorf("fn error: got %v after %d records", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	_, err = s.Scan(ctx, history.Filter{}, func(r *history.Record) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 20000 {
		t.Errorf("cancel: got %v after %d records", err, n)
	}
}

func TestScanNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := open(t, dir, Options{}).Scan(context.Background(), history.Filter{}, func(*history.Record) error { return nil })
	if err == nil || err.Error() != dir+": not a regular file (a directory)" {
		t.Errorf("got %v", err)
	}
}
