package analyze

import (
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
)

// dedupeMap is the straightforward dedupe (one map over every key), the
// reference the chained one must agree with.
// dedupe groups events by object (kind, namespace, name, uid), type and
// reason (E6), summing counts and keeping the earliest and latest time and
// the latest message. The result is in order of each group's first event;
// correlate sorts each object's groups (sortGroups).
func dedupeMap(events []model.Event, defNS string) []*rules.EventGroup {
	type gk struct {
		obj              objKey
		uid, typ, reason string
	}
	idx := make(map[gk]*rules.EventGroup, len(events))
	// Groups live in one slice, allocated once (E6 rarely merges much).
	groups := make([]rules.EventGroup, 0, len(events))
	out := make([]*rules.EventGroup, 0, len(events))
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
			groups = append(groups, rules.EventGroup{Kind: k.obj.kind, Namespace: k.obj.ns, Name: k.obj.name, UID: k.uid,
				Type: e.Type, Reason: e.Reason, First: first, Last: t, Message: e.Message, Source: e.Source, Count: e.Count})
			g = &groups[len(groups)-1]
			idx[k] = g
			out = append(out, g)
			continue
		}
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
	return out
}

func derefGroups(gs []*rules.EventGroup) []rules.EventGroup {
	out := make([]rules.EventGroup, len(gs))
	for i, g := range gs {
		out[i] = *g
	}
	return out
}
