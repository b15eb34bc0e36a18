package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultEscalateAfter is J10's default N: a job (or CronJob) ERROR in this
// many consecutive records is escalated.
const DefaultEscalateAfter = 3

// SummaryOptions configure Summarize.
type SummaryOptions struct {
	// Window summarizes only the last Window matching records; 0 means all
	// records (the whole file is streamed). Negative is an error.
	Window int
	Filter Filter
	// EscalateAfter is J10's N; 0 means DefaultEscalateAfter.
	EscalateAfter int
	// Log receives one warning per corrupt line (up to MaxReported); discarded when nil.
	Log *slog.Logger
}

// LevelCounts counts records by overall health.
type LevelCounts struct {
	OK    int `json:"OK"`
	Warn  int `json:"WARN"`
	Error int `json:"ERROR"`
	// Unknown counts UNKNOWN and any value other than OK, WARN and ERROR.
	Unknown int `json:"UNKNOWN"`
}

// Streak is the current run of records with the same overall health.
type Streak struct {
	Level string `json:"level"`
	// Since is the time of the run's first record.
	Since time.Time `json:"since"`
	// Records is the run's length.
	Records int `json:"records"`
}

// Transition is a change of overall health between two consecutive records.
type Transition struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// JobStat is one job's history inside the summarized records.
type JobStat struct {
	Name  string `json:"name"`
	Owner string `json:"owner,omitempty"`
	// Records counts the records the job appears in; Errors those where its
	// health was ERROR.
	Records int `json:"records"`
	Errors  int `json:"errors"`
	// LastHealth and LastPhase are from the job's latest record; LastSeen is
	// that record's time.
	LastHealth string    `json:"last_health"`
	LastPhase  string    `json:"last_phase"`
	LastSeen   time.Time `json:"last_seen"`
	// Health is LastHealth after J11: WARN for a failed job superseded by a
	// later successful job of the same CronJob.
	Health       string `json:"health"`
	SupersededBy string `json:"superseded_by,omitempty"`
}

// Finding is a history-aware rule that fired on the current state.
type Finding struct {
	// Rule is J10 (escalate) or J11 (downgrade).
	Rule string `json:"rule"`
	// Level is ERROR for J10 and WARN for J11.
	Level string `json:"level"`
	// Job is the job concerned; for J10 on a CronJob, its latest job.
	Job string `json:"job"`
	// Owner is the job's CronJob, if any.
	Owner string `json:"owner,omitempty"`
	// Records is, for J10, the number of consecutive ERROR records.
	Records int `json:"records,omitempty"`
	// Since is, for J10, the time of the first record of the ERROR run.
	Since *time.Time `json:"since,omitempty"`
	// SupersededBy is, for J11, the later successful job.
	SupersededBy string `json:"superseded_by,omitempty"`
	Message      string `json:"message"`
}

// Summary describes the summarized records.
type Summary struct {
	// Total is the number of records summarized (all matching records, or
	// the window); never capped.
	Total  int         `json:"total_records"`
	Counts LevelCounts `json:"counts"`
	// First and Last are the first and last records, nil when Total is 0.
	First *Record `json:"-"`
	Last  *Record `json:"-"`
	// Streak is the current run of the last record's level.
	Streak Streak `json:"streak"`
	// LastTransition is the latest change of level; nil if none happened in
	// the summarized records.
	LastTransition *Transition `json:"last_transition"`
	// Jobs lists the jobs with at least one ERROR record, most errors first,
	// then by name.
	Jobs []JobStat `json:"jobs"`
	// Findings are J10 and J11 on the current state, sorted by rule, then job.
	Findings []Finding `json:"findings"`
	Corrupt  Corrupt   `json:"-"`
}

// Summarize streams the history file at path and summarizes the records
// matching opts.Filter: all of them, or the last opts.Window. A missing file
// is an empty history. Corrupt lines are skipped, counted and reported.
//
// With Window 0 the whole file is read forwards, parsed by GOMAXPROCS
// workers in 1 MiB blocks and folded in file order; corrupt lines carry
// their real line numbers. With a window the file is read backwards like
// Load and corrupt lines carry numbers from the end.
func Summarize(path string, opts SummaryOptions) (*Summary, error) {
	if opts.Window < 0 {
		return nil, fmt.Errorf("window %d: %w", opts.Window, ErrBadLimit)
	}
	if opts.EscalateAfter <= 0 {
		opts.EscalateAfter = DefaultEscalateAfter
	}
	fo := newFolder(opts.EscalateAfter)
	if opts.Window > 0 {
		l, err := Load(path, LoadOptions{Limit: opts.Window, Filter: opts.Filter, Log: opts.Log})
		if err != nil {
			return nil, err
		}
		for i := range l.Records {
			fo.add(&l.Records[i])
		}
		s := fo.finish()
		s.Corrupt = l.Corrupt
		return s, nil
	}
	corrupt, err := streamForward(path, &opts, fo)
	if err != nil {
		return nil, err
	}
	s := fo.finish()
	s.Corrupt = corrupt
	return s, nil
}

// SummarizeRecords summarizes records already in memory, in order.
func SummarizeRecords(recs []Record, escalateAfter int) *Summary {
	if escalateAfter <= 0 {
		escalateAfter = DefaultEscalateAfter
	}
	fo := newFolder(escalateAfter)
	for i := range recs {
		fo.add(&recs[i])
	}
	return fo.finish()
}

// block is a run of whole lines handed to a parse worker. Blocks are
// recycled once folded: the records, their job and rule slices and their
// strings (which point into data) must not be kept past the fold, which is
// why the folder clones what it keeps.
type block struct {
	buf        []byte // backing array of data, reused
	data       []byte
	offset     int64 // file offset of data[0]
	lines      int   // number of lines in data, counted by the worker
	terminated bool  // false: data is a final fragment without '\n'
	tooLong    bool  // data is empty; the line it stands for exceeded MaxLineSize
	recs       []Record
	ar         arena
	errs       []LineError // Line counts from 1 at the block's first line
	done       chan struct{}
}

// forwardBlock is the read size of the forward pass: large enough that the
// per-block hand-offs cost nothing, small enough that the blocks in flight
// stay in the caches (4 MiB blocks measured twice as slow as 256 KiB).
const forwardBlock = 1 << 18

// forwardSlack is the granularity of block buffers (see newBlock).
const forwardSlack = 64 << 10

func streamForward(path string, opts *SummaryOptions, fo *folder) (Corrupt, error) {
	var corrupt Corrupt
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return corrupt, nil
	}
	if err != nil {
		return corrupt, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return corrupt, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return corrupt, fmt.Errorf("%s: not a regular file", path)
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *block, workers)
	ordered := make(chan *block, 2*workers)
	// free holds folded blocks for reuse; the reader allocates when it is
	// empty, so at most about len(ordered)+workers+2 blocks ever exist.
	free := make(chan *block, 4*workers)
	stop := make(chan struct{})
	defer close(stop)
	readErr := make(chan error, 1)
	go func() {
		readErr <- splitBlocks(f, path, work, ordered, free, stop)
		close(work)
		close(ordered)
	}()
	for range workers {
		go func() {
			for b := range work {
				parseBlock(b, path, &opts.Filter)
				close(b.done)
			}
		}()
	}
	line := 1 // number of the next block's first line
	for b := range ordered {
		<-b.done
		for _, e := range b.errs {
			e.Line += line - 1
			corrupt.add(e, opts.Log)
		}
		line += b.lines
		for i := range b.recs {
			fo.add(&b.recs[i])
		}
		if len(b.recs) > 0 {
			fo.detach()
		}
		select {
		case free <- b:
		default:
		}
	}
	if err := <-readErr; err != nil {
		return corrupt, err
	}
	return corrupt, nil
}

// newBlock returns a recycled block, or a new one, with a buffer of at
// least n bytes.
func newBlock(free <-chan *block, n int) *block {
	var b *block
	select {
	case b = <-free:
		b.recs, b.errs = b.recs[:0], b.errs[:0]
		b.ar.jobs, b.ar.rules = b.ar.jobs[:0], b.ar.rules[:0]
		b.tooLong, b.lines = false, 0
	default:
		b = &block{}
	}
	if n > 0 && cap(b.buf) < n {
		// Round up with room to spare: the carried-over start of a cut line
		// varies from block to block, and a buffer exactly one block long
		// would be too short for the next one about half the time.
		b.buf = make([]byte, (n+2*forwardSlack-1)/forwardSlack*forwardSlack)
	}
	b.buf = b.buf[:cap(b.buf)]
	b.done = make(chan struct{})
	return b
}

// splitBlocks reads f forwards and sends blocks of whole lines, in order, to
// both channels.
func splitBlocks(f io.Reader, path string, work, ordered chan<- *block, free <-chan *block, stop <-chan struct{}) error {
	send := func(b *block) bool {
		select {
		case ordered <- b:
		case <-stop:
			return false
		}
		select {
		case work <- b:
		case <-stop:
			return false
		}
		return true
	}
	var pending []byte // a copy of the start of a line cut by the last read
	var offset int64   // file offset of pending[0]
	skipping := false  // inside an over-long line
	for {
		b := newBlock(free, len(pending)+forwardBlock)
		data := b.buf[:cap(b.buf)]
		copy(data, pending)
		n, err := io.ReadFull(f, data[len(pending):])
		data = data[:len(pending)+n]
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if skipping {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				offset += int64(len(data))
				pending = pending[:0]
				if eof {
					return nil
				}
				continue
			}
			skipping = false
			offset += int64(i + 1)
			data = data[i+1:]
		}
		cut := bytes.LastIndexByte(data, '\n') + 1
		// Keep the cut line's start before b goes to the workers: once
		// folded, b and its buffer are reused.
		pending = append(pending[:0], data[cut:]...)
		if cut > 0 {
			b.data, b.offset, b.terminated = data[:cut], offset, true
			offset += int64(cut)
			if !send(b) {
				return nil
			}
		}
		if len(pending) > MaxLineSize {
			tb := newBlock(free, 0)
			tb.data, tb.offset, tb.tooLong, tb.terminated = nil, offset, true, true
			if !send(tb) {
				return nil
			}
			offset += int64(len(pending))
			pending = nil
			skipping = true
		}
		if eof {
			if len(pending) > 0 {
				tb := newBlock(free, len(pending))
				tb.data = tb.buf[:copy(tb.buf, pending)]
				tb.offset, tb.terminated = offset, false
				send(tb)
			}
			return nil
		}
	}
}

func parseBlock(b *block, path string, filter *Filter) {
	if b.tooLong {
		b.errs = append(b.errs, LineError{Path: path, Line: 1, Offset: b.offset, Err: ErrLineTooLong})
		b.lines = 1
		return
	}
	data := b.data
	line := 1
	off := b.offset
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		start := off
		off += int64(len(l) + 1)
		n := line
		line++
		if len(l) > MaxLineSize {
			b.errs = append(b.errs, LineError{Path: path, Line: n, Offset: start, Err: ErrLineTooLong})
			continue
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		// Decode straight into the next slot; it is kept only if it matches.
		k := len(b.recs)
		if k == cap(b.recs) {
			b.recs = append(b.recs, Record{})[:k]
		}
		rec := &b.recs[:k+1][k]
		rec.Jobs = nil
		if err := parseIntoArena(rec, l, true, &b.ar); err != nil {
			if !b.terminated {
				err = fmt.Errorf("%w: %v", ErrTorn, err)
			}
			b.errs = append(b.errs, LineError{Path: path, Line: n, Offset: start, Err: err})
			continue
		}
		if filter.Match(rec) {
			b.recs = b.recs[:k+1]
		}
	}
	b.lines = line - 1
}

// jobAcc accumulates one job's history.
type jobAcc struct {
	name, owner           string
	firstIdx, lastIdx     int
	records, errors       int
	lastHealth, lastPhase string
	lastSeen              time.Time
	run                   runAcc // J10 for jobs without a CronJob owner
}

// runAcc is a J10 run: consecutive appearances with ERROR. A record in
// which the job (or CronJob) does not appear neither extends nor breaks it.
type runAcc struct {
	count   int
	since   time.Time
	lastIdx int
	job     string // the job whose health counted last (CronJob runs)
}

func (r *runAcc) observe(idx int, health string, t time.Time, job string) {
	if health == LevelError {
		if r.count == 0 {
			r.since = t
		}
		r.count++
	} else {
		r.count = 0
	}
	r.lastIdx, r.job = idx, job
}

type folder struct {
	n             int
	escalateAfter int
	s             Summary
	first         Record
	firstOwned    bool    // first no longer points into a reader's buffers
	last          *Record // the caller's, until detach copies it
	lastOwned     Record  // detach's copy
	transition    Transition
	hasTransition bool
	jobs          map[string]*jobAcc
	owners        map[string]*runAcc
	latest        []ownerLatest // scratch, per record
	// prev and cur are the accumulators of the previous and current
	// record's jobs, by position: consecutive records mostly list the same
	// jobs in the same order, so a name compare replaces a map look-up.
	prev, cur []*jobAcc
	// lastOwner and lastRun cache the last CronJob's run for the same reason.
	lastOwner string
	lastRun   *runAcc
}

type ownerLatest struct {
	owner string
	job   *jobAcc
	hlth  string
}

func newFolder(escalateAfter int) *folder {
	return &folder{escalateAfter: escalateAfter, jobs: map[string]*jobAcc{}, owners: map[string]*runAcc{}}
}

// detach makes the first and last records own their memory, so the buffers
// the records added so far point into can be reused. Everything else the
// folder keeps is already its own (see keep).
func (fo *folder) detach() {
	if fo.n == 0 {
		return
	}
	if !fo.firstOwned {
		fo.first = cloneRecord(&fo.first)
		fo.firstOwned = true
	}
	fo.lastOwned = cloneRecord(fo.last)
	fo.last = &fo.lastOwned
}

// cloneRecord returns a deep copy of r that shares no memory with it.
func cloneRecord(r *Record) Record {
	c := *r
	for _, p := range []*string{&c.Timestamp, &c.Namespace, &c.Selector, &c.OverallHealth, &c.Bundle, &c.BundleSHA256, &c.Ruleset} {
		*p = strings.Clone(*p)
	}
	if r.RawSnapshot != nil {
		c.RawSnapshot = append(json.RawMessage{}, r.RawSnapshot...)
	}
	if r.Jobs != nil {
		c.Jobs = make([]Job, len(r.Jobs))
		for i, j := range r.Jobs {
			j.Name, j.Phase, j.Health, j.Owner = strings.Clone(j.Name), strings.Clone(j.Phase), strings.Clone(j.Health), strings.Clone(j.Owner)
			if j.Rules != nil {
				rules := make([]string, len(j.Rules))
				for k, code := range j.Rules {
					rules[k] = strings.Clone(code)
				}
				j.Rules = rules
			}
			c.Jobs[i] = j
		}
	}
	return c
}

// keep sets *dst to a string equal to s that does not share s's memory,
// unless *dst already equals s: the common health and phase values become
// constants, anything else a copy.
func keep(dst *string, s string) {
	switch s { // constant compares, inlined
	case LevelOK:
		*dst = LevelOK
	case LevelWarn:
		*dst = LevelWarn
	case LevelError:
		*dst = LevelError
	case LevelUnknown:
		*dst = LevelUnknown
	case "SUCCEEDED":
		*dst = "SUCCEEDED"
	case "FAILED":
		*dst = "FAILED"
	case "RUNNING":
		*dst = "RUNNING"
	case "PENDING":
		*dst = "PENDING"
	case "SUSPENDED":
		*dst = "SUSPENDED"
	default:
		if *dst != s {
			*dst = strings.Clone(s)
		}
	}
}

func (fo *folder) add(r *Record) {
	idx := fo.n
	fo.n++
	s := &fo.s
	s.Total++
	lvl := r.Level()
	switch lvl {
	case LevelOK:
		s.Counts.OK++
	case LevelWarn:
		s.Counts.Warn++
	case LevelError:
		s.Counts.Error++
	default:
		s.Counts.Unknown++
	}
	switch {
	case idx == 0:
		fo.first = *r
		s.Streak = Streak{Level: lvl, Since: r.Time}
	case lvl != s.Streak.Level:
		fo.transition, fo.hasTransition = Transition{From: s.Streak.Level, To: lvl, At: r.Time}, true
		s.Streak = Streak{Level: lvl, Since: r.Time}
	}
	s.Streak.Records++
	fo.last = r

	fo.latest = fo.latest[:0]
	fo.cur = fo.cur[:0]
	for k := range r.Jobs {
		j := &r.Jobs[k]
		var acc *jobAcc
		if k < len(fo.prev) && fo.prev[k].name == j.Name {
			acc = fo.prev[k]
		} else if acc = fo.jobs[j.Name]; acc == nil {
			acc = &jobAcc{name: strings.Clone(j.Name), firstIdx: idx}
			fo.jobs[acc.name] = acc
		}
		fo.cur = append(fo.cur, acc)
		acc.records++
		if j.Health == LevelError {
			acc.errors++
		}
		acc.lastIdx, acc.lastSeen = idx, r.Time
		keep(&acc.lastHealth, j.Health)
		keep(&acc.lastPhase, j.Phase)
		if j.Owner == "" {
			acc.run.observe(idx, j.Health, r.Time, acc.name)
			continue
		}
		if acc.owner != j.Owner {
			acc.owner = strings.Clone(j.Owner)
		}
		// A CronJob's state in a record is its latest job's health.
		found := false
		for i := range fo.latest {
			if fo.latest[i].owner == j.Owner {
				found = true
				if laterJob(acc, fo.latest[i].job) {
					fo.latest[i].job, fo.latest[i].hlth = acc, j.Health
				}
			}
		}
		if !found {
			fo.latest = append(fo.latest, ownerLatest{owner: j.Owner, job: acc, hlth: j.Health})
		}
	}
	fo.prev, fo.cur = fo.cur, fo.prev
	for _, ol := range fo.latest {
		run := fo.lastRun
		if run == nil || fo.lastOwner != ol.owner {
			if run = fo.owners[ol.owner]; run == nil {
				run = &runAcc{}
				fo.owners[ol.job.owner] = run // ol.job.owner == ol.owner, and owned
			}
			fo.lastOwner, fo.lastRun = ol.job.owner, run
		}
		run.observe(idx, ol.hlth, r.Time, ol.job.name)
	}
}

// laterJob reports whether job a was created after job b, judged by when
// each first appeared in the history, then by the numeric suffix CronJob
// controllers give their jobs (<cronjob>-<scheduled minutes>), then by name.
func laterJob(a, b *jobAcc) bool {
	if a.firstIdx != b.firstIdx {
		return a.firstIdx > b.firstIdx
	}
	sa, oka := jobSuffix(a.name)
	sb, okb := jobSuffix(b.name)
	if oka && okb && sa != sb {
		return sa > sb
	}
	return a.name > b.name
}

func jobSuffix(name string) (int64, bool) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(name[i+1:], 10, 64)
	return n, err == nil
}

// succeeded reports whether a job's phase and health say it completed
// successfully.
func succeeded(health, phase string) bool {
	return health == LevelOK && (strings.EqualFold(phase, "succeeded") || strings.EqualFold(phase, "complete"))
}

func (fo *folder) finish() *Summary {
	s := &fo.s
	if s.Total == 0 {
		return s
	}
	first, last := fo.first, *fo.last
	if fo.hasTransition {
		t := fo.transition
		s.LastTransition = &t
	}
	s.First, s.Last = &first, &last
	lastIdx := fo.n - 1

	// J11: per CronJob, its latest successful job.
	bestOK := map[string]*jobAcc{}
	for _, acc := range fo.jobs {
		if acc.owner == "" || !succeeded(acc.lastHealth, acc.lastPhase) {
			continue
		}
		if b := bestOK[acc.owner]; b == nil || laterJob(acc, b) {
			bestOK[acc.owner] = acc
		}
	}
	for _, acc := range fo.jobs {
		st := JobStat{
			Name: acc.name, Owner: acc.owner, Records: acc.records, Errors: acc.errors,
			LastHealth: acc.lastHealth, LastPhase: acc.lastPhase, LastSeen: acc.lastSeen, Health: acc.lastHealth,
		}
		if acc.lastHealth == LevelError && acc.owner != "" {
			if b := bestOK[acc.owner]; b != nil && laterJob(b, acc) {
				st.Health, st.SupersededBy = LevelWarn, b.name
				if acc.lastIdx == lastIdx {
					s.Findings = append(s.Findings, Finding{
						Rule: "J11", Level: LevelWarn, Job: acc.name, Owner: acc.owner, SupersededBy: b.name,
						Message: fmt.Sprintf("failed job %s is superseded by the later successful job %s of CronJob %s: downgraded to WARN", acc.name, b.name, acc.owner),
					})
				}
			}
		}
		if acc.errors > 0 {
			s.Jobs = append(s.Jobs, st)
		}
		if acc.owner == "" && acc.run.lastIdx == lastIdx && acc.run.count >= fo.escalateAfter {
			since := acc.run.since
			s.Findings = append(s.Findings, Finding{
				Rule: "J10", Level: LevelError, Job: acc.name, Records: acc.run.count, Since: &since,
				Message: fmt.Sprintf("job %s is ERROR in %d consecutive records since %s: escalate", acc.name, acc.run.count, since.Format(time.RFC3339)),
			})
		}
	}
	for owner, run := range fo.owners {
		if run.lastIdx == lastIdx && run.count >= fo.escalateAfter {
			since := run.since
			s.Findings = append(s.Findings, Finding{
				Rule: "J10", Level: LevelError, Job: run.job, Owner: owner, Records: run.count, Since: &since,
				Message: fmt.Sprintf("CronJob %s is ERROR in %d consecutive records since %s (latest job %s): escalate", owner, run.count, since.Format(time.RFC3339), run.job),
			})
		}
	}
	sort.Slice(s.Jobs, func(i, j int) bool {
		if s.Jobs[i].Errors != s.Jobs[j].Errors {
			return s.Jobs[i].Errors > s.Jobs[j].Errors
		}
		return s.Jobs[i].Name < s.Jobs[j].Name
	})
	sort.Slice(s.Findings, func(i, j int) bool {
		a, b := s.Findings[i], s.Findings[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Owner != b.Owner {
			return a.Owner < b.Owner
		}
		return a.Job < b.Job
	})
	return s
}
