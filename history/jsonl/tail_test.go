package jsonl

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/history"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func appendN(t *testing.T, path string, healths ...string) []history.Record {
	t.Helper()
	var recs []history.Record
	for i, h := range healths {
		recs = append(recs, recAt(i, h))
	}
	if _, err := appendTo(path, Options{NoSync: true}, recs...); err != nil {
		t.Fatal(err)
	}
	return recs
}

// Seed parity §5.3 tests 12-15.
func TestLoadRecentSeedParity(t *testing.T) {
	t.Parallel()
	t.Run("12: append 3, load 10", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		want := appendN(t, path, "OK", "WARN", "ERROR")
		l, err := loadRecent(t, path, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(l.Records, want) {
			t.Errorf("got %+v", l.Records)
		}
	})
	t.Run("13: empty file", func(t *testing.T) {
		t.Parallel()
		l, err := loadRecent(t, writeFile(t, ""), 10)
		if err != nil || len(l.Records) != 0 || l.Corrupt.Count != 0 {
			t.Errorf("got %+v, %v", l, err)
		}
	})
	t.Run("missing file is an empty history", func(t *testing.T) {
		t.Parallel()
		l, err := loadRecent(t, filepath.Join(t.TempDir(), "nope.jsonl"), 10)
		if err != nil || len(l.Records) != 0 {
			t.Errorf("got %+v, %v", l, err)
		}
	})
	t.Run("14: append 10, load 5 gives the last 5 oldest first", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		all := appendN(t, path, "OK", "OK", "OK", "OK", "OK", "WARN", "OK", "ERROR", "OK", "WARN")
		l, err := loadRecent(t, path, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(l.Records, all[5:]) {
			t.Errorf("got %+v", l.Records)
		}
	})
	t.Run("15: a corrupt line between two appends", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "h.jsonl")
		appendN(t, path, "OK")
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString("invalid json line\n")
		f.Close()
		appendN(t, path, "WARN")
		l, err := loadRecent(t, path, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Records) != 2 || l.Corrupt.Count != 1 {
			t.Fatalf("records %d corrupt %d", len(l.Records), l.Corrupt.Count)
		}
		want := fmt.Sprintf("%s: line 2 from the end (byte %d): not valid JSON", path, len(lineOf(recAt(0, "OK"))))
		if got := l.Corrupt.Lines[0].Error(); got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})
}

func lineOf(r history.Record) string { return string(history.AppendJSON(nil, &r)) + "\n" }

func TestLoadLimitMustBePositive(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, -1} {
		_, err := loadRecent(t, writeFile(t, seedLineOK+"\n"), n)
		if !errors.Is(err, history.ErrBadLimit) || err.Error() != fmt.Sprintf("limit %d: must be a positive number of records", n) {
			t.Errorf("limit %d: %v", n, err)
		}
	}
}

func TestLoadOldToolFile(t *testing.T) {
	t.Parallel()
	old := seedLineOK + "\n" + seedLineMicro + "\n"
	path := writeFile(t, old)
	l, err := loadRecent(t, path, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 2 || l.Records[0].OverallHealth != "OK" || l.Records[1].JobsError != 1 || l.Corrupt.Count != 0 {
		t.Errorf("got %+v", l)
	}
	// Appending to an old file leaves its lines byte for byte.
	appendN(t, path, "OK")
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), old) {
		t.Errorf("old lines changed")
	}
}

// Every kind of corrupt line is skipped and reported with its place; none
// aborts the load (the old tool aborted on a non-object or invalid UTF-8).
func TestLoadSkipsCorruptLines(t *testing.T) {
	t.Parallel()
	r0, r1, r2 := lineOf(recAt(0, "OK")), lineOf(recAt(1, "WARN")), lineOf(recAt(2, "ERROR"))
	content := r0 + "[1,2]\n" + "\xff\xfe\n" + "\n" + r1 + `{"timestamp": null}` + "\n" + "123\n" + r2 + `{"timestamp": "2025-11-16T1`
	path := writeFile(t, content)
	l, err := loadRecent(t, path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 3 || l.Records[0].OverallHealth != "OK" || l.Records[2].OverallHealth != "ERROR" {
		t.Errorf("records %+v", l.Records)
	}
	var got []string
	for _, e := range l.Corrupt.Lines {
		got = append(got, fmt.Sprintf("%d@%d %v", e.FromEnd, e.Offset, e.Err))
	}
	o := func(s ...string) int {
		n := 0
		for _, x := range s {
			n += len(x)
		}
		return n
	}
	want := []string{
		fmt.Sprintf("8@%d not a JSON object", o(r0)),
		fmt.Sprintf("7@%d invalid UTF-8", o(r0, "[1,2]\n")),
		fmt.Sprintf("4@%d timestamp: want a string, got null", o(r0, "[1,2]\n", "\xff\xfe\n", "\n", r1)),
		fmt.Sprintf("3@%d not a JSON object", o(r0, "[1,2]\n", "\xff\xfe\n", "\n", r1, `{"timestamp": null}`+"\n")),
		fmt.Sprintf("1@%d unterminated last line (torn or still being written): not valid JSON", o(r0, "[1,2]\n", "\xff\xfe\n", "\n", r1, `{"timestamp": null}`+"\n", "123\n", r2)),
	}
	if !reflect.DeepEqual(got, want) || l.Corrupt.Count != 5 {
		t.Errorf("corrupt lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadFilter(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.jsonl")
	var recs []history.Record
	for i := range 10 {
		r := recAt(i, "OK")
		if i%2 == 1 {
			r.Namespace = "other"
		}
		recs = append(recs, r)
	}
	appendTo(path, Options{NoSync: true}, recs...)
	l, err := tail(t, path, 2, history.Filter{Namespace: "other", Until: recs[7].Time})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Records, []history.Record{recs[5], recs[7]}) {
		t.Errorf("got %+v", l.Records)
	}
	l, _ = tail(t, path, 100, history.Filter{Since: recs[8].Time, Selector: recs[0].Selector})
	if !reflect.DeepEqual(l.Records, recs[8:]) {
		t.Errorf("since: got %d records", len(l.Records))
	}
}

func TestLoadNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := loadRecent(t, dir, 5)
	if err == nil || err.Error() != dir+": not a regular file (a directory)" {
		t.Errorf("got %v", err)
	}
}

// scanBackward must see exactly the lines a forward split sees, whatever the
// block size and line lengths.
func TestScanBackwardMatchesForwardSplit(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 300 {
		var b strings.Builder
		nLines := rng.IntN(12)
		for range nLines {
			b.WriteString(strings.Repeat("x", rng.IntN(40)))
			b.WriteByte('\n')
		}
		if rng.IntN(3) == 0 {
			b.WriteString(strings.Repeat("y", 1+rng.IntN(20)))
		}
		content := b.String()
		terminated := strings.HasSuffix(content, "\n") || content == ""
		want := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
		if content == "" {
			want = nil
		}
		bs := int64(1 + rng.IntN(50))
		var got []string
		var offs []int64
		err := scanBackward(strings.NewReader(content), int64(len(content)), bs, func(line []byte, fromEnd int, off int64, term, tooLong bool) bool {
			if fromEnd != len(got)+1 {
				t.Fatalf("iter %d: fromEnd %d after %d lines", iter, fromEnd, len(got))
			}
			if term != (terminated || fromEnd > 1) {
				t.Fatalf("iter %d: line %d terminated=%v", iter, fromEnd, term)
			}
			got = append(got, string(line))
			offs = append(offs, off)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		reverse(got)
		reverse(offs)
		// A leading empty line is not reported (blank lines are skipped anyway).
		if len(want) > 0 && len(got) == len(want)-1 && want[0] == "" {
			want = want[1:]
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("iter %d (block %d): content %q\ngot  %q\nwant %q", iter, bs, content, got, want)
		}
		for i, off := range offs {
			if !strings.HasPrefix(content[off:], got[i]) || (off > 0 && content[off-1] != '\n') {
				t.Fatalf("iter %d: offset %d of line %q is wrong", iter, off, got[i])
			}
		}
	}
}

func TestLoadLineTooLong(t *testing.T) {
	t.Parallel()
	long := `{"timestamp":"2025-11-16T10:00:00","namespace":"` + strings.Repeat("n", history.MaxLineSize) + `"}` + "\n"
	path := writeFile(t, seedLineOK+"\n"+long+seedLineMicro+"\n")
	l, err := loadRecent(t, path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 2 || l.Corrupt.Count != 1 || !errors.Is(l.Corrupt.Lines[0].Err, history.ErrLineTooLong) {
		t.Errorf("records %d corrupt %+v", len(l.Records), l.Corrupt)
	}
	s, err := summarize(t, path, history.SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 2 || s.Corrupt.Count != 1 || s.Corrupt.Lines[0].Line != 2 || !errors.Is(s.Corrupt.Lines[0].Err, history.ErrLineTooLong) {
		t.Errorf("summary total %d corrupt %+v", s.Total, s.Corrupt)
	}
}

func TestLoadReadsOnlyTheTail(t *testing.T) {
	t.Parallel()
	// A file whose head is garbage that would be reported if it were read.
	var b bytes.Buffer
	for range 5000 {
		b.WriteString("garbage that is not JSON at all, if it is read it is reported\n")
	}
	for i := range 3 {
		b.WriteString(lineOf(recAt(i, "OK")))
	}
	l, err := loadRecent(t, writeFile(t, b.String()), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 3 || l.Corrupt.Count != 0 {
		t.Errorf("records %d corrupt %d: the load read beyond what it needed", len(l.Records), l.Corrupt.Count)
	}
}
