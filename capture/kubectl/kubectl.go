// Package kubectl owns ksnap's only boundary to a cluster: the Runner
// interface, the exec runner that starts the kubectl binary, and the
// read-only allowlist every runner passes through. It knows nothing of
// bundles, files or models.
package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/ksnap/ksnap/internal/k8sname"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Result is what one kubectl invocation produced.
type Result struct {
	// Argv is the full argument vector that ran, program first.
	Argv   []string
	Stdout []byte
	Stderr []byte
	// StdoutSize is how many bytes kubectl printed on stdout; more than
	// len(Stdout) when Exec kept only the tail (MaxStdout, MaxLogStdout).
	// Zero means len(Stdout).
	StdoutSize int64
	// ExitCode is kubectl's exit status, or -1 when it did not exit on its
	// own (not found, not executable, killed at the timeout).
	ExitCode int
	Duration time.Duration
	// Err is nil when kubectl ran and exited 0. Otherwise it is a
	// *NotFoundError, *TimeoutError, *ExitError or another start error.
	Err error
}

// Runner runs one read-only kubectl command. args excludes the program name.
// Implementations must call CheckReadOnly before running anything.
type Runner interface {
	Run(ctx context.Context, args []string) Result
}

// StreamRunner is a Runner that can hand stdout to a writer as it arrives
// instead of holding it: capture streams list outputs (100 MB for 10,000
// pods) to a spill file. RunStream's Result has no Stdout; StdoutSize is
// what was written to stdout. A runner that is not one is called with Run.
type StreamRunner interface {
	Runner
	RunStream(ctx context.Context, args []string, stdout io.Writer) Result
}

// readOnlyVerbs are the only kubectl verbs ksnap ever issues. Unexported:
// nothing outside this package can widen the allowlist CheckReadOnly trusts.
var readOnlyVerbs = []string{"get", "logs", "version"}

// ErrNotReadOnly is returned (wrapped) by CheckReadOnly.
var ErrNotReadOnly = errors.New("refused: ksnap only runs read-only kubectl commands (get, logs, version)")

// refusedFlags are named in the error when they appear: they would write
// files or turn a read into a write. Any other flag outside valueFlags and
// boolFlags is refused too.
var refusedFlags = []string{"--raw", "--edit", "--overwrite", "--save-config", "--as", "--as-group", "--token", "--password", "--username"}

// valueFlags are the flags ksnap passes that take the next argument as
// their value; boolFlags and "--tail=N" are the others.
var (
	valueFlags = map[string]bool{"-o": true, "-n": true, "-l": true, "-c": true, "--kubeconfig": true, "--context": true}
	boolFlags  = map[string]bool{"--previous": true}
)

// getResources are the only things ksnap lists (pod metrics of the
// metrics.k8s.io API with capture --metrics, fully qualified).
var getResources = map[string]bool{"jobs": true, "pods": true, "events": true, "podmetrics.metrics.k8s.io": true}

// CheckReadOnly returns an error unless args is a read-only command that
// ksnap itself builds: its first element is one of readOnlyVerbs, every
// flag is one ksnap passes (-o, -n, -l, -c, --tail=N, --previous,
// --kubeconfig, --context), -n is a namespace name, the values of -n, -c
// and -o never start with '-', "get" lists only jobs, pods, events or
// podmetrics.metrics.k8s.io, and
// "logs" names exactly one pod, a valid object name, after "--", so that
// a name can never be read as a flag. Every Runner, the test fake
// included, calls it first.
func CheckReadOnly(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: empty command", ErrNotReadOnly)
	}
	verb := args[0]
	if !slices.Contains(readOnlyVerbs, verb) {
		return fmt.Errorf("%w: verb %q", ErrNotReadOnly, verb)
	}
	var positional []string
	dash := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if dash {
			positional = append(positional, a)
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		switch {
		case slices.Contains(refusedFlags, name):
			return fmt.Errorf("%w: flag %s", ErrNotReadOnly, name)
		case a == "--":
			dash = true
		case valueFlags[a]:
			if i+1 >= len(args) {
				return fmt.Errorf("%w: flag %s without a value", ErrNotReadOnly, a)
			}
			i++
			v := args[i]
			var err error
			switch a {
			case "-n":
				err = k8sname.Namespace(v)
			case "-c":
				err = k8sname.Container(v)
			case "-l":
				err = k8sname.Selector(v)
			case "--context":
				err = k8sname.Context(v)
			}
			if err != nil {
				return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
			}
			if strings.HasPrefix(v, "-") && a != "--kubeconfig" {
				return fmt.Errorf("%w: flag %s with value %q", ErrNotReadOnly, a, v)
			}
		case boolFlags[a]:
		case name == "--tail" && isDigits(strings.TrimPrefix(a, "--tail=")):
		case strings.HasPrefix(a, "-"):
			return fmt.Errorf("%w: flag %q is not one ksnap passes", ErrNotReadOnly, a)
		default:
			positional = append(positional, a)
		}
	}
	switch verb {
	case "get":
		if len(positional) != 1 || !getResources[positional[0]] || dash {
			return fmt.Errorf("%w: get lists only jobs, pods, events or podmetrics.metrics.k8s.io, got %q", ErrNotReadOnly, positional)
		}
	case "logs":
		if !dash || len(positional) != 1 {
			return fmt.Errorf("%w: logs takes exactly one pod name, after \"--\"", ErrNotReadOnly)
		}
		if err := k8sname.Object("pod", positional[0]); err != nil {
			return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
		}
	case "version":
		if len(positional) != 0 || dash {
			return fmt.Errorf("%w: version takes no arguments", ErrNotReadOnly)
		}
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// NotFoundError: the kubectl program could not be found or started.
type NotFoundError struct {
	Path string
	Err  error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("kubectl %q could not be run: %v (install kubectl or pass --kubectl PATH)", e.Path, e.Err)
}
func (e *NotFoundError) Unwrap() error { return e.Err }

// TimeoutError: kubectl ran longer than the per-call timeout and was killed.
type TimeoutError struct{ Timeout time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("kubectl timed out after %s (raise --timeout or check the API server)", e.Timeout)
}

// ExitError: kubectl exited non-zero. Its message carries the last line of
// stderr, where kubectl puts its final error (earlier lines are klog noise).
type ExitError struct {
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	line := textutil.Truncate(textutil.LastLine(e.Stderr), 300)
	if line == "" {
		return fmt.Sprintf("kubectl exited %d", e.Code)
	}
	return fmt.Sprintf("kubectl exited %d: %s", e.Code, line)
}

// Exec runs the kubectl binary: no shell, separate stdout and stderr, a
// timeout per call, and --kubeconfig/--context appended after the command.
type Exec struct {
	// Path is the kubectl program: a path, or a name looked up in PATH.
	Path       string
	Kubeconfig string
	Context    string
	// Timeout bounds each call; zero means no timeout beyond ctx.
	Timeout time.Duration
	// Env, when non-nil, is the whole environment of kubectl (tests);
	// nil inherits ksnap's environment, so KUBECONFIG applies.
	Env []string
	// MaxStdout and MaxLogStdout, when positive, bound the stdout kept of
	// get/version and of logs calls: only the last bytes are kept, and
	// Result.StdoutSize says how much was printed. A hostile API server
	// cannot make ksnap hold unbounded output.
	MaxStdout, MaxLogStdout int64
}

// tailBuffer keeps the last max bytes written to it (all, when max <= 0),
// in at most 2 × max bytes of memory, and counts everything.
type tailBuffer struct {
	max   int
	buf   []byte
	total int64
	// chunks hold the earlier output when max <= 0: an unbounded stdout
	// (a 10,000-pod list is 100 MB) grows by chunks that are never copied
	// until Bytes joins them once, instead of by append, whose growth
	// copies the whole output again and again and leaves every old copy
	// to the collector.
	chunks [][]byte
}

// Chunk sizes of an unbounded tailBuffer: the first buffer grows by append
// up to chunkMin, then each new chunk doubles, up to chunkMax.
const (
	chunkMin = 64 << 10
	chunkMax = 16 << 20
)

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.total += int64(len(p))
	if t.max <= 0 {
		if len(t.buf)+len(p) > cap(t.buf) && cap(t.buf) >= chunkMin {
			t.chunks = append(t.chunks, t.buf)
			t.buf = make([]byte, 0, max(len(p), min(2*cap(t.buf), chunkMax)))
		}
		t.buf = append(t.buf, p...)
		return len(p), nil
	}
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		n := copy(t.buf, t.buf[len(t.buf)-t.max:])
		t.buf = t.buf[:n]
	}
	return len(p), nil
}

// Bytes returns the kept tail (all of it, when max <= 0, joined once into
// a buffer of exactly its size).
func (t *tailBuffer) Bytes() []byte {
	if len(t.chunks) > 0 {
		n := len(t.buf)
		for _, c := range t.chunks {
			n += len(c)
		}
		out := make([]byte, 0, n)
		for _, c := range t.chunks {
			out = append(out, c...)
		}
		t.buf, t.chunks = append(out, t.buf...), nil
	}
	if t.max > 0 && len(t.buf) > t.max {
		return t.buf[len(t.buf)-t.max:]
	}
	return t.buf
}

// Argv returns the full argv Exec runs for args: --kubeconfig and
// --context go after the command's flags and before a "--" (after it
// they would be positional arguments).
func (x *Exec) Argv(args []string) []string {
	cut := len(args)
	if i := slices.Index(args, "--"); i >= 0 {
		cut = i
	}
	argv := append([]string{x.program()}, args[:cut]...)
	if x.Kubeconfig != "" {
		argv = append(argv, "--kubeconfig", x.Kubeconfig)
	}
	if x.Context != "" {
		argv = append(argv, "--context", x.Context)
	}
	return append(argv, args[cut:]...)
}

func (x *Exec) program() string {
	if x.Path == "" {
		return "kubectl"
	}
	return x.Path
}

// Run implements Runner.
func (x *Exec) Run(ctx context.Context, args []string) Result {
	max := x.MaxStdout
	if len(args) > 0 && args[0] == "logs" {
		max = x.MaxLogStdout
	}
	stdout := &tailBuffer{max: int(max)}
	res := x.run(ctx, args, stdout)
	res.Stdout, res.StdoutSize = stdout.Bytes(), stdout.total
	return res
}

// RunStream implements StreamRunner: stdout goes to w as kubectl prints it
// (MaxStdout does not apply: w decides what to keep).
func (x *Exec) RunStream(ctx context.Context, args []string, w io.Writer) Result {
	cw := &countWriter{w: w}
	res := x.run(ctx, args, cw)
	res.StdoutSize = cw.n
	return res
}

// countWriter counts what passes to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadFrom lets a writer that reads for itself (capture's spill files,
// which gather kubectl's stdout in large chunks) do so.
func (c *countWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := c.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(c.w, r)
	}
	c.n += n
	return n, err
}

func (x *Exec) run(ctx context.Context, args []string, stdout io.Writer) Result {
	argv := x.Argv(args)
	res := Result{Argv: argv, ExitCode: -1}
	if err := CheckReadOnly(argv[1:]); err != nil {
		res.Err = err
		return res
	}
	if x.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, x.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if x.Env != nil {
		cmd.Env = x.Env
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	res.Stderr = stderr.Bytes()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		res.ExitCode = 0
	case ctx.Err() == context.DeadlineExceeded && x.Timeout > 0:
		res.Err = &TimeoutError{Timeout: x.Timeout}
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("kubectl interrupted: %w", ctx.Err())
	case errors.As(err, &exitErr) && exitErr.Exited():
		res.ExitCode = exitErr.ExitCode()
		res.Err = &ExitError{Code: res.ExitCode, Stderr: stderr.String()}
	case errors.As(err, &exitErr):
		res.Err = fmt.Errorf("kubectl killed: %v", err)
	default:
		res.Err = &NotFoundError{Path: argv[0], Err: unwrapExec(err)}
	}
	return res
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
