package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/memstore"
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
	// isTerminal says whether stderr is a terminal, for the progress line;
	// nil means never (tests).
	isTerminal func() bool
	// progName is the base name ksnap runs as: "kubectl-ksnap" makes the
	// usage say "kubectl ksnap".
	progName string

	mu       sync.Mutex
	progress *progress // the line on stderr now, if any
	// verified is the verify cache (verifiedSet), looked up once.
	verified     bundle.VerifiedSet
	verifiedDone bool
}

func newOSEnv() *env {
	return &env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		now:        time.Now,
		kubectl:    func(cfg kubectl.Exec) kubectl.Runner { return &cfg },
		isTerminal: func() bool { return stderrIsTerminal(os.Getenv) },
		progName:   filepath.Base(os.Args[0]),
	}
}

// openHistory opens the history file at path with opts, its diagnostics
// (corrupt lines, a torn tail) printed to stderr as one line each:
// "ksnap: " and the store's message, which names the file and line.
func (e *env) openHistory(path string, opts jsonl.Options) (*jsonl.Store, error) {
	if path == "-" {
		return nil, usageErrorf("--history-file -: standard input is read only by history show and summary; give a file")
	}
	opts.Report = e.problemOnce()
	return jsonl.Open(path, opts)
}

// problemOnce returns e.problem printing each distinct diagnostic once: a
// command may read a history twice (a summary of several targets, or of
// a file out of time order), and the store reports what it meets each
// time.
func (e *env) problemOnce() func(error) {
	var mu sync.Mutex
	printed := map[string]bool{}
	return func(err error) {
		msg := err.Error()
		mu.Lock()
		defer mu.Unlock()
		if !printed[msg] {
			printed[msg] = true
			e.problem(err)
		}
	}
}

// openHistoryReader opens a history for reading: path, or standard input
// when path is "-" (read whole into memory; corrupt lines are reported as
// "-:N", N counting the non-blank lines).
func (e *env) openHistoryReader(ctx context.Context, path string) (history.Store, error) {
	if path != "-" {
		return e.openStore(ctx, path, jsonl.Options{})
	}
	st := memstore.New("-", e.problemOnce())
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), history.MaxLineSize+1)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		rec, err := history.ParseLine(line)
		if err != nil {
			st.AppendCorrupt(err)
			continue
		}
		if _, err := st.Append(ctx, rec); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-: read standard input: %w", err)
	}
	return st, nil
}
