package rules

import (
	"fmt"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/kube"
)

// The pod rules of v1 (P2–P17; P1 is the container-checks gate). E4 and E5
// on a pod are in v1_event.go.

func podName(p *Pod) string { return "pod " + p.Pod.Name }

// checked says whether the pod's containers and status are checked at all
// (P1: a Succeeded pod is not; sidecars may exit non-zero).
func checked(p *Pod) bool { return p.Pod.Phase != "Succeeded" }

func podTerminating(e *Env, p *Pod, out *Out) { // P16
	pod := p.Pod
	if pod.Deleted.IsZero() {
		return
	}
	stuck := e.Now.Sub(pod.Deleted)
	l := model.LevelOK
	msg := podName(p) + " is terminating (deletionTimestamp " + fmtTime(pod.Deleted) + ")"
	if stuck > e.Opts.TerminatingWarnAfter {
		l = model.LevelWarn
		msg = podName(p) + " is stuck terminating for " + fmtAge(stuck) + " past its deletionTimestamp"
	}
	out.AddAt(l, msg, podEvidence(pod, fld("metadata.deletionTimestamp", fmtTime(pod.Deleted))))
}

func podStatusFields(pod *model.Pod) []model.Field {
	return []model.Field{fld("status.phase", pod.Phase), fld("status.reason", pod.Reason), fld("status.message", oneLine(pod.Message))}
}

func podReason(_ *Env, p *Pod, out *Out) { // P9
	pod := p.Pod
	if checked(p) && kube.IsInfrastructure(pod.Reason) {
		out.Add(podName(p)+" "+strings.ToLower(pod.Phase)+": "+pod.Reason+msgSuffix(pod.Message), podEvidence(pod, podStatusFields(pod)...))
	}
}

func podFailed(_ *Env, p *Pod, out *Out) { // P2, unless P9 explains it
	pod := p.Pod
	if pod.Phase == "Failed" && !kube.IsInfrastructure(pod.Reason) {
		out.Add(podName(p)+" failed"+reasonSuffix(pod.Reason)+msgSuffix(pod.Message), podEvidence(pod, podStatusFields(pod)...))
	}
}

func podUnknown(_ *Env, p *Pod, out *Out) { // P17
	pod := p.Pod
	if pod.Phase == "Unknown" {
		out.Add(podName(p)+" is in phase Unknown (node unreachable?)"+msgSuffix(pod.Message), podEvidence(pod, fld("status.phase", pod.Phase), fld("status.reason", pod.Reason)))
	}
}

// podConditions calls fn for each condition of a checked pod.
func podConditions(p *Pod, fn func(c *model.Condition)) {
	if !checked(p) {
		return
	}
	for i := range p.Pod.Conditions {
		fn(&p.Pod.Conditions[i])
	}
}

func podDisruption(_ *Env, p *Pod, out *Out) { // P10
	podConditions(p, func(c *model.Condition) {
		if c.Type == "DisruptionTarget" && c.Status == "True" {
			out.Add(podName(p)+" disrupted: "+reasonOr(c.Reason, "DisruptionTarget")+msgSuffix(c.Message),
				podEvidence(p.Pod, fld("status.conditions[DisruptionTarget].reason", c.Reason), fld("status.conditions[DisruptionTarget].message", oneLine(c.Message))))
		}
	})
}

func isScheduled(c *model.Condition, reason string) bool {
	return c.Type == "PodScheduled" && c.Status == "False" && c.Reason == reason
}

func podUnschedulable(e *Env, p *Pod, out *Out) { // P11
	podConditions(p, func(c *model.Condition) {
		if !isScheduled(c, "Unschedulable") || p.Pod.Phase != "Pending" {
			return
		}
		l := model.LevelWarn
		age := e.Now.Sub(c.LastTransitionTime)
		fields := []model.Field{fld("status.conditions[PodScheduled].reason", c.Reason), fld("status.conditions[PodScheduled].message", oneLine(c.Message))}
		msg := podName(p) + " is unschedulable"
		if !c.LastTransitionTime.IsZero() {
			fields = append(fields, fld("status.conditions[PodScheduled].lastTransitionTime", fmtTime(c.LastTransitionTime)))
			msg += " for " + fmtAge(age)
		}
		if c.LastTransitionTime.IsZero() || age >= e.Opts.UnschedulableErrorAfter {
			l = model.LevelError
		}
		out.AddAt(l, msg+msgSuffix(c.Message), podEvidence(p.Pod, fields...))
	})
}

func podSchedulingGated(_ *Env, p *Pod, out *Out) { // P12
	podConditions(p, func(c *model.Condition) {
		if isScheduled(c, "SchedulingGated") {
			out.Add(podName(p)+" is scheduling-gated"+msgSuffix(c.Message), podEvidence(p.Pod, fld("status.conditions[PodScheduled].reason", c.Reason)))
		}
	})
}

func podNotReady(_ *Env, p *Pod, out *Out) { // P13
	pod := p.Pod
	podConditions(p, func(c *model.Condition) {
		if c.Type == "Ready" && c.Status == "False" && pod.Phase == "Running" && p.Job == nil && pod.Owner.Kind != "Job" && pod.JobNameLabel == "" {
			out.Add(podName(p)+" is running but not ready"+reasonSuffix(c.Reason),
				podEvidence(pod, fld("status.conditions[Ready].status", c.Status), fld("status.conditions[Ready].reason", c.Reason)))
		}
	})
}

// container is one container of a checked pod, as the container rules see it.
type container struct {
	*model.ContainerStatus
	pod  string
	init bool // an init container that is not a native sidecar
}

// who names the container in messages (built only for a finding).
func (c container) who() string {
	if c.init {
		return "pod " + c.pod + " init container " + c.Name
	}
	return "pod " + c.pod + " container " + c.Name
}

func containerPath(c *model.ContainerStatus, sub string) string {
	list := "status.containerStatuses"
	if c.Type == model.ContainerInit {
		list = "status.initContainerStatuses"
	}
	return list + "[" + c.Name + "]." + sub
}

// statePath is the path of a field of the container's current state.
func (c container) statePath(f string) string {
	return containerPath(c.ContainerStatus, "state."+c.State.Kind.String()+"."+f)
}

// containers calls fn for each container of a checked pod, in status order.
func containers(p *Pod, fn func(c container)) {
	if !checked(p) {
		return
	}
	for i := range p.Pod.Containers {
		cs := &p.Pod.Containers[i]
		fn(container{ContainerStatus: cs, pod: p.Pod.Name, init: cs.Type == model.ContainerInit && !cs.Sidecar})
	}
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

// waitingFailure records a container waiting for a failing reason (P3, P4,
// P5, P15).
func waitingFailure(p *Pod, c container, out *Out) {
	st := c.State
	msg := c.who() + " is waiting: " + st.Reason
	if c.init {
		msg = c.who() + " failed: Init:" + st.Reason
	}
	if lt := lastTermination(c.ContainerStatus); lt != "" {
		msg += ", " + lt
	}
	fields := []model.Field{fld(c.statePath("reason"), st.Reason), fld(c.statePath("message"), oneLine(st.Message))}
	if c.LastState.Kind == model.StateTerminated {
		fields = append(fields, fld(containerPath(c.ContainerStatus, "lastState.terminated.reason"), c.LastState.Reason),
			fld(containerPath(c.ContainerStatus, "lastState.terminated.exitCode"), itoa(c.LastState.ExitCode)))
	}
	out.Add(msg, podEvidence(p.Pod, fields...))
}

// appWaiting is a container rule for an app container (or native sidecar)
// waiting for a reason that is set.
func appWaiting(is func(reason string) bool) func(*Env, *Pod, *Out) {
	return func(_ *Env, p *Pod, out *Out) {
		containers(p, func(c container) {
			if !c.init && c.State.Kind == model.StateWaiting && is(c.State.Reason) {
				waitingFailure(p, c, out)
			}
		})
	}
}

// failedExit says whether a container's current state is a non-zero exit
// other than an OOM kill (P8, P15; P7 has OOM kills).
func failedExit(c container) bool {
	return c.State.Kind == model.StateTerminated && c.State.ExitCode != 0 && c.State.Reason != kube.OOMKilled
}

// terminatedFailure records a failed exit (P8, P15).
func terminatedFailure(p *Pod, c container, out *Out) {
	st := c.State
	msg := c.who() + " terminated " + reasonOr(st.Reason, "without reason") + " (exit " + itoa(st.ExitCode)
	if c.init {
		msg = c.who() + " failed: Init:" + reasonOr(st.Reason, "ExitCode:"+itoa(st.ExitCode)) + " (exit " + itoa(st.ExitCode)
	}
	fields := []model.Field{fld(c.statePath("reason"), st.Reason), fld(c.statePath("exitCode"), itoa(st.ExitCode))}
	if st.Signal != 0 {
		msg += ", signal " + itoa(st.Signal)
		fields = append(fields, fld(c.statePath("signal"), itoa(st.Signal)))
	}
	if st.Message != "" {
		fields = append(fields, fld(c.statePath("message"), oneLine(st.Message)))
	}
	out.Add(msg+")", podEvidence(p.Pod, fields...))
}

func initFailed(_ *Env, p *Pod, out *Out) { // P15
	containers(p, func(c container) {
		switch {
		case !c.init:
		case c.State.Kind == model.StateWaiting && kube.IsFailingWaiting(c.State.Reason):
			waitingFailure(p, c, out)
		case failedExit(c):
			terminatedFailure(p, c, out)
		}
	})
}

func exitCode(_ *Env, p *Pod, out *Out) { // P8
	containers(p, func(c container) {
		if !c.init && failedExit(c) {
			terminatedFailure(p, c, out)
		}
	})
}

func waiting(e *Env, p *Pod, out *Out) { // P6: any other waiting reason (ContainerCreating, PodInitializing, ...)
	containers(p, func(c container) {
		st := c.State
		if st.Kind != model.StateWaiting || kube.IsFailingWaiting(st.Reason) {
			return
		}
		since := p.Pod.StartTime
		if since.IsZero() {
			since = p.Pod.Created
		}
		age := e.Now.Sub(since)
		var lastWarn *EventGroup
		for _, g := range p.Events {
			if g.Type == "Warning" && (lastWarn == nil || !g.Last.Before(lastWarn.Last)) {
				lastWarn = g
			}
		}
		fields := []model.Field{fld(c.statePath("reason"), st.Reason)}
		switch {
		case lastWarn != nil && (lastWarn.Reason == "FailedMount" || lastWarn.Reason == "FailedCreatePodSandBox"):
			fields = append(fields, fld("event.reason", lastWarn.Reason), fld("event.message", oneLine(lastWarn.Message)))
			out.AddAt(model.LevelError, c.who()+" is waiting ("+reasonOr(st.Reason, "no reason")+"), latest Warning event "+lastWarn.Reason+msgSuffix(lastWarn.Message), podEvidence(p.Pod, fields...))
		case since.IsZero() || age >= e.Opts.WaitingWarnAfter:
			if !since.IsZero() {
				fields = append(fields, fld("status.startTime", fmtTime(since)))
			}
			out.AddAt(model.LevelWarn, c.who()+" has been waiting ("+reasonOr(st.Reason, "no reason")+") for "+ageOrUnknown(since, age), podEvidence(p.Pod, fields...))
		}
	})
}

func oomKilled(_ *Env, p *Pod, out *Out) { // P7, in state or lastState
	containers(p, func(c container) {
		st := c.State
		if st.Kind == model.StateTerminated && st.Reason == kube.OOMKilled {
			l := model.LevelWarn
			if p.Pod.Phase == "Failed" {
				l = model.LevelError
			}
			out.AddAt(l, c.who()+" was OOMKilled (exit "+itoa(st.ExitCode)+")", podEvidence(p.Pod, fld(c.statePath("reason"), st.Reason), fld(c.statePath("exitCode"), itoa(st.ExitCode))))
		} else if c.LastState.Kind == model.StateTerminated && c.LastState.Reason == kube.OOMKilled {
			out.AddAt(model.LevelWarn, c.who()+" was OOMKilled before its last restart (exit "+itoa(c.LastState.ExitCode)+")",
				podEvidence(p.Pod, fld(containerPath(c.ContainerStatus, "lastState.terminated.reason"), c.LastState.Reason), fld(containerPath(c.ContainerStatus, "lastState.terminated.exitCode"), itoa(c.LastState.ExitCode))))
		}
	})
}

func restarts(e *Env, p *Pod, out *Out) { // P14
	containers(p, func(c container) {
		if c.RestartCount >= e.Opts.RestartWarn {
			out.Add(fmt.Sprintf("%s restarted %d times (threshold %d)", c.who(), c.RestartCount, e.Opts.RestartWarn),
				podEvidence(p.Pod, fld(containerPath(c.ContainerStatus, "restartCount"), itoa(c.RestartCount))))
		}
	})
}
