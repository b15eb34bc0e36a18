package analyze

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/parse"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/textutil"
)

// What a report adds for an incident, besides the findings: the cause of
// each Job's (or bare pod's) health and the log tails of failing
// containers. Nothing here judges a fact or changes a finding.

// FullMessage returns f's message with a message from the cluster that
// the rule cut short ("…: <first bytes>…") restored whole from the
// finding's evidence (a field whose path ends in "message" and whose value
// starts with the cut text). Other messages are returned as they are.
func FullMessage(f *model.Finding) string {
	m, ok := strings.CutSuffix(f.Message, "…")
	if !ok {
		return f.Message
	}
	for _, fl := range f.Evidence.Fields {
		if !strings.HasSuffix(fl.Path, "message") || fl.Value == "" {
			continue
		}
		for i := 0; ; {
			j := strings.Index(m[i:], ": ")
			if j < 0 {
				break
			}
			i += j + 2
			if cut := m[i:]; cut != "" && len(cut) < len(fl.Value) && strings.HasPrefix(fl.Value, cut) {
				return m[:i] + fl.Value
			}
		}
	}
	return f.Message
}

// FindingContainer returns the container a finding is about, from the
// paths of its evidence (status.containerStatuses[NAME]... or
// status.initContainerStatuses[NAME]...), or "".
func FindingContainer(f *model.Finding) string {
	for _, fl := range f.Evidence.Fields {
		for _, list := range [...]string{"status.containerStatuses[", "status.initContainerStatuses["} {
			if rest, ok := strings.CutPrefix(fl.Path, list); ok {
				if name, _, ok := strings.Cut(rest, "]"); ok {
					return name
				}
			}
		}
	}
	return ""
}

// Cause ranks: lower explains better.
const (
	rankContainer = iota
	rankJob
	rankPod
	rankEvent
)

// causeCandidate is one finding that may become a Cause.
type causeCandidate struct {
	f     *model.Finding
	pod   *model.Pod
	cont  *model.ContainerStatus
	rank  int
	since time.Time
}

func (ev *evaluation) podCandidates(out []causeCandidate, p *model.Pod, fs []model.Finding, level model.Level) []causeCandidate {
	for i := range fs {
		f := &fs[i]
		if f.Level != level {
			continue
		}
		c := causeCandidate{f: f, pod: p}
		switch {
		case QuotesEvent(f):
			c.rank, c.since = rankEvent, fieldTime(f, "last")
		default:
			if name := FindingContainer(f); name != "" {
				c.cont = containerNamed(p, name)
			}
			if c.cont != nil {
				c.rank, c.since = rankContainer, containerTime(p, c.cont)
			} else {
				c.rank, c.since = rankPod, fieldTime(f, "lastTransitionTime")
				if c.since.IsZero() {
					c.since = firstTime(p.StartTime, p.Created)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func (ev *evaluation) jobCandidates(out []causeCandidate, j *model.Job, fs []model.Finding, level model.Level) []causeCandidate {
	for i := range fs {
		f := &fs[i]
		if f.Level != level {
			continue
		}
		c := causeCandidate{f: f, rank: rankJob}
		if QuotesEvent(f) {
			c.rank, c.since = rankEvent, fieldTime(f, "last")
		} else {
			c.since = jobTime(j)
		}
		out = append(out, c)
	}
	return out
}

// cause picks the best candidate: the lowest rank; among containers the
// latest to have happened; otherwise the first (findings are sorted).
func (ev *evaluation) cause(cs []causeCandidate) *Cause {
	var best *causeCandidate
	for i := range cs {
		c := &cs[i]
		switch {
		case best == nil, c.rank < best.rank:
			best = c
		case c.rank == best.rank && c.rank == rankContainer && c.since.After(best.since):
			best = c
		}
	}
	if best == nil {
		return nil
	}
	out := &Cause{Rule: best.f.Rule, Level: best.f.Level, Message: FullMessage(best.f)}
	if best.pod != nil {
		out.Pod = best.pod.Name
	}
	if c := best.cont; c != nil {
		out.Container = c.Name
		for _, st := range [...]*model.ContainerState{&c.State, &c.LastState} {
			if st.Kind == model.StateTerminated {
				out.Reason, out.ExitCode = st.Reason, OptInt(model.Some(st.ExitCode))
				out.Detail = textutil.OneLine(st.Message)
				break
			}
		}
	}
	if !best.since.IsZero() {
		out.Since = model.FormatTime(best.since)
		out.Age = max(ev.now.Sub(best.since), 0).Round(time.Second).String()
	}
	return out
}

func containerNamed(p *model.Pod, name string) *model.ContainerStatus {
	for i := range p.Containers {
		if p.Containers[i].Name == name {
			return &p.Containers[i]
		}
	}
	return nil
}

// containerTime is when a container last changed: its termination, else
// its last termination (a waiting container after a crash), else its
// start, else the pod's.
func containerTime(p *model.Pod, c *model.ContainerStatus) time.Time {
	switch {
	case c.State.Kind == model.StateTerminated && !c.State.FinishedAt.IsZero():
		return c.State.FinishedAt
	case c.LastState.Kind == model.StateTerminated && !c.LastState.FinishedAt.IsZero():
		return c.LastState.FinishedAt
	}
	return firstTime(c.State.StartedAt, p.StartTime, p.Created)
}

// jobTime is when a Job's trouble started: its Failed, FailureTarget or
// Suspended condition's transition, else its start, else its creation.
func jobTime(j *model.Job) time.Time {
	for _, typ := range [...]string{"Failed", "FailureTarget", "Suspended"} {
		if c, ok := j.Condition(typ); ok && c.Status == "True" && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime
		}
	}
	return firstTime(j.StartTime, j.Created)
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// fieldTime parses the evidence field whose path ends in suffix as an
// RFC 3339 time, or returns the zero time.
func fieldTime(f *model.Finding, suffix string) time.Time {
	for _, fl := range f.Evidence.Fields {
		if strings.HasSuffix(fl.Path, suffix) {
			if t, err := time.Parse(time.RFC3339, fl.Value); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// logKey names one container's log in the manifest.
type logKey struct {
	pod, container string
	previous       bool
}

// logIndex is the manifest's log commands and skips, built on first use.
type logIndex struct {
	cmds  map[logKey]bundle.Command
	skips map[logKey]string // previous is false
}

func (ev *evaluation) logs() *logIndex {
	if ev.logIdx != nil {
		return ev.logIdx
	}
	ix := &logIndex{cmds: map[logKey]bundle.Command{}, skips: map[logKey]string{}}
	for _, c := range ev.m.Commands {
		if c.Kind == bundle.KindLog || c.Kind == bundle.KindPreviousLog {
			k := logKey{c.Pod, c.Container, c.Kind == bundle.KindPreviousLog}
			if _, dup := ix.cmds[k]; !dup {
				ix.cmds[k] = c
			}
		}
	}
	for _, s := range ev.m.Skipped {
		k := logKey{s.Pod, s.Container, false}
		if _, dup := ix.skips[k]; !dup {
			ix.skips[k] = s.Reason
		}
	}
	ev.logIdx = ix
	return ix
}

// logTails returns the log tails of the containers that the pod's findings
// of level WARN or worse name, in container order (Options.LogLines > 0).
func (ev *evaluation) logTails(p *model.Pod, fs []model.Finding) []LogTail {
	out := []LogTail{}
	if ev.opts.LogLines <= 0 {
		return out
	}
	named := map[string]bool{}
	for i := range fs {
		if fs[i].Level != model.LevelOK {
			if c := FindingContainer(&fs[i]); c != "" {
				named[c] = true
			}
		}
	}
	if len(named) == 0 {
		return out
	}
	ix := ev.logs()
	for _, c := range p.Containers {
		if !named[c.Name] {
			continue
		}
		delete(named, c.Name) // a name listed twice gets one tail
		found := false
		for _, prev := range [...]bool{false, true} {
			cmd, ok := ix.cmds[logKey{p.Name, c.Name, prev}]
			if !ok {
				continue
			}
			found = true
			out = append(out, ev.logTail(p.Name, c.Name, prev, cmd))
		}
		if reason, ok := ix.skips[logKey{p.Name, c.Name, false}]; ok && !found {
			out = append(out, LogTail{Container: c.Name, Status: "skipped", Note: textutil.OneLine(reason), Lines: []string{}})
		}
	}
	return out
}

func (ev *evaluation) logTail(pod, container string, prev bool, cmd bundle.Command) LogTail {
	t := LogTail{Container: container, Previous: prev, Member: cmd.Member, Status: cmd.Status, Lines: []string{}}
	if cmd.Failed() {
		t.Note = textutil.OneLine(cmd.Error)
		if t.Note == "" {
			t.Note = textutil.LastLine(cmd.Stderr)
		}
		return t
	}
	data, err := ev.src.Member(cmd.Member)
	if err != nil {
		t.Status, t.Note = "unreadable", textutil.OneLine(err.Error())
		return t
	}
	lines := parse.LogTail(pod, container, prev, data).Lines
	t.Captured = len(lines)
	for _, l := range lines[max(0, len(lines)-ev.opts.LogLines):] {
		t.Lines = append(t.Lines, textutil.Truncate(l, MaxLogLineBytes))
	}
	return t
}

// Text is the cause on one line: the message, then ": " and the
// termination message when it adds something.
func (c *Cause) Text() string {
	if c.Detail == "" || strings.Contains(c.Message, c.Detail) {
		return c.Message
	}
	return c.Message + ": " + c.Detail
}

// CauseRow is one line of a report's first block: a bundle-level finding,
// or the cause of a Job or bare pod that is not OK.
type CauseRow struct {
	Level model.Level
	// Object is "(bundle)", the Job's name or "pod/NAME", prefixed with
	// "NAMESPACE/" when it is not the report's namespace.
	Object string
	Rule   string
	// Age is how long before the capture it happened ("" when unknown).
	Age     string
	Message string
}

// CauseRows returns the first block's rows: worst first, then bundle
// findings before Jobs before bare pods, then by object, in report order on
// ties. Findings and causes of level OK are left out. The text and
// markdown renderers print these rows first.
func (rep *Report) CauseRows() []CauseRow {
	type keyed struct {
		CauseRow
		kind int
	}
	var rows []keyed
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Level != model.LevelOK {
			rows = append(rows, keyed{CauseRow{f.Level, "(bundle)", f.Rule, "", FullMessage(f)}, 0})
		}
	}
	name := func(ns, n string) string {
		if ns != "" && ns != rep.Namespace {
			return ns + "/" + n
		}
		return n
	}
	for i := range rep.Jobs {
		j := &rep.Jobs[i]
		if c := j.Cause; c != nil && j.Health != model.LevelOK {
			rows = append(rows, keyed{CauseRow{j.Health, name(j.Namespace, j.Name), c.Rule, c.Age, c.Text()}, 1})
		}
	}
	for i := range rep.BarePods {
		p := &rep.BarePods[i]
		if c := p.Cause; c != nil && p.Health != model.LevelOK {
			rows = append(rows, keyed{CauseRow{p.Health, "pod/" + name(p.Namespace, p.Name), c.Rule, c.Age, c.Text()}, 2})
		}
	}
	// Sort pointers: a stable sort moves its elements many times.
	order := make([]*keyed, len(rows))
	for i := range rows {
		order[i] = &rows[i]
	}
	slices.SortStableFunc(order, func(a, b *keyed) int {
		if a.Level != b.Level {
			return cmp.Compare(b.Level, a.Level)
		}
		if a.kind != b.kind {
			return cmp.Compare(a.kind, b.kind)
		}
		return strings.Compare(a.Object, b.Object)
	})
	out := make([]CauseRow, len(rows))
	for i, r := range order {
		out[i] = r.CauseRow
	}
	return out
}

// QuotesEvent reports whether a finding is about an event (its evidence is
// the events member), as E4 and E5 are.
func QuotesEvent(f *model.Finding) bool { return f.Evidence.Member == bundle.EventsMember }
