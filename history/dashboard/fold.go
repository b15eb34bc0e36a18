package dashboard

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
)

// The fold of one target: add takes each record as read, foldCapture takes
// the captures in Captures order (after a sort, or out of the NoGrid
// reorder window), finish completes the owners and the streak.

// add turns one record into its capture and the verdicts of its owners
// (several Jobs of one owner: the worst, then the later one), and keeps
// what is taken from the newest record (NewestJobs, each owner's LastJob).
func (ta *targetAcc) add(r *history.Record, intern func(string) string) capAcc {
	c := capAcc{seq: ta.seq, c: Capture{
		Time: r.Time, Bundle: strings.Clone(r.Bundle), SHA256: strings.Clone(r.BundleSHA256),
		Ruleset: intern(r.Ruleset), Health: level(r.OverallHealth), CaptureErrors: r.CaptureErrors,
	}}
	for i := range r.Jobs {
		j := &r.Jobs[i]
		ok := [2]string{"CronJob", j.Owner}
		if j.Owner == "" {
			ok = [2]string{"Job", j.Name}
		}
		idx, found := ta.owners[ok]
		if !found {
			idx = len(ta.owners)
			ta.owners[[2]string{ok[0], intern(ok[1])}] = idx
			ta.at, ta.mark = append(ta.at, 0), append(ta.mark, -1)
			ta.lastJob, ta.lastAt = append(ta.lastJob, ""), append(ta.lastAt, capKey{})
		}
		lv := level(j.Health)
		reason := ""
		if lv != model.LevelOK {
			reason = NoReason
			if len(j.Rules) > 0 {
				reason = intern(ReasonCode(j.Rules[0]))
			}
		}
		o := obs{owner: int32(idx), level: uint8(lv), reason: reason}
		if ta.mark[idx] == ta.seq {
			k := ta.at[idx] - 1
			if o.level < c.obs[k].level {
				continue
			}
			c.obs[k] = o
		} else {
			ta.mark[idx], ta.at[idx] = ta.seq, len(c.obs)+1
			c.obs = append(c.obs, o)
		}
		if key := (capKey{r.Time, r.Bundle}); !key.before(ta.lastAt[idx]) || ta.lastJob[idx] == "" {
			ta.lastAt[idx], ta.lastJob[idx] = capKey{r.Time, c.c.Bundle}, strings.Clone(j.Name)
		}
	}
	// The newest capture as Captures sorts them: time, then bundle name.
	if ta.seq == 0 || r.Time.After(ta.newest) || r.Time.Equal(ta.newest) && r.Bundle >= ta.newestBundle {
		ta.newest, ta.newestBundle = r.Time, c.c.Bundle
		ta.t.NewestJobs = cloneJobs(ta.t.NewestJobs[:0], r.Jobs)
	}
	ta.seq++
	return c
}

// foldCapture folds the next capture in Captures order into the owners'
// counts, the reasons and the streak.
func (ta *targetAcc) foldCapture(c capAcc, reasons map[string]*Reason) {
	for len(ta.acc) < len(ta.owners) {
		ta.acc = append(ta.acc, Owner{})
		ta.reasonCounts = append(ta.reasonCounts, nil)
	}
	for k := range c.obs {
		ob := &c.obs[k]
		ow := &ta.acc[ob.owner]
		ow.Seen++
		lv := model.Level(ob.level)
		ow.Last, ow.LastSeen, ow.LastReason = lv, c.c.Time, ob.reason
		switch lv {
		case model.LevelOK:
			ow.LastOK = c.c.Time
			ow.ConsecutiveFailures = 0
		case model.LevelError:
			ow.Errors++
			ow.ConsecutiveFailures++
		case model.LevelWarn:
			ow.Warns++
			ow.ConsecutiveFailures = 0
		default:
			ow.Unknowns++
			ow.ConsecutiveFailures = 0
		}
		if lv != model.LevelOK {
			if ta.reasonCounts[ob.owner] == nil {
				ta.reasonCounts[ob.owner] = map[string]int{}
			}
			ta.reasonCounts[ob.owner][ob.reason]++
			r := reasons[ob.reason]
			if r == nil {
				r = &Reason{Reason: ob.reason}
				reasons[ob.reason] = r
			}
			r.Count++
			if c.c.Time.After(r.Last) {
				r.Last = c.c.Time
			}
		}
	}
	ta.streak.add(&c.c)
	ta.t.Count++
	ta.folded = c
}

// finish sorts the owners (kind, then name), completes what needs the whole
// fold, and returns each owner's new index by its old one.
func (ta *targetAcc) finish(asOf time.Time, reasons map[string]*Reason) []int {
	t := ta.t
	for k, i := range ta.owners {
		ta.acc[i].Kind, ta.acc[i].Name, ta.acc[i].LastJob = k[0], k[1], ta.lastJob[i]
	}
	perm := make([]int, len(ta.acc))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int {
		return cmp.Or(cmp.Compare(ta.acc[a].Kind, ta.acc[b].Kind), cmp.Compare(ta.acc[a].Name, ta.acc[b].Name))
	})
	order := make([]int, len(perm))
	t.Owners = make([]Owner, len(perm))
	lastPartial := t.Count > 0 && ta.folded.c.Partial()
	for newIdx, old := range perm {
		order[old] = newIdx
		ow := ta.acc[old]
		ow.LastPartial = lastPartial
		if !ow.LastOK.IsZero() {
			ow.LastOKAge = asOf.Sub(ow.LastOK)
		}
		for r, n := range ta.reasonCounts[old] {
			if n > ow.TopReasonCount || n == ow.TopReasonCount && r < ow.TopReason {
				ow.TopReason, ow.TopReasonCount = r, n
			}
			reasons[r].Owners++
		}
		t.Owners[newIdx] = ow
	}
	t.Streak, t.Transitions = ta.streak.result()
	return order
}

// streakAcc follows the overall health capture by capture: the run of the
// newest one and the last MaxTransitions changes.
type streakAcc struct {
	s     Streak
	prev  model.Level
	n     int
	trans []Transition // oldest first, at most MaxTransitions
}

func (a *streakAcc) add(c *Capture) {
	switch {
	case a.n == 0:
		a.s = Streak{Health: c.Health, Captures: 1, Since: c.Time}
	case c.Health == a.prev:
		a.s.Captures++
	default:
		a.s = Streak{Health: c.Health, Captures: 1, Since: c.Time}
		if len(a.trans) == MaxTransitions {
			a.trans = append(a.trans[:0], a.trans[1:]...)
		}
		a.trans = append(a.trans, Transition{Time: c.Time, From: a.prev, To: c.Health, Bundle: c.Bundle})
	}
	a.prev = c.Health
	a.n++
}

// result is the streak and the transitions, newest first.
func (a *streakAcc) result() (Streak, []Transition) {
	var tr []Transition
	for i := len(a.trans) - 1; i >= 0; i-- {
		tr = append(tr, a.trans[i])
	}
	return a.s, tr
}

// heapPush and heapPop keep h a min-heap in Captures order (compareCaps).
func heapPush(h *[]capAcc, c capAcc) {
	*h = append(*h, c)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if compareCaps(&q[i], &q[p]) >= 0 {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func heapPop(h *[]capAcc) capAcc {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = capAcc{}
	q = q[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(q) && compareCaps(&q[l], &q[m]) < 0 {
			m = l
		}
		if r := l + 1; r < len(q) && compareCaps(&q[r], &q[m]) < 0 {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}
