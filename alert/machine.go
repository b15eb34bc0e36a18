// Package alert owns ksnap's transition alerts: the state machine that turns
// a health history into firing and resolved transitions per key (cluster,
// namespace, owner), the delivery ledger that makes each transition reach
// each sink at most once and never get lost, the run that sends pending
// transitions through sinks, and the alert config file.
//
// The state machine is a deterministic function of the history records (in
// capture-time order) and the options: it never reads the wall clock. The
// ledger decides what is still pending per sink. This package never
// imports a concrete sink (notify/*), never prints, never calls os.Exit and
// never imports cobra; secrets (URLs, tokens) never enter its values.
package alert

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/history"
)

// Alert names, the alertname label.
const (
	// NameJob is the alert of one owner (CronJob or Job) in ERROR (or WARN
	// with the warn threshold).
	NameJob = "KsnapJobUnhealthy"
	// NameStale is the alert of a target whose captures were inconclusive
	// (UNKNOWN or partial) StaleAfter times in a row.
	NameStale = "KsnapCaptureStale"
)

// Severities, the severity label.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Key identifies what an alert is about. Owner is the CronJob name for its
// runs, else the Job name; it is empty for a target-wide alert (stale).
type Key struct {
	Cluster   string
	Namespace string
	Owner     string
}

// String renders the key as cluster/namespace/owner, leaving out an empty
// cluster and an empty owner.
func (k Key) String() string {
	s := k.Namespace
	if k.Owner != "" {
		s += "/" + k.Owner
	}
	if k.Cluster != "" {
		s = k.Cluster + "/" + s
	}
	return s
}

func (k Key) less(o Key) bool {
	if k.Cluster != o.Cluster {
		return k.Cluster < o.Cluster
	}
	if k.Namespace != o.Namespace {
		return k.Namespace < o.Namespace
	}
	return k.Owner < o.Owner
}

// ClusterOf returns the cluster a record was captured from, the first part
// of every key. Records carry no cluster yet, so it returns "" and keys are
// (namespace, owner); when history.Record gains a Cluster field, this is the
// one function to change (return r.Cluster), and keys, labels and ledger
// identities pick it up with no other edit.
func ClusterOf(r *history.Record) string { return "" }

// Kind is the kind of a transition.
type Kind string

// Transition kinds.
const (
	KindFiring   Kind = "firing"
	KindResolved Kind = "resolved"
)

// Alert is the state of one alert episode, as of the transition or run
// that carries it.
type Alert struct {
	Name     string
	Key      Key
	Severity string
	// Rules are the rule codes of the job that fired, at the time it fired
	// (sorted, distinct). They are a label, so they never change while the
	// alert fires.
	Rules []string
	// Job is the Job that made the alert fire.
	Job string
	// Selector is the selector of the records the key was seen in.
	Selector string
	// StartsAt is the capture time of the first bad record of the episode
	// (before any --for damping).
	StartsAt time.Time
	// LastAt is the capture time of the last record that said anything
	// about the key; EndsAt is the resolving capture time, zero while firing.
	LastAt time.Time
	EndsAt time.Time
	// Bundle and BundleSHA256 name the capture that made the alert fire.
	Bundle       string
	BundleSHA256 string
	// Ruleset is the rule set of that capture.
	Ruleset string
	// Detail is what the sinks say about the cause: set by the machine for
	// stale alerts, by DeliverOptions.Detail for job alerts.
	Detail Detail
}

// Detail is the cause of a job's verdict, read from its bundle.
type Detail struct {
	// Cause is the first message of the job's worst finding.
	Cause string
	// Pod is the pod that finding is about, if any.
	Pod string
}

// Transition is one change of an alert's state, caused by one record.
type Transition struct {
	Kind Kind
	// At is the capture time of the record that caused it.
	At time.Time
	// Reason says why, in a few words ("ERROR in 2 records", "back to OK",
	// "no longer present").
	Reason string
	Alert  Alert
}

// ID identifies the transition across runs: the ledger keys deliveries by
// it. It depends only on the history: kind, alert name, key and the
// episode's StartsAt (and the selector, which tells apart two targets of
// one namespace).
func (t *Transition) ID() string {
	return string(t.Kind) + "|" + t.Alert.Name + "|" + t.Alert.Key.String() + "|" + t.Alert.Selector + "|" + history.FormatTime(t.Alert.StartsAt)
}

// Options configure the state machine.
type Options struct {
	// Threshold is the lowest level that fires: history.LevelError (the
	// default when empty) or history.LevelWarn.
	Threshold string
	// For is the number of bad records in a row needed to fire (0 or 1:
	// the first one).
	For int
	// KeepFiringFor is the number of OK records in a row needed to resolve
	// (0 or 1: the first one).
	KeepFiringFor int
	// StaleAfter is the number of inconclusive records (UNKNOWN or a partial
	// capture) in a row of one target that raise one NameStale alert; 0
	// disables it.
	StaleAfter int
}

// Validate checks the options, in words that name no flag.
func (o *Options) Validate() error {
	switch o.Threshold {
	case "", history.LevelError, history.LevelWarn:
	default:
		return fmt.Errorf("threshold %q: want %s or %s", o.Threshold, history.LevelError, history.LevelWarn)
	}
	if o.For < 0 || o.KeepFiringFor < 0 || o.StaleAfter < 0 {
		return fmt.Errorf("For, KeepFiringFor and StaleAfter must not be negative")
	}
	return nil
}

// Result is what the state machine found in a history.
type Result struct {
	// Transitions are in capture-time order, then by key, firing first.
	Transitions []Transition
	// Firing are the alerts firing after the last record, sorted by name
	// and key.
	Firing []Alert
	// Records is the number of records read.
	Records int
}

// Evaluate reads every record of s that matches f in capture-time order
// (store order breaks ties) and runs the state machine. A store in time
// order (the usual case: record appends as it captures) is streamed, one
// record in memory at a time; the first record older than its predecessor
// makes it read the store again, keep every record and sort them.
func Evaluate(ctx context.Context, s history.Store, f history.Filter, opts Options) (*Result, history.Corrupt, error) {
	if err := opts.Validate(); err != nil {
		return nil, history.Corrupt{}, err
	}
	m := NewMachine(opts)
	var last time.Time
	corrupt, err := s.Scan(ctx, f, func(r *history.Record) error {
		if r.Time.Before(last) {
			return errUnsorted
		}
		last = r.Time
		c := r.Clone() // the store may reuse r's memory
		m.Feed(&c)
		return nil
	})
	if !errors.Is(err, errUnsorted) {
		if err != nil {
			return nil, corrupt, err
		}
		return m.Result(), corrupt, nil
	}
	var recs []history.Record
	corrupt, err = s.Scan(ctx, f, func(r *history.Record) error {
		recs = append(recs, r.Clone())
		return nil
	})
	if err != nil {
		return nil, corrupt, err
	}
	history.SortByTime(recs)
	m = NewMachine(opts)
	for i := range recs {
		m.Feed(&recs[i])
	}
	return m.Result(), corrupt, nil
}

var errUnsorted = errors.New("store not in time order")

// target is what one record describes: every key seen in a record of a
// target and absent from a later record of the same target has vanished.
type target struct {
	cluster, namespace, selector string
}

type keyState struct {
	target target
	bad    int // bad records in a row (toward For)
	good   int // OK records in a row while firing (toward KeepFiringFor)
	start  time.Time
	firing bool
	alert  Alert
}

type staleState struct {
	run    int
	start  time.Time
	firing bool
	alert  Alert
}

// Machine is the state machine, fed one record at a time in capture-time
// order. The zero value is not usable: use NewMachine.
type Machine struct {
	opts    Options
	keys    map[Key]*keyState
	stale   map[target]*staleState
	out     []Transition
	records int
}

// NewMachine returns a machine with no state.
func NewMachine(opts Options) *Machine {
	if opts.Threshold == "" {
		opts.Threshold = history.LevelError
	}
	opts.For = max(opts.For, 1)
	opts.KeepFiringFor = max(opts.KeepFiringFor, 1)
	return &Machine{opts: opts, keys: map[Key]*keyState{}, stale: map[target]*staleState{}}
}

// verdict of one key in one record.
type verdict int

const (
	neutral verdict = iota // changes nothing
	good                   // OK: counts toward resolving
	below                  // bad but under the threshold: resets the bad streak only
	bad                    // at or over the threshold
)

func (m *Machine) judge(level string) verdict {
	switch level {
	case history.LevelOK:
		return good
	case history.LevelError:
		return bad
	case history.LevelWarn:
		if m.opts.Threshold == history.LevelWarn {
			return bad
		}
		return below
	}
	return neutral
}

// Feed runs one record through the machine.
func (m *Machine) Feed(r *history.Record) {
	m.records++
	tg := target{ClusterOf(r), r.Namespace, r.Selector}
	var batch []Transition
	inconclusive := r.Level() == history.LevelUnknown || r.CaptureErrors > 0
	batch = m.feedStale(tg, r, inconclusive, batch)
	if inconclusive {
		// Neither fires nor resolves: the capture may have missed things.
		// A firing alert of the target is still current as of this record.
		for _, st := range m.keys {
			if st.target == tg && st.firing {
				st.alert.LastAt = r.Time
			}
		}
		m.out = append(m.out, batch...)
		return
	}
	seen := map[Key]bool{}
	for _, g := range groupJobs(r.Jobs) {
		k := Key{tg.cluster, r.Namespace, g.owner}
		seen[k] = true
		st := m.keys[k]
		if st == nil {
			st = &keyState{}
			m.keys[k] = st
		}
		st.target = tg
		batch = m.step(st, k, r, &g.job, m.judge(g.job.Health), batch)
	}
	// Keys of this target that the record no longer lists: the Job (and,
	// for a CronJob, all its runs) is gone. A firing alert resolves; a
	// pending one is forgotten.
	var gone []Key
	for k, st := range m.keys {
		if st.target == tg && !seen[k] {
			gone = append(gone, k)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].less(gone[j]) })
	for _, k := range gone {
		st := m.keys[k]
		if st.firing {
			batch = m.resolve(st, r, "no longer present", batch)
		}
		delete(m.keys, k)
	}
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].Alert.Key.less(batch[j].Alert.Key) })
	m.out = append(m.out, batch...)
}

func (m *Machine) step(st *keyState, k Key, r *history.Record, j *history.Job, v verdict, batch []Transition) []Transition {
	st.alert.LastAt = r.Time
	switch v {
	case neutral:
		return batch
	case below:
		st.bad = 0
		st.good = 0
		return batch
	case good:
		st.bad = 0
		if !st.firing {
			return batch
		}
		st.good++
		if st.good < m.opts.KeepFiringFor {
			return batch
		}
		return m.resolve(st, r, "back to OK", batch)
	}
	st.good = 0
	st.bad++
	if st.bad == 1 && !st.firing {
		st.start = r.Time
	}
	if st.firing || st.bad < m.opts.For {
		return batch
	}
	st.firing = true
	sev := SeverityError
	if j.Health == history.LevelWarn {
		sev = SeverityWarning
	}
	st.alert = Alert{
		Name: NameJob, Key: k, Severity: sev, Rules: sortedRules(j.Rules), Job: j.Name,
		Selector: r.Selector, StartsAt: st.start, LastAt: r.Time,
		Bundle: r.Bundle, BundleSHA256: r.BundleSHA256, Ruleset: r.Ruleset,
	}
	reason := j.Health
	if st.bad > 1 {
		reason += " in " + strconv.Itoa(st.bad) + " records in a row"
	}
	return append(batch, Transition{Kind: KindFiring, At: r.Time, Reason: reason, Alert: st.alert})
}

func (m *Machine) resolve(st *keyState, r *history.Record, reason string, batch []Transition) []Transition {
	st.firing = false
	st.good = 0
	st.bad = 0
	a := st.alert
	a.LastAt = r.Time
	a.EndsAt = r.Time
	return append(batch, Transition{Kind: KindResolved, At: r.Time, Reason: reason, Alert: a})
}

func (m *Machine) feedStale(tg target, r *history.Record, inconclusive bool, batch []Transition) []Transition {
	if m.opts.StaleAfter == 0 {
		return batch
	}
	st := m.stale[tg]
	if st == nil {
		st = &staleState{}
		m.stale[tg] = st
	}
	if !inconclusive {
		if st.firing {
			a := st.alert
			a.LastAt, a.EndsAt = r.Time, r.Time
			batch = append(batch, Transition{Kind: KindResolved, At: r.Time, Reason: "capture conclusive again", Alert: a})
		}
		delete(m.stale, tg)
		return batch
	}
	st.run++
	if st.run == 1 {
		st.start = r.Time
	}
	st.alert.LastAt = r.Time
	if st.firing || st.run < m.opts.StaleAfter {
		return batch
	}
	st.firing = true
	st.alert = Alert{
		Name: NameStale, Key: Key{tg.cluster, tg.namespace, ""}, Severity: SeverityWarning,
		Selector: tg.selector, StartsAt: st.start, LastAt: r.Time,
		Bundle: r.Bundle, BundleSHA256: r.BundleSHA256, Ruleset: r.Ruleset,
	}
	why := r.Level()
	if r.CaptureErrors > 0 {
		why = strconv.Itoa(r.CaptureErrors) + " failed kubectl commands"
	}
	st.alert.Detail = Detail{Cause: fmt.Sprintf("%d inconclusive captures in a row (last: %s)", st.run, why)}
	return append(batch, Transition{Kind: KindFiring, At: r.Time, Reason: strconv.Itoa(st.run) + " inconclusive captures in a row", Alert: st.alert})
}

// Result returns the transitions so far and the alerts firing now.
func (m *Machine) Result() *Result {
	res := &Result{Transitions: append([]Transition(nil), m.out...), Records: m.records}
	for _, st := range m.keys {
		if st.firing {
			a := st.alert
			res.Firing = append(res.Firing, a)
		}
	}
	for _, st := range m.stale {
		if st.firing {
			res.Firing = append(res.Firing, st.alert)
		}
	}
	sort.Slice(res.Firing, func(i, j int) bool {
		if res.Firing[i].Name != res.Firing[j].Name {
			return res.Firing[i].Name < res.Firing[j].Name
		}
		return res.Firing[i].Key.less(res.Firing[j].Key)
	})
	return res
}

func sortedRules(rules []string) []string {
	out := append([]string(nil), rules...)
	sort.Strings(out)
	k := 0
	for i, r := range out {
		if i == 0 || r != out[k-1] {
			out[k] = r
			k++
		}
	}
	return out[:k]
}

// group is the job that speaks for one owner in one record.
type group struct {
	owner string
	job   history.Job
}

// groupJobs picks, per owner, the job whose verdict counts: a Job without
// a CronJob is its own owner; of a CronJob's runs the newest counts, where
// newest is the greatest numeric name suffix (the CronJob controller names
// runs NAME-<scheduled minute>), ties and non-numeric suffixes broken by
// the later position in the record. A newest run that is still active and
// OK has no verdict yet, so the newest finished run counts instead (if
// any): a failed run is resolved by a later run that succeeded, not by
// one that merely started. Groups are sorted by owner.
func groupJobs(jobs []history.Job) []group {
	type cand struct {
		idx int
		job history.Job
	}
	by := map[string][]cand{}
	for i, j := range jobs {
		owner := j.Owner
		if owner == "" {
			owner = j.Name
		}
		by[owner] = append(by[owner], cand{i, j})
	}
	owners := make([]string, 0, len(by))
	for o := range by {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	out := make([]group, 0, len(owners))
	for _, o := range owners {
		cs := by[o]
		sort.SliceStable(cs, func(a, b int) bool {
			sa, sb := runSuffix(cs[a].job.Name), runSuffix(cs[b].job.Name)
			if sa != sb {
				return sa < sb
			}
			return cs[a].idx < cs[b].idx
		})
		pick := cs[len(cs)-1].job
		if !finished(pick.Phase) && pick.Health == history.LevelOK {
			for i := len(cs) - 2; i >= 0; i-- {
				if finished(cs[i].job.Phase) {
					pick = cs[i].job
					break
				}
			}
		}
		out = append(out, group{o, pick})
	}
	return out
}

func finished(phase string) bool { return phase == "SUCCEEDED" || phase == "FAILED" }

func runSuffix(name string) int64 {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return -1
	}
	n, err := strconv.ParseInt(name[i+1:], 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
