package text

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Options shape the text report.
type Options struct {
	// All lists OK Jobs, OK bare pods and the OK pods of a Job in the
	// details; by default the details hold only what is not OK.
	All bool
	// Brief stops after the first block: the verdict, the counts and one
	// line per cause.
	Brief bool
}

// textWriter buffers a report; the bufio.Writer keeps the first write
// error and Flush returns it.
type textWriter struct {
	w *bufio.Writer
}

// line writes s and a newline. Every string from a bundle reaches the
// output through here, escaped (textutil.Terminal): one report line per
// call, whatever a name or message holds. The report's own text has no
// character Terminal changes.
func (t *textWriter) line(s string) {
	t.w.WriteString(textutil.Terminal(s))
	t.w.WriteByte('\n')
}

// parts writes each part escaped as line escapes, without joining them
// into a string first; linep then ends the line.
func (t *textWriter) parts(ps ...string) {
	for _, s := range ps {
		t.w.WriteString(textutil.Terminal(s))
	}
}

func (t *textWriter) linep(ps ...string) {
	t.parts(ps...)
	t.w.WriteByte('\n')
}

// kv writes "<indent>Label:" padded so the value starts at valueColumn.
// An empty value prints "-".
func (t *textWriter) kv(indent int, name, value string) {
	writeLabel(t.w, indent, name)
	t.line(dash(value))
}

func (t *textWriter) finding(indent int, f *model.Finding) {
	t.findingText(indent, f, analyze.FullMessage(f))
}

// findingText writes "<indent><level, 7 wide> <rule, 4 wide> <msg>" (the
// widths in characters, as fmt's %-7s %-4s pad), building no string.
func (t *textWriter) findingText(indent int, f *model.Finding, msg string) {
	t.w.WriteString(spaces[:min(indent, len(spaces))])
	t.padded(f.Level.String(), 7)
	t.w.WriteByte(' ')
	t.padded(textutil.Terminal(f.Rule), 4)
	t.w.WriteByte(' ')
	t.line(msg)
}

// padded writes s (already escaped) and spaces up to width characters.
func (t *textWriter) padded(s string, width int) {
	t.w.WriteString(s)
	if n := width - utf8.RuneCountInString(s); n > 0 {
		t.w.WriteString(spaces[:min(n, len(spaces))])
	}
}

// findings writes one object's findings, each fact once: a finding that
// quotes an event whose message an earlier finding already holds says so
// instead of repeating it (E4 after P11 quoting the same scheduler
// message), and a container's termination message that a finding's
// evidence holds but its message does not follows on its own line. cause
// is the object's cause (nil for none): its termination message is shown
// under the finding it came from.
func (t *textWriter) findings(indent int, fs []model.Finding, cause *analyze.Cause) {
	full := make([]string, len(fs))
	for i := range fs {
		full[i] = analyze.FullMessage(&fs[i])
	}
	pad := spaces[:min(indent+13, len(spaces))]
	for i := range fs {
		f := &fs[i]
		msg := full[i]
		if em := fieldValue(f, "message"); analyze.QuotesEvent(f) && em != "" && strings.HasSuffix(msg, ": "+em) {
			for k := range i {
				if strings.Contains(full[k], em) {
					msg = strings.TrimSuffix(msg, ": "+em) + " (message as " + fs[k].Rule + ")"
					break
				}
			}
		}
		t.findingText(indent, f, msg)
		var details []string
		for _, fl := range f.Evidence.Fields {
			if strings.HasSuffix(fl.Path, "terminated.message") && fl.Value != "" {
				details = append(details, fl.Value)
			}
		}
		if cause != nil && cause.Detail != "" && f.Rule == cause.Rule && full[i] == cause.Message && !slices.Contains(details, cause.Detail) {
			details = append(details, cause.Detail)
		}
		for _, d := range details {
			if !strings.Contains(msg, d) {
				t.linep(pad, "message: ", d)
			}
		}
	}
}

// fieldValue is the value of the evidence field whose path is path, or "".
func fieldValue(f *model.Finding, path string) string {
	for _, fl := range f.Evidence.Fields {
		if fl.Path == path {
			return fl.Value
		}
	}
	return ""
}

// Report renders rep with the default Options.
func Report(w io.Writer, rep *analyze.Report) error { return Write(w, rep, Options{}) }

// Write renders rep as the human-readable report. It leads with the
// incident: the verdict and counts, then one line per cause (bundle-level
// findings, Jobs, bare pods that are not OK, worst first, then by name:
// level, object, rule, age before the capture, the finding's whole
// message). Then come the seed tool's D33 sections: [FINDINGS] (the
// bundle-level findings of level OK), [JOBS] and [BARE PODS] with the
// details of those that are not OK (all with o.All), worst first, then by
// namespace and name, [CAPTURE FAILURES], [INPUT PROBLEMS], and last
// [HEADER] (bundle, sha256, source, capture time, namespace, selector,
// rule set: reference, after what needs reading first); each pod that
// is not OK lists its findings, the Warning events no finding already
// states, and the tails of its failing containers' logs. Values are
// aligned at column 26, times are RFC 3339 UTC, absent values print "-",
// messages are never cut. Sections without content are left out, except
// [JOBS], which says "(No jobs)".
func Write(w io.Writer, rep *analyze.Report, o Options) error {
	t := &textWriter{w: bufio.NewWriter(w)}
	c := rep.Counts
	t.kv(0, "Overall Health", rep.Verdict.String())
	t.kv(0, "Bundle", rep.Bundle.File+" (captured "+rep.CapturedAt+")")
	t.kv(0, "Jobs", fmt.Sprintf("%d (OK %d, WARN %d, ERROR %d)", c.Jobs, c.JobsOK, c.JobsWarn, c.JobsError))
	t.kv(0, "Pods", fmt.Sprintf("%d (bare %d)", c.Pods, c.BarePods))
	t.kv(0, "Events", fmt.Sprintf("%d (Warning %d)", c.Events, c.WarningEvents))
	if rep.Metrics != nil {
		t.kv(0, "Pod Metrics", metricsLine(rep.Metrics))
	}
	t.causes(rep)
	if o.Brief {
		return t.w.Flush()
	}
	t.line("")
	t.line(rule80)
	t.line("[KSNAP ANALYZE] KUBERNETES JOB HEALTH REPORT")
	t.line(rule80)
	t.line("")
	// Bundle-level findings that are not OK are rows of the first block;
	// [FINDINGS] has the rest.
	var okFindings []*model.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Level == model.LevelOK {
			okFindings = append(okFindings, &rep.Findings[i])
		}
	}
	if len(okFindings) > 0 {
		t.line("[FINDINGS]")
		for _, f := range okFindings {
			t.finding(2, f)
		}
		t.line("")
	}
	t.line("[JOBS]")
	if len(rep.Jobs) == 0 {
		t.line("  (No jobs)")
	}
	hidden := 0
	for _, j := range worstFirst(rep.Jobs, func(j *analyze.JobResult) (model.Level, string, string) { return j.Health, j.Namespace, j.Name }) {
		if j.Health == model.LevelOK && !o.All {
			hidden++
			continue
		}
		t.job(rep, j, o)
	}
	if hidden > 0 {
		t.line("")
		t.line(fmt.Sprintf("  (%s not shown)", plural(hidden, "OK job")))
	}
	t.line("")
	if len(rep.BarePods) > 0 {
		t.line("[BARE PODS]")
		hidden := 0
		for _, p := range worstFirst(rep.BarePods, podKey) {
			if p.Health == model.LevelOK && !o.All {
				hidden++
				continue
			}
			t.barePod(rep, p)
		}
		if hidden > 0 {
			t.line("")
			t.line(fmt.Sprintf("  (%s not shown)", plural(hidden, "OK bare pod")))
		}
		t.line("")
	}
	if len(rep.CaptureFailures) > 0 {
		t.line("[CAPTURE FAILURES]")
		for _, f := range rep.CaptureFailures {
			t.line("  - " + captureLine(f))
		}
		t.line("")
	}
	if len(rep.InputProblems) > 0 {
		t.line("[INPUT PROBLEMS]")
		for _, p := range rep.InputProblems {
			t.line("  - " + problemLine(p))
		}
		t.line("")
	}
	t.line("[HEADER]")
	t.kv(0, "Bundle", rep.Bundle.File)
	t.kv(0, "SHA256", rep.Bundle.SHA256)
	t.kv(0, "Source", rep.Bundle.Source)
	t.kv(0, "Captured At", rep.CapturedAt)
	t.kv(0, "Namespace", rep.Namespace)
	sel := rep.Selector
	if sel == "" {
		sel = "(none: every object)"
	}
	t.kv(0, "Label Selector", sel)
	t.kv(0, "Rule Set", rep.RuleSet)
	t.line("")
	t.line(rule80)
	t.line("[KSNAP ANALYZE] END OF REPORT")
	t.line(rule80)
	return t.w.Flush()
}

func podKey(p *analyze.PodResult) (model.Level, string, string) { return p.Health, p.Namespace, p.Name }

// worstFirst returns pointers to the items, worst level first, then by
// namespace and name (stable: the report's order breaks ties).
func worstFirst[T any](items []T, key func(*T) (model.Level, string, string)) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	slices.SortStableFunc(out, func(a, b *T) int {
		la, nsa, na := key(a)
		lb, nsb, nb := key(b)
		if la != lb {
			return cmp.Compare(lb, la)
		}
		if c := strings.Compare(nsa, nsb); c != 0 {
			return c
		}
		return strings.Compare(na, nb)
	})
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// causes writes the first block's table of causes (nothing when all is OK).
func (t *textWriter) causes(rep *analyze.Report) {
	rows := rep.CauseRows()
	if len(rows) == 0 {
		return
	}
	cells := [][4]string{{"LEVEL", "OBJECT", "RULE", "AGE"}}
	for _, r := range rows {
		cells = append(cells, [4]string{r.Level.String(), textutil.Terminal(r.Object), textutil.Terminal(r.Rule), dash(r.Age)})
	}
	var width [4]int
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	t.line("")
	for k, c := range cells {
		var b strings.Builder
		b.WriteString("  ")
		for i, s := range c {
			b.WriteString(s)
			b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(s)+2))
		}
		if k == 0 {
			b.WriteString("CAUSE")
		} else {
			b.WriteString(rows[k-1].Message)
		}
		t.line(b.String())
	}
}

func captureLine(f analyze.CaptureFailure) string {
	what := f.Kind
	if f.Pod != "" {
		what += " " + f.Pod
		if f.Container != "" {
			what += "/" + f.Container
		}
	}
	if f.Member != "" {
		what += " (" + f.Member + ")"
	}
	s := what + ": " + strings.ReplaceAll(f.Status, "_", " ")
	if f.ExitCode >= 0 && f.Status == "failed" {
		s += fmt.Sprintf(", exit %d", f.ExitCode)
	}
	switch {
	case f.Error != "":
		s += ": " + f.Error
	case textutil.LastLine(f.Stderr) != "":
		s += ": " + textutil.LastLine(f.Stderr)
	}
	return s
}

func problemLine(p analyze.InputProblem) string {
	s := "member " + p.Member
	if p.Index >= 0 {
		s += fmt.Sprintf(": item %d", p.Index)
	}
	if p.Field != "" {
		s += ": field " + p.Field
	}
	return s + ": " + p.Problem
}

func phaseText(p model.JobPhase, reason string) string {
	if reason == "" {
		return p.String()
	}
	return p.String() + " (" + reason + ")"
}

func (t *textWriter) job(rep *analyze.Report, j *analyze.JobResult, o Options) {
	t.line("")
	t.linep("  Job: ", j.Name)
	t.kv(4, "Namespace", j.Namespace)
	t.kv(4, "Phase", phaseText(j.Phase, j.PhaseReason))
	t.kv(4, "Health", j.Health.String())
	if j.Owner != "" {
		t.kv(4, "Owner", j.Owner)
	}
	t.kv(4, "Completions", model.OptInt(j.Completions).String())
	t.kv(4, "Succeeded", model.OptInt(j.Succeeded).String())
	t.kv(4, "Failed", model.OptInt(j.Failed).String())
	t.kv(4, "Active", model.OptInt(j.Active).String())
	t.kv(4, "Backoff Limit", model.OptInt(j.BackoffLimit).String())
	t.kv(4, "Start Time", j.StartTime)
	t.kv(4, "Completion Time", j.CompletionTime)
	t.findingsAndEvents(j.Findings, j.Events, j.Cause)
	if len(j.Pods) > 0 {
		t.line(fmt.Sprintf("    Pods (%d):", len(j.Pods)))
		hidden := 0
		for _, p := range worstFirst(j.Pods, podKey) {
			if p.Health == model.LevelOK && !o.All {
				hidden++
				continue
			}
			var cause *analyze.Cause
			if j.Cause != nil && j.Cause.Pod == p.Name {
				cause = j.Cause
			}
			t.podLine(rep, 6, p, cause)
		}
		if hidden > 0 {
			t.line(fmt.Sprintf("      (%s not shown)", plural(hidden, "OK pod")))
		}
	}
	if len(j.Labels) > 0 {
		t.line("    Labels:")
		for _, l := range j.Labels {
			t.linep("      ", l.Key, ": ", l.Value)
		}
	}
}

// eventLine writes prefix, then "<last> <reason> <kind>/<name> x<count>:
// <message>", the whole message on one line.
func (t *textWriter) eventLine(prefix string, e *analyze.EventResult) {
	var n [20]byte
	t.w.WriteString(prefix)
	t.parts(dash(e.Last), " ", e.Reason, " ", e.Kind, "/", e.Name, " x")
	t.w.Write(strconv.AppendInt(n[:0], e.Count, 10))
	t.linep(colonMessage(e.Message))
}

// colonMessage is ": " and the message on one line, or "" for none.
func colonMessage(msg string) string {
	if m := textutil.OneLine(msg); m != "" {
		return ": " + m
	}
	return ""
}

// unstated returns the events that no finding states already: an event
// is left out when some finding's whole message holds both its reason and
// its message (J1 quoting the Job's condition, E4 quoting the event).
func unstated(fs []model.Finding, es []analyze.EventResult) []analyze.EventResult {
	var out []analyze.EventResult
	for _, e := range es {
		m := textutil.OneLine(e.Message)
		stated := false
		for i := range fs {
			full := analyze.FullMessage(&fs[i])
			if strings.Contains(full, e.Reason) && strings.Contains(full, m) {
				stated = true
				break
			}
		}
		if !stated {
			out = append(out, e)
		}
	}
	return out
}

// podSummary writes "<prefix><name>: <phase> (<reason>), <health>,
// restarts <n>".
func (t *textWriter) podSummary(prefix string, p *analyze.PodResult) {
	phase, reason, closing := p.Phase, "", ""
	if phase == "" {
		phase = "(no phase)"
	}
	if p.Reason != "" {
		reason, closing = " (", ")"
	}
	var n [20]byte
	t.w.WriteString(prefix)
	t.parts(p.Name, ": ", phase, reason, p.Reason, closing, ", ", p.Health.String(), ", restarts ")
	t.w.Write(strconv.AppendInt(n[:0], p.Restarts, 10))
	t.w.WriteByte('\n')
}

func (t *textWriter) podLine(rep *analyze.Report, indent int, p *analyze.PodResult, cause *analyze.Cause) {
	pad := spaces[:min(indent, len(spaces))]
	t.w.WriteString(pad)
	t.podSummary("- ", p)
	t.usageLines(pad+"    ", p)
	t.findings(indent+4, p.Findings, cause)
	for _, e := range unstated(p.Findings, p.Events) {
		t.w.WriteString(pad)
		t.eventLine("    event ", &e)
	}
	t.logTails(rep, indent+4, p.LogTails)
}

// logTails writes each tail as a heading, then its lines prefixed "| ",
// so a log line never reads as a report line.
func (t *textWriter) logTails(rep *analyze.Report, indent int, tails []analyze.LogTail) {
	pad := spaces[:min(indent, len(spaces))]
	for _, lt := range tails {
		t.line(pad + logHeading(rep.Bundle.File, lt))
		for _, l := range lt.Lines {
			t.linep(pad, "| ", l)
		}
	}
}

// logHeading describes a tail: which log, how many of its lines follow,
// and the command that prints it whole.
func logHeading(bundleFile string, lt analyze.LogTail) string {
	what := "log of " + lt.Container
	if lt.Previous {
		what = "previous log of " + lt.Container
	}
	switch {
	case lt.Status != "ok":
		s := what + ": not captured (" + strings.ReplaceAll(lt.Status, "_", " ")
		if lt.Note != "" {
			s += ": " + lt.Note
		}
		return s + ")"
	case lt.Captured == 0:
		return what + ": empty (" + lt.Member + ")"
	}
	return fmt.Sprintf("%s: last %d of %d lines (all: ksnap bundle cat %s %s)", what, len(lt.Lines), lt.Captured, bundleFile, lt.Member)
}

func (t *textWriter) barePod(rep *analyze.Report, p *analyze.PodResult) {
	t.line("")
	t.line("  Pod: " + p.Name)
	t.kv(4, "Namespace", p.Namespace)
	phase := p.Phase
	if p.Reason != "" {
		phase += " (" + p.Reason + ")"
	}
	t.kv(4, "Phase", phase)
	t.kv(4, "Health", p.Health.String())
	if p.Owner != "" {
		t.kv(4, "Owner", p.Owner)
	}
	t.kv(4, "Node", p.Node)
	t.kv(4, "Start Time", p.StartTime)
	t.kv(4, "Restarts", fmt.Sprint(p.Restarts))
	t.usageLines("    ", p)
	t.findingsAndEvents(p.Findings, p.Events, p.Cause)
	if len(p.LogTails) > 0 {
		t.line("    Logs:")
		t.logTails(rep, 6, p.LogTails)
	}
}

// SummaryLine is the one-line verdict printed per bundle after several
// reports: "<VERDICT> <file> jobs=N ok=N warn=N error=N bare_pods=N",
// the verdict padded to 7 columns, the file name escaped.
func SummaryLine(rep *analyze.Report) string {
	c := rep.Counts
	return fmt.Sprintf("%-7s %s jobs=%d ok=%d warn=%d error=%d bare_pods=%d", rep.Verdict, textutil.Terminal(rep.Bundle.File), c.Jobs, c.JobsOK, c.JobsWarn, c.JobsError, c.BarePods)
}

// findingsAndEvents writes a Job's or bare pod's "Findings:" and "Warning
// Events:" lists, each left out when empty; events a finding already
// states are not repeated.
func (t *textWriter) findingsAndEvents(fs []model.Finding, es []analyze.EventResult, cause *analyze.Cause) {
	if len(fs) > 0 {
		t.line("    Findings:")
		t.findings(6, fs, cause)
	}
	if es = unstated(fs, es); len(es) > 0 {
		t.line("    Warning Events:")
		for _, e := range es {
			t.eventLine("      ", &e)
		}
	}
}
