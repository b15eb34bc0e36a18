package capture

import (
	"slices"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/internal/k8sname"
)

// FuzzArgv feeds random names into the argv builders and the allowlist:
// valid names always give an argv the allowlist accepts, with the pod alone
// after "--"; an invalid name never gets past the allowlist, whatever the
// builder made of it. No input may panic.
func FuzzArgv(f *testing.F) {
	f.Add("trading-bots", "app=x,tier in (a,b)", "pod-1.x", "main", 100, false)
	f.Add("x/../../../ESCAPED", "", "--selector=app=x", "main", 1, true)
	f.Add("ns", "-l", "p", "--previous", 0, false)
	f.Add("ns", "a\nb", "p q", "c", 5, false)
	f.Fuzz(func(t *testing.T, ns, sel, pod, container string, tail int, previous bool) {
		if tail < 0 {
			tail = -tail
		}
		nsOK, selOK := k8sname.Namespace(ns) == nil, k8sname.Selector(sel) == nil
		podOK := k8sname.Object("pod", pod) == nil && k8sname.Container(container) == nil
		logs := logCallArgs(ns, pod, container, tail, previous)
		err := kubectl.CheckReadOnly(logs)
		switch {
		case nsOK && podOK && err != nil:
			t.Fatalf("valid names refused: %q: %v", logs, err)
		case !(nsOK && podOK) && err == nil:
			t.Fatalf("invalid name accepted: %q", logs)
		}
		if err == nil {
			if i := slices.Index(logs, "--"); i != len(logs)-2 || logs[i+1] != pod {
				t.Fatalf("the pod is not alone after --: %q", logs)
			}
			if bundle.CheckMemberName(bundle.LogMember(pod, container, previous)) != nil {
				t.Fatalf("valid names give a bad member name: %q/%q", pod, container)
			}
		}
		for kind, args := range listCallArgs(ns, sel) {
			err := kubectl.CheckReadOnly(args)
			ok := kind == bundle.KindVersion || (nsOK && (selOK || kind == bundle.KindEvents))
			if ok != (err == nil) {
				t.Fatalf("%s: %q: valid %v, allowlist says %v", kind, args, ok, err)
			}
		}
	})
}
