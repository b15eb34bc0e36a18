package jsonl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

// A prune killed mid-rewrite leaves its temp copy of the history; the next
// prune removes it (its writer's PID is not running and it is old) and
// reports it, and leaves a live writer's temp file alone.
func TestPruneRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.jsonl")
	var reports []string
	st, err := Open(path, Options{Report: func(err error) { reports = append(reports, err.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	r := history.NewRecord(history.Input{CapturedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Namespace: "ns", OverallHealth: "OK"})
	if _, err := st.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(dir, ".h.jsonl.tmp-999999999-abcdef") // no such PID
	live := filepath.Join(dir, ".h.jsonl.tmp-"+strconv.Itoa(os.Getpid())+"-abcdef")
	for _, p := range []string{dead, live} {
		if err := os.WriteFile(p, []byte("partial copy\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-2 * time.Minute)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Prune(context.Background(), history.PrunePolicy{KeepLast: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead writer's temp file is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("this process's temp file was removed: %v", err)
	}
	if len(reports) != 1 || !strings.HasPrefix(reports[0], dead+": removed the temp file of an interrupted write") {
		t.Errorf("reports %q", reports)
	}
}
