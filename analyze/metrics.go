package analyze

import (
	"cmp"
	"slices"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Pod metrics (capture --metrics): the PodMetrics objects are joined to the
// captured pods by namespace and name (they carry no owner), each
// container's usage to its requests and limits from the pod spec. A bundle
// without a podmetrics command reports nothing about metrics; one whose
// metrics API was unavailable says so in Report.Metrics and is judged as if
// it had none.

// joinMetrics fills the pods' Usage facts and results and Report.Metrics.
func (ev *evaluation) joinMetrics(podStates []*podState, pods *memberRef) {
	c, ok := ev.m.Command(bundle.KindPodMetrics)
	if !ok {
		return
	}
	st := &MetricsStatus{Status: c.Status, Reason: textutil.OneLine(c.Error), Member: c.Member}
	ev.rep.Metrics = st
	if c.Status != bundle.StatusOK {
		return // failed: O2 names it; unavailable: the note above
	}
	data, err := ev.src.Member(c.Member)
	if err != nil {
		ev.inputProblem(c.Member, -1, "", err.Error(), false)
		return
	}
	usages, errs, err := parse.PodMetrics(c.Member, data)
	ev.parseErrors(c.Member, errs, err, false)
	if err != nil {
		return
	}
	st.Pods = len(usages)
	var resources []model.PodResources
	if pods.ok() {
		resources, _ = parse.PodResources(pods.cmd.Member, pods.data)
	}
	ns := func(s string) string { return cmp.Or(s, ev.m.Namespace) }
	type key struct{ ns, name string }
	spec := make(map[key]*model.PodResources, len(resources))
	for i := range resources {
		spec[key{ns(resources[i].Namespace), resources[i].Name}] = &resources[i]
	}
	byPod := make(map[key]*podState, len(podStates))
	for _, ps := range podStates {
		byPod[key{ns(ps.Pod.Pod.Namespace), ps.Pod.Pod.Name}] = ps
	}
	for i := range usages {
		u := &usages[i]
		k := key{ns(u.Namespace), u.Name}
		ps := byPod[k]
		if ps == nil {
			continue // a pod outside the selection, or gone since
		}
		st.Joined++
		if r := spec[k]; r != nil {
			for j := range u.Containers {
				for _, nr := range r.Containers {
					if nr.Name == u.Containers[j].Name {
						u.Containers[j].Resources = nr.Resources
					}
				}
			}
		}
		ps.Usage = u
		ps.res.Usage = usageResult(u)
	}
}

func usageResult(u *model.PodUsage) *PodUsage {
	r := &PodUsage{Timestamp: model.FormatTime(u.Timestamp), Window: u.Window.String(), Containers: make([]ContainerUsage, 0, len(u.Containers))}
	for _, c := range u.Containers {
		r.Containers = append(r.Containers, ContainerUsage{Name: c.Name,
			CPU: OptInt(c.CPU), Memory: OptInt(c.Memory),
			CPURequest: OptInt(c.CPURequest), CPULimit: OptInt(c.CPULimit),
			MemoryRequest: OptInt(c.MemoryRequest), MemoryLimit: OptInt(c.MemoryLimit)})
	}
	slices.SortStableFunc(r.Containers, func(a, b ContainerUsage) int { return cmp.Compare(a.Name, b.Name) })
	return r
}
