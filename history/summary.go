package history

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/ksnap/ksnap/analyze/model"
)

// DefaultEscalateAfter is J10's default N: a job (or CronJob) ERROR in this
// many consecutive records is escalated.
const DefaultEscalateAfter = 3

// SummaryOptions configure Summarize.
type SummaryOptions struct {
	// Window summarizes only the last Window matching records; 0 means all
	// records (the whole store is scanned). Negative is an error.
	Window int
	Filter Filter
	// EscalateAfter is J10's N; 0 means DefaultEscalateAfter.
	EscalateAfter int
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

// JobStat is the history of one job without a CronJob inside the
// summarized records. A CronJob's jobs are summarized per CronJob
// (CronJobStat): a CronJob makes a new job name every run.
type JobStat struct {
	Name string `json:"name"`
	// Records counts the records the job appears in; Errors those where its
	// health was ERROR.
	Records int `json:"records"`
	Errors  int `json:"errors"`
	// LastHealth and LastPhase are from the job's latest record; LastSeen is
	// that record's time.
	LastHealth string    `json:"last_health"`
	LastPhase  string    `json:"last_phase"`
	LastSeen   time.Time `json:"last_seen"`
	// Health is LastHealth after the history rules (which, for a job
	// without a CronJob, leave it as it is: J11 needs a CronJob).
	Health string `json:"health"`
	// FailingSince is the time of the first record of the job's current
	// run of ERROR records (nil when its latest record is not ERROR);
	// LastOK the time of its latest OK record (nil when never OK).
	FailingSince *time.Time `json:"failing_since,omitempty"`
	LastOK       *time.Time `json:"last_ok,omitempty"`
	// TopCause is the cause (Job.Cause) the job's records that are not OK
	// name most often (the latest on a tie), in TopCauseRecords of them;
	// TopReason is the latest reason given with it. Empty when no record
	// keeps a cause (older ksnap, the old tool).
	TopCause        string `json:"top_cause,omitempty"`
	TopCauseRecords int    `json:"top_cause_records,omitempty"`
	TopReason       string `json:"top_reason,omitempty"`
}

// CronJobStat is the history of one CronJob (an owner named by its jobs'
// Job.Owner) inside the summarized records. In a record, the CronJob's
// state is its latest job's (the job that first appeared last; then by
// the number CronJob controllers end job names with, then by name), as
// J10 judges it: an older failed job that lingers beside a later one does
// not make the CronJob ERROR.
type CronJobStat struct {
	Name string `json:"name"`
	// Jobs counts the CronJob's distinct jobs in the records (one that
	// comes back after missing from childHorizon of the CronJob's records
	// counts again); FailedJobs those with at least one ERROR record.
	Jobs       int `json:"jobs"`
	FailedJobs int `json:"failed_jobs"`
	// Records counts the records that list a job of it; Errors those
	// where its latest job was ERROR.
	Records int `json:"records"`
	Errors  int `json:"errors"`
	// LatestJob is its latest job in its latest record, with that job's
	// LastHealth and LastPhase there; LastSeen is that record's time.
	LatestJob  string    `json:"latest_job"`
	LastHealth string    `json:"last_health"`
	LastPhase  string    `json:"last_phase"`
	LastSeen   time.Time `json:"last_seen"`
	// Health is LastHealth after J11: WARN when the latest job failed and
	// a later job of the CronJob succeeded (SupersededBy, a job no longer
	// in the latest record).
	Health       string `json:"health"`
	SupersededBy string `json:"superseded_by,omitempty"`
	// LatestSucceeded is its latest job whose latest record shows it
	// completed successfully (J11's reference), empty when none did.
	LatestSucceeded string `json:"latest_succeeded,omitempty"`
	// FailingSince, LastOK and the top cause are as for a job (JobStat),
	// over the CronJob's state in each record.
	FailingSince    *time.Time `json:"failing_since,omitempty"`
	LastOK          *time.Time `json:"last_ok,omitempty"`
	TopCause        string     `json:"top_cause,omitempty"`
	TopCauseRecords int        `json:"top_cause_records,omitempty"`
	TopReason       string     `json:"top_reason,omitempty"`
}

// Target is what a record judged: its cluster ("" for none), namespace
// and selector. Streaks and transitions only mean something per target.
type Target struct {
	Cluster   string `json:"cluster,omitempty"`
	Namespace string `json:"namespace"`
	Selector  string `json:"selector"`
}

// Target returns r's target (its strings are r's).
func (r *Record) Target() Target {
	return Target{Cluster: r.Cluster, Namespace: r.Namespace, Selector: r.Selector}
}

func (t Target) clone() Target {
	return Target{Cluster: strings.Clone(t.Cluster), Namespace: strings.Clone(t.Namespace), Selector: strings.Clone(t.Selector)}
}

// Compare orders targets by cluster, namespace, then selector.
func (t Target) Compare(u Target) int {
	return cmp.Or(strings.Compare(t.Cluster, u.Cluster), strings.Compare(t.Namespace, u.Namespace), strings.Compare(t.Selector, u.Selector))
}

// TargetSummary is the summary of one target's records.
type TargetSummary struct {
	Target  Target
	Summary *Summary
}

// Finding is a history-aware rule that fired on the current state.
type Finding struct {
	// Rule is J10 (escalate) or J11 (downgrade).
	Rule string `json:"rule"`
	// Level is the rule's level (RuleEscalate: ERROR, RuleSuperseded: WARN),
	// the analyzer's Level type: it encodes as "ERROR" / "WARN".
	Level model.Level `json:"level"`
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
	// Jobs lists the jobs without a CronJob that have at least one ERROR
	// record, most errors first, then by name.
	Jobs []JobStat `json:"jobs"`
	// CronJobs lists the CronJobs one of whose jobs has an ERROR record,
	// most errors first, then by name.
	CronJobs []CronJobStat `json:"cronjobs"`
	// Findings are J10 and J11 on the current state, sorted by rule, then job.
	Findings []Finding `json:"findings"`
	Corrupt  Corrupt   `json:"-"`
	// Targets are the summaries of each target's records alone, sorted by
	// cluster, namespace and selector (one when every record has the same
	// target, none when there is no record). Their own Targets are nil and
	// Corrupt is zero.
	Targets []TargetSummary `json:"-"`
}

// Summarize folds the records of st matching opts.Filter into a summary:
// all of them (st.Scan), or the last opts.Window in store order (st.Tail),
// in order of capture time (store order among equal times), as a whole
// and per target (Summary.Targets). With Filter.Job, only that job (or the
// runs of that CronJob) is folded into the job statistics and the history
// rules. The corrupt entries the store met are in the summary's Corrupt;
// the store reports them as they are met.
//
// A store in time order holding one target is read once, streaming; one
// with several targets is read a second time for them; one out of time
// order is read again into memory and sorted (SortByTime). The fold keeps
// nothing that points into a record passed by Scan: it clones the first
// record and copies the last one into memory of its own. Its memory does
// not grow with the records read (folder): per target, one accumulator per
// job without a CronJob, per CronJob, and per job of a CronJob seen in the
// CronJob's last childHorizon records.
func Summarize(ctx context.Context, st Store, opts SummaryOptions) (*Summary, error) {
	if opts.Window < 0 {
		return nil, fmt.Errorf("window %d: %w", opts.Window, ErrBadLimit)
	}
	if opts.EscalateAfter <= 0 {
		opts.EscalateAfter = DefaultEscalateAfter
	}
	if opts.Window > 0 {
		l, err := st.Tail(ctx, opts.Window, opts.Filter)
		if err != nil {
			return nil, err
		}
		s := summarize(l.Records, opts.EscalateAfter, opts.Filter.Job)
		s.Corrupt = l.Corrupt
		return s, nil
	}
	fo := newFolder(opts.EscalateAfter, opts.Filter.Job)
	var first Target
	var prev time.Time
	multi, unordered := false, false
	corrupt, err := st.Scan(ctx, opts.Filter, func(r *Record) error {
		switch {
		case fo.n == 0:
			first = r.Target().clone()
		case r.Time.Before(prev):
			unordered = true
		}
		if !multi && fo.n > 0 && r.Target() != first {
			multi = true
		}
		prev = r.Time
		fo.add(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var s *Summary
	switch {
	case unordered:
		var recs []Record
		if _, err := st.Scan(ctx, opts.Filter, func(r *Record) error {
			recs = append(recs, r.Clone())
			return nil
		}); err != nil {
			return nil, err
		}
		s = summarize(recs, opts.EscalateAfter, opts.Filter.Job)
	case multi:
		s = fo.finish()
		folders := map[Target]*folder{}
		var last *folder
		var lastT Target
		if _, err := st.Scan(ctx, opts.Filter, func(r *Record) error {
			if t := r.Target(); last == nil || t != lastT {
				if last = folders[t]; last == nil {
					t = t.clone()
					last = newFolder(opts.EscalateAfter, opts.Filter.Job)
					folders[t] = last
				}
				lastT = t
			}
			last.add(r)
			return nil
		}); err != nil {
			return nil, err
		}
		for t, f := range folders {
			s.Targets = append(s.Targets, TargetSummary{Target: t, Summary: f.finish()})
		}
		sortTargets(s.Targets)
	default:
		s = fo.finish()
		s.setSingleTarget(first)
	}
	s.Corrupt = corrupt
	return s, nil
}

// SummarizeRecords summarizes records already in memory, as Summarize
// does: in order of capture time (recs' order among equal times; recs
// itself is not reordered), as a whole and per target.
func SummarizeRecords(recs []Record, escalateAfter int) *Summary {
	if escalateAfter <= 0 {
		escalateAfter = DefaultEscalateAfter
	}
	return summarize(recs, escalateAfter, "")
}

// summarize is SummarizeRecords with the job filter.
func summarize(recs []Record, escalateAfter int, job string) *Summary {
	if !slices.IsSortedFunc(recs, func(a, b Record) int { return a.Time.Compare(b.Time) }) {
		recs = slices.Clone(recs)
		SortByTime(recs)
	}
	fo := newFolder(escalateAfter, job)
	byTarget := map[Target][]int{}
	for i := range recs {
		fo.add(&recs[i])
		t := recs[i].Target()
		byTarget[t] = append(byTarget[t], i)
	}
	s := fo.finish()
	if len(byTarget) == 1 {
		s.setSingleTarget(recs[0].Target().clone())
		return s
	}
	for t, idx := range byTarget {
		f := newFolder(escalateAfter, job)
		for _, i := range idx {
			f.add(&recs[i])
		}
		s.Targets = append(s.Targets, TargetSummary{Target: t.clone(), Summary: f.finish()})
	}
	sortTargets(s.Targets)
	return s
}

// setSingleTarget makes s's one target t, summarized as s itself.
func (s *Summary) setSingleTarget(t Target) {
	if s.Total == 0 {
		return
	}
	c := *s
	s.Targets = []TargetSummary{{Target: t, Summary: &c}}
}

func sortTargets(ts []TargetSummary) {
	slices.SortFunc(ts, func(a, b TargetSummary) int { return a.Target.Compare(b.Target) })
}

// childHorizon is how many records of its CronJob in a row a job of that
// CronJob must be missing from before its accumulator is folded into the
// CronJob's (folder.sweep): a CronJob makes a new job every run, and its
// old jobs, deleted by the CronJob's history limits, do not come back. A
// job that does come back after that counts as a new one (CronJobStat.Jobs,
// and J11's "later" judges it by its new first appearance).
const childHorizon = 16

// jobAcc accumulates one job's history. A job of a CronJob (oacc set)
// keeps only what the last record, J11 and its CronJob's row need; the
// rest (failing since, last OK, causes, J10) is its CronJob's.
type jobAcc struct {
	name, owner           string
	oacc                  *ownerAcc // its CronJob's, when owner is set
	firstIdx, lastIdx     int
	ownerSeen             int // oacc.records when it was last seen
	records, errors       int
	failedCounted         bool // counted in oacc.failedJobs
	lastHealth, lastPhase string
	lastSeen              time.Time
	rules                 []string // the job's rules in its latest record (owned, never written into)
	run                   runAcc   // J10 for jobs without a CronJob owner
	lastCause, lastReason string   // of its latest record (owned)
	failingSince, lastOK  time.Time
	causes                causeSet // the causes of its records that are not OK
}

func (acc *jobAcc) ref() jobRef { return jobRef{name: acc.name, firstIdx: acc.firstIdx} }

// jobRef names a job and the index of the record it first appeared in:
// what laterJob compares.
type jobRef struct {
	name     string
	firstIdx int
}

// ownerAcc accumulates one CronJob's history: its state in each record
// (its latest job's), J10's run, and what remains of its jobs folded
// away (their count, and the latest successful one for J11).
type ownerAcc struct {
	name                  string // owned
	run                   runAcc // J10
	records, errors       int
	lastSeen              time.Time
	latest                jobRef // its latest job in its latest record
	lastHealth, lastPhase string
	failingSince, lastOK  time.Time
	causes                causeSet
	jobs, failedJobs      int
	// bestOK is the latest successful job among those folded (hasBestOK);
	// finish adds the live ones.
	bestOK    jobRef
	hasBestOK bool
}

// observe counts the CronJob's state in record idx at t: its latest job
// acc there, whose health in it is health.
func (oa *ownerAcc) observe(idx int, t time.Time, acc *jobAcc, health string) {
	oa.run.observe(idx, health, t, acc.name)
	oa.records++
	oa.lastSeen, oa.latest = t, acc.ref()
	keep(&oa.lastHealth, health)
	oa.lastPhase = acc.lastPhase // owned by acc
	switch health {
	case LevelError:
		oa.errors++
		if oa.failingSince.IsZero() {
			oa.failingSince = t
		}
	case LevelOK:
		oa.lastOK = t
		oa.failingSince = time.Time{}
	default:
		oa.failingSince = time.Time{}
	}
	if health != LevelOK {
		oa.causes.note(idx, acc.lastCause, acc.lastReason)
	}
}

// noteOK makes acc the CronJob's best successful job if it completed
// successfully and is later than the best so far.
func (oa *ownerAcc) noteOK(acc *jobAcc) {
	if succeeded(acc.lastHealth, acc.lastPhase) && (!oa.hasBestOK || laterJob(acc.ref(), oa.bestOK)) {
		oa.bestOK, oa.hasBestOK = acc.ref(), true
	}
}

// causeSet counts the causes of records that are not OK.
type causeSet []causeAcc

// causeAcc counts one cause of a job's records.
type causeAcc struct {
	code, reason string // owned; reason is the latest given with code
	records      int
	lastIdx      int
}

// note counts cause (with reason) in record idx; code and reason are
// owned strings (an accumulator's), kept as they are.
func (cs *causeSet) note(idx int, code, reason string) {
	if code == "" {
		return
	}
	for i := range *cs {
		c := &(*cs)[i]
		if c.code == code {
			c.records++
			c.lastIdx = idx
			c.reason = reason
			return
		}
	}
	*cs = append(*cs, causeAcc{code: code, reason: reason, records: 1, lastIdx: idx})
}

// top is the cause counted most often, the latest on a tie.
func (cs causeSet) top() *causeAcc {
	var top *causeAcc
	for i := range cs {
		c := &cs[i]
		if top == nil || c.records > top.records || (c.records == top.records && c.lastIdx > top.lastIdx) {
			top = c
		}
	}
	return top
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

// folder folds records into a Summary. Its memory is one accumulator per
// job without a CronJob, one per CronJob, and one per job of a CronJob
// seen in the CronJob's last childHorizon records (or a few more: the
// sweep that folds the others away runs every so often): it does not grow
// with the number of records or of a CronJob's runs.
type folder struct {
	n             int
	escalateAfter int
	job           Filter // only its Job: the jobs folded (Filter.jobMatch)
	s             Summary
	first         Record // a clone of the first record
	last          lastCopy
	transition    Transition
	hasTransition bool
	jobs          map[string]*jobAcc
	owners        map[string]*ownerAcc
	horizon       int           // childHorizon (tests change it)
	nextSweep     int           // fo.n at which sweep runs next
	latest        []ownerLatest // scratch, per record
	// prev and cur are the accumulators of the previous and current
	// record's jobs, by position: consecutive records mostly list the same
	// jobs in the same order, so a name compare replaces a map look-up.
	prev, cur []*jobAcc
}

type ownerLatest struct {
	job  *jobAcc
	hlth string
}

func newFolder(escalateAfter int, job string) *folder {
	return &folder{escalateAfter: escalateAfter, job: Filter{Job: job}, jobs: map[string]*jobAcc{}, owners: map[string]*ownerAcc{}, horizon: childHorizon, nextSweep: childHorizon}
}

// owner returns the accumulator of CronJob name, created when new.
func (fo *folder) owner(name string) *ownerAcc {
	oa := fo.owners[name]
	if oa == nil {
		oa = &ownerAcc{name: strings.Clone(name)}
		fo.owners[oa.name] = oa
	}
	return oa
}

// sweep folds the jobs of CronJobs that have been missing from the last
// childHorizon (or more) records of their CronJob into the CronJob's
// accumulator. None of the last record's jobs (fo.prev) goes, not even
// one listed there without its CronJob. The next sweep is as many records away as accumulators
// remain (at least childHorizon), so sweeping costs O(1) per record.
func (fo *folder) sweep() {
	for name, acc := range fo.jobs {
		if oa := acc.oacc; oa != nil && oa.records-acc.ownerSeen > fo.horizon && acc.lastIdx < fo.n-1 {
			oa.noteOK(acc)
			delete(fo.jobs, name)
		}
	}
	fo.nextSweep = fo.n + max(fo.horizon, len(fo.jobs))
}

// lastCopy holds what the fold needs to give the last record added, in
// memory of its own that it reuses from record to record: finish clones it
// once. A Clone per record (a dozen allocations) would cost a
// million-record scan about as much as the fold itself, so only what
// differs from record to record (timestamp, bundle, hash) is copied, into
// buf; namespace, selector, ruleset and overall health are owned strings
// kept while they repeat; and the jobs are not copied at all: the last
// record's job accumulators (the folder's prev) hold their name, owner,
// phase, health and rules as of that record. Only an irregular record (a
// job listed twice, or a job without owner whose accumulator has one)
// gets its jobs cloned.
type lastCopy struct {
	rec                      Record // Jobs unset
	buf                      []byte // strings and raw snapshot of rec, overwritten by the next set
	ns, sel, ruleset, health string // owned
	jobsNil                  bool
	irregular                bool
	jobs                     []Job // the irregular record's jobs, cloned
}

// str returns a string equal to s in c.buf. A reallocation of buf leaves
// the strings made before it in the old array, which nothing writes again.
func (c *lastCopy) str(s string) string {
	if len(s) == 0 {
		return ""
	}
	start := len(c.buf)
	c.buf = append(c.buf, s...)
	return unsafe.String(&c.buf[start], len(s))
}

// set makes c a copy of r, whose jobs' copies add has put in c.jobs.
func (c *lastCopy) set(r *Record) {
	c.buf = c.buf[:0]
	if c.ns != r.Namespace {
		c.ns = strings.Clone(r.Namespace)
	}
	if c.sel != r.Selector {
		c.sel = strings.Clone(r.Selector)
	}
	if c.ruleset != r.Ruleset {
		c.ruleset = strings.Clone(r.Ruleset)
	}
	keep(&c.health, r.OverallHealth)
	d := &c.rec
	c.buf = slices.Grow(c.buf, len(r.Timestamp)+len(r.Bundle)+len(r.BundleSHA256)+len(r.RawSnapshot))
	setStr(&d.Timestamp, c.str(r.Timestamp))
	d.Time = r.Time
	setStr(&d.Namespace, c.ns)
	setStr(&d.Selector, c.sel)
	setStr(&d.OverallHealth, c.health)
	d.JobsOK, d.JobsWarn, d.JobsError = r.JobsOK, r.JobsWarn, r.JobsError
	switch {
	case r.RawSnapshot == nil:
		d.RawSnapshot = nil
	default:
		start := len(c.buf)
		c.buf = append(c.buf, r.RawSnapshot...)
		d.RawSnapshot = json.RawMessage(c.buf[start:len(c.buf):len(c.buf)])
	}
	d.SchemaVersion = r.SchemaVersion
	setStr(&d.Bundle, c.str(r.Bundle))
	setStr(&d.BundleSHA256, c.str(r.BundleSHA256))
	setStr(&d.Ruleset, c.ruleset)
	d.CaptureErrors, d.WarningEvents = r.CaptureErrors, r.WarningEvents
	c.jobsNil = r.Jobs == nil
	setStr(&d.Cluster, c.str(r.Cluster))
	if len(r.Options) > 0 || d.Options != nil {
		d.Options = d.Options[:0]
		for _, o := range r.Options {
			d.Options = append(d.Options, Option{Key: c.str(o.Key), Value: c.str(o.Value)})
		}
		if len(d.Options) == 0 {
			d.Options = nil
		}
	}
}

// record returns a clone of the last record; accs are its jobs'
// accumulators, by position.
func (c *lastCopy) record(accs []*jobAcc) Record {
	r := c.rec
	switch {
	case c.jobsNil:
	case c.irregular:
		r.Jobs = c.jobs
	default:
		r.Jobs = make([]Job, len(accs))
		for k, acc := range accs {
			r.Jobs[k] = Job{Name: acc.name, Phase: acc.lastPhase, Health: acc.lastHealth, Rules: acc.rules, Owner: acc.owner,
				Cause: acc.lastCause, Reason: acc.lastReason}
		}
	}
	return r.Clone()
}

// same reports whether a and b are the same string in memory.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// setStr sets *dst to s unless it already is that very string. Most
// records repeat the strings of the one before (the owned ones, and buf's
// at the same offsets), and a pointer store the fold can skip is a GC write
// barrier saved, per field and record of a million-record scan.
func setStr(dst *string, s string) {
	if !same(*dst, s) {
		*dst = s
	}
}

// keepRules sets acc.rules to a slice equal to rules (nil for nil) that
// the accumulator owns: the one it kept from the job's record before when
// equal, else a new copy.
func (acc *jobAcc) keepRules(rules []string) {
	if rules == nil {
		acc.rules = nil
		return
	}
	if acc.rules == nil || len(acc.rules) != len(rules) {
		acc.rules = cloneStrings(rules)
		return
	}
	for i := range rules {
		if acc.rules[i] != rules[i] {
			acc.rules = cloneStrings(rules)
			return
		}
	}
}

func cloneStrings(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Clone(s)
	}
	return out[:len(out):len(out)]
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
	s.Counts.add(lvl)
	switch {
	case idx == 0:
		fo.first = r.Clone()
		s.Streak = Streak{Level: lvl, Since: r.Time}
	case lvl != s.Streak.Level:
		fo.transition, fo.hasTransition = Transition{From: s.Streak.Level, To: lvl, At: r.Time}, true
		s.Streak = Streak{Level: lvl, Since: r.Time}
	}
	s.Streak.Records++

	fo.latest = fo.latest[:0]
	fo.cur = fo.cur[:0]
	irregular := false
	for k := range r.Jobs {
		j := &r.Jobs[k]
		if !fo.job.jobMatch(j) {
			irregular = true // the last record's jobs are not its accumulators'
			continue
		}
		var acc *jobAcc
		if k < len(fo.prev) && fo.prev[k].name == j.Name {
			acc = fo.prev[k]
		} else if acc = fo.jobs[j.Name]; acc == nil {
			acc = &jobAcc{name: strings.Clone(j.Name), firstIdx: idx}
			fo.jobs[acc.name] = acc
		}
		if acc.records > 0 && acc.lastIdx == idx {
			irregular = true // listed twice
		}
		fo.cur = append(fo.cur, acc)
		acc.records++
		if j.Health == LevelError {
			acc.errors++
		}
		acc.lastIdx, acc.lastSeen = idx, r.Time
		keep(&acc.lastHealth, j.Health)
		keep(&acc.lastPhase, j.Phase)
		if j.Rules != nil || acc.rules != nil {
			acc.keepRules(j.Rules)
		}
		if acc.lastCause != j.Cause {
			acc.lastCause = strings.Clone(j.Cause)
		}
		if acc.lastReason != j.Reason {
			acc.lastReason = strings.Clone(j.Reason)
		}
		if j.Owner == "" {
			if acc.owner != "" {
				irregular = true
			}
			switch j.Health {
			case LevelError:
				if acc.failingSince.IsZero() {
					acc.failingSince = r.Time
				}
			case LevelOK:
				acc.lastOK = r.Time
				acc.failingSince = time.Time{}
			default:
				acc.failingSince = time.Time{}
			}
			if j.Health != LevelOK {
				acc.causes.note(idx, acc.lastCause, acc.lastReason)
			}
			acc.run.observe(idx, j.Health, r.Time, acc.name)
			continue
		}
		if acc.owner != j.Owner {
			acc.owner = strings.Clone(j.Owner)
			acc.oacc = fo.owner(acc.owner)
			acc.oacc.jobs++
			acc.failedCounted = false
		}
		oa := acc.oacc
		if acc.errors > 0 && !acc.failedCounted {
			oa.failedJobs++
			acc.failedCounted = true
		}
		acc.ownerSeen = oa.records
		// A CronJob's state in a record is its latest job's health.
		found := false
		for i := range fo.latest {
			if fo.latest[i].job.oacc == oa {
				found = true
				if laterJob(acc.ref(), fo.latest[i].job.ref()) {
					fo.latest[i].job, fo.latest[i].hlth = acc, j.Health
				}
			}
		}
		if !found {
			fo.latest = append(fo.latest, ownerLatest{job: acc, hlth: j.Health})
		}
	}
	fo.last.set(r)
	if fo.last.irregular = irregular; irregular {
		c := r.Clone()
		fo.last.jobs = c.Jobs
	}
	fo.prev, fo.cur = fo.cur, fo.prev
	for _, ol := range fo.latest {
		ol.job.oacc.observe(idx, r.Time, ol.job, ol.hlth)
	}
	if fo.n >= fo.nextSweep {
		fo.sweep()
	}
}

// laterJob reports whether job a was created after job b, judged by when
// each first appeared in the history, then by the numeric suffix CronJob
// controllers give their jobs (<cronjob>-<scheduled minutes>), then by name.
func laterJob(a, b jobRef) bool {
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

// finish ends the fold (it folds the live jobs' J11 state into their
// CronJobs) and returns the summary.
func (fo *folder) finish() *Summary {
	s := &fo.s
	if s.Total == 0 {
		return s
	}
	first, last := fo.first, fo.last.record(fo.prev)
	if fo.hasTransition {
		t := fo.transition
		s.LastTransition = &t
	}
	s.First, s.Last = &first, &last
	lastIdx := fo.n - 1

	// J11: per CronJob, its latest successful job, folded or live.
	for _, acc := range fo.jobs {
		if acc.oacc != nil {
			acc.oacc.noteOK(acc)
		}
	}
	for _, acc := range fo.jobs {
		if oa := acc.oacc; oa != nil {
			if acc.lastHealth == LevelError && acc.lastIdx == lastIdx && oa.hasBestOK && laterJob(oa.bestOK, acc.ref()) {
				s.Findings = append(s.Findings, RuleSuperseded.finding(Finding{
					Job: acc.name, Owner: acc.owner, SupersededBy: oa.bestOK.name,
					Message: fmt.Sprintf("failed job %s is superseded by the later successful job %s of CronJob %s: downgraded to WARN", acc.name, oa.bestOK.name, acc.owner),
				}))
			}
			continue
		}
		if acc.errors > 0 { // only these are listed: no allocation for the others
			st := JobStat{
				Name: acc.name, Records: acc.records, Errors: acc.errors,
				LastHealth: acc.lastHealth, LastPhase: acc.lastPhase, LastSeen: acc.lastSeen, Health: acc.lastHealth,
			}
			st.FailingSince, st.LastOK = optTime(acc.failingSince), optTime(acc.lastOK)
			if c := acc.causes.top(); c != nil {
				st.TopCause, st.TopCauseRecords, st.TopReason = c.code, c.records, c.reason
			}
			s.Jobs = append(s.Jobs, st)
		}
		if acc.run.lastIdx == lastIdx && acc.run.count >= fo.escalateAfter {
			since := acc.run.since
			s.Findings = append(s.Findings, RuleEscalate.finding(Finding{
				Job: acc.name, Records: acc.run.count, Since: &since,
				Message: fmt.Sprintf("job %s is ERROR in %d consecutive records since %s: escalate", acc.name, acc.run.count, since.Format(time.RFC3339)),
			}))
		}
	}
	for owner, oa := range fo.owners {
		if run := &oa.run; run.lastIdx == lastIdx && run.count >= fo.escalateAfter {
			since := run.since
			s.Findings = append(s.Findings, RuleEscalate.finding(Finding{
				Job: run.job, Owner: owner, Records: run.count, Since: &since,
				Message: fmt.Sprintf("CronJob %s is ERROR in %d consecutive records since %s (latest job %s): escalate", owner, run.count, since.Format(time.RFC3339), run.job),
			}))
		}
		if oa.failedJobs == 0 || oa.records == 0 {
			continue
		}
		st := CronJobStat{
			Name: oa.name, Jobs: oa.jobs, FailedJobs: oa.failedJobs, Records: oa.records, Errors: oa.errors,
			LatestJob: oa.latest.name, LastHealth: oa.lastHealth, LastPhase: oa.lastPhase, LastSeen: oa.lastSeen, Health: oa.lastHealth,
			FailingSince: optTime(oa.failingSince), LastOK: optTime(oa.lastOK),
		}
		if oa.hasBestOK {
			st.LatestSucceeded = oa.bestOK.name
			if oa.lastHealth == LevelError && laterJob(oa.bestOK, oa.latest) {
				st.Health, st.SupersededBy = LevelWarn, oa.bestOK.name
			}
		}
		if c := oa.causes.top(); c != nil {
			st.TopCause, st.TopCauseRecords, st.TopReason = c.code, c.records, c.reason
		}
		s.CronJobs = append(s.CronJobs, st)
	}
	slices.SortFunc(s.Jobs, func(a, b JobStat) int {
		return cmp.Or(cmp.Compare(b.Errors, a.Errors), strings.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.CronJobs, func(a, b CronJobStat) int {
		return cmp.Or(cmp.Compare(b.Errors, a.Errors), strings.Compare(a.Name, b.Name))
	})
	slices.SortFunc(s.Findings, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Owner, b.Owner), strings.Compare(a.Job, b.Job))
	})
	return s
}

// optTime is &t, or nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
