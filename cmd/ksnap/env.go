package main

import (
	"fmt"
	"github.com/ksnap/ksnap/internal/textutil"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history/jsonl"
)

// env carries every dependency a command may use, so tests can run the whole
// CLI in-process with fakes.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// now is used only to stamp captures; analysis never reads it.
	now func() time.Time
	// kubectl builds the runner from the connection flags. It is called
	// lazily, only by commands that talk to a cluster.
	kubectl func(cfg kubectl.Exec) kubectl.Runner
}

func newOSEnv() *env {
	return &env{
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		now:     time.Now,
		kubectl: func(cfg kubectl.Exec) kubectl.Runner { return &cfg },
	}
}

// logger returns the diagnostics logger: plain text on stderr, no time stamps
// (they would make replayed output differ), level from KSNAP_LOG (debug,
// info, warn; default warn).
func (e *env) logger() *slog.Logger {
	level := slog.LevelWarn
	switch e.getenv("KSNAP_LOG") {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// openHistory opens the history file at path with opts, its diagnostics
// (corrupt lines, a torn tail) printed to stderr as one line each:
// "ksnap: " and the store's message, which names the file and line. Each
// is printed once, though a command may read the file twice (a summary of
// several targets, or of a file out of time order).
func (e *env) openHistory(path string, opts jsonl.Options) (*jsonl.Store, error) {
	var mu sync.Mutex
	printed := map[string]bool{}
	opts.Report = func(err error) {
		msg := textutil.OneLine(err.Error())
		mu.Lock()
		defer mu.Unlock()
		if !printed[msg] {
			printed[msg] = true
			fmt.Fprintf(e.stderr, "ksnap: %s\n", msg)
		}
	}
	return jsonl.Open(path, opts)
}
