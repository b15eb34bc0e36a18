package rules

import (
	"fmt"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// The event rules of v1: E4 and E5 on a Job or a pod, E5 (absent) on the
// bundle. E3 is a Job rule (v1_job.go).

// isNotable says whether E4 surfaces a Warning event reason.
func isNotable(reason string) bool {
	switch reason {
	case "FailedScheduling", "FailedMount", "FailedCreatePodSandBox", "BackOff", "Unhealthy", "Failed", "Evicted", "Preempting", "Preempted", "FailedCreate":
		return true
	}
	return false
}

func eventEvidence(g *EventGroup) model.Evidence {
	return model.Evidence{Member: bundle.EventsMember, Kind: g.Kind, Name: g.Name, Fields: []model.Field{
		fld("type", g.Type), fld("reason", g.Reason), fld("count", itoa(g.Count)), fld("last", fmtTime(g.Last)), fld("message", oneLine(g.Message)),
	}}
}

func warningEvents(groups []*EventGroup, onJob bool, out *Out) { // E4
	for _, g := range groups {
		if g.Type == "Warning" && isNotable(g.Reason) && !(onJob && isJobEventReason(g.Reason)) {
			out.Add(fmt.Sprintf("Warning event %s on %s %s (×%d, last %s)%s", g.Reason, g.Kind, g.Name, g.Count, fmtTime(g.Last), msgSuffix(g.Message)), eventEvidence(g))
		}
	}
}

func userEvents(e *Env, groups []*EventGroup, out *Out) { // E5, present
	for _, g := range groups {
		for _, r := range e.Opts.EventRules {
			if r.When == Present && r.matches(g.Kind, g.Reason, g.Message) {
				out.AddAt(r.Level, fmt.Sprintf("event rule %s matched on %s %s (×%d)%s", r.Reason, g.Kind, g.Name, g.Count, msgSuffix(g.Message)), eventEvidence(g))
			}
		}
	}
}

// userEventsAbsent applies E5 rules with When == Absent over every event of
// the bundle, joined or not.
func userEventsAbsent(e *Env, b *Bundle, out *Out) {
	for _, r := range e.Opts.EventRules {
		if r.When != Absent {
			continue
		}
		found := false
		for i := range b.Events {
			ev := &b.Events[i]
			if r.matches(ev.Object.Kind, ev.Reason, ev.Message) {
				found = true
				break
			}
		}
		if !found {
			out.AddAt(r.Level, "event rule "+r.Reason+": no matching event",
				model.Evidence{Member: bundle.EventsMember, Fields: []model.Field{fld("reason", r.Reason), fld("kind", r.Kind)}})
		}
	}
}
