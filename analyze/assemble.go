package analyze

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
)

// Report assembly: the rule set's findings become sorted lists, health and
// counts. Nothing here judges a fact.

// judge lets the rule set judge every pod and Job and fills the report's
// Jobs and BarePods: each result's findings sorted, its health the worst of
// them (a Job's also of its pods'), Jobs and bare pods by namespace, name,
// uid, a Job's pods by name, uid.
func (ev *evaluation) judge(states []*jobState, podStates []*podState) {
	for _, ps := range podStates {
		ps.res.Events = appendWarnings(ps.res.Events, ps.Events)
		ps.res.Findings = ev.sortFindings(ev.rs.EvaluatePod(ev.env, &ps.Pod))
		ps.res.Health = worst(ps.res.Findings)
		ps.res.LogTails = ev.logTails(ps.Pod.Pod, ps.res.Findings)
	}
	// Reports list Jobs and bare pods by namespace, name, uid: sort the
	// states (pointers, stable) rather than the large result structs.
	sortStable(states, func(a, b *jobState) int {
		x, y := a.Job.Job, b.Job.Job
		return cmpNsNameUID(x.Namespace, x.Name, x.UID, y.Namespace, y.Name, y.UID)
	})
	ev.rep.Jobs = slices.Grow(ev.rep.Jobs, len(states))
	for _, st := range states {
		res := st.res
		res.Events = appendWarnings(res.Events, st.Events)
		res.Findings = ev.sortFindings(ev.rs.EvaluateJob(ev.env, &st.Job))
		res.Health = worst(res.Findings)
		sortStable(st.pods, func(a, b *podState) int {
			if c := strings.Compare(a.Pod.Pod.Name, b.Pod.Pod.Name); c != 0 {
				return c
			}
			return strings.Compare(a.Pod.Pod.UID, b.Pod.Pod.UID)
		})
		res.Pods = make([]PodResult, 0, len(st.pods))
		for _, ps := range st.pods {
			res.Health = res.Health.Worst(ps.res.Health)
			res.Pods = append(res.Pods, *ps.res)
		}
		if res.Health != model.LevelOK {
			cs := ev.jobCandidates(nil, st.Job.Job, res.Findings, res.Health)
			for i, ps := range st.pods {
				cs = ev.podCandidates(cs, ps.Pod.Pod, res.Pods[i].Findings, res.Health)
			}
			res.Cause = ev.cause(cs)
		}
		ev.rep.Jobs = append(ev.rep.Jobs, *res)
	}
	var bare []*podState
	for _, ps := range podStates {
		if ps.job == nil {
			bare = append(bare, ps)
		}
	}
	sortStable(bare, func(a, b *podState) int {
		x, y := a.Pod.Pod, b.Pod.Pod
		return cmpNsNameUID(x.Namespace, x.Name, x.UID, y.Namespace, y.Name, y.UID)
	})
	ev.rep.BarePods = slices.Grow(ev.rep.BarePods, len(bare))
	for _, ps := range bare {
		if ps.res.Health != model.LevelOK {
			ps.res.Cause = ev.cause(ev.podCandidates(nil, ps.Pod.Pod, ps.res.Findings, ps.res.Health))
		}
		ev.rep.BarePods = append(ev.rep.BarePods, *ps.res)
	}
}

// finish sorts the bundle-level findings and input problems, counts, and
// sets the verdict (O1): the worst of the bundle findings, the Jobs and,
// when the rule set counts them (RuleSet.BarePodsInVerdict), the bare pods.
func (ev *evaluation) finish(pods int) {
	r := ev.rep
	r.Findings = ev.sortFindings(r.Findings)
	v := worst(r.Findings)
	for _, j := range r.Jobs {
		v = v.Worst(j.Health)
		switch j.Health {
		case model.LevelOK:
			r.Counts.JobsOK++
		case model.LevelWarn:
			r.Counts.JobsWarn++
		default:
			r.Counts.JobsError++
		}
	}
	if ev.rs.BarePodsInVerdict(ev.opts.Options) {
		for _, p := range r.BarePods {
			v = v.Worst(p.Health)
		}
	}
	r.Verdict = v
	r.Counts.Jobs = len(r.Jobs)
	r.Counts.BarePods = len(r.BarePods)
	r.Counts.Pods = pods
	sort.SliceStable(r.InputProblems, func(a, b int) bool {
		x, y := r.InputProblems[a], r.InputProblems[b]
		if x.Member != y.Member {
			return x.Member < y.Member
		}
		if x.Index != y.Index {
			return x.Index < y.Index
		}
		return x.Field < y.Field
	})
}

// sortStable is slices.SortStableFunc, first checking whether s is
// sorted already, as kubectl's lists by name mostly are: one pass of
// comparisons instead of a merge sort's several.
func sortStable[E any](s []E, cmp func(a, b E) int) {
	if !slices.IsSortedFunc(s, cmp) {
		slices.SortStableFunc(s, cmp)
	}
}

// appendWarnings adds the Warning event groups to a result's event list
// (E1: Normal events are context only and are counted, not listed).
func appendWarnings(list []EventResult, gs []*rules.EventGroup) []EventResult {
	for _, g := range gs {
		if g.Type == "Warning" {
			list = append(list, eventResult(g))
		}
	}
	return list
}

// sortFindings orders findings worst level first, then by the rule set's
// listing order, then by object name, then message, and returns them (an
// empty list, never nil).
// It also turns nil evidence field lists into empty ones, so JSON never
// holds null for a list.
func (ev *evaluation) sortFindings(fs []model.Finding) []model.Finding {
	if fs == nil {
		return []model.Finding{}
	}
	for i := range fs {
		if fs[i].Evidence.Fields == nil {
			fs[i].Evidence.Fields = []model.Field{}
		}
	}
	slices.SortStableFunc(fs, func(x, y model.Finding) int {
		if x.Level != y.Level {
			return cmp.Compare(y.Level, x.Level)
		}
		if rx, ry := ev.rs.Order(x.Rule), ev.rs.Order(y.Rule); rx != ry {
			return cmp.Compare(rx, ry)
		}
		if c := strings.Compare(x.Evidence.Name, y.Evidence.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Message, y.Message)
	})
	return fs
}

// worst is the health of a list of findings (OK for none).
func worst(fs []model.Finding) model.Level {
	l := model.LevelOK
	for _, f := range fs {
		l = l.Worst(f.Level)
	}
	return l
}
