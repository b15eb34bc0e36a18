package analyze

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
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

// timeLayout is how reports print object times: RFC 3339, UTC, seconds.
const timeLayout = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
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

// member loads and parses one list member. ok is false when the member is
// unavailable (command failed, not captured, missing or unreadable); the
// reason is already recorded in the report.
func (ev *evaluation) member(kind, defMember string) ([]byte, string, bool) {
	c, found := ev.m.Command(kind)
	if !found {
		ev.captureFinding(bundle.Command{Kind: kind, Member: defMember, Status: bundle.StatusNotCaptured, ExitCode: -1, Error: "no " + kind + " command in the manifest"})
		return nil, defMember, false
	}
	if c.Failed() {
		return nil, c.Member, false // reported by captureFailures
	}
	data, err := ev.src.Member(c.Member)
	if err != nil {
		ev.inputProblem(c.Member, -1, "", err.Error(), kind == bundle.KindJobs)
		return nil, c.Member, false
	}
	return data, c.Member, true
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

	var jobs []model.Job
	jobsOK := false
	if data, member, ok := ev.member(bundle.KindJobs, bundle.JobsMember); ok {
		var errs []*parse.ItemError
		var err error
		jobs, errs, err = parse.Jobs(member, data)
		ev.parseErrors(member, errs, err, true)
		jobsOK = err == nil
	}
	var pods []model.Pod
	if data, member, ok := ev.member(bundle.KindPods, bundle.PodsMember); ok {
		var errs []*parse.ItemError
		var err error
		pods, errs, err = parse.Pods(member, data)
		ev.parseErrors(member, errs, err, false)
	}
	var events []model.Event
	if data, member, ok := ev.member(bundle.KindEvents, bundle.EventsMember); ok {
		var errs []*parse.ItemError
		var err error
		events, errs, err = parse.Events(member, data)
		ev.parseErrors(member, errs, err, false)
	}
	ev.inputFindings()
	ev.correlate(jobs, pods, events)

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
		ExitCode: c.ExitCode, Error: oneLine(c.Error), Stderr: strings.TrimRight(c.Stderr, "\n"),
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
	detail := oneLine(c.Error)
	if detail == "" {
		detail = lastLine(c.Stderr)
	}
	if detail != "" {
		msg += ": " + detail
	}
	fields := []model.Field{fld("status", c.Status), fld("exit_code", fmt.Sprint(c.ExitCode))}
	if c.Error != "" {
		fields = append(fields, fld("error", oneLine(c.Error)))
	}
	if d := lastLine(c.Stderr); d != "" {
		fields = append(fields, fld("stderr", d))
	}
	ev.rep.Findings = append(ev.rep.Findings, model.Finding{
		Rule: RuleCaptureFailed, Level: level, Message: msg,
		Evidence: model.Evidence{Member: bundle.ManifestMember, Kind: "Command", Name: c.Kind, Fields: fields},
	})
}

// lastLine returns the last non-empty line of s: kubectl prints its error
// last, after any klog noise.
func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
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
