package analyze

import (
	"fmt"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Waiting reasons by rule.
var (
	imagePullReasons = set("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "ImageInspectError")                     // P4
	configReasons    = set("CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreStartHookError", "PreCreateHookError") // P5
	// podReasons are status.reason values of infrastructure failures (P9).
	podReasons = set("Evicted", "NodeLost", "Shutdown", "UnexpectedAdmissionError", "NodeAffinity", "PreemptionByScheduler", "TerminationByKubelet", "DeadlineExceeded")
	// waitingErrorEvents make a long wait an ERROR (P6).
	waitingErrorEvents = set("FailedMount", "FailedCreatePodSandBox")
	// notableEvents are the Warning reasons E4 surfaces.
	notableEvents = set("FailedScheduling", "FailedMount", "FailedCreatePodSandBox", "BackOff", "Unhealthy", "Failed", "Evicted", "Preempting", "Preempted", "FailedCreate")
)

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// podLevel adjusts a pod finding's level for the pod's Job (P2 note: Job
// pods feed J1/J4 rather than failing on their own):
//   - bare pods keep the rule's level;
//   - pods of a SUCCEEDED Job are history: OK, except OOMKilled (P7, WARN);
//   - pods of a FAILED Job: failure rules (P2, P7, P8, P9) are ERROR;
//   - otherwise a failed attempt (P2, P7, P8, P9) is at most WARN: the Job
//     is retrying (J4) and may still succeed.
func podLevel(ps *podState, rule string, l model.Level) model.Level {
	if ps.job == nil {
		return l
	}
	switch ps.job.phase {
	case model.PhaseSucceeded:
		if rule == RuleOOMKilled {
			return model.LevelWarn
		}
		return model.LevelOK
	case model.PhaseFailed:
		switch rule {
		case RulePodFailed, RuleOOMKilled, RuleExitCode, RulePodReason:
			return model.LevelError
		}
		return l
	}
	switch rule {
	case RulePodFailed, RuleExitCode, RuleOOMKilled, RulePodReason:
		if l > model.LevelWarn {
			return model.LevelWarn
		}
	}
	return l
}

func (ev *evaluation) podFinding(ps *podState, rule string, l model.Level, msg string, fields ...model.Field) {
	ps.res.Findings = append(ps.res.Findings, model.Finding{
		Rule: rule, Level: podLevel(ps, rule, l), Message: msg, Evidence: podEvidence(ps.pod, fields...),
	})
}

func containerPath(c *model.ContainerStatus, sub string) string {
	list := "status.containerStatuses"
	if c.Type == model.ContainerInit {
		list = "status.initContainerStatuses"
	}
	return list + "[" + c.Name + "]." + sub
}

func lastTermination(c *model.ContainerStatus) string {
	if c.LastState.Kind != model.StateTerminated {
		return ""
	}
	s := "last terminated " + reasonOr(c.LastState.Reason, "without reason") + " (exit " + itoa(c.LastState.ExitCode)
	if c.LastState.Signal != 0 {
		s += ", signal " + itoa(c.LastState.Signal)
	}
	return s + ")"
}

// podRules applies P1–P17 and E4/E5 to one pod.
func (ev *evaluation) podRules(ps *podState) {
	p := ps.pod
	o := ev.opts
	name := "pod " + p.Name
	for _, g := range ps.events {
		ps.res.Events = appendWarning(ps.res.Events, g)
	}
	ev.eventRules(ps, nil)
	defer func() {
		sortFindings(ps.res.Findings)
		ps.res.Health = worst(ps.res.Findings)
	}()

	if !p.Deleted.IsZero() { // P16
		stuck := ev.now.Sub(p.Deleted)
		l := model.LevelOK
		msg := name + " is terminating (deletionTimestamp " + fmtTime(p.Deleted) + ")"
		if stuck > o.TerminatingWarnAfter {
			l = model.LevelWarn
			msg = name + " is stuck terminating for " + fmtAge(stuck) + " past its deletionTimestamp"
		}
		ev.podFinding(ps, RuleTerminating, l, msg, fld("metadata.deletionTimestamp", fmtTime(p.Deleted)))
	}
	if p.Phase == "Succeeded" { // P1: skip container checks
		return
	}
	if p.Reason != "" && podReasons[p.Reason] { // P9
		l := model.LevelWarn
		if ps.job != nil && ps.job.phase == model.PhaseFailed {
			l = model.LevelError
		}
		ev.podFinding(ps, RulePodReason, l, name+" "+strings.ToLower(p.Phase)+": "+p.Reason+msgSuffix(p.Message),
			fld("status.phase", p.Phase), fld("status.reason", p.Reason), fld("status.message", textutil.OneLine(p.Message)))
	} else if p.Phase == "Failed" { // P2
		ev.podFinding(ps, RulePodFailed, model.LevelError, name+" failed"+reasonSuffix(p.Reason)+msgSuffix(p.Message),
			fld("status.phase", p.Phase), fld("status.reason", p.Reason), fld("status.message", textutil.OneLine(p.Message)))
	}
	if p.Phase == "Unknown" { // P17
		ev.podFinding(ps, RulePodUnknown, model.LevelWarn, name+" is in phase Unknown (node unreachable?)"+msgSuffix(p.Message),
			fld("status.phase", p.Phase), fld("status.reason", p.Reason))
	}
	for _, c := range p.Conditions {
		switch {
		case c.Type == "DisruptionTarget" && c.Status == "True": // P10
			ev.podFinding(ps, RuleDisruption, model.LevelWarn, name+" disrupted: "+reasonOr(c.Reason, "DisruptionTarget")+msgSuffix(c.Message),
				fld("status.conditions[DisruptionTarget].reason", c.Reason), fld("status.conditions[DisruptionTarget].message", textutil.OneLine(c.Message)))
		case c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable" && p.Phase == "Pending": // P11
			l := model.LevelWarn
			age := ev.now.Sub(c.LastTransitionTime)
			fields := []model.Field{fld("status.conditions[PodScheduled].reason", c.Reason), fld("status.conditions[PodScheduled].message", textutil.OneLine(c.Message))}
			msg := name + " is unschedulable"
			if !c.LastTransitionTime.IsZero() {
				fields = append(fields, fld("status.conditions[PodScheduled].lastTransitionTime", fmtTime(c.LastTransitionTime)))
				msg += " for " + fmtAge(age)
			}
			if c.LastTransitionTime.IsZero() || age >= o.UnschedulableErrorAfter {
				l = model.LevelError
			}
			ev.podFinding(ps, RuleUnschedulable, l, msg+msgSuffix(c.Message), fields...)
		case c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "SchedulingGated": // P12
			ev.podFinding(ps, RuleSchedulingGated, model.LevelOK, name+" is scheduling-gated"+msgSuffix(c.Message),
				fld("status.conditions[PodScheduled].reason", c.Reason))
		case c.Type == "Ready" && c.Status == "False" && p.Phase == "Running" && ps.job == nil && p.Owner.Kind != "Job" && p.JobNameLabel == "": // P13
			ev.podFinding(ps, RuleNotReady, model.LevelWarn, name+" is running but not ready"+reasonSuffix(c.Reason),
				fld("status.conditions[Ready].status", c.Status), fld("status.conditions[Ready].reason", c.Reason))
		}
	}
	for i := range p.Containers {
		ev.containerRules(ps, &p.Containers[i])
	}
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

func msgSuffix(m string) string {
	if m = textutil.OneLine(m); m == "" {
		return ""
	}
	return ": " + textutil.Truncate(m, 200)
}

func (ev *evaluation) containerRules(ps *podState, c *model.ContainerStatus) {
	p := ps.pod
	o := ev.opts
	who := "pod " + p.Name + " container " + c.Name
	init := c.Type == model.ContainerInit && !c.Sidecar
	if init {
		who = "pod " + p.Name + " init container " + c.Name
	}
	st := c.State
	stPath := func(f string) string { return containerPath(c, "state."+st.Kind.String()+"."+f) }

	// P7 in either state or lastState.
	if st.Kind == model.StateTerminated && st.Reason == "OOMKilled" {
		l := model.LevelWarn
		if p.Phase == "Failed" {
			l = model.LevelError
		}
		ev.podFinding(ps, RuleOOMKilled, l, who+" was OOMKilled (exit "+itoa(st.ExitCode)+")",
			fld(stPath("reason"), st.Reason), fld(stPath("exitCode"), itoa(st.ExitCode)))
	} else if c.LastState.Kind == model.StateTerminated && c.LastState.Reason == "OOMKilled" {
		ev.podFinding(ps, RuleOOMKilled, model.LevelWarn, who+" was OOMKilled before its last restart (exit "+itoa(c.LastState.ExitCode)+")",
			fld(containerPath(c, "lastState.terminated.reason"), c.LastState.Reason), fld(containerPath(c, "lastState.terminated.exitCode"), itoa(c.LastState.ExitCode)))
	}
	if c.RestartCount >= o.RestartWarn { // P14
		ev.podFinding(ps, RuleRestarts, model.LevelWarn, fmt.Sprintf("%s restarted %d times (threshold %d)", who, c.RestartCount, o.RestartWarn),
			fld(containerPath(c, "restartCount"), itoa(c.RestartCount)))
	}
	switch st.Kind {
	case model.StateWaiting:
		rule := ""
		switch {
		case init && (st.Reason == "CrashLoopBackOff" || imagePullReasons[st.Reason] || configReasons[st.Reason]):
			rule = RuleInitFailed
		case st.Reason == "CrashLoopBackOff":
			rule = RuleCrashLoop
		case imagePullReasons[st.Reason]:
			rule = RuleImagePull
		case configReasons[st.Reason]:
			rule = RuleContainerConfig
		}
		if rule != "" {
			msg := who + " is waiting: " + st.Reason
			if init {
				msg = who + " failed: Init:" + st.Reason
			}
			if lt := lastTermination(c); lt != "" {
				msg += ", " + lt
			}
			fields := []model.Field{fld(stPath("reason"), st.Reason), fld(stPath("message"), textutil.OneLine(st.Message))}
			if c.LastState.Kind == model.StateTerminated {
				fields = append(fields, fld(containerPath(c, "lastState.terminated.reason"), c.LastState.Reason),
					fld(containerPath(c, "lastState.terminated.exitCode"), itoa(c.LastState.ExitCode)))
			}
			ev.podFinding(ps, rule, model.LevelError, msg, fields...)
			return
		}
		// P6: any other waiting reason (ContainerCreating, PodInitializing, ...).
		since := p.StartTime
		if since.IsZero() {
			since = p.Created
		}
		age := ev.now.Sub(since)
		var lastWarn *eventGroup
		for _, g := range ps.events {
			if g.typ == "Warning" && (lastWarn == nil || !g.last.Before(lastWarn.last)) {
				lastWarn = g
			}
		}
		fields := []model.Field{fld(stPath("reason"), st.Reason)}
		switch {
		case lastWarn != nil && waitingErrorEvents[lastWarn.reason]:
			fields = append(fields, fld("event.reason", lastWarn.reason), fld("event.message", textutil.OneLine(lastWarn.msg)))
			ev.podFinding(ps, RuleWaiting, model.LevelError, who+" is waiting ("+reasonOr(st.Reason, "no reason")+"), latest Warning event "+lastWarn.reason+msgSuffix(lastWarn.msg), fields...)
		case since.IsZero() || age >= o.WaitingWarnAfter:
			if !since.IsZero() {
				fields = append(fields, fld("status.startTime", fmtTime(since)))
			}
			ev.podFinding(ps, RuleWaiting, model.LevelWarn, who+" has been waiting ("+reasonOr(st.Reason, "no reason")+") for "+ageOrUnknown(since, age), fields...)
		}
	case model.StateTerminated:
		if st.ExitCode == 0 || st.Reason == "OOMKilled" || p.Phase == "Succeeded" {
			return
		}
		rule, msg := RuleExitCode, who+" terminated "+reasonOr(st.Reason, "without reason")+" (exit "+itoa(st.ExitCode)
		if init {
			rule, msg = RuleInitFailed, who+" failed: Init:"+reasonOr(st.Reason, "ExitCode:"+itoa(st.ExitCode))+" (exit "+itoa(st.ExitCode)
		}
		fields := []model.Field{fld(stPath("reason"), st.Reason), fld(stPath("exitCode"), itoa(st.ExitCode))}
		if st.Signal != 0 {
			msg += ", signal " + itoa(st.Signal)
			fields = append(fields, fld(stPath("signal"), itoa(st.Signal)))
		}
		if st.Message != "" {
			fields = append(fields, fld(stPath("message"), textutil.OneLine(st.Message)))
		}
		ev.podFinding(ps, rule, model.LevelError, msg+")", fields...)
	}
}

func ageOrUnknown(since time.Time, age time.Duration) string {
	if since.IsZero() {
		return "an unknown time (no start time)"
	}
	return fmtAge(age)
}

// appendWarning adds a Warning event group to a result's event list (E1:
// Normal events are context only and are counted, not listed).
func appendWarning(list []EventResult, g *eventGroup) []EventResult {
	if g.typ != "Warning" {
		return list
	}
	return append(list, g.result())
}

// eventRules applies E4 and E5 (present) to a pod's or a Job's events.
func (ev *evaluation) eventRules(ps *podState, st *jobState) {
	var groups []*eventGroup
	if ps != nil {
		groups = ps.events
	} else {
		groups = st.events
	}
	for _, g := range groups {
		// Most groups raise nothing: build the evidence only for a finding.
		var ev_ model.Evidence
		evidence := func() model.Evidence {
			if ev_.Fields == nil {
				fields := []model.Field{fld("type", g.typ), fld("reason", g.reason), fld("count", itoa(g.count)), fld("last", fmtTime(g.last)), fld("message", textutil.OneLine(g.msg))}
				ev_ = model.Evidence{Member: bundle.EventsMember, Kind: g.key.kind, Name: g.key.name, Fields: fields}
			}
			return ev_
		}
		if g.typ == "Warning" && notableEvents[g.reason] && !(st != nil && (g.reason == "BackoffLimitExceeded" || g.reason == "DeadlineExceeded")) {
			msg := fmt.Sprintf("Warning event %s on %s %s (×%d, last %s)%s", g.reason, g.key.kind, g.key.name, g.count, fmtTime(g.last), msgSuffix(g.msg))
			f := model.Finding{Rule: RuleWarningEvent, Level: model.LevelWarn, Message: msg, Evidence: evidence()}
			if ps != nil {
				f.Level = podLevel(ps, RuleWarningEvent, f.Level)
				ps.res.Findings = append(ps.res.Findings, f)
			} else {
				if st.phase == model.PhaseSucceeded {
					f.Level = model.LevelOK
				}
				st.res.Findings = append(st.res.Findings, f)
			}
		}
		for _, r := range ev.opts.EventRules {
			if r.When != Present || !r.matches(g) {
				continue
			}
			f := model.Finding{Rule: RuleUserEvent, Level: r.Level, Message: fmt.Sprintf("event rule %s matched on %s %s (×%d)%s", r.Reason, g.key.kind, g.key.name, g.count, msgSuffix(g.msg)), Evidence: evidence()}
			if ps != nil {
				ps.res.Findings = append(ps.res.Findings, f)
			} else {
				st.res.Findings = append(st.res.Findings, f)
			}
		}
	}
}

func (r EventRule) matches(g *eventGroup) bool {
	return g.reason == r.Reason && (r.Kind == "" || r.Kind == g.key.kind) && (r.Message == nil || r.Message.MatchString(g.msg))
}

// eventRulesAbsent applies E5 rules with When == Absent over every event of
// the bundle, joined or not.
func (ev *evaluation) eventRulesAbsent(events []model.Event) {
	for _, r := range ev.opts.EventRules {
		if r.When != Absent {
			continue
		}
		found := false
		for i := range events {
			e := &events[i]
			g := eventGroup{key: objKey{kind: e.Object.Kind, name: e.Object.Name}, reason: e.Reason, msg: e.Message}
			if r.matches(&g) {
				found = true
				break
			}
		}
		if !found {
			ev.rep.Findings = append(ev.rep.Findings, model.Finding{
				Rule: RuleUserEvent, Level: r.Level, Message: "event rule " + r.Reason + ": no matching event",
				Evidence: model.Evidence{Member: bundle.EventsMember, Fields: []model.Field{fld("reason", r.Reason), fld("kind", r.Kind)}},
			})
		}
	}
}
