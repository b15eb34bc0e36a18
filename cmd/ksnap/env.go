package main

import (
	"fmt"
	"github.com/ksnap/ksnap/internal/textutil"
	"io"
	"os"
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

// openHistory opens the history file at path with opts, its diagnostics
// (corrupt lines, a torn tail) printed to stderr as one line each:
// "ksnap: " and the store's message, which names the file and line.
func (e *env) openHistory(path string, opts jsonl.Options) (*jsonl.Store, error) {
	opts.Report = func(err error) { fmt.Fprintf(e.stderr, "ksnap: %s\n", textutil.OneLine(err.Error())) }
	return jsonl.Open(path, opts)
}
