package jsonl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/storetest"
)

// writeRaw appends raw bytes to the store's file, as a crash or another
// tool would leave them.
func writeRaw(t *testing.T, st history.Store, raw string) {
	t.Helper()
	f, err := os.OpenFile(st.(*Store).Path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, FileMode)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(raw); err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T, report history.Reporter) history.Store {
			return open(t, filepath.Join(t.TempDir(), "h.jsonl"), Options{Report: report})
		},
		Corrupt: func(t *testing.T, st history.Store) { writeRaw(t, st, "not a record\n") },
		Torn:    func(t *testing.T, st history.Store) { writeRaw(t, st, `{"timestamp": "2025-11-16T1`) },
	})
}
