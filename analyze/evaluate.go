package analyze

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
)

// InputError says a bundle could not be evaluated at all (no manifest, or
// a capture time that is not a time).
type InputError struct {
	Bundle string
	Member string
	Err    error
}

func (e *InputError) Error() string {
	if e.Member == "" {
		return e.Bundle + ": " + e.Err.Error()
	}
	return e.Bundle + ": member " + e.Member + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// timeLayout is how reports print object times: RFC 3339, UTC, seconds.
const timeLayout = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	if y < 0 || y > 9999 {
		return t.Format(timeLayout)
	}
	// timeLayout by hand: reports format a time per pod, container and
	// event, and time.Format's generic layout walk dominated.
	var b [20]byte
	put := func(i, v, n int) {
		for k := i + n - 1; k >= i; k-- {
			b[k] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, s, 2)
	b[19] = 'Z'
	return string(b[:])
}

// fmtAge prints a duration rounded to seconds, e.g. 1h2m3s.
func fmtAge(d time.Duration) string { return d.Round(time.Second).String() }

// Evaluate analyses one bundle. It returns an error only when the bundle
// cannot be evaluated at all (no manifest, bad options, or a capture time
// that does not parse); every other problem is part of the Report.
func Evaluate(src Source, opts Options) (*Report, error) {
	m := src.Manifest()
	if m == nil {
		return nil, &InputError{Bundle: src.Name(), Member: bundle.ManifestMember, Err: errors.New("missing")}
	}
	now, err := m.CaptureTime()
	if err != nil {
		return nil, &InputError{Bundle: src.Name(), Member: bundle.ManifestMember, Err: fmt.Errorf("captured_at %q is not an RFC 3339 time", m.CapturedAt)}
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	ev := &evaluation{src: src, m: m, now: now, opts: opts}
	return ev.run(), nil
}

type evaluation struct {
	src  Source
	m    *bundle.Manifest
	now  time.Time
	opts Options
	rep  *Report
}

// memberRef is where one list member's bytes come from: the manifest's
// command for its kind and the member it names. lookup finds it without
// side effects, so the members can be parsed concurrently; use then records
// what went wrong, in a fixed order.
type memberRef struct {
	kind, defMember string
	cmd             bundle.Command
	found           bool // the manifest has a command of this kind
	data            []byte
	err             error // reading the member
}

func (ev *evaluation) lookup(kind, defMember string) memberRef {
	r := memberRef{kind: kind, defMember: defMember}
	r.cmd, r.found = ev.m.Command(kind)
	if r.found && !r.cmd.Failed() {
		r.data, r.err = ev.src.Member(r.cmd.Member)
	}
	return r
}

// ok reports whether the member can be parsed.
func (r *memberRef) ok() bool { return r.found && !r.cmd.Failed() && r.err == nil }

// use records why a member is unavailable (command failed, not captured,
// missing or unreadable) and returns its name and whether it is available.
func (ev *evaluation) use(r *memberRef) (string, bool) {
	switch {
	case !r.found:
		ev.captureFinding(bundle.Command{Kind: r.kind, Member: r.defMember, Status: bundle.StatusNotCaptured, ExitCode: -1, Error: "no " + r.kind + " command in the manifest"})
		return r.defMember, false
	case r.cmd.Failed():
		return r.cmd.Member, false // reported by captureFailures
	case r.err != nil:
		ev.inputProblem(r.cmd.Member, -1, "", r.err.Error(), r.kind == bundle.KindJobs)
		return r.cmd.Member, false
	}
	return r.cmd.Member, true
}

func (ev *evaluation) inputProblem(member string, index int, field, problem string, fatal bool) {
	ev.rep.InputProblems = append(ev.rep.InputProblems, InputProblem{Member: member, Index: index, Field: field, Problem: problem})
	if fatal {
		ev.rep.Findings = append(ev.rep.Findings, model.Finding{
			Rule: RuleInput, Level: model.LevelUnknown,
			Message:  "member " + member + " cannot be read, so no Job can be evaluated: " + problem,
			Evidence: model.Evidence{Member: member, Fields: []model.Field{fld("problem", problem)}},
		})
	}
}

func (ev *evaluation) parseErrors(member string, errs []*parse.ItemError, err error, fatal bool) {
	var me *parse.MemberError
	if errors.As(err, &me) {
		ev.inputProblem(member, -1, "", me.Err.Error(), fatal)
	} else if err != nil {
		ev.inputProblem(member, -1, "", err.Error(), fatal)
	}
	for _, ie := range errs {
		ev.inputProblem(ie.Member, ie.Index, ie.Field, ie.Err.Error(), false)
	}
}

func (ev *evaluation) run() *Report {
	o := ev.opts
	ev.rep = &Report{
		SchemaVersion: SchemaVersion,
		RuleSet:       RuleSetVersion,
		Bundle:        Bundle{File: ev.src.Name(), SHA256: ev.src.SHA256(), Source: ev.m.Source},
		CapturedAt:    ev.now.UTC().Format(time.RFC3339Nano),
		Namespace:     ev.m.Namespace,
		Selector:      ev.m.Selector,
		Options: ReportOptions{
			WarnOnPending: o.WarnOnPending, TreatUnknownAsError: o.TreatUnknownAsError,
			PendingAfter: o.PendingAfter.String(), MaxRuntime: o.MaxRuntime.String(),
			DeadlineWarnPercent: o.DeadlineWarnPercent, SuspendedLevel: o.SuspendedLevel.String(),
			RestartWarn: o.RestartWarn, WaitingWarnAfter: o.WaitingWarnAfter.String(),
			UnschedulableErrorAfter: o.UnschedulableErrorAfter.String(), TerminatingWarnAfter: o.TerminatingWarnAfter.String(),
			AllowEmpty: o.AllowEmpty, Expect: append([]string{}, o.Expect...), EventRules: len(o.EventRules),
		},
		Findings: []model.Finding{}, Jobs: []JobResult{}, BarePods: []PodResult{},
		CaptureFailures: []CaptureFailure{}, InputProblems: []InputProblem{},
	}
	sort.Strings(ev.rep.Options.Expect)
	ev.captureFailures()

	// The three lists are parsed concurrently (they are independent, and
	// together most of the work); what went wrong is recorded afterwards,
	// in the order jobs, pods, events.
	jobsRef := ev.lookup(bundle.KindJobs, bundle.JobsMember)
	podsRef := ev.lookup(bundle.KindPods, bundle.PodsMember)
	eventsRef := ev.lookup(bundle.KindEvents, bundle.EventsMember)
	var (
		jobs                        []model.Job
		pods                        []model.Pod
		events                      []model.Event
		groups                      []*eventGroup // events deduplicated (E6)
		jobErrs, podErrs, eventErrs []*parse.ItemError
		jobErr, podErr, eventErr    error
		wg                          sync.WaitGroup
	)
	if jobsRef.ok() {
		wg.Go(func() { jobs, jobErrs, jobErr = parse.Jobs(jobsRef.cmd.Member, jobsRef.data) })
	}
	if eventsRef.ok() {
		wg.Go(func() {
			events, eventErrs, eventErr = parse.Events(eventsRef.cmd.Member, eventsRef.data)
			groups = dedupe(events, ev.m.Namespace)
		})
	}
	if podsRef.ok() {
		pods, podErrs, podErr = parse.Pods(podsRef.cmd.Member, podsRef.data)
	}
	wg.Wait()
	jobsOK := false
	if member, ok := ev.use(&jobsRef); ok {
		ev.parseErrors(member, jobErrs, jobErr, true)
		jobsOK = jobErr == nil
	}
	if member, ok := ev.use(&podsRef); ok {
		ev.parseErrors(member, podErrs, podErr, false)
	}
	if member, ok := ev.use(&eventsRef); ok {
		ev.parseErrors(member, eventErrs, eventErr, false)
	}
	ev.inputFindings()
	if groups == nil {
		groups = dedupe(nil, ev.m.Namespace)
	}
	ev.correlate(jobs, pods, groups)

	if jobsOK {
		if len(jobs) == 0 && !o.AllowEmpty {
			ev.rep.Findings = append(ev.rep.Findings, model.Finding{
				Rule: RuleNoJobs, Level: model.LevelWarn,
				Message:  "no Job matched selector " + quoteSel(ev.m.Selector) + " in namespace " + ev.m.Namespace,
				Evidence: model.Evidence{Member: bundle.JobsMember, Fields: []model.Field{fld("items", "0"), fld("selector", ev.m.Selector)}},
			})
		}
		ev.expect()
	}
	ev.eventRulesAbsent(events)

	// O1: the verdict is the worst of the bundle findings, the Jobs and the bare pods.
	r := ev.rep
	sortFindings(r.Findings)
	v := worst(r.Findings)
	for _, j := range r.Jobs {
		v = v.Worst(j.Health)
		switch j.Health {
		case model.LevelOK:
			r.Counts.JobsOK++
		case model.LevelWarn:
			r.Counts.JobsWarn++
		default:
			r.Counts.JobsError++
		}
	}
	for _, p := range r.BarePods {
		v = v.Worst(p.Health)
	}
	r.Verdict = v
	r.Counts.Jobs = len(r.Jobs)
	r.Counts.BarePods = len(r.BarePods)
	r.Counts.Pods = len(pods)
	sort.SliceStable(r.InputProblems, func(a, b int) bool {
		x, y := r.InputProblems[a], r.InputProblems[b]
		if x.Member != y.Member {
			return x.Member < y.Member
		}
		if x.Index != y.Index {
			return x.Index < y.Index
		}
		return x.Field < y.Field
	})
	return r
}

func quoteSel(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// captureFailures lists every command that did not capture (O2). A failed
// command is WARN; a jobs list that failed or was not captured is UNKNOWN;
// other commands not captured (an import without that file) are noted at OK.
func (ev *evaluation) captureFailures() {
	for _, c := range ev.m.Commands {
		if !c.Failed() {
			continue
		}
		ev.captureFinding(c)
	}
}

func (ev *evaluation) captureFinding(c bundle.Command) {
	ev.rep.CaptureFailures = append(ev.rep.CaptureFailures, CaptureFailure{
		Kind: c.Kind, Member: c.Member, Pod: c.Pod, Container: c.Container, Status: c.Status,
		ExitCode: c.ExitCode, Error: textutil.OneLine(c.Error), Stderr: strings.TrimRight(c.Stderr, "\n"),
	})
	level := model.LevelWarn
	if c.Status == bundle.StatusNotCaptured {
		level = model.LevelOK
	}
	what := c.Kind
	if c.Pod != "" {
		what += " " + c.Pod
		if c.Container != "" {
			what += "/" + c.Container
		}
	}
	msg := what + " " + strings.ReplaceAll(c.Status, "_", " ")
	if c.Kind == bundle.KindJobs {
		level = model.LevelUnknown
		msg += ", so no Job can be evaluated"
	}
	// The command's error already quotes kubectl's final stderr line (earlier
	// lines are often klog noise); stderr is the detail only when it has none.
	detail := textutil.OneLine(c.Error)
	if detail == "" {
		detail = textutil.LastLine(c.Stderr)
	}
	if detail != "" {
		msg += ": " + detail
	}
	fields := []model.Field{fld("status", c.Status), fld("exit_code", fmt.Sprint(c.ExitCode))}
	if c.Error != "" {
		fields = append(fields, fld("error", textutil.OneLine(c.Error)))
	}
	if d := textutil.LastLine(c.Stderr); d != "" {
		fields = append(fields, fld("stderr", d))
	}
	ev.rep.Findings = append(ev.rep.Findings, model.Finding{
		Rule: RuleCaptureFailed, Level: level, Message: msg,
		Evidence: model.Evidence{Member: bundle.ManifestMember, Kind: "Command", Name: c.Kind, Fields: fields},
	})
}

// inputFindings turns item-level input problems into one WARN finding per
// member (O5); whole-member problems of pods and events are WARN too.
func (ev *evaluation) inputFindings() {
	per := map[string]int{}
	var members []string
	for _, p := range ev.rep.InputProblems {
		if p.Member == bundle.JobsMember && p.Index < 0 {
			continue // already an UNKNOWN finding
		}
		if per[p.Member] == 0 {
			members = append(members, p.Member)
		}
		per[p.Member]++
	}
	sort.Strings(members)
	for _, mem := range members {
		var first InputProblem
		for _, p := range ev.rep.InputProblems {
			if p.Member == mem {
				first = p
				break
			}
		}
		msg := ""
		if first.Index < 0 {
			msg = "member " + mem + " cannot be read: " + first.Problem
		} else {
			msg = fmt.Sprintf("%d malformed item(s) in %s skipped; first: item %d", per[mem], mem, first.Index)
			if first.Field != "" {
				msg += " field " + first.Field
			}
			msg += ": " + first.Problem
		}
		ev.rep.Findings = append(ev.rep.Findings, model.Finding{
			Rule: RuleInput, Level: model.LevelWarn, Message: msg,
			Evidence: model.Evidence{Member: mem, Fields: []model.Field{fld("problems", fmt.Sprint(per[mem]))}},
		})
	}
}

// expect applies J9.
func (ev *evaluation) expect() {
	have := map[string]bool{}
	for _, j := range ev.rep.Jobs {
		have[j.Name] = true
	}
	for _, n := range ev.rep.Options.Expect {
		if !have[n] {
			ev.rep.Findings = append(ev.rep.Findings, model.Finding{
				Rule: RuleJobMissing, Level: model.LevelError,
				Message:  "expected Job " + n + " is absent",
				Evidence: model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: n, Fields: []model.Field{fld("metadata.name", n)}},
			})
		}
	}
}
