package analyze

import (
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
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
