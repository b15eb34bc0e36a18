package userrules

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

// Codes of the rules a rules file adds.
const (
	CodeEvent    = "U1" // an event reason the file raises
	CodeRuntime  = "U2" // an active Job over the file's maxRuntime
	CodeRestarts = "U3" // a container over the file's maxRestarts
	CodePending  = "U4" // a Job pending longer than the file's pendingAfter
	CodeExpected = "U5" // no successful run of an expected CronJob in its window
)

// VersionOf is the rule set version a rules file gives: the base's version,
// "+rules-sha256:" and the file's sha256, so a report and a history record
// name the exact file (sha256sum FILE shows the same digest).
func VersionOf(base rules.RuleSet, f *File) string {
	return base.Version() + "+rules-sha256:" + f.SHA256
}

// RuleSet returns base extended with the file's rules (U1–U5, after
// base's rules, each only when the file has an entry for it). Its name is
// base's with "+rules", its version VersionOf(base, f).
func (f *File) RuleSet(base rules.RuleSet) (rules.RuleSet, error) {
	src := filepath.Base(f.Name)
	var add []rules.Rule
	if len(f.Events) > 0 {
		add = append(add, rules.Rule{Code: CodeEvent, Level: model.LevelWarn, UserLevel: true,
			Doc: "an event the rules file's events list names (reason, optional object kind and message pattern), at the entry's level",
			Job: func(_ *rules.Env, j *rules.Job, out *rules.Out) { f.events("Job", j.Events, src, out) },
			Pod: func(_ *rules.Env, p *rules.Pod, out *rules.Out) { f.events("Pod", p.Events, src, out) }})
	}
	var runtime, restarts, pending bool
	for _, t := range f.Limits {
		runtime = runtime || t.MaxRuntime > 0
		restarts = restarts || t.MaxRestarts.Set
		pending = pending || t.PendingAfter > 0
	}
	if runtime {
		add = append(add, rules.Rule{Code: CodeRuntime, Level: model.LevelWarn, UserLevel: true,
			Doc: "RUNNING, and now − `startTime` > the `maxRuntime` of a rules file threshold selecting the Job (namespace, owner)",
			Job: func(e *rules.Env, j *rules.Job, out *rules.Out) { f.runtime(e, j, src, out) }})
	}
	if restarts {
		add = append(add, rules.Rule{Code: CodeRestarts, Level: model.LevelWarn, UserLevel: true,
			Doc: "a container of the pod restarted more often than the `maxRestarts` of a rules file threshold selecting its Job",
			Pod: func(_ *rules.Env, p *rules.Pod, out *rules.Out) { f.restarts(p, src, out) }})
	}
	if pending {
		add = append(add, rules.Rule{Code: CodePending, Level: model.LevelWarn, UserLevel: true,
			Doc: "PENDING, and now − `creationTimestamp` ≥ the `pendingAfter` of a rules file threshold selecting the Job",
			Job: func(e *rules.Env, j *rules.Job, out *rules.Out) { f.pending(e, j, src, out) }})
	}
	if len(f.Expect) > 0 {
		add = append(add, rules.Rule{Code: CodeExpected, Level: model.LevelError, UserLevel: true,
			Doc:    "no Job of an expected CronJob completed within `succeededWithin` before the capture time (bundle-level; not checked when the jobs list is unavailable)",
			Bundle: func(e *rules.Env, b *rules.Bundle, out *rules.Out) { f.expected(e, b, src, out) }})
	}
	return base.Derive(base.Name()+"+rules", VersionOf(base, f), add...)
}

func level(l Level) model.Level {
	if l == Error {
		return model.LevelError
	}
	return model.LevelWarn
}

func fld(path, value string) model.Field { return model.Field{Path: path, Value: value} }

func (f *File) events(kind string, groups []*rules.EventGroup, src string, out *rules.Out) {
	for _, g := range groups {
		for _, r := range f.Events {
			if g.Reason != r.Reason || (r.Kind != "" && r.Kind != kind) || (r.Message != nil && !r.Message.MatchString(g.Message)) {
				continue
			}
			out.AddAt(level(r.Level), fmt.Sprintf("%s %s: %s event %s (%d×), raised by %s %s", strings.ToLower(kind), g.Name, g.Type, g.Reason, g.Count, src, r.Where),
				model.Evidence{Member: bundle.EventsMember, Kind: g.Kind, Name: g.Name, Fields: []model.Field{
					fld("type", g.Type), fld("reason", g.Reason), fld("count", strconv.FormatInt(g.Count, 10)), fld("last", model.FormatTime(g.Last))}})
		}
	}
}

// selects reports whether t applies to job (nil for a bare pod) in ns.
func (t *Threshold) selects(ns string, job *model.Job) bool {
	if t.Namespace != "" && t.Namespace != ns {
		return false
	}
	if t.Owner == "" {
		return true
	}
	if job == nil {
		return false
	}
	kind, name, _ := strings.Cut(t.Owner, "/")
	if kind == "Job" {
		return job.Name == name
	}
	return job.Owner.Kind == "CronJob" && job.Owner.Name == name
}

func jobEvidence(j *model.Job, fs ...model.Field) model.Evidence {
	return model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: j.Name, Fields: fs}
}

func (f *File) runtime(e *rules.Env, j *rules.Job, src string, out *rules.Out) {
	if j.Phase != model.PhaseRunning || j.Job.StartTime.IsZero() {
		return
	}
	ran := e.Now.Sub(j.Job.StartTime)
	for i := range f.Limits {
		t := &f.Limits[i]
		if t.MaxRuntime > 0 && t.selects(j.Job.Namespace, j.Job) && ran > t.MaxRuntime {
			out.AddAt(level(t.Level), fmt.Sprintf("job %s has run %s, longer than %s (%s %s)", j.Job.Name, ran.Round(time.Second), t.MaxRuntime, src, t.Where),
				jobEvidence(j.Job, fld("status.startTime", model.FormatTime(j.Job.StartTime)), fld("maxRuntime", t.MaxRuntime.String())))
		}
	}
}

func (f *File) pending(e *rules.Env, j *rules.Job, src string, out *rules.Out) {
	if j.Phase != model.PhasePending || j.Job.Created.IsZero() {
		return
	}
	age := e.Now.Sub(j.Job.Created)
	for i := range f.Limits {
		t := &f.Limits[i]
		if t.PendingAfter > 0 && t.selects(j.Job.Namespace, j.Job) && age >= t.PendingAfter {
			out.AddAt(level(t.Level), fmt.Sprintf("job %s has been pending %s, at least %s (%s %s)", j.Job.Name, age.Round(time.Second), t.PendingAfter, src, t.Where),
				jobEvidence(j.Job, fld("metadata.creationTimestamp", model.FormatTime(j.Job.Created)), fld("pendingAfter", t.PendingAfter.String())))
		}
	}
}

func (f *File) restarts(p *rules.Pod, src string, out *rules.Out) {
	var job *model.Job
	if p.Job != nil {
		job = p.Job.Job
	}
	for i := range f.Limits {
		t := &f.Limits[i]
		if !t.MaxRestarts.Set || !t.selects(p.Pod.Namespace, job) {
			continue
		}
		for _, c := range p.Pod.Containers {
			if c.RestartCount > t.MaxRestarts.Val {
				out.AddAt(level(t.Level), fmt.Sprintf("pod %s container %s restarted %d times, more than %d (%s %s)", p.Pod.Name, c.Name, c.RestartCount, t.MaxRestarts.Val, src, t.Where),
					model.Evidence{Member: bundle.PodsMember, Kind: "Pod", Name: p.Pod.Name, Fields: []model.Field{
						fld("status.containerStatuses["+c.Name+"].restartCount", strconv.FormatInt(c.RestartCount, 10)), fld("maxRestarts", t.MaxRestarts.String())}})
			}
		}
	}
}

func (f *File) expected(e *rules.Env, b *rules.Bundle, src string, out *rules.Out) {
	if !b.JobsRead {
		return
	}
	for _, x := range f.Expect {
		ns := x.Namespace
		if ns == "" {
			ns = b.Namespace
		}
		var latest time.Time
		for _, j := range b.Jobs {
			m := j.Job
			if m.Namespace != ns || m.Owner.Kind != "CronJob" || m.Owner.Name != x.CronJob || j.Phase != model.PhaseSucceeded {
				continue
			}
			if m.CompletionTime.After(latest) {
				latest = m.CompletionTime
			}
		}
		if !latest.IsZero() && e.Now.Sub(latest) <= x.SucceededWithin {
			continue
		}
		msg := fmt.Sprintf("no run of CronJob/%s succeeded in the %s before the capture", x.CronJob, x.SucceededWithin)
		fields := []model.Field{fld("cronJob", x.CronJob), fld("succeededWithin", x.SucceededWithin.String())}
		if latest.IsZero() {
			msg += " (none captured)"
		} else {
			msg += fmt.Sprintf(" (latest completed %s, %s before)", model.FormatTime(latest), e.Now.Sub(latest).Round(time.Second))
			fields = append(fields, fld("latestCompletion", model.FormatTime(latest)))
		}
		out.AddAt(level(x.Level), msg+" ("+src+" "+x.Where+")", model.Evidence{Member: bundle.JobsMember, Kind: "CronJob", Name: x.CronJob, Fields: fields})
	}
}
