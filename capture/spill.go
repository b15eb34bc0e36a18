package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/internal/atomicfile"
	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/ksnap/ksnap/internal/textutil"
)

// A list call's stdout (100 MB of pods for 10,000 pods) never sits in
// memory: it streams into a spill file in the bundle directory, hashed,
// counted and JSON-checked as it flows, and the bundle writer reads it back
// (bundle.Blob). Spill files are atomicfile temp files
// (.capture-KIND.tmp-PID-RANDOM): bundle.List ignores them (dot files),
// Run removes them on every return, and the next capture's
// atomicfile.CleanStale removes those of a process that died.

// spill is one list call's stdout on its way into a bundle.
type spill struct {
	f     *atomicfile.Temp
	h     hash.Hash
	n     int64 // bytes kubectl printed
	limit int64 // more than this is not kept (bundle.MaxMemberSize)
	werr  error // the spill file could not be written
	json  *jsonCheck
	head  []byte // the first bytes, for the "not valid JSON" message
	sum   string
}

// newSpill creates the spill file of one list call kind in dir.
func newSpill(dir, kind string) (*spill, error) {
	f, err := atomicfile.CreateTemp(filepath.Join(dir, "capture-"+kind), bundle.FileMode)
	if err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	return &spill{f: f, h: sha256.New(), limit: bundle.MaxMemberSize, json: newJSONCheck(jsonlimit.MaxDepth, jsonlimit.MaxString)}, nil
}

// Write implements io.Writer for kubectl's stdout. It never fails, so
// kubectl is always drained: past the member limit nothing more is kept
// (the command fails, see listCommand), and a write error is kept for
// listCommand to report.
func (s *spill) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.werr != nil || s.n > s.limit {
		return len(p), nil
	}
	if _, err := s.f.Write(p); err != nil {
		s.werr = err
		return len(p), nil
	}
	s.h.Write(p)
	s.json.Write(p)
	if len(s.head) < 40 {
		s.head = append(s.head, p[:min(len(p), 40-len(s.head))]...)
	}
	return len(p), nil
}

// spillChunk is how much of kubectl's stdout ReadFrom gathers before it
// writes, hashes and checks it: one write call per MiB instead of one per
// pipe read (32 KiB through io.Copy), at 1 MiB of memory per list call.
const spillChunk = 1 << 20

// ReadFrom implements io.ReaderFrom, so that os/exec's copy of kubectl's
// stdout reads straight into one chunk buffer (no copy through io.Copy's).
// Every chunk goes through Write: the same limits, hash and checks.
func (s *spill) ReadFrom(r io.Reader) (int64, error) {
	growPipe(r)
	buf := make([]byte, spillChunk)
	var total int64
	for {
		k := 0
		var err error
		for k < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[k:])
			k += m
		}
		total += int64(k)
		s.Write(buf[:k])
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// done records the sha256 once kubectl has exited. The spill file is not
// synced: it is read back through the page cache, and only the bundle must
// be durable.
func (s *spill) done() {
	s.sum = hex.EncodeToString(s.h.Sum(nil))
}

// jsonProblem is checkJSON's verdict on what was written.
func (s *spill) jsonProblem() string {
	limit, valid := s.json.problem()
	if limit != nil {
		return "kubectl output is not usable: " + limit.Error()
	}
	if !valid {
		if s.n == 0 {
			return notJSONError(nil)
		}
		return fmt.Sprintf("kubectl output is not valid JSON (%d bytes, starts %q)", s.n, s.head)
	}
	return ""
}

// Size, SHA256 and Open make a spill a bundle.Blob.
func (s *spill) Size() int64    { return s.n }
func (s *spill) SHA256() string { return s.sum }
func (s *spill) Open() (io.ReadCloser, error) {
	return os.Open(s.f.Name())
}

// bytes reads the whole output back (the pods list for the log plan, the
// version document, a redacted capture).
func (s *spill) bytes() ([]byte, error) {
	b, err := os.ReadFile(s.f.Name())
	if err != nil {
		return nil, fmt.Errorf("read back kubectl output: %w", err)
	}
	return b, nil
}

// remove closes and deletes the spill file.
func (s *spill) remove() { s.f.Abort() }

// spills are the spill files of one capture, removed together.
type spills struct {
	dir string
	mu  sync.Mutex
	all []*spill
}

func (ss *spills) create(kind string) (*spill, error) {
	s, err := newSpill(ss.dir, kind)
	if err != nil {
		return nil, err
	}
	ss.mu.Lock()
	ss.all = append(ss.all, s)
	ss.mu.Unlock()
	return s, nil
}

func (ss *spills) removeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, s := range ss.all {
		s.remove()
	}
	ss.all = nil
}

// runList runs one list call with its stdout into a new spill file, and
// records it. A runner that cannot stream (test fakes) is run as usual and
// its stdout copied in. The error is only that no spill file could be made.
func runList(ctx context.Context, r kubectl.Runner, ss *spills, kind, member string, args []string) (kubectl.Result, bundle.Command, *bundle.Member, *spill, error) {
	sp, err := ss.create(kind)
	if err != nil {
		return kubectl.Result{}, bundle.Command{}, nil, nil, err
	}
	var res kubectl.Result
	if sr, ok := r.(kubectl.StreamRunner); ok {
		res = sr.RunStream(ctx, args, sp)
	} else {
		res = r.Run(ctx, args)
		sp.Write(res.Stdout)
		res.Stdout = nil
	}
	sp.done()
	c, m := listCommand(kind, member, res, sp)
	return res, c, m, sp, nil
}

// listCommand is commandFromResult for a list or version call whose
// stdout went to sp: the same statuses, errors and limits.
func listCommand(kind, member string, res kubectl.Result, sp *spill) (bundle.Command, *bundle.Member) {
	c, started := baseCommand(kind, res)
	if res.Err == nil {
		if msg := sp.jsonProblem(); msg != "" {
			c.Status = bundle.StatusFailed
			c.Error = msg
		}
	}
	if !started {
		return c, nil
	}
	printed := max(res.StdoutSize, sp.n)
	if printed > sp.limit || printed > sp.n {
		c.Status = bundle.StatusFailed
		c.Error = fmt.Sprintf("kubectl printed %d bytes, more than the member limit of %d; not kept", printed, sp.limit)
		return c, nil
	}
	if sp.werr != nil {
		c.Status = bundle.StatusFailed
		c.Error = textutil.OneLine("could not keep kubectl output: " + sp.werr.Error())
		return c, nil
	}
	c.Member = member
	return c, &bundle.Member{Name: member, Blob: sp}
}
