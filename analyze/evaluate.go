package analyze

import (
	"errors"
	"fmt"
	"github.com/ksnap/ksnap/internal/textutil"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
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

// Evaluate analyses one bundle under a rule set (rules.Default() for the
// newest, rules.Lookup to select one). It returns an error only when the
// bundle cannot be evaluated at all (no manifest, no rule set, bad options,
// or a capture time that does not parse); every other problem is part of
// the Report.
func Evaluate(src Source, rs rules.RuleSet, opts Options) (*Report, error) {
	if rs.IsZero() {
		return nil, errors.New("no rule set given")
	}
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
	ev := &evaluation{src: src, m: m, now: now, opts: opts, rs: rs, env: &rules.Env{Now: now, Opts: opts.Options}}
	return ev.run(), nil
}

// evaluation is one Evaluate call: it joins the facts (ev.facts, and
// per Job and pod in correlate), lets the rule set judge them and assembles
// the Report around the findings.
type evaluation struct {
	src   Source
	m     *bundle.Manifest
	now   time.Time
	opts  Options
	rs    rules.RuleSet
	env   *rules.Env
	facts rules.Bundle // the bundle-level facts
	rep   *Report
	// logIdx indexes the manifest's log commands (logs), built on first use.
	logIdx *logIndex
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
		ev.captureFailure(bundle.Command{Kind: r.kind, Member: r.defMember, Status: bundle.StatusNotCaptured, ExitCode: -1, Error: "no " + r.kind + " command in the manifest"})
		return r.defMember, false
	case r.cmd.Failed():
		return r.cmd.Member, false // recorded with the manifest's failed commands in run
	case r.err != nil:
		ev.inputProblem(r.cmd.Member, -1, "", r.err.Error(), r.kind == bundle.KindJobs)
		return r.cmd.Member, false
	}
	return r.cmd.Member, true
}

// inputProblem records a member or item that could not be read; fatal
// marks the jobs list, without which no Job can be evaluated (O5).
func (ev *evaluation) inputProblem(member string, index int, field, problem string, fatal bool) {
	ev.rep.InputProblems = append(ev.rep.InputProblems, InputProblem{Member: member, Index: index, Field: field, Problem: problem})
	ev.facts.Problems = append(ev.facts.Problems, rules.Problem{Member: member, Index: index, Field: field, Problem: problem, Fatal: fatal})
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
		RuleSet:       ev.rs.Version(),
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
			LogLines: o.LogLines,
		},
		Findings: []model.Finding{}, Jobs: []JobResult{}, BarePods: []PodResult{},
		CaptureFailures: []CaptureFailure{}, InputProblems: []InputProblem{},
	}
	sort.Strings(ev.rep.Options.Expect)
	ev.facts.Namespace, ev.facts.Selector = ev.m.Namespace, ev.m.Selector
	for _, c := range ev.m.Commands {
		if c.Failed() {
			ev.captureFailure(c)
		}
	}

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
		groups                      []*rules.EventGroup // events deduplicated (E6)
		groupObjs                   []int32             // which groups share an object (dedupe)
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
			groups, groupObjs = dedupe(events, ev.m.Namespace)
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
	if groups == nil {
		groups, groupObjs = dedupe(nil, ev.m.Namespace)
	}
	states, podStates, jobFacts := ev.correlate(jobs, pods, groups, groupObjs)
	ev.joinMetrics(podStates, &podsRef)
	ev.facts.Jobs, ev.facts.JobsRead, ev.facts.Events = jobFacts, jobsOK, events
	ev.rs.Relate(jobFacts)

	// Judge and assemble: the rules' findings become the report.
	ev.judge(states, podStates)
	ev.rep.Findings = ev.rs.EvaluateBundle(ev.env, &ev.facts)

	ev.finish(len(pods))
	return ev.rep
}

// captureFailure records a command that did not capture (O2).
func (ev *evaluation) captureFailure(c bundle.Command) {
	ev.rep.CaptureFailures = append(ev.rep.CaptureFailures, CaptureFailure{
		Kind: c.Kind, Member: c.Member, Pod: c.Pod, Container: c.Container, Status: c.Status,
		ExitCode: c.ExitCode, Error: textutil.OneLine(c.Error), Stderr: strings.TrimRight(c.Stderr, "\n"),
	})
	ev.facts.Failures = append(ev.facts.Failures, c)
}
