package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// progressDelay is how long work runs before a progress line appears:
// short work never shows one.
var progressDelay = time.Second

// progress is one status line on stderr, "ksnap: WHAT N/M (Ts)", redrawn in
// place while work runs. It appears only when stderr is a terminal (never in
// pipes, files or CI: env.isTerminal) and only after progressDelay; end
// erases it. Warnings printed meanwhile erase it first (env.warnf).
type progress struct {
	e     *env
	what  string
	total int
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup

	mu    sync.Mutex
	done  int
	shown bool
	last  string
}

// startProgress starts the line for work on total items (0: a single
// step, shown with its elapsed time only). It returns nil, which every
// method accepts, when stderr is not a terminal.
func (e *env) startProgress(what string, total int) *progress {
	if e.isTerminal == nil || !e.isTerminal() {
		return nil
	}
	p := &progress{e: e, what: what, total: total, start: time.Now(), stop: make(chan struct{})}
	e.mu.Lock()
	e.progress = p
	e.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

// set records that done items are finished, and erases the line: the
// caller may now write the item's output (stdout may be the same
// terminal); the next tick redraws it below.
func (p *progress) set(done int) {
	if p == nil {
		return
	}
	p.clear()
	p.mu.Lock()
	p.done = done
	p.mu.Unlock()
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	el := time.Since(p.start)
	if el < progressDelay {
		return
	}
	count := ""
	if p.total > 0 {
		count = fmt.Sprintf(" %d/%d", p.done, p.total)
	}
	line := fmt.Sprintf("\rksnap: %s%s (%ds)\x1b[K", p.what, count, int(el.Seconds()))
	if p.shown && line == p.last {
		return
	}
	fmt.Fprint(p.e.stderr, line)
	p.shown, p.last = true, line
}

// clear erases the line if it is shown; the next tick redraws it.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.e.stderr, "\r\x1b[K")
		p.shown = false
	}
}

// end stops the line and erases it.
func (p *progress) end() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.clear()
	p.e.mu.Lock()
	if p.e.progress == p {
		p.e.progress = nil
	}
	p.e.mu.Unlock()
}

// clearProgress erases the progress line, if any, before a diagnostic.
func (e *env) clearProgress() {
	e.mu.Lock()
	p := e.progress
	e.mu.Unlock()
	p.clear()
}

// stderrIsTerminal reports whether stderr is a terminal a person watches:
// a character device, TERM not "dumb", and not under CI ($CI set).
func stderrIsTerminal(getenv func(string) string) bool {
	if getenv("CI") != "" || getenv("TERM") == "dumb" {
		return false
	}
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
