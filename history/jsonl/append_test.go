package jsonl

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

var t0 = time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)

func recAt(i int, health string) history.Record {
	return sampleRecord(t0.Add(time.Duration(i)*5*time.Minute), health)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("%s does not end in a newline", path)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestAppendCreatesParentAndWritesLines(t *testing.T) {
	t.Parallel()
	// Seed parity §5.3 test 10: the store works on a temp path; the parent is created.
	path := filepath.Join(t.TempDir(), "outputs", "nested", "h.jsonl")
	res, err := appendTo(path, Options{}, recAt(0, "OK"), recAt(1, "WARN"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 2 || res.Torn != nil {
		t.Errorf("result %+v", res)
	}
	lines := readLines(t, path)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	r0, r1 := recAt(0, "OK"), recAt(1, "WARN")
	if lines[0] != string(history.AppendJSON(nil, &r0)) || lines[1] != string(history.AppendJSON(nil, &r1)) {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != FileMode {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestAppendNeverGluesOntoTornLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing string
		wantTorn *history.TornLine
	}{
		{name: "empty file", existing: ""},
		{name: "whole lines", existing: seedLineOK + "\n"},
		{name: "torn after a whole line", existing: seedLineOK + "\n" + `{"timestamp": "2025-11-16T10:0`, wantTorn: &history.TornLine{Offset: int64(len(seedLineOK) + 1), Size: 30}},
		{name: "torn only", existing: `{"times`, wantTorn: &history.TornLine{Offset: 0, Size: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "h.jsonl")
			if err := os.WriteFile(path, []byte(tt.existing), 0o644); err != nil {
				t.Fatal(err)
			}
			var reported []string
			report := func(err error) { reported = append(reported, err.Error()) }
			res, err := appendTo(path, Options{Report: report}, recAt(0, "OK"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantTorn != nil {
				tt.wantTorn.Path = path
			}
			if fmt.Sprint(res.Torn) != fmt.Sprint(tt.wantTorn) {
				t.Errorf("Torn = %v, want %v", res.Torn, tt.wantTorn)
			}
			var wantReported []string
			if tt.wantTorn != nil {
				wantReported = []string{tt.wantTorn.String()}
			}
			if !reflect.DeepEqual(reported, wantReported) {
				t.Errorf("reported %q, want %q", reported, wantReported)
			}
			r := recAt(0, "OK")
			want := tt.existing
			if tt.wantTorn != nil {
				want += "\n"
			}
			want += string(history.AppendJSON(nil, &r)) + "\n"
			got, _ := os.ReadFile(path)
			if string(got) != want {
				t.Errorf("file =\n%q\nwant\n%q", got, want)
			}
			// The new record loads; the fragment is reported as a corrupt line.
			l, err := loadRecent(t, path, 10)
			if err != nil {
				t.Fatal(err)
			}
			wantRecs := strings.Count(tt.existing, "\n") + 1
			if len(l.Records) != wantRecs || l.Records[len(l.Records)-1].Timestamp != r.Timestamp {
				t.Errorf("loaded %d records, want %d", len(l.Records), wantRecs)
			}
			if wantCorrupt := map[bool]int{true: 1}[tt.wantTorn != nil]; l.Corrupt.Count != wantCorrupt {
				t.Errorf("corrupt = %d, want %d", l.Corrupt.Count, wantCorrupt)
			}
		})
	}
}

func TestAppendErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := appendTo(dir, Options{}, recAt(0, "OK"))
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("append to a directory: %v", err)
	}
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	_, err = appendTo(filepath.Join(blocker, "h.jsonl"), Options{}, recAt(0, "OK"))
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Errorf("append below a file: %v", err)
	}
}

// helperEnv makes the test binary act as one appending process.
const helperEnv = "KSNAP_HISTORY_TEST_APPENDER"

// TestHelperAppender is not a test: TestConcurrentProcessAppend runs the
// test binary with helperEnv set to "PATH ID COUNT", and this appends COUNT
// records tagged with ID to PATH, one Append call per record.
func TestHelperAppender(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	f := strings.Fields(spec)
	id, count := f[1], atoi(t, f[2])
	for i := range count {
		r := recAt(i, "OK")
		r.Namespace = id
		r.Selector = strconv.Itoa(i)
		// Every 50th append is durable, the rest NoSync: the lock and write
		// path are the same, the test just runs faster.
		if _, err := appendTo(f[0], Options{NoSync: i%50 != 0}, r); err != nil {
			t.Fatal(err)
		}
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Several processes append concurrently while this one keeps pruning the
// file (each prune replaces it by rename): every line must be valid and no
// record lost or duplicated.
func TestConcurrentProcessAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const procs, count = 4, 2000
	path := filepath.Join(t.TempDir(), "h.jsonl")
	var wg sync.WaitGroup
	errs := make([]error, procs)
	outs := make([]bytes.Buffer, procs)
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s p%d %d", helperEnv, path, p, count))
		cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[p] = cmd.Wait()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	old := recAt(0, "OK")
	old.Namespace = "old"
	prunes := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if _, err := appendTo(path, Options{NoSync: true}, old); err != nil {
			t.Fatal(err)
		}
		res, err := pruneFile(t, path, history.PrunePolicy{OlderThan: time.Hour, Now: t0.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Removed == 0 {
			// The appended helpers' records are up to a week old relative to Now;
			// only the "old" one (t0) may go.
			t.Fatalf("prune removed nothing: %+v", res)
		}
		prunes++
		// Real prunes are rare; a tight loop on 2 cores under -race could
		// starve the appenders of every chance to write between renames.
		time.Sleep(2 * time.Millisecond)
	}
	for p := range procs {
		if errs[p] != nil {
			t.Fatalf("appender %d: %v\n%s", p, errs[p], outs[p].String())
		}
	}
	// Prune removes by time; the helpers' records span t0..t0+count*5min, so
	// those before Now-1h were pruned too. Count what is present instead by
	// re-deriving: records at or after the cutoff must all be present.
	cutoff := t0.Add(47 * time.Hour)
	seen := map[string]bool{}
	for i, line := range readLines(t, path) {
		r, err := history.ParseLine([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v: %q", i+1, err, line)
		}
		if r.Namespace == "old" {
			t.Fatalf("line %d: a pruned record survived", i+1)
		}
		key := r.Namespace + "/" + r.Selector
		if seen[key] {
			t.Fatalf("line %d: %s appears twice", i+1, key)
		}
		seen[key] = true
	}
	missing := 0
	for p := range procs {
		for i := range count {
			if !recAt(i, "OK").Time.Before(cutoff) && !seen[fmt.Sprintf("p%d/%d", p, i)] {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d records lost (after %d concurrent prunes)", missing, prunes)
	}
	t.Logf("%d processes x %d appends, %d concurrent prunes", procs, count, prunes)
}

// Without pruning, every record of every process must be there.
func TestConcurrentProcessAppendNoneLost(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	const procs, count = 4, 2500
	path := filepath.Join(t.TempDir(), "h.jsonl")
	var wg sync.WaitGroup
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s p%d %d", helperEnv, path, p, count))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("appender %d: %v\n%s", p, err, out)
			}
		}()
	}
	wg.Wait()
	lines := readLines(t, path)
	if len(lines) != procs*count {
		t.Fatalf("%d lines, want %d", len(lines), procs*count)
	}
	seen := map[string]bool{}
	next := map[string]int{}
	for i, line := range lines {
		r, err := history.ParseLine([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		seq := atoi(t, r.Selector)
		if seq != next[r.Namespace] {
			t.Fatalf("line %d: %s record %d follows %d", i+1, r.Namespace, seq, next[r.Namespace]-1)
		}
		next[r.Namespace]++
		seen[r.Namespace+"/"+r.Selector] = true
	}
	if len(seen) != procs*count {
		t.Fatalf("%d distinct records, want %d", len(seen), procs*count)
	}
}

func TestSyncMissingFile(t *testing.T) {
	t.Parallel()
	err := open(t, filepath.Join(t.TempDir(), "nope"), Options{}).Sync()
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Sync of a missing file: %v", err)
	}
}
