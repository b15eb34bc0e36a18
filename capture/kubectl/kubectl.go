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
	"os/exec"
	"strings"
	"time"

	"github.com/ksnap/ksnap/internal/textutil"
)

// Result is what one kubectl invocation produced.
type Result struct {
	// Argv is the full argument vector that ran, program first.
	Argv   []string
	Stdout []byte
	Stderr []byte
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

// ReadOnlyVerbs are the only kubectl verbs ksnap ever issues.
var ReadOnlyVerbs = []string{"get", "logs", "version"}

// ErrNotReadOnly is returned (wrapped) by CheckReadOnly.
var ErrNotReadOnly = errors.New("refused: ksnap only runs read-only kubectl commands (get, logs, version)")

// mutatingFlags may never appear, whatever the verb: they would write files
// or turn a read into a write.
var refusedFlags = []string{"--raw", "--edit", "--overwrite", "--save-config", "--as", "--as-group", "--token", "--password", "--username"}

// CheckReadOnly returns an error unless args is a read-only command: its
// first element is one of ReadOnlyVerbs and no flag could write or
// impersonate. Every Runner, the test fake included, calls it first.
func CheckReadOnly(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: empty command", ErrNotReadOnly)
	}
	ok := false
	for _, v := range ReadOnlyVerbs {
		if args[0] == v {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%w: verb %q", ErrNotReadOnly, args[0])
	}
	for _, a := range args[1:] {
		name := a
		if i := strings.IndexByte(a, '='); i >= 0 {
			name = a[:i]
		}
		for _, f := range refusedFlags {
			if name == f {
				return fmt.Errorf("%w: flag %s", ErrNotReadOnly, f)
			}
		}
	}
	return nil
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
}

// Argv returns the full argv Exec runs for args.
func (x *Exec) Argv(args []string) []string {
	argv := append([]string{x.program()}, args...)
	if x.Kubeconfig != "" {
		argv = append(argv, "--kubeconfig", x.Kubeconfig)
	}
	if x.Context != "" {
		argv = append(argv, "--context", x.Context)
	}
	return argv
}

func (x *Exec) program() string {
	if x.Path == "" {
		return "kubectl"
	}
	return x.Path
}

// Run implements Runner.
func (x *Exec) Run(ctx context.Context, args []string) Result {
	argv := x.Argv(args)
	res := Result{Argv: argv, ExitCode: -1}
	if err := CheckReadOnly(args); err != nil {
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
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
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
