package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/capture/kubectl/kubectltest"
	"github.com/ksnap/ksnap/internal/jsonlimit"
)

// writeInPieces writes data to w in pieces of n bytes.
func writeInPieces(w io.Writer, data []byte, n int) {
	for i := 0; i < len(data); i += n {
		w.Write(data[i:min(i+n, len(data))])
	}
}

// pieceReader reads data n bytes at a time, then fails with err (io.EOF
// when nil).
type pieceReader struct {
	data []byte
	n    int
	err  error
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[k:]
	return k, nil
}

// TestSpillReadFromError: a read error is returned, and what came before
// it is kept, hashed and judged like written bytes.
func TestSpillReadFromError(t *testing.T) {
	t.Parallel()
	sp, err := newSpill(t.TempDir(), "pods")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.remove()
	data := []byte(strings.Repeat(" ", spillChunk+5) + `{"a":`)
	boom := errors.New("pipe broke")
	n, err := sp.ReadFrom(&pieceReader{data: data, n: 64 << 10, err: boom})
	if !errors.Is(err, boom) || n != int64(len(data)) {
		t.Fatalf("ReadFrom = %d, %v; want %d, %v", n, err, len(data), boom)
	}
	sp.done()
	sum := sha256.Sum256(data)
	if sp.Size() != int64(len(data)) || sp.SHA256() != hex.EncodeToString(sum[:]) {
		t.Errorf("size %d sha %s", sp.Size(), sp.SHA256())
	}
	if got, want := sp.jsonProblem(), checkJSON(data); got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
}

// TestSpillHashSizeAndJSONChecks: a spill file holds the bytes, their size
// and sha256, and judges them as checkJSON judges the whole output, with
// the same message, whatever the cut into pieces.
func TestSpillHashSizeAndJSONChecks(t *testing.T) {
	t.Parallel()
	docs := []string{
		podsJSON, jobsOut, "", "   ", "not json at all, and longer than forty bytes for the preview",
		`{"items":[}`, strings.Repeat("[", jsonlimit.MaxDepth+1) + strings.Repeat("]", jsonlimit.MaxDepth+1),
		`{"a":"` + strings.Repeat("x", jsonlimit.MaxString+1) + `"}`, `{"a":"` + strings.Repeat("x", jsonlimit.MaxString+1),
	}
	for _, d := range docs {
		for _, piece := range []int{1, 7, 32 << 10} {
			if piece == 1 && len(d) > 1<<16 {
				continue
			}
			sp, err := newSpill(t.TempDir(), "pods")
			if err != nil {
				t.Fatal(err)
			}
			if piece == 7 {
				// os/exec's copy calls ReadFrom; the reader gives 7 bytes a read.
				if n, err := sp.ReadFrom(&pieceReader{data: []byte(d), n: piece}); err != nil || n != int64(len(d)) {
					t.Fatalf("ReadFrom = %d, %v", n, err)
				}
			} else {
				writeInPieces(sp, []byte(d), piece)
			}
			sp.done()
			sum := sha256.Sum256([]byte(d))
			if sp.Size() != int64(len(d)) || sp.SHA256() != hex.EncodeToString(sum[:]) {
				t.Errorf("%.20q: size %d sha %s", d, sp.Size(), sp.SHA256())
			}
			if got, want := sp.jsonProblem(), checkJSON([]byte(d)); got != want {
				t.Errorf("%.20q in pieces of %d: %q, want %q", d, piece, got, want)
			}
			rc, err := sp.Open()
			if err != nil {
				t.Fatal(err)
			}
			back, _ := io.ReadAll(rc)
			rc.Close()
			if string(back) != d {
				t.Errorf("%.20q: read back %d bytes", d, len(back))
			}
			name := sp.f.Name()
			if !strings.HasPrefix(filepath.Base(name), ".capture-pods.tmp-") {
				t.Errorf("spill file %s: want a dot-file atomicfile.CleanStale knows", name)
			}
			sp.remove()
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Errorf("spill file left after remove: %v", err)
			}
		}
	}
}

// A list output over the member limit is a failed command without member,
// and the spill file stops growing at the limit.
func TestSpillOverMemberLimit(t *testing.T) {
	t.Parallel()
	sp, err := newSpill(t.TempDir(), "pods")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.remove()
	sp.limit = 10
	writeInPieces(sp, []byte(`{"items":[1,2,3,4,5]}`), 4)
	sp.done()
	c, m := listCommand(bundle.KindPods, bundle.PodsMember, kubectl.Result{Argv: []string{"kubectl"}}, sp)
	if c.Status != bundle.StatusFailed || m != nil || c.Member != "" || !strings.HasPrefix(c.Error, "kubectl printed 21 bytes, more than the member limit") {
		t.Errorf("command %+v, member %v", c, m)
	}
	if fi, err := os.Stat(sp.f.Name()); err != nil || fi.Size() > 10 {
		t.Errorf("spill file: %v, %v", fi, err)
	}
}

// A spill file that cannot be written fails the command with the reason
// and keeps no member; kubectl is still drained.
func TestSpillWriteError(t *testing.T) {
	t.Parallel()
	sp, err := newSpill(t.TempDir(), "jobs")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.remove()
	sp.f.File.Close() // every write now fails
	if n, err := sp.Write([]byte(jobsOut)); n != len(jobsOut) || err != nil {
		t.Fatalf("Write = %d, %v: want the output drained", n, err)
	}
	sp.done()
	c, m := listCommand(bundle.KindJobs, bundle.JobsMember, kubectl.Result{Argv: []string{"kubectl"}}, sp)
	if c.Status != bundle.StatusFailed || m != nil || !strings.HasPrefix(c.Error, "could not keep kubectl output: ") {
		t.Errorf("command %+v, member %v", c, m)
	}
}

// streaming is a StreamRunner over a Fake: stdout goes to the writer in
// small pieces, like a pipe, and durations are fixed (deterministic).
type streaming struct{ f *kubectltest.Fake }

func (s streaming) Run(ctx context.Context, args []string) kubectl.Result {
	res := s.f.Run(ctx, args)
	res.Duration = 1500 * time.Microsecond // as fixedDuration
	return res
}

func (s streaming) RunStream(ctx context.Context, args []string, w io.Writer) kubectl.Result {
	res := s.Run(ctx, args)
	writeInPieces(w, res.Stdout, 5)
	res.StdoutSize, res.Stdout = int64(len(res.Stdout)), nil
	return res
}

// onlyBundles fails unless dir holds nothing but *.tar.zst files (no spill
// or temp file).
func onlyBundles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), bundle.Extension) {
			t.Errorf("%s left in %s", e.Name(), dir)
		}
	}
}

// TestRunStreamedBundle: a capture through a streaming runner verifies,
// holds kubectl's bytes, equals the bundle of the same members written
// from memory (bundle.Encode) and the capture through a plain runner, and
// leaves no spill file.
func TestRunStreamedBundle(t *testing.T) {
	t.Parallel()
	var files [][]byte
	for _, stream := range []bool{true, false} {
		f := kubectltest.NewFake(t)
		expectLists(f, kubectltest.Response{Stdout: eventsOut})
		expectLogs(f)
		opts := baseOptions(t)
		var r kubectl.Runner = fixedDuration{f}
		if stream {
			r = streaming{f}
		}
		res, err := Run(context.Background(), opts, r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.Verify(res.Path); err != nil {
			t.Fatal(err)
		}
		b, err := bundle.Open(res.Path)
		if err != nil {
			t.Fatal(err)
		}
		var ms []bundle.Member
		for _, n := range b.Names() {
			d, _ := b.Member(n)
			ms = append(ms, bundle.Member{Name: n, Data: d})
		}
		if got, _ := b.Member(bundle.PodsMember); string(got) != podsJSON {
			t.Errorf("pods.json %q", got)
		}
		m := *b.Manifest
		var mem bytes.Buffer
		if _, err := bundle.Encode(&mem, &m, ms); err != nil {
			t.Fatal(err)
		}
		file, _ := os.ReadFile(res.Path)
		if !bytes.Equal(file, mem.Bytes()) {
			t.Errorf("stream=%v: the bundle differs from the same members encoded from memory", stream)
		}
		files = append(files, file)
		onlyBundles(t, opts.OutDir)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("streaming and plain runners gave different bundles")
	}
}

// TestRunLeavesNoSpillFile: failed calls, a failed bundle write and a
// cancelled capture leave no spill file behind.
func TestRunLeavesNoSpillFile(t *testing.T) {
	t.Parallel()
	t.Run("failed calls", func(t *testing.T) {
		t.Parallel()
		f := kubectltest.NewFake(t)
		expectLists(f, kubectltest.Response{Stdout: "oops", Stderr: "Error from server (Forbidden)\n", ExitCode: 1})
		expectLogs(f)
		opts := baseOptions(t)
		res, err := Run(context.Background(), opts, streaming{f})
		if err != nil || !res.Partial() {
			t.Fatalf("res %+v, err %v", res, err)
		}
		onlyBundles(t, opts.OutDir)
	})
	t.Run("bundle write fails", func(t *testing.T) {
		t.Parallel()
		opts := baseOptions(t)
		opts.Logs = LogsNone
		// A first capture gives the (deterministic) name; a directory there
		// makes the second one's link fail.
		f := kubectltest.NewFake(t)
		expectLists(f, kubectltest.Response{Stdout: eventsOut})
		res, err := Run(context.Background(), opts, streaming{f})
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(res.Path)
		if err := os.Mkdir(res.Path, 0o700); err != nil {
			t.Fatal(err)
		}
		f2 := kubectltest.NewFake(t)
		expectLists(f2, kubectltest.Response{Stdout: eventsOut})
		if _, err := Run(context.Background(), opts, streaming{f2}); err == nil {
			t.Fatal("want the bundle write to fail")
		}
		os.Remove(res.Path)
		onlyBundles(t, opts.OutDir)
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		f := kubectltest.NewFake(t)
		// The events call waits for the cancel; the others answer at once.
		f.Expect(listArgs(bundle.KindVersion), kubectltest.Response{Stdout: versionOut})
		f.Expect(listArgs(bundle.KindJobs), kubectltest.Response{Stdout: jobsOut})
		f.Expect(listArgs(bundle.KindPods), kubectltest.Response{Stdout: podsJSON})
		f.Expect(listArgs(bundle.KindEvents), kubectltest.Response{Stdout: eventsOut, Delay: time.Hour})
		opts := baseOptions(t)
		opts.Logs = LogsNone
		ctx, cancel := context.WithCancel(context.Background())
		r := cancelOn{streaming{f}, bundle.KindEvents, cancel}
		res, err := Run(ctx, opts, r)
		if err == nil && !res.Partial() {
			t.Errorf("a cancelled capture reported complete: %+v", res.Manifest.Commands)
		}
		onlyBundles(t, opts.OutDir)
	})
}

// cancelOn cancels the capture when the list call of kind starts.
type cancelOn struct {
	streaming
	kind   string
	cancel context.CancelFunc
}

func (c cancelOn) RunStream(ctx context.Context, args []string, w io.Writer) kubectl.Result {
	if len(args) > 1 && args[1] == c.kind {
		c.cancel()
	}
	return c.streaming.RunStream(ctx, args, w)
}

// A spill file of a capture that died (kill -9) is removed by the next
// capture in that directory, like any temp file of a dead writer.
func TestRunRemovesStaleSpillFile(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t)
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	opts := baseOptions(t)
	opts.Logs = LogsNone
	stale := filepath.Join(opts.OutDir, ".capture-pods.tmp-1073741824-0a1b2c3d4e5f")
	if err := os.WriteFile(stale, []byte("{\"items\":["), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	res, err := Run(context.Background(), opts, streaming{f})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stale) != 1 || res.Stale[0].Path != stale {
		t.Errorf("stale = %+v", res.Stale)
	}
	onlyBundles(t, opts.OutDir)
}
