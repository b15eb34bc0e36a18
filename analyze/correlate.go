package analyze

import (
	"github.com/ksnap/ksnap/internal/textutil"
	"slices"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
)

type objKey struct{ kind, ns, name string }

// eventResult is a deduplicated event as reports list it.
func eventResult(g *rules.EventGroup) EventResult {
	return EventResult{Type: g.Type, Reason: g.Reason, Kind: g.Kind, Name: g.Name, Count: g.Count,
		First: model.FormatTime(g.First), Last: model.FormatTime(g.Last), Message: textutil.OneLine(g.Message), Source: g.Source}
}

// dedupe groups events by object (kind, namespace, name, uid), type and
// reason (E6), summing counts and keeping the earliest and latest time and
// the latest message. The result is in order of each group's first event;
// correlate sorts each object's groups (sortGroups).
//
// The groups of one object are chained (next), and a map finds an object's
// first group: an object has a handful of groups, and kubectl lists an
// object's events one after the other (by event name, which starts with the
// object's), so most events need no map lookup at all, only a comparison
// with the previous event's object. An object with more than maxChain
// groups (hostile input, or a very noisy object) gets its groups indexed in
// a map of their own, so the work stays linear.
//
// It also returns, for each group, the index of its object's first group:
// groups with the same index are about the same object (kind, namespace,
// name and uid), which correlate then looks up once.
func dedupe(events []model.Event, defNS string) ([]*rules.EventGroup, []int32) {
	type objID struct {
		obj objKey
		uid string
	}
	type typeReason struct{ typ, reason string }
	const maxChain = 16
	// An object's first group, by the object's name alone (a string key
	// hashes and compares faster than four); an object whose name an
	// earlier object of another kind, namespace or uid took goes to more.
	heads := make(map[string]int32, len(events)/4+1)
	var more map[objID]int32
	// Groups live in one slice, allocated once (E6 rarely merges much).
	groups := make([]rules.EventGroup, 0, len(events))
	next := make([]int32, 0, len(events))    // the next group of the same object, -1 for none
	long := map[int32]map[typeReason]int32{} // head -> its groups by type and reason, past maxChain
	out := make([]*rules.EventGroup, 0, len(events))
	objs := make([]int32, 0, len(events))
	var prev objID
	prevHead := int32(-1)
	for i := range events {
		e := &events[i]
		ns := e.Object.Namespace
		if ns == "" {
			ns = e.Namespace
		}
		if ns == "" {
			ns = defNS
		}
		id := objID{objKey{e.Object.Kind, ns, e.Object.Name}, e.Object.UID}
		head := int32(-1)
		if prevHead >= 0 && id == prev {
			head = prevHead
		} else if h, ok := heads[id.obj.name]; ok {
			if g := &groups[h]; g.Kind == id.obj.kind && g.Namespace == id.obj.ns && g.UID == id.uid {
				head = h
			} else if h, ok := more[id]; ok {
				head = h
			}
		}
		t := e.Time()
		first := e.First
		if first.IsZero() {
			first = t
		}
		gi, n := int32(-1), int32(0)
		if idx := long[head]; idx != nil {
			if j, ok := idx[typeReason{e.Type, e.Reason}]; ok {
				gi = j
			}
		} else {
			for j := head; j >= 0; j = next[j] {
				if groups[j].Type == e.Type && groups[j].Reason == e.Reason {
					gi = j
					break
				}
				n++
			}
		}
		if gi < 0 {
			gi = int32(len(groups))
			groups = append(groups, rules.EventGroup{Kind: id.obj.kind, Namespace: id.obj.ns, Name: id.obj.name, UID: id.uid,
				Type: e.Type, Reason: e.Reason, First: first, Last: t, Message: e.Message, Source: e.Source, Count: e.Count})
			next = append(next, -1)
			out = append(out, &groups[gi])
			if head < 0 {
				head = gi
				if _, taken := heads[id.obj.name]; !taken {
					heads[id.obj.name] = head
				} else {
					if more == nil {
						more = map[objID]int32{}
					}
					more[id] = head
				}
			}
			objs = append(objs, head)
			if head != gi {
				// After the head: the chain's order does not matter, only
				// out's does.
				next[gi], next[head] = next[head], gi
				if idx := long[head]; idx != nil {
					idx[typeReason{e.Type, e.Reason}] = gi
				} else if n >= maxChain {
					idx := make(map[typeReason]int32, 2*maxChain)
					for j := head; j >= 0; j = next[j] {
						idx[typeReason{groups[j].Type, groups[j].Reason}] = j
					}
					long[head] = idx
				}
			}
			prev, prevHead = id, head
			continue
		}
		prev, prevHead = id, head
		g := &groups[gi]
		g.Count += e.Count
		if !first.IsZero() && (g.First.IsZero() || first.Before(g.First)) {
			g.First = first
		}
		if !t.Before(g.Last) {
			g.Last, g.Message = t, e.Message
			if e.Source != "" {
				g.Source = e.Source
			}
		}
	}
	return out, objs
}

// sortGroups orders one object's event groups by last time, then type and
// reason, keeping their first-seen order on ties. It is the order of
// sorting all groups by last time, kind, namespace, name, type and reason,
// restricted to one object: sorting per object instead of globally costs
// a few insertion sorts instead of comparing tens of thousands of names.
func sortGroups(gs []*rules.EventGroup) {
	slices.SortStableFunc(gs, func(x, y *rules.EventGroup) int {
		if c := x.Last.Compare(y.Last); c != 0 {
			return c
		}
		if c := strings.Compare(x.Type, y.Type); c != 0 {
			return c
		}
		return strings.Compare(x.Reason, y.Reason)
	})
}

// jobState is one Job while a report is built: the facts its rules read,
// its result and its pods.
type jobState struct {
	rules.Job
	res  *JobResult
	pods []*podState
	// podOwner is "Job/<name>", the owner string its pods share.
	podOwner string
}

// podState is one pod while a report is built.
type podState struct {
	rules.Pod
	res *PodResult
	job *jobState // nil for a bare pod
}

func ownerString(o model.OwnerRef) string {
	if o.IsZero() {
		return ""
	}
	return o.Kind + "/" + o.Name
}

// correlate attributes pods to Jobs (ownerReferences, then the
// controller-uid label, then the job-name label) and joins events to Jobs
// and pods by involvedObject/regarding kind, namespace and name (and uid
// when both sides have one; never by labels, E2): the facts the rules read.
// It returns the Jobs' and pods' states in input order, and the Jobs' facts
// for the bundle-level rules.
//
// groups are the events deduplicated by dedupe (computed while the pods are
// parsed).
func (ev *evaluation) correlate(jobs []model.Job, pods []model.Pod, groups []*rules.EventGroup, objs []int32) ([]*jobState, []*podState, []*rules.Job) {
	defNS := ev.m.Namespace
	byUID := make(map[string]*jobState, len(jobs))
	byName := make(map[objKey]*jobState, len(jobs))
	states := make([]*jobState, len(jobs))
	facts := make([]*rules.Job, len(jobs))
	jobResults := make([]JobResult, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		if j.Namespace == "" {
			j.Namespace = defNS
		}
		phase, reason := ev.rs.Phase(j)
		newJobResult(&jobResults[i], j, phase, reason)
		st := &jobState{Job: rules.Job{Job: j, Phase: phase, PhaseReason: reason}, res: &jobResults[i]}
		states[i] = st
		facts[i] = &st.Job
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
	// One array holds every pod's container results, and the pods of a Job
	// share one owner string.
	nc := 0
	for i := range pods {
		nc += len(pods[i].Containers)
	}
	ctrs := make([]ContainerResult, 0, nc)
	podByName := newPodIndex(len(pods))
	for i := range pods {
		p := &pods[i]
		if p.Namespace == "" {
			p.Namespace = defNS
		}
		ps := &podState{Pod: rules.Pod{Pod: p}, res: &podResults[i]}
		ps.job = findJob(p, byUID, byName)
		var owner string
		if st := ps.job; st != nil && p.Owner.Kind == "Job" && p.Owner.Name == st.Job.Job.Name {
			if st.podOwner == "" {
				st.podOwner = ownerString(p.Owner)
			}
			owner = st.podOwner
		} else {
			owner = ownerString(p.Owner)
		}
		newPodResult(&podResults[i], p, owner, &ctrs)
		if ps.job != nil {
			ps.job.pods = append(ps.job.pods, ps)
			ps.Pod.Job = &ps.job.Job
		}
		podStates[i] = ps
		podByName.add(ps)
	}
	// kubectl lists an object's events together, so its groups mostly
	// come in one run, and objs (from dedupe) tells which groups are about
	// the same object: one lookup serves a run of them,
	// and a run joins its object's events as a subslice of groups
	// (capacity cut, so a later append copies) instead of growing a slice
	// group by group. groups is not used after this.
	var (
		dst      *[]*rules.EventGroup // where the current object's events go
		run      *[]*rules.EventGroup // the events the current run joins
		runStart int
		flushRun = func(end int) {
			if run == nil {
				return
			}
			if *run == nil {
				*run = groups[runStart:end:end]
			} else {
				*run = append(*run, groups[runStart:end]...)
			}
			run = nil
		}
	)
	for i, g := range groups {
		if i == 0 || objs[i] != objs[i-1] {
			dst = nil
			switch g.Kind {
			case "Job":
				if st := byName[objKey{g.Kind, g.Namespace, g.Name}]; st != nil && uidMatch(g.UID, st.Job.Job.UID) {
					dst = &st.Events
				}
			case "Pod":
				if ps := podByName.get(g.Namespace, g.Name); ps != nil && uidMatch(g.UID, ps.Pod.Pod.UID) {
					dst = &ps.Events
				}
			}
		}
		if dst != run {
			flushRun(i)
			run, runStart = dst, i
		}
		if dst != nil {
			ev.countEvent(g)
		}
	}
	flushRun(len(groups))
	for _, ps := range podStates {
		sortGroups(ps.Events)
	}
	for _, st := range states {
		sortGroups(st.Events)
	}
	return states, podStates, facts
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

func (ev *evaluation) countEvent(g *rules.EventGroup) {
	ev.rep.Counts.Events++
	if g.Type == "Warning" {
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
		if st := byName[objKey{"Job", p.Namespace, p.Owner.Name}]; st != nil && uidMatch(p.Owner.UID, st.Job.Job.UID) {
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
		if st := byName[objKey{"Job", p.Namespace, p.JobNameLabel}]; st != nil && uidMatch(p.ControllerUIDLabel, st.Job.Job.UID) {
			return st
		}
	}
	return nil
}

// newJobResult starts j's result in *r (built in place: a JobResult is
// large, and returning it copied it twice).
func newJobResult(r *JobResult, j *model.Job, phase model.JobPhase, reason string) {
	*r = JobResult{
		Name: j.Name, Namespace: j.Namespace, UID: j.UID, Owner: ownerString(j.Owner),
		Phase: phase, PhaseReason: reason,
		Completions: OptInt(j.Completions), Parallelism: OptInt(j.Parallelism), BackoffLimit: OptInt(j.BackoffLimit),
		ActiveDeadlineSeconds: OptInt(j.ActiveDeadlineSeconds),
		Succeeded:             OptInt(j.Succeeded), Failed: OptInt(j.Failed), Active: OptInt(j.Active), Ready: OptInt(j.Ready),
		Created: model.FormatTime(j.Created), StartTime: model.FormatTime(j.StartTime), CompletionTime: model.FormatTime(j.CompletionTime),
		Labels: make([]Label, len(j.Labels)), Findings: []model.Finding{}, Events: []EventResult{},
	}
	for i, l := range j.Labels { // sorted by key (model.Job)
		r.Labels[i] = Label(l)
	}
}

// newPodResult starts p's result in *r; owner is ownerString(p.Owner). The
// container results are appended to *ctrs (whose capacity must hold them)
// and the result keeps them as a subslice with its capacity cut.
func newPodResult(r *PodResult, p *model.Pod, owner string, ctrs *[]ContainerResult) {
	*r = PodResult{
		Name: p.Name, Namespace: p.Namespace, UID: p.UID, Owner: owner,
		Phase: p.Phase, Reason: p.Reason, Node: p.NodeName, StartTime: model.FormatTime(p.StartTime),
		Findings: []model.Finding{}, Events: []EventResult{},
	}
	start := len(*ctrs)
	for _, c := range p.Containers {
		cr := ContainerResult{Name: c.Name, Type: c.Type, State: c.State.Kind, Reason: c.State.Reason, Restarts: c.RestartCount, Ready: c.Ready}
		if c.State.Kind == model.StateTerminated {
			cr.ExitCode = OptInt(model.Some(c.State.ExitCode))
		}
		r.Restarts += c.RestartCount
		*ctrs = append(*ctrs, cr)
	}
	end := len(*ctrs)
	r.Containers = (*ctrs)[start:end:end]
}

// podIndex finds a pod by namespace and name; the first pod of a name
// wins. Pods are keyed by name alone (a string map is cheaper than a
// struct key of three strings, and it is looked up once per run of a pod's
// events); a pod whose name another namespace took first goes to more.
type podIndex struct {
	byName map[string]*podState
	more   map[objKey]*podState
}

func newPodIndex(n int) podIndex {
	return podIndex{byName: make(map[string]*podState, n)}
}

func (x *podIndex) add(ps *podState) {
	p := ps.Pod.Pod
	first := x.byName[p.Name]
	switch {
	case first == nil:
		x.byName[p.Name] = ps
	case first.Pod.Pod.Namespace == p.Namespace:
		// an earlier pod of that namespace and name wins
	default:
		if x.more == nil {
			x.more = map[objKey]*podState{}
		}
		k := objKey{"Pod", p.Namespace, p.Name}
		if x.more[k] == nil {
			x.more[k] = ps
		}
	}
}

func (x *podIndex) get(ns, name string) *podState {
	if ps := x.byName[name]; ps == nil || ps.Pod.Pod.Namespace == ns {
		return ps
	}
	return x.more[objKey{"Pod", ns, name}]
}
