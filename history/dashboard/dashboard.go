// Package dashboard owns the fold of a history store into the value the HTML
// dashboard and the metrics export render: per target (namespace and
// selector) the captures in time order, the owners (CronJob, or the Job
// itself) seen in them, an owners x columns grid of health, per-owner counts
// (errors, consecutive failures, last OK and its age, top reason), a ranking
// of failure reasons, the streak of the newest overall health and the last
// transitions.
//
// Everything is "as of" the newest capture read, never the wall clock, and
// every list has a documented sort order, so equal stores fold to equal
// values. Past a width the grid's columns aggregate captures by hour, day or
// week (Target.Bucket says which). It renders nothing and does no I/O beyond
// the Store it is given.
package dashboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
)

// Defaults of Options.
const (
	// DefaultMaxCells bounds the grid cells of a whole dashboard: the
	// columns of every target shrink (by aggregation) so that rows x columns
	// stays under it, down to MinColumns.
	DefaultMaxCells = 16000
	// DefaultMaxColumns is the widest a target's grid gets.
	DefaultMaxColumns = 240
	// MinColumns is the narrowest budget a target's grid is given.
	MinColumns = 24
	// MaxTransitions is the number of transitions kept per target.
	MaxTransitions = 10
)

// Buckets are the column widths tried, in order, when a target has more
// captures than columns.
var Buckets = []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// Options configure Build.
type Options struct {
	// Filter selects the records folded.
	Filter history.Filter
	// MaxCells and MaxColumns bound the grid (0: the defaults).
	MaxCells, MaxColumns int
	// NoGrid skips the grid and keeps only the newest capture of each
	// target in Target.Captures (the metrics export needs no more): the
	// records are then folded as they are read, in memory bounded by the
	// owners, not the records (see reorderWindow).
	NoGrid bool
}

// reorderWindow is how many records per target a NoGrid fold holds to put
// them in time order: a history file is nearly in time order (records are
// appended as captures are analyzed). A record older than one already
// folded (further out of order than this) restarts the fold the way the
// grid's is done, every capture in memory: slower, never different.
var reorderWindow = 1024

// State is a grid cell's colour: a health level, or no verdict.
type State int

// States. The first four are the model.Level values.
const (
	StateOK      = State(model.LevelOK)
	StateWarn    = State(model.LevelWarn)
	StateUnknown = State(model.LevelUnknown)
	StateError   = State(model.LevelError)
	// StateGap: the owner was not in a complete capture (not running, or gone).
	StateGap State = 10
	// StatePartial: the owner was not in a partial capture (a kubectl
	// command failed, so its absence says nothing).
	StatePartial State = 11
)

// String names the state as the page's legend does.
func (s State) String() string {
	switch s {
	case StateGap:
		return "absent"
	case StatePartial:
		return "not captured (partial capture)"
	}
	return model.Level(s).String()
}

// Dashboard is the folded history.
type Dashboard struct {
	// AsOf is the newest capture's time (zero without records); every age
	// is measured from it.
	AsOf time.Time
	// Captures counts the records folded; Corrupt the corrupt entries the
	// store skipped.
	Captures, Corrupt int
	// Targets are sorted by namespace, then selector.
	Targets []Target
	// Reasons rank the reasons of every non-OK owner verdict, most frequent
	// first, then by reason.
	Reasons []Reason
}

// Capture is one record, as the grid needs it.
type Capture struct {
	Time          time.Time
	Bundle        string
	SHA256        string
	Ruleset       string
	Health        model.Level
	CaptureErrors int
}

// Partial reports whether a kubectl command of the capture failed.
func (c *Capture) Partial() bool { return c.CaptureErrors > 0 }

// Target is one namespace and selector.
type Target struct {
	Namespace, Selector string
	// Captures are sorted by time, then bundle name, then sha256; with
	// Options.NoGrid only the newest is kept.
	Captures []Capture
	// Count is the number of captures folded (len(Captures) but with NoGrid).
	Count int
	// Bucket is the width of a column, 0 when each column is one capture.
	Bucket time.Duration
	// Omitted counts the oldest captures left out of the grid (only when
	// even the widest bucket gives too many columns).
	Omitted int
	// Columns are the grid's columns, oldest first.
	Columns []Column
	// Owners are sorted by kind, then name.
	Owners []Owner
	// Streak is the run of equal overall health ending at the newest capture.
	Streak Streak
	// Transitions are the last MaxTransitions changes of overall health,
	// newest first.
	Transitions []Transition
	// NewestJobs are the Jobs of the newest capture, sorted by name.
	NewestJobs []history.Job
}

// Column is one grid column: captures First..Last (indexes into Captures).
type Column struct {
	Start       time.Time // the bucket's start, or the capture's time
	First, Last int
	Health      model.Level // worst overall health of its captures
	Partial     bool        // a capture in it was partial
}

// Count is the number of captures in the column.
func (c *Column) Count() int { return c.Last - c.First + 1 }

// Owner is a CronJob (its Jobs folded together) or a Job without one.
type Owner struct {
	Kind, Name string
	// Cells is one per column (nil with Options.NoGrid).
	Cells []Cell
	// Seen counts the captures the owner was in; Errors, Warns and Unknowns
	// those where its verdict was that level.
	Seen, Errors, Warns, Unknowns int
	// Last is the owner's verdict in the newest capture it was in, at
	// LastSeen, with LastReason and LastJob (the worst Job of it).
	Last       model.Level
	LastSeen   time.Time
	LastReason string
	LastJob    string
	// LastPartial: the newest capture of the target was partial.
	LastPartial bool
	// ConsecutiveFailures counts the captures, newest first, in which the
	// owner was ERROR, up to the first one where it was not.
	ConsecutiveFailures int
	// LastOK is the newest capture where it was OK (zero if never); LastOKAge
	// is AsOf minus LastOK.
	LastOK    time.Time
	LastOKAge time.Duration
	// TopReason is its most frequent non-OK reason (ties: the smaller), with
	// its count.
	TopReason      string
	TopReasonCount int
}

// Cell is one owner in one column.
type Cell struct {
	State State
	// Present counts the column's captures the owner was in; Errors those
	// where it was ERROR.
	Present, Errors int
	// Capture is the capture that gives the cell its state: the newest of
	// the worst (index into Captures; the column's last for a gap).
	Capture int
	// Reason is the owner's reason in that capture.
	Reason string
}

// Reason is one line of the reasons ranking.
type Reason struct {
	Reason string
	// Count counts the non-OK owner verdicts with this reason; Owners the
	// distinct owners (per target) that had it.
	Count, Owners int
	// Last is the newest capture that had it.
	Last time.Time
}

// Streak is a run of one overall health.
type Streak struct {
	Health model.Level
	// Captures in the run, and the time of its first capture.
	Captures int
	Since    time.Time
}

// Transition is a change of overall health between two captures.
type Transition struct {
	Time     time.Time
	From, To model.Level
	Bundle   string
}

// NoReason is the reason of a non-OK verdict whose record names no rule.
const NoReason = "unspecified"

// Reason codes longer than this read as OtherReason (bounded cardinality).
const maxReasonLen = 16

// OtherReason replaces a reason code that does not look like a rule code.
const OtherReason = "other"

// obs is one owner's verdict in one capture (24 bytes: a history of 10,000
// captures of 200 Jobs holds 2,000,000 of them).
type obs struct {
	owner  int32
	level  uint8 // a model.Level
	reason string
}

type targetAcc struct {
	t      *Target
	caps   []capAcc // every capture (the grid's fold); with NoGrid, the reorder window
	owners map[[2]string]int
	// at[i] is 1 + the position of owner i in the current capture's obs,
	// valid when mark[i] is the capture's seq.
	at, mark []int
	seq      int // records added
	// lastJob[i] is the Job that gave owner i its verdict in the newest
	// capture it was in, at lastAt[i] (time, then bundle name).
	lastJob      []string
	lastAt       []capKey
	newest       time.Time
	newestBundle string

	// The fold, in capture order (foldCapture): the owners in the order
	// they were first seen, their non-OK reasons, the streak.
	acc          []Owner
	reasonCounts []map[string]int
	streak       streakAcc
	folded       capAcc // the last capture folded (when Target.Count > 0)
}

type capKey struct {
	t      time.Time
	bundle string
}

func (k capKey) before(o capKey) bool {
	return k.t.Before(o.t) || k.t.Equal(o.t) && k.bundle < o.bundle
}

type capAcc struct {
	c   Capture
	obs []obs
	seq int // arrival order: equal keys keep it, as a stable sort does
}

// compareCaps is the order of Target.Captures: time, bundle name, sha256,
// then arrival.
func compareCaps(a, b *capAcc) int {
	return cmp.Or(a.c.Time.Compare(b.c.Time), cmp.Compare(a.c.Bundle, b.c.Bundle), cmp.Compare(a.c.SHA256, b.c.SHA256), cmp.Compare(a.seq, b.seq))
}

// errOutOfOrder stops a NoGrid fold that met a record older than one it had
// already folded; Build then folds in full.
var errOutOfOrder = errors.New("history further out of time order than the reorder window")

// Build folds the records of s that match o.Filter.
func Build(ctx context.Context, s history.Store, o Options) (*Dashboard, error) {
	if o.MaxCells <= 0 {
		o.MaxCells = DefaultMaxCells
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.NoGrid {
		d, err := build(ctx, s, o, true)
		if !errors.Is(err, errOutOfOrder) {
			return d, err
		}
	}
	return build(ctx, s, o, false)
}

// build is Build, folding as it reads (stream) or after reading everything.
func build(ctx context.Context, s history.Store, o Options, stream bool) (*Dashboard, error) {
	accs := map[[2]string]*targetAcc{}
	interned := map[string]string{}
	intern := func(s string) string {
		if v, ok := interned[s]; ok {
			return v
		}
		v := strings.Clone(s)
		interned[v] = v
		return v
	}
	d := &Dashboard{}
	reasons := map[string]*Reason{}
	corrupt, err := s.Scan(ctx, o.Filter, func(r *history.Record) error {
		key := [2]string{r.Namespace, r.Selector}
		ta := accs[key]
		if ta == nil {
			ta = &targetAcc{t: &Target{Namespace: intern(r.Namespace), Selector: intern(r.Selector)}, owners: map[[2]string]int{}}
			accs[key] = ta
		}
		c := ta.add(r, intern)
		d.Captures++
		if r.Time.After(d.AsOf) {
			d.AsOf = r.Time
		}
		if !stream {
			ta.caps = append(ta.caps, c)
			return nil
		}
		if ta.t.Count > 0 && compareCaps(&c, &ta.folded) < 0 {
			return errOutOfOrder
		}
		heapPush(&ta.caps, c)
		if len(ta.caps) > reorderWindow {
			ta.foldCapture(heapPop(&ta.caps), reasons)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Corrupt = corrupt.Count

	keys := make([][2]string, 0, len(accs))
	rows := 0
	for k, ta := range accs {
		keys = append(keys, k)
		rows += max(1, len(ta.owners))
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	width := min(o.MaxColumns, max(MinColumns, o.MaxCells/max(1, rows)))
	for _, k := range keys {
		ta := accs[k]
		if stream {
			for len(ta.caps) > 0 {
				ta.foldCapture(heapPop(&ta.caps), reasons)
			}
		} else {
			slices.SortFunc(ta.caps, func(a, b capAcc) int { return compareCaps(&a, &b) })
			ta.t.Captures = make([]Capture, len(ta.caps))
			for i := range ta.caps {
				ta.t.Captures[i] = ta.caps[i].c
				ta.foldCapture(ta.caps[i], reasons)
			}
		}
		order := ta.finish(d.AsOf, reasons)
		if o.NoGrid {
			ta.t.Captures = []Capture{ta.folded.c} // the newest, in either fold
		} else {
			ta.grid(width, order)
		}
		d.Targets = append(d.Targets, *ta.t)
	}
	for _, r := range reasons {
		d.Reasons = append(d.Reasons, *r)
	}
	slices.SortFunc(d.Reasons, func(a, b Reason) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason)) })
	return d, nil
}

func cloneJobs(dst, src []history.Job) []history.Job {
	for _, j := range src {
		j.Name, j.Phase, j.Health, j.Owner = strings.Clone(j.Name), strings.Clone(j.Phase), strings.Clone(j.Health), strings.Clone(j.Owner)
		j.Rules = slices.Clone(j.Rules)
		for i := range j.Rules {
			j.Rules[i] = strings.Clone(j.Rules[i])
		}
		dst = append(dst, j)
	}
	slices.SortStableFunc(dst, func(a, b history.Job) int { return cmp.Compare(a.Name, b.Name) })
	return dst
}

// ReasonCode bounds a rule code's cardinality: a code of at most 16 letters,
// digits, '-' or '_' is kept, anything else is OtherReason.
func ReasonCode(s string) string {
	if s == "" || len(s) > maxReasonLen {
		return OtherReason
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return OtherReason
		}
	}
	return s
}

func level(s string) model.Level {
	l, err := model.ParseLevel(s)
	if err != nil {
		return model.LevelUnknown
	}
	return l
}

// grid sets the target's columns (one per capture, or per bucket when there
// are more captures than width) and each owner's cells.
func (ta *targetAcc) grid(width int, order []int) {
	t := ta.t
	for ci := range ta.caps {
		for k := range ta.caps[ci].obs {
			ob := &ta.caps[ci].obs[k]
			ob.owner = int32(order[ob.owner])
		}
	}
	t.Columns = columns(t.Captures, 0)
	for _, b := range Buckets {
		if len(t.Columns) <= width {
			break
		}
		t.Bucket = b
		t.Columns = columns(t.Captures, b)
	}
	if len(t.Columns) > width {
		drop := len(t.Columns) - width
		t.Omitted = t.Columns[drop].First
		t.Columns = t.Columns[drop:]
	}
	for i := range t.Owners {
		t.Owners[i].Cells = make([]Cell, len(t.Columns))
	}
	for ci := range t.Columns {
		col := &t.Columns[ci]
		for oi := range t.Owners {
			t.Owners[oi].Cells[ci] = Cell{State: StateGap, Capture: col.Last}
		}
		for k := col.First; k <= col.Last; k++ {
			c := &ta.caps[k]
			for _, ob := range c.obs {
				cell := &t.Owners[ob.owner].Cells[ci]
				st := State(ob.level)
				if cell.Present == 0 || st >= cell.State {
					cell.State, cell.Capture, cell.Reason = st, k, ob.reason
				}
				cell.Present++
				if model.Level(ob.level) == model.LevelError {
					cell.Errors++
				}
			}
		}
		if col.Partial {
			for oi := range t.Owners {
				if c := &t.Owners[oi].Cells[ci]; c.Present == 0 {
					c.State = StatePartial
				}
			}
		}
	}
}

// columns groups sorted captures into columns of width b (0: one each).
func columns(caps []Capture, b time.Duration) []Column {
	var cols []Column
	for i := range caps {
		c := &caps[i]
		start := c.Time
		if b > 0 {
			start = c.Time.Truncate(b)
		}
		if n := len(cols); n > 0 && b > 0 && cols[n-1].Start.Equal(start) {
			col := &cols[n-1]
			col.Last = i
			col.Health = col.Health.Worst(c.Health)
			col.Partial = col.Partial || c.Partial()
			continue
		}
		cols = append(cols, Column{Start: start, First: i, Last: i, Health: c.Health, Partial: c.Partial()})
	}
	return cols
}

// BucketName says what a column stands for: "capture", "hour", "day" or "week".
func BucketName(b time.Duration) string {
	switch b {
	case 0:
		return "capture"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	case 7 * 24 * time.Hour:
		return "week"
	}
	return fmt.Sprint(b)
}
