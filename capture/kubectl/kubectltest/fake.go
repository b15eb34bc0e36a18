// Package kubectltest provides strict kubectl fakes for tests: Fake, an
// in-process Runner that replays recorded outputs by exact argv, and Main, a
// fake kubectl program for testscript. Both pass every call through the
// read-only allowlist and fail loudly on an unexpected call. Test code only.
package kubectltest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/kubectl"
)

// Response is one recorded kubectl outcome.
type Response struct {
	Stdout   string
	Stderr   string
	ExitCode int
	// Delay makes the call take this long (honouring the context, so a
	// Fake.Timeout shorter than Delay gives a TimeoutError).
	Delay time.Duration
	// NotFound makes the call fail as if kubectl were missing.
	NotFound bool
}

// Fake is a strict Runner: each expected argv (without the program name) is
// answered with its Response; an unexpected argv fails the test, and at
// cleanup so does any expectation never called.
type Fake struct {
	t testing.TB
	// Timeout emulates the exec runner's per-call timeout.
	Timeout time.Duration

	mu       sync.Mutex
	expected map[string]Response
	used     map[string]int
}

// NewFake returns a Fake that verifies itself when t ends.
func NewFake(t testing.TB) *Fake {
	f := &Fake{t: t, expected: map[string]Response{}, used: map[string]int{}}
	t.Cleanup(f.verify)
	return f
}

func key(args []string) string { return strings.Join(args, "\x00") }

// Expect records the response to args.
func (f *Fake) Expect(args []string, r Response) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expected[key(args)] = r
	return f
}

// Run implements kubectl.Runner.
func (f *Fake) Run(ctx context.Context, args []string) kubectl.Result {
	argv := append([]string{"kubectl"}, args...)
	res := kubectl.Result{Argv: argv, ExitCode: -1}
	if err := kubectl.CheckReadOnly(args); err != nil {
		f.t.Errorf("kubectltest: refused %q: %v", args, err)
		res.Err = err
		return res
	}
	f.mu.Lock()
	r, ok := f.expected[key(args)]
	if ok {
		f.used[key(args)]++
	}
	f.mu.Unlock()
	if !ok {
		f.t.Errorf("kubectltest: unexpected kubectl call %q", args)
		res.Err = fmt.Errorf("kubectltest: unexpected call %q", args)
		return res
	}
	if r.NotFound {
		res.Err = &kubectl.NotFoundError{Path: "kubectl", Err: fmt.Errorf("executable file not found in $PATH")}
		return res
	}
	start := time.Now()
	if r.Delay > 0 {
		tctx := ctx
		if f.Timeout > 0 {
			var cancel context.CancelFunc
			tctx, cancel = context.WithTimeout(ctx, f.Timeout)
			defer cancel()
		}
		select {
		case <-time.After(r.Delay):
		case <-tctx.Done():
			res.Duration = time.Since(start)
			if ctx.Err() == nil {
				res.Err = &kubectl.TimeoutError{Timeout: f.Timeout}
			} else {
				res.Err = fmt.Errorf("kubectl interrupted: %w", ctx.Err())
			}
			return res
		}
	}
	res.Duration = time.Since(start)
	res.Stdout, res.Stderr, res.ExitCode = []byte(r.Stdout), []byte(r.Stderr), r.ExitCode
	if r.ExitCode != 0 {
		res.Err = &kubectl.ExitError{Code: r.ExitCode, Stderr: r.Stderr}
	}
	return res
}

func (f *Fake) verify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	var unused []string
	for k := range f.expected {
		if f.used[k] == 0 {
			unused = append(unused, strings.ReplaceAll(k, "\x00", " "))
		}
	}
	sort.Strings(unused)
	for _, u := range unused {
		f.t.Errorf("kubectltest: expected kubectl call %q was never made", u)
	}
}
