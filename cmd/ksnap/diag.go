package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Diagnostics: every warning and error on stderr is one line,
// "ksnap: FILE[:LINE|: member M]: what is wrong", warnings as
// "ksnap: warning: ...". Errors returned by commands are printed by
// exitCode (exit.go); what a command reports and goes on with goes through
// warnf and problemf. slog lines appear only with KSNAP_LOG=debug.

// warnf prints one warning line: "ksnap: warning: " and the message, on
// one line whatever it holds, terminal control characters escaped.
func (e *env) warnf(format string, a ...any) {
	e.clearProgress()
	fmt.Fprintf(e.stderr, "ksnap: warning: %s\n", textutil.Terminal(textutil.OneLine(fmt.Sprintf(format, a...))))
}

// problem prints one line for an error that a command reports and goes on
// with (a bundle of a batch that cannot be read, a corrupt history line):
// "ksnap: " and the error, which names the file.
func (e *env) problem(err error) {
	e.clearProgress()
	fmt.Fprintf(e.stderr, "ksnap: %s\n", textutil.Terminal(textutil.OneLine(err.Error())))
}

// logger returns the debug logger: slog text on stderr without time stamps
// (they would make replayed output differ) with KSNAP_LOG=debug, else a
// logger that discards everything.
func (e *env) logger() *slog.Logger {
	if e.getenv("KSNAP_LOG") != "debug" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// optionFlags maps library option names (rules.OptionError) to the flags
// that set them: libraries never name flags, cmd does.
var optionFlags = map[string]string{
	"PendingAfter": "--pending-after",
	"MaxRuntime":   "--max-runtime",
	"RestartWarn":  "--restart-warn",
}

// flagError rewrites a library error about an option value into one that
// names its flag, as a usage error; other errors are returned as usage
// errors unchanged.
func flagError(err error) error {
	var oe *rules.OptionError
	if errors.As(err, &oe) {
		if f, ok := optionFlags[oe.Option]; ok {
			return usageErrorf("%s %s: %s", f, oe.Value, oe.Problem)
		}
	}
	return &usageError{err}
}

// importFlagError names the flag an unreadable import input was given to:
// "FILE: what is wrong (--jobs)".
func importFlagError(err error) error {
	var ie *capture.ImportError
	if errors.As(err, &ie) {
		return fmt.Errorf("%s: %v (--%s)", ie.Path, ie.Err, ie.Input)
	}
	return err
}
