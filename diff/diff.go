// Package diff owns bundle diff: what changed between two captures, on the
// fields ksnap's rules read, and how the verdicts changed under one rule set.
//
// Objects (Jobs, Pods) are matched by (kind, namespace, name); a changed uid
// is "replaced". They are compared on their normalised models (analyze/parse),
// so resourceVersion, managedFields, heartbeat and probe times, specs the
// rules do not read and env never take part. Warning events are grouped by
// object and reason, compared on their summed counts. Verdicts come from
// pipeline.Analyze of each bundle: the overall verdict, each Job's health and
// rule codes, and each CronJob's latest run.
//
// It returns values (Result, with a versioned JSON schema); render/diff
// writes them. It never prints, never reads the wall clock and knows nothing
// of cobra.
package diff

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/pipeline"
)

// Schema names the JSON schema of a Result; it changes when a field changes
// meaning or goes away.
const Schema = "ksnap.diff/v1"

// Change kinds of an Object.
const (
	Added    = "added"
	Removed  = "removed"
	Replaced = "replaced" // same kind, namespace and name; another uid
	Changed  = "changed"
)

// Result is the diff of a sequence of bundles: one Pair per consecutive two.
type Result struct {
	Schema string `json:"schema"`
	Pairs  []Pair `json:"pairs"`
}

// Changed reports whether any pair has a change.
func (r *Result) Changed() bool {
	for i := range r.Pairs {
		if r.Pairs[i].Changed() {
			return true
		}
	}
	return false
}

// Side names one bundle of a pair.
type Side struct {
	File       string `json:"file"`
	SHA256     string `json:"sha256"`
	CapturedAt string `json:"captured_at"`
	Namespace  string `json:"namespace"`
	Selector   string `json:"selector"`
	RuleSet    string `json:"rule_set"`
	Verdict    string `json:"verdict"`
}

// Pair is the diff of two bundles.
type Pair struct {
	From Side `json:"from"`
	To   Side `json:"to"`
	// Verdicts are the verdict changes: "overall" first, then Jobs and
	// CronJobs sorted by object.
	Verdicts []Verdict `json:"verdicts"`
	// Objects are sorted by kind (Job, Pod), namespace, name.
	Objects []Object `json:"objects"`
	// Events are Warning event groups whose count changed, sorted by
	// object kind, namespace, name, reason.
	Events []Event `json:"events"`
	// Notes say what could not be compared (a list not captured on one side).
	Notes []string `json:"notes"`
}

// Changed reports whether the pair has any change.
func (p *Pair) Changed() bool {
	return len(p.Verdicts)+len(p.Objects)+len(p.Events) > 0
}

// Verdict is one verdict that differs. Old or New is "" where the object is
// absent on that side.
type Verdict struct {
	// Object is "overall", "Job/NAMESPACE/NAME" or "CronJob/NAMESPACE/NAME"
	// (its latest run by creation time).
	Object   string   `json:"object"`
	Old      string   `json:"old"`
	New      string   `json:"new"`
	OldRules []string `json:"old_rules"`
	NewRules []string `json:"new_rules"`
	// Run names the Jobs judged for a CronJob line ("old -> new" when the
	// latest run changed); empty for other objects.
	Run string `json:"run,omitempty"`
}

// Object is one Job or Pod that differs.
type Object struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Change    string `json:"change"`
	OldUID    string `json:"old_uid,omitempty"`
	NewUID    string `json:"new_uid,omitempty"`
	// Summary is the gist, e.g. "restarts 2->7, OOMKilled".
	Summary string `json:"summary"`
	// Fields are the compared fields that differ, in a fixed order (spec,
	// status, conditions, containers); empty for added and removed objects.
	Fields []Field `json:"fields"`
}

// Field is one differing field. "" is absent.
type Field struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// Event is one Warning event group (object and reason) whose count changed.
type Event struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
	Old       int64  `json:"old"`
	New       int64  `json:"new"`
}

// Snapshot is what diff compares of one bundle. It holds copies of what it
// compares, never the decoded bundle, so that a long run keeps two
// snapshots in memory, not two bundles.
type Snapshot struct {
	Side     Side
	verdicts map[string]judged
	objects  []object
	events   map[eventKey]int64
	// missing names the lists (jobs, pods, events) this bundle lacks.
	missing map[string]bool
}

type object struct {
	kind, ns, name, uid string
	fields              []Field // Old unused: values in New
	summary             summaryFacts
}

type summaryFacts struct {
	restarts int64
	reasons  []string // termination and waiting reasons, in container order
	phase    string
}

type eventKey struct{ kind, ns, name, reason string }

// Load analyzes the bundle at path with pipeline.Analyze (which verifies it)
// and reads its Jobs, Pods and Warning events for comparison.
func Load(path string, opts pipeline.Options) (*Snapshot, error) {
	opts.KeepBundle = true // the members are read below, not a second time
	a, err := pipeline.Analyze(path, opts)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		Side: Side{File: path, SHA256: a.SHA256, CapturedAt: a.Report.CapturedAt, Namespace: a.Report.Namespace,
			Selector: a.Report.Selector, RuleSet: a.Report.RuleSet, Verdict: a.Report.Verdict.String()},
		verdicts: verdictIndex(a.Report),
		events:   map[eventKey]int64{},
		missing:  map[string]bool{},
	}
	phases := map[[3]string]string{}
	for _, j := range a.Report.Jobs {
		phases[[3]string{j.Namespace, j.Name, j.UID}] = j.Phase.String()
	}
	b := a.Bundle
	a = nil // the report: let it go
	m := b.Manifest
	member := func(kind string) []byte {
		c, ok := m.Command(kind)
		if !ok || c.Failed() || c.Member == "" {
			s.missing[kind] = true
			return nil
		}
		d, err := b.Member(c.Member)
		if err != nil {
			s.missing[kind] = true
			return nil
		}
		return d
	}
	var merr *parse.MemberError
	if d := member(bundle.KindJobs); d != nil {
		jobs, _, err := parse.Jobs("jobs.json", d)
		if errors.As(err, &merr) {
			s.missing[bundle.KindJobs] = true
		}
		for i := range jobs {
			o := jobObject(&jobs[i])
			o.summary.phase = phases[[3]string{o.ns, o.name, o.uid}]
			s.objects = append(s.objects, o)
		}
	}
	if d := member(bundle.KindPods); d != nil {
		pods, _, err := parse.Pods("pods.json", d)
		if errors.As(err, &merr) {
			s.missing[bundle.KindPods] = true
		}
		for i := range pods {
			s.objects = append(s.objects, podObject(&pods[i]))
		}
	}
	if d := member(bundle.KindEvents); d != nil {
		evs, _, err := parse.Events("events.json", d)
		if errors.As(err, &merr) {
			s.missing[bundle.KindEvents] = true
		}
		for _, e := range evs {
			if e.Type != "Warning" {
				continue
			}
			ns := e.Object.Namespace
			if ns == "" {
				ns = e.Namespace
			}
			s.events[eventKey{strings.Clone(e.Object.Kind), strings.Clone(ns), strings.Clone(e.Object.Name), strings.Clone(e.Reason)}] += e.Count
		}
	}
	for i := range s.objects {
		s.objects[i].detach()
	}
	sort.SliceStable(s.objects, func(i, j int) bool { return s.objects[i].less(&s.objects[j]) })
	return s, nil
}

// detach copies o's strings, which the parsers may have taken from the
// decoded bundle's memory.
func (o *object) detach() {
	o.kind, o.ns, o.name, o.uid = strings.Clone(o.kind), strings.Clone(o.ns), strings.Clone(o.name), strings.Clone(o.uid)
	for i := range o.fields {
		o.fields[i].Path, o.fields[i].New = strings.Clone(o.fields[i].Path), strings.Clone(o.fields[i].New)
	}
	for i := range o.summary.reasons {
		o.summary.reasons[i] = strings.Clone(o.summary.reasons[i])
	}
	o.summary.phase = strings.Clone(o.summary.phase)
}

var kindOrder = map[string]int{"Job": 0, "Pod": 1}

func (o *object) less(p *object) bool {
	if o.kind != p.kind {
		return kindOrder[o.kind] < kindOrder[p.kind]
	}
	if o.ns != p.ns {
		return o.ns < p.ns
	}
	if o.name != p.name {
		return o.name < p.name
	}
	return o.uid < p.uid
}

// Compare diffs two snapshots, a before b.
func Compare(a, b *Snapshot) Pair {
	p := Pair{From: a.Side, To: b.Side, Verdicts: []Verdict{}, Objects: []Object{}, Events: []Event{}, Notes: []string{}}
	p.Verdicts = compareVerdicts(a, b)
	if a.Side.Namespace != b.Side.Namespace || a.Side.Selector != b.Side.Selector {
		p.Notes = append(p.Notes, fmt.Sprintf("captured with another namespace or selector (%s %q -> %s %q): objects outside one selection show as added or removed",
			a.Side.Namespace, a.Side.Selector, b.Side.Namespace, b.Side.Selector))
	}
	skip := map[string]bool{}
	for _, kind := range []string{bundle.KindJobs, bundle.KindPods, bundle.KindEvents} {
		for _, s := range []*Snapshot{a, b} {
			if s.missing[kind] && !skip[kind] {
				skip[kind] = true
				p.Notes = append(p.Notes, fmt.Sprintf("%s not captured in %s: not compared", kind, s.Side.File))
			}
		}
	}
	p.Objects = compareObjects(a.objects, b.objects, skip)
	if !skip[bundle.KindEvents] {
		// Events are captured for the whole namespace: keep those about
		// the Jobs and Pods of either capture, as the analysis joins them.
		var about func(k eventKey) bool
		if !skip[bundle.KindJobs] && !skip[bundle.KindPods] {
			objs := map[eventKey]bool{}
			for _, s := range []*Snapshot{a, b} {
				for _, o := range s.objects {
					objs[eventKey{o.kind, o.ns, o.name, ""}] = true
				}
			}
			about = func(k eventKey) bool { return objs[eventKey{k.kind, k.ns, k.name, ""}] }
		}
		p.Events = compareEvents(a.events, b.events, about)
	}
	return p
}

func compareObjects(as, bs []object, skip map[string]bool) []Object {
	out := []Object{}
	type key struct{ kind, ns, name string }
	index := func(os []object) map[key]*object {
		m := make(map[key]*object, len(os))
		for i := range os {
			k := key{os[i].kind, os[i].ns, os[i].name}
			if _, dup := m[k]; !dup {
				m[k] = &os[i]
			}
		}
		return m
	}
	ai, bi := index(as), index(bs)
	var all []*object
	for i := range as {
		all = append(all, &as[i])
	}
	for i := range bs {
		if _, ok := ai[key{bs[i].kind, bs[i].ns, bs[i].name}]; !ok {
			all = append(all, &bs[i])
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].less(all[j]) })
	seen := map[key]bool{}
	for _, o := range all {
		k := key{o.kind, o.ns, o.name}
		if seen[k] || skip[strings.ToLower(o.kind)+"s"] {
			continue
		}
		seen[k] = true
		x, y := ai[k], bi[k]
		d := Object{Kind: o.kind, Namespace: o.ns, Name: o.name, Fields: []Field{}}
		switch {
		case y == nil:
			d.Change, d.OldUID, d.Summary = Removed, x.uid, x.summary.phase
		case x == nil:
			d.Change, d.NewUID, d.Summary = Added, y.uid, y.summary.phase
		default:
			d.Fields = compareFields(x.fields, y.fields)
			d.Change = Changed
			if x.uid != y.uid {
				d.Change, d.OldUID, d.NewUID = Replaced, x.uid, y.uid
			} else if len(d.Fields) == 0 {
				continue
			}
			d.Summary = summarize(x.summary, y.summary)
		}
		out = append(out, d)
	}
	return out
}

// compareFields lists the paths whose values differ: a's order, then b's
// own paths in b's order.
func compareFields(a, b []Field) []Field {
	out := []Field{}
	bv := make(map[string]string, len(b))
	for _, f := range b {
		bv[f.Path] = f.New
	}
	inA := make(map[string]bool, len(a))
	for _, f := range a {
		inA[f.Path] = true
		if nv := bv[f.Path]; nv != f.New {
			out = append(out, Field{Path: f.Path, Old: f.New, New: nv})
		}
	}
	for _, f := range b {
		if !inA[f.Path] && f.New != "" {
			out = append(out, Field{Path: f.Path, New: f.New})
		}
	}
	return out
}

func summarize(a, b summaryFacts) string {
	var parts []string
	if a.phase != b.phase {
		parts = append(parts, arrow(a.phase, b.phase))
	}
	if a.restarts != b.restarts {
		parts = append(parts, "restarts "+arrow(strconv.FormatInt(a.restarts, 10), strconv.FormatInt(b.restarts, 10)))
	}
	for _, r := range b.reasons {
		if !slices.Contains(a.reasons, r) && !slices.Contains(parts, r) {
			parts = append(parts, r)
		}
	}
	return strings.Join(parts, ", ")
}

func arrow(a, b string) string { return dash(a) + "->" + dash(b) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unionKeys returns the keys of a and b, each once, unsorted.
func unionKeys[K comparable, V any](a, b map[K]V) []K {
	keys := make([]K, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// compareEvents lists the groups whose counts differ; about, when set,
// keeps only the groups it accepts.
func compareEvents(a, b map[eventKey]int64, about func(eventKey) bool) []Event {
	out := []Event{}
	keys := unionKeys(a, b)
	slices.SortFunc(keys, func(x, y eventKey) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.ns, y.ns), cmp.Compare(x.name, y.name), cmp.Compare(x.reason, y.reason))
	})
	for _, k := range keys {
		if a[k] != b[k] && (about == nil || about(k)) {
			out = append(out, Event{Kind: k.kind, Namespace: k.ns, Name: k.name, Reason: k.reason, Old: a[k], New: b[k]})
		}
	}
	return out
}

// secretish matches "name=value" or "name: value" where the name looks like
// a credential; the value is masked wherever a message is shown.
var secretish = regexp.MustCompile(`(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credentials?|auth)[A-Za-z0-9_-]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)`)

// Mask replaces the values of secret-looking "KEY=value" pairs in s with
// "***", as kubectl diff masks Secret data.
func Mask(s string) string { return secretish.ReplaceAllString(s, "${1}***") }

func optInt(o model.OptInt) string {
	if !o.Set {
		return ""
	}
	return strconv.FormatInt(o.Val, 10)
}

// stamp is t as RFC 3339 UTC, "" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func condFields(prefix string, cs []model.Condition, withMessage bool) []Field {
	var out []Field
	for _, c := range cs {
		v := c.Status
		if c.Reason != "" {
			v += " " + c.Reason
		}
		out = append(out, Field{Path: prefix + "[" + c.Type + "]", New: v})
		if withMessage && c.Message != "" {
			out = append(out, Field{Path: prefix + "[" + c.Type + "].message", New: Mask(c.Message)})
		}
	}
	return out
}

func jobObject(j *model.Job) object {
	f := func(path, v string) Field { return Field{Path: path, New: v} }
	fields := []Field{
		f("spec.suspend", strconv.FormatBool(j.Suspend)),
		f("spec.completions", optInt(j.Completions)),
		f("spec.parallelism", optInt(j.Parallelism)),
		f("spec.backoffLimit", optInt(j.BackoffLimit)),
		f("spec.activeDeadlineSeconds", optInt(j.ActiveDeadlineSeconds)),
		f("status.active", optInt(j.Active)),
		f("status.ready", optInt(j.Ready)),
		f("status.terminating", optInt(j.Terminating)),
		f("status.succeeded", optInt(j.Succeeded)),
		f("status.failed", optInt(j.Failed)),
		f("status.startTime", stamp(j.StartTime)),
		f("status.completionTime", stamp(j.CompletionTime)),
	}
	fields = append(fields, condFields("status.conditions", j.Conditions, true)...)
	return object{kind: "Job", ns: j.Namespace, name: j.Name, uid: j.UID, fields: fields}
}

func state(s model.ContainerState) string {
	switch s.Kind {
	case model.StateNone:
		return ""
	case model.StateTerminated:
		v := "terminated"
		if s.Reason != "" {
			v += " " + s.Reason
		}
		return v + " (exit " + strconv.FormatInt(s.ExitCode, 10) + ")"
	}
	if s.Reason != "" {
		return s.Kind.String() + " " + s.Reason
	}
	return s.Kind.String()
}

func podObject(p *model.Pod) object {
	f := func(path, v string) Field { return Field{Path: path, New: v} }
	fields := []Field{
		f("status.phase", p.Phase),
		f("status.reason", p.Reason),
		f("metadata.deletionTimestamp", stamp(p.Deleted)),
	}
	fields = append(fields, condFields("status.conditions", p.Conditions, false)...)
	o := object{kind: "Pod", ns: p.Namespace, name: p.Name, uid: p.UID, summary: summaryFacts{phase: p.Phase}}
	for _, c := range p.Containers {
		pre := "status.containerStatuses[" + c.Name + "]"
		if c.Type == model.ContainerInit {
			pre = "status.initContainerStatuses[" + c.Name + "]"
		}
		fields = append(fields,
			f(pre+".ready", strconv.FormatBool(c.Ready)),
			f(pre+".restartCount", strconv.FormatInt(c.RestartCount, 10)),
			f(pre+".state", state(c.State)),
			f(pre+".lastState", state(c.LastState)))
		o.summary.restarts += c.RestartCount
		for _, s := range []model.ContainerState{c.State, c.LastState} {
			if s.Reason != "" && s.Kind != model.StateRunning && !slices.Contains(o.summary.reasons, s.Reason) {
				o.summary.reasons = append(o.summary.reasons, s.Reason)
			}
		}
	}
	o.fields = fields
	return o
}
