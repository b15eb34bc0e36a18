package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/internal/hostile"
)

// maxRSS is the memory bound of issue 19: no input under 10 MB may make a
// command use more than 256 MiB.
const maxRSS = 256 << 20

// hangGuard stops a command that blocks (a FIFO): far above any expected
// run time, it only turns a hang into a failure. Durations are measured by
// BenchmarkHostile, never asserted.
const hangGuard = 2 * time.Minute

// corpus writes the corpus into a temp dir, from a child process: the
// peak RSS the kernel reports for a child includes its parent's at the
// fork, so the test process must never hold the corpus itself.
func corpus(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHostileWriteCorpusHelper$")
	cmd.Env = append(os.Environ(), "KSNAP_HOSTILE_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("writing the corpus: %v: %s", err, out)
	}
	return dir
}

// TestHostileWriteCorpusHelper is the child process of corpus.
func TestHostileWriteCorpusHelper(t *testing.T) {
	dir := os.Getenv("KSNAP_HOSTILE_DIR")
	if dir == "" {
		t.Skip("the child process of the hostile corpus tests")
	}
	if _, err := hostile.Write(dir); err != nil {
		t.Fatal(err)
	}
}

type ran struct {
	code           int
	stdout, stderr string
	maxRSS         int64
}

// runKsnap runs the real ksnap (testscript's copy of this binary on PATH)
// as a child process and reports its exit code, output and peak RSS.
func runKsnap(t testing.TB, args ...string) ran {
	t.Helper()
	bin, err := exec.LookPath("ksnap")
	if err != nil {
		t.Fatalf("ksnap not on PATH (testscript.Main sets it up): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	// A regression must fail the test, not take the machine's memory: the
	// child's address space is capped at 4 GiB (it then dies with "out of
	// memory", which check reports as a crash).
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", `ulimit -v 4194304 && exec "$0" "$@"`, bin}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "KSNAP_HISTORY_FILE="+filepath.Join(t.TempDir(), "h.jsonl"))
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ksnap %q did not finish within %s: it hangs", args, hangGuard)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("ksnap %q: %v", args, err)
	}
	r := ran{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	return r
}

// TestHostileCorpus runs every input of internal/hostile through bundle
// verify, bundle ls and analyze -o junit: each gives its documented
// one-line error and exit 3 (or, for content the analyzer reads, a verdict
// and at most a one-line diagnostic), never a panic or a hang, with a peak
// RSS under 256 MiB.
func TestHostileCorpus(t *testing.T) {
	dir := corpus(t)
	for _, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(dir, c.Name)
			check := func(what string, r ran) {
				t.Helper()
				if r.maxRSS > maxRSS {
					t.Errorf("%s: peak RSS %d MiB, the bound is %d MiB", what, r.maxRSS>>20, maxRSS>>20)
				}
				if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "fatal error") || strings.Contains(r.stderr, "internal error") {
					t.Errorf("%s crashed: %s", what, r.stderr)
				}
				for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
					if l != "" && !strings.HasPrefix(l, "ksnap: ") {
						t.Errorf("%s: stderr line %q is not one ksnap: line", what, l)
					}
				}
			}
			v := runKsnap(t, "bundle", "verify", path)
			check("verify", v)
			if c.Verify == "" {
				if v.code != 0 || !strings.HasPrefix(v.stdout, "ok   "+path+" ") {
					t.Errorf("verify: exit %d, stdout %q; want ok", v.code, v.stdout)
				}
			} else if want := "FAIL " + path + ": " + c.Verify; v.code != 3 || !strings.HasPrefix(v.stdout, want) || strings.Count(v.stdout, "\n") != 1 {
				t.Errorf("verify: exit %d, stdout %q\nwant exit 3, %q...", v.code, v.stdout, want)
			}
			if c.Verify != "" {
				ls := runKsnap(t, "bundle", "ls", path)
				check("ls", ls)
				if ls.code != 3 || ls.stdout != "" {
					t.Errorf("ls: exit %d, stdout %q; want exit 3, nothing", ls.code, ls.stdout)
				}
			}
			a := runKsnap(t, "analyze", "-o", "junit", path)
			check("analyze", a)
			switch {
			case c.Analyze != "":
				if want := "ksnap: " + path + ": " + c.Analyze; a.code != 3 || !strings.HasPrefix(a.stderr, want) || strings.Count(a.stderr, "\n") != 1 {
					t.Errorf("analyze: exit %d, stderr %q\nwant exit 3, %q...", a.code, a.stderr, want)
				}
			case c.Diagnostic != "":
				if want := "ksnap: " + path + ": " + c.Diagnostic; !strings.HasPrefix(a.stderr, want) || strings.Count(a.stderr, "\n") != 1 {
					t.Errorf("analyze: stderr %q, want %q...", a.stderr, want)
				}
			default:
				if a.code > 2 {
					t.Errorf("analyze: exit %d, stderr %q; want a verdict", a.code, a.stderr)
				}
			}
			t.Logf("peak RSS: verify %d MiB, analyze %d MiB", v.maxRSS>>20, a.maxRSS>>20)
		})
	}
}

// analyze DIR judges what a symlink points at by the same rule: a link to
// a FIFO or a device is refused, not opened.
func TestHostileAnalyzeDirFollowsTheRule(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	os.Symlink(fifo, filepath.Join(dir, "a.tar.zst"))
	os.Symlink("/dev/zero", filepath.Join(dir, "b.tar.zst"))
	r := runKsnap(t, "analyze", dir)
	want := "ksnap: " + filepath.Join(dir, "a.tar.zst") + ": not a regular file (a FIFO)\n" +
		"ksnap: " + filepath.Join(dir, "b.tar.zst") + ": not a regular file (a character device)\n"
	if r.code != 3 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("exit %d, stderr %q\nwant exit 3, %q", r.code, r.stderr, want)
	}
}

// BenchmarkHostile times each corpus input through ksnap analyze as a
// whole process (the time bound of issue 19: a few seconds at most).
func BenchmarkHostile(b *testing.B) {
	dir := corpus(b)
	for _, c := range hostile.Cases() {
		b.Run(c.Name, func(b *testing.B) {
			path := filepath.Join(dir, c.Name)
			var rss int64
			for b.Loop() {
				r := runKsnap(b, "analyze", "-o", "junit", path)
				rss = max(rss, r.maxRSS)
			}
			b.ReportMetric(float64(rss>>20), "peak-MiB")
		})
	}
}
