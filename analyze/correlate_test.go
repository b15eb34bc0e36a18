package analyze

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

// TestPodIndex holds the name-keyed index to a map keyed by namespace and
// name where the first pod of a key wins, across namespaces sharing names.
func TestPodIndex(t *testing.T) {
	pods := []model.Pod{
		{Namespace: "a", Name: "x"}, {Namespace: "b", Name: "x"}, {Namespace: "a", Name: "x", UID: "second"},
		{Namespace: "c", Name: "x"}, {Namespace: "b", Name: "x", UID: "second"}, {Namespace: "a", Name: "y"},
	}
	idx := newPodIndex(len(pods))
	ref := map[objKey]*podState{}
	for i := range pods {
		ps := &podState{Pod: rules.Pod{Pod: &pods[i]}}
		idx.add(ps)
		if k := (objKey{"Pod", pods[i].Namespace, pods[i].Name}); ref[k] == nil {
			ref[k] = ps
		}
	}
	for _, ns := range []string{"a", "b", "c", "d"} {
		for _, name := range []string{"x", "y", "z"} {
			got, want := idx.get(ns, name), ref[objKey{"Pod", ns, name}]
			if got != want {
				t.Errorf("get(%q, %q) = %p, want %p", ns, name, got, want)
			}
			if want != nil && got.Pod.Pod.UID != "" {
				t.Errorf("get(%q, %q) is a later pod of that name", ns, name)
			}
		}
	}
}

// TestEventsJoinInRuns: a pod's events scattered through the list (two
// runs with another pod's between), same-named objects of both kinds, a
// uid that matches no pod: each object gets exactly its own Warning
// events, sorted by time, and the counts hold every event joined.
func TestEventsJoinInRuns(t *testing.T) {
	ev := func(kind, name, uid, reason, last string) string {
		return `{"metadata":{"name":"` + name + `.` + reason + `"},"type":"Warning","reason":"` + reason + `","message":"m ` + reason +
			`","involvedObject":{"kind":"` + kind + `","name":"` + name + `","uid":"` + uid + `"},"lastTimestamp":"` + last + `"}`
	}
	s := src(t, map[string]string{
		bundle.JobsMember: `{"items":[{"metadata":{"name":"x","uid":"jx"},"spec":{"completions":1},"status":{"succeeded":1}}]}`,
		bundle.PodsMember: `{"items":[{"metadata":{"name":"a","uid":"ua"},"status":{"phase":"Running"}},
			{"metadata":{"name":"x","uid":"ux"},"status":{"phase":"Running"}}]}`,
		bundle.EventsMember: `{"items":[` + strings.Join([]string{
			ev("Pod", "a", "ua", "R3", "2025-11-16T09:03:00Z"),
			ev("Pod", "a", "ua", "R1", "2025-11-16T09:01:00Z"),
			ev("Pod", "x", "ux", "PX", "2025-11-16T09:00:00Z"),
			ev("Job", "x", "jx", "JX", "2025-11-16T09:00:00Z"),
			ev("Pod", "a", "other", "RU", "2025-11-16T09:00:00Z"), // another pod of that name: not joined
			ev("Pod", "a", "ua", "R2", "2025-11-16T09:02:00Z"),
		}, ",") + `]}`,
	})
	rep := mustEval(t, s, DefaultOptions())
	reasons := func(es []EventResult) string {
		var rs []string
		for _, e := range es {
			rs = append(rs, e.Reason)
		}
		return strings.Join(rs, ",")
	}
	got := map[string]string{}
	for _, j := range rep.Jobs {
		got["job "+j.Name] = reasons(j.Events)
		for _, p := range j.Pods {
			got["pod "+p.Name] = reasons(p.Events)
		}
	}
	for _, p := range rep.BarePods {
		got["pod "+p.Name] = reasons(p.Events)
	}
	want := map[string]string{"job x": "JX", "pod a": "R1,R2,R3", "pod x": "PX"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events by object = %v, want %v", got, want)
	}
	if rep.Counts.Events != 5 || rep.Counts.WarningEvents != 5 {
		t.Errorf("counts: %d events, %d Warning; want 5 and 5", rep.Counts.Events, rep.Counts.WarningEvents)
	}
}
