package analyze

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
)

type objKey struct{ kind, ns, name string }

// eventGroup is the E6 deduplication of events about one object with one
// type and reason.
type eventGroup struct {
	key    objKey
	uid    string
	typ    string
	reason string
	count  int64
	first  time.Time
	last   time.Time
	msg    string
	source string
}

func (g *eventGroup) result() EventResult {
	return EventResult{Type: g.typ, Reason: g.reason, Kind: g.key.kind, Name: g.key.name, Count: g.count,
		First: fmtTime(g.first), Last: fmtTime(g.last), Message: textutil.OneLine(g.msg), Source: g.source}
}

// dedupe groups events by object (kind, namespace, name, uid), type and
// reason (E6), summing counts and keeping the earliest and latest time and
// the latest message. The result is in order of each group's first event;
// correlate sorts each object's groups (sortGroups).
func dedupe(events []model.Event, defNS string) []*eventGroup {
	type gk struct {
		obj              objKey
		uid, typ, reason string
	}
	idx := make(map[gk]*eventGroup, len(events))
	// Groups live in one slice, allocated once (E6 rarely merges much).
	groups := make([]eventGroup, 0, len(events))
	out := make([]*eventGroup, 0, len(events))
	for i := range events {
		e := &events[i]
		ns := e.Object.Namespace
		if ns == "" {
			ns = e.Namespace
		}
		if ns == "" {
			ns = defNS
		}
		k := gk{objKey{e.Object.Kind, ns, e.Object.Name}, e.Object.UID, e.Type, e.Reason}
		t := e.Time()
		first := e.First
		if first.IsZero() {
			first = t
		}
		g := idx[k]
		if g == nil {
			groups = append(groups, eventGroup{key: k.obj, uid: k.uid, typ: e.Type, reason: e.Reason, first: first, last: t, msg: e.Message, source: e.Source, count: e.Count})
			g = &groups[len(groups)-1]
			idx[k] = g
			out = append(out, g)
			continue
		}
		g.count += e.Count
		if !first.IsZero() && (g.first.IsZero() || first.Before(g.first)) {
			g.first = first
		}
		if !t.Before(g.last) {
			g.last, g.msg = t, e.Message
			if e.Source != "" {
				g.source = e.Source
			}
		}
	}
	return out
}

// sortGroups orders one object's event groups by last time, then type and
// reason, keeping their first-seen order on ties. It is the order of
// sorting all groups by last time, kind, namespace, name, type and reason,
// restricted to one object: sorting per object instead of globally costs
// a few insertion sorts instead of comparing tens of thousands of names.
func sortGroups(gs []*eventGroup) {
	slices.SortStableFunc(gs, func(x, y *eventGroup) int {
		if c := x.last.Compare(y.last); c != 0 {
			return c
		}
		if c := strings.Compare(x.typ, y.typ); c != 0 {
			return c
		}
		return strings.Compare(x.reason, y.reason)
	})
}

type jobState struct {
	job    *model.Job
	res    *JobResult
	phase  model.JobPhase
	pods   []*podState
	events []*eventGroup
}

type podState struct {
	pod    *model.Pod
	res    *PodResult
	job    *jobState // nil for a bare pod
	events []*eventGroup
}

func ownerString(o model.OwnerRef) string {
	if o.IsZero() {
		return ""
	}
	return o.Kind + "/" + o.Name
}

// correlate attributes pods to Jobs (ownerReferences, then the
// controller-uid label, then the job-name label), joins events to Jobs and
// pods by involvedObject/regarding kind, namespace and name (and uid when
// both sides have one; never by labels, E2), applies the rules and fills
// the report's Jobs and BarePods.
//
// groups are the events deduplicated by dedupe (computed while the pods are
// parsed).
func (ev *evaluation) correlate(jobs []model.Job, pods []model.Pod, groups []*eventGroup) {
	defNS := ev.m.Namespace
	byUID := map[string]*jobState{}
	byName := map[objKey]*jobState{}
	states := make([]*jobState, len(jobs))
	jobResults := make([]JobResult, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		if j.Namespace == "" {
			j.Namespace = defNS
		}
		phase, reason := JobPhase(j)
		jobResults[i] = newJobResult(j, phase, reason)
		st := &jobState{job: j, res: &jobResults[i], phase: phase}
		states[i] = st
		if j.UID != "" {
			byUID[j.UID] = st
		}
		k := objKey{"Job", j.Namespace, j.Name}
		if byName[k] == nil {
			byName[k] = st
		}
	}
	podStates := make([]*podState, len(pods))
	podResults := make([]PodResult, len(pods))
	podByName := map[objKey]*podState{}
	for i := range pods {
		p := &pods[i]
		if p.Namespace == "" {
			p.Namespace = defNS
		}
		podResults[i] = newPodResult(p)
		ps := &podState{pod: p, res: &podResults[i]}
		ps.job = findJob(p, byUID, byName)
		if ps.job != nil {
			ps.job.pods = append(ps.job.pods, ps)
		}
		podStates[i] = ps
		k := objKey{"Pod", p.Namespace, p.Name}
		if podByName[k] == nil {
			podByName[k] = ps
		}
	}
	for _, g := range groups {
		switch g.key.kind {
		case "Job":
			if st := byName[g.key]; st != nil && uidMatch(g.uid, st.job.UID) {
				st.events = append(st.events, g)
				ev.countEvent(g)
			}
		case "Pod":
			if ps := podByName[g.key]; ps != nil && uidMatch(g.uid, ps.pod.UID) {
				ps.events = append(ps.events, g)
				ev.countEvent(g)
			}
		}
	}
	for _, ps := range podStates {
		sortGroups(ps.events)
		ev.podRules(ps)
	}
	for _, st := range states {
		sortGroups(st.events)
	}
	// Reports list Jobs and bare pods by namespace, name, uid: sort the
	// states (pointers, stable) rather than the large result structs.
	slices.SortStableFunc(states, func(a, b *jobState) int {
		return cmpNsNameUID(a.job.Namespace, a.job.Name, a.job.UID, b.job.Namespace, b.job.Name, b.job.UID)
	})
	ev.rep.Jobs = slices.Grow(ev.rep.Jobs, len(states))
	for _, st := range states {
		ev.jobRules(st)
		res := st.res
		slices.SortStableFunc(st.pods, func(a, b *podState) int {
			if c := strings.Compare(a.pod.Name, b.pod.Name); c != 0 {
				return c
			}
			return strings.Compare(a.pod.UID, b.pod.UID)
		})
		res.Pods = make([]PodResult, 0, len(st.pods))
		for _, ps := range st.pods {
			res.Health = res.Health.Worst(ps.res.Health)
			res.Pods = append(res.Pods, *ps.res)
		}
		ev.rep.Jobs = append(ev.rep.Jobs, *res)
	}
	var bare []*podState
	for _, ps := range podStates {
		if ps.job == nil {
			bare = append(bare, ps)
		}
	}
	slices.SortStableFunc(bare, func(a, b *podState) int {
		return cmpNsNameUID(a.pod.Namespace, a.pod.Name, a.pod.UID, b.pod.Namespace, b.pod.Name, b.pod.UID)
	})
	ev.rep.BarePods = slices.Grow(ev.rep.BarePods, len(bare))
	for _, ps := range bare {
		ev.rep.BarePods = append(ev.rep.BarePods, *ps.res)
	}
}

// cmpNsNameUID orders objects by namespace, name, then uid.
func cmpNsNameUID(ns1, name1, uid1, ns2, name2, uid2 string) int {
	if c := strings.Compare(ns1, ns2); c != 0 {
		return c
	}
	if c := strings.Compare(name1, name2); c != 0 {
		return c
	}
	return strings.Compare(uid1, uid2)
}

func (ev *evaluation) countEvent(g *eventGroup) {
	ev.rep.Counts.Events++
	if g.typ == "Warning" {
		ev.rep.Counts.WarningEvents++
	}
}

func uidMatch(a, b string) bool { return a == "" || b == "" || a == b }

func findJob(p *model.Pod, byUID map[string]*jobState, byName map[objKey]*jobState) *jobState {
	if p.Owner.Kind == "Job" {
		if p.Owner.UID != "" {
			if st := byUID[p.Owner.UID]; st != nil {
				return st
			}
		}
		if st := byName[objKey{"Job", p.Namespace, p.Owner.Name}]; st != nil && uidMatch(p.Owner.UID, st.job.UID) {
			return st
		}
		return nil
	}
	if !p.Owner.IsZero() {
		return nil // owned by something else (ReplicaSet, ...)
	}
	if p.ControllerUIDLabel != "" {
		if st := byUID[p.ControllerUIDLabel]; st != nil {
			return st
		}
	}
	if p.JobNameLabel != "" {
		if st := byName[objKey{"Job", p.Namespace, p.JobNameLabel}]; st != nil && uidMatch(p.ControllerUIDLabel, st.job.UID) {
			return st
		}
	}
	return nil
}

func newJobResult(j *model.Job, phase model.JobPhase, reason string) JobResult {
	r := JobResult{
		Name: j.Name, Namespace: j.Namespace, UID: j.UID, Owner: ownerString(j.Owner),
		Phase: phase, PhaseReason: reason,
		Completions: OptInt(j.Completions), Parallelism: OptInt(j.Parallelism), BackoffLimit: OptInt(j.BackoffLimit),
		ActiveDeadlineSeconds: OptInt(j.ActiveDeadlineSeconds),
		Succeeded:             OptInt(j.Succeeded), Failed: OptInt(j.Failed), Active: OptInt(j.Active), Ready: OptInt(j.Ready),
		Created: fmtTime(j.Created), StartTime: fmtTime(j.StartTime), CompletionTime: fmtTime(j.CompletionTime),
		Labels: []Label{}, Findings: []model.Finding{}, Events: []EventResult{},
	}
	for k, v := range j.Labels {
		r.Labels = append(r.Labels, Label{Key: k, Value: v})
	}
	sort.Slice(r.Labels, func(a, b int) bool { return r.Labels[a].Key < r.Labels[b].Key })
	return r
}

func newPodResult(p *model.Pod) PodResult {
	r := PodResult{
		Name: p.Name, Namespace: p.Namespace, UID: p.UID, Owner: ownerString(p.Owner),
		Phase: p.Phase, Reason: p.Reason, Node: p.NodeName, StartTime: fmtTime(p.StartTime),
		Containers: make([]ContainerResult, 0, len(p.Containers)), Findings: []model.Finding{}, Events: []EventResult{},
	}
	for _, c := range p.Containers {
		cr := ContainerResult{Name: c.Name, Type: c.Type, State: c.State.Kind, Reason: c.State.Reason, Restarts: c.RestartCount, Ready: c.Ready}
		if c.State.Kind == model.StateTerminated {
			cr.ExitCode = OptInt(model.Some(c.State.ExitCode))
		}
		r.Restarts += c.RestartCount
		r.Containers = append(r.Containers, cr)
	}
	return r
}

// evidence helpers

func jobEvidence(j *model.Job, fields ...model.Field) model.Evidence {
	return model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: j.Name, Fields: fields}
}

func podEvidence(p *model.Pod, fields ...model.Field) model.Evidence {
	return model.Evidence{Member: bundle.PodsMember, Kind: "Pod", Name: p.Name, Fields: fields}
}
