package history

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// This package's tests cannot import history/jsonl or history/memstore
// (both import history); lineStore is the least Store they need: the lines
// of a file, read whole, in file order. The stores themselves are tested in
// their packages and by history/storetest.

var t0 = time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)

func recAt(i int, health string) Record {
	return sampleRecord(t0.Add(time.Duration(i)*5*time.Minute), health)
}

func lineOf(r Record) string { return string(AppendJSON(nil, &r)) + "\n" }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// appendRecs appends recs to the file at path.
func appendRecs(t *testing.T, path string, recs ...Record) {
	t.Helper()
	var b []byte
	for i := range recs {
		b = append(AppendJSON(b, &recs[i]), '\n')
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func appendN(t *testing.T, path string, healths ...string) []Record {
	t.Helper()
	var recs []Record
	for i, h := range healths {
		recs = append(recs, recAt(i, h))
	}
	appendRecs(t, path, recs...)
	return recs
}

type lineStore struct{ path string }

var errReadOnly = errors.New("lineStore is read-only")

func (s lineStore) String() string { return s.path }
func (s lineStore) Close() error   { return nil }
func (s lineStore) Append(context.Context, ...Record) (AppendResult, error) {
	return AppendResult{}, errReadOnly
}
func (s lineStore) Prune(context.Context, PrunePolicy) (*PruneResult, error) {
	return nil, errReadOnly
}

func (s lineStore) Scan(ctx context.Context, f Filter, fn func(*Record) error) (Corrupt, error) {
	var c Corrupt
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		r, err := ParseLine(l)
		if err != nil {
			c.Add(LineError{Path: s.path, Line: i + 1, Err: err}, nil)
			continue
		}
		if f.Match(&r) {
			if err := fn(&r); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func (s lineStore) Tail(ctx context.Context, n int, f Filter) (*Loaded, error) {
	l := &Loaded{}
	var err error
	l.Corrupt, err = s.Scan(ctx, f, func(r *Record) error {
		l.Records = append(l.Records, r.Clone())
		return nil
	})
	if len(l.Records) > n {
		l.Records = l.Records[len(l.Records)-n:]
	}
	return l, err
}

// summarizeFile summarizes the file at path.
func summarizeFile(path string, opts SummaryOptions) (*Summary, error) {
	return Summarize(context.Background(), lineStore{path}, opts)
}

// loadRecent returns the last n records of the file at path.
func loadRecent(path string, n int) (*Loaded, error) {
	return lineStore{path}.Tail(context.Background(), n, Filter{})
}
