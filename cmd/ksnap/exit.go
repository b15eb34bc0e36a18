package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ksnap/ksnap/internal/textutil"
)

// Exit codes: one table for every command (Nagios plugin convention for
// verdicts, seed-compatible). Documented in README.md and in each command's
// help under EXIT STATUS.
const (
	exitOK      = 0 // success; analysis OK, or WARN without --strict
	exitWarn    = 1 // analysis WARN with --strict
	exitError   = 2 // analysis ERROR
	exitUnknown = 3 // UNKNOWN verdict, usage error, bad or unreadable input, tool failure
	exitPartial = 4 // capture wrote a bundle, but at least one kubectl command failed
)

// exitStatusHelp is appended to the Long help of every command.
const exitStatusHelp = `
EXIT STATUS
  0  success; verdict OK, or WARN without --strict
  1  verdict WARN with --strict
  2  verdict ERROR
  3  verdict UNKNOWN, usage error, bad or unreadable input, or no bundle written
  4  capture: bundle written, but at least one kubectl command failed (partial)`

// usageError is a bad flag, argument or combination of them.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// exitCodeError carries an exit code chosen by a command after it has
// written its result (a verdict, a partial capture, a failed verification).
// exit.go prints nothing more for it.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// silentExit returns an error that makes ksnap exit with code, printing nothing.
func silentExit(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitCodeError{code: code}
}

// exitCode maps the error returned by the command tree to an exit code and,
// for real failures, prints one line "ksnap: ..." on stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "ksnap: interrupted")
		return exitUnknown
	}
	msg := textutil.OneLine(err.Error())
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "ksnap: %s (see --help)\n", msg)
		return exitUnknown
	}
	fmt.Fprintf(stderr, "ksnap: %s\n", msg)
	return exitUnknown
}
