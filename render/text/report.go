package text

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

// textWriter buffers a report; the bufio.Writer keeps the first write
// error and Flush returns it.
type textWriter struct {
	w *bufio.Writer
}

func (t *textWriter) line(s string) {
	t.w.WriteString(s)
	t.w.WriteByte('\n')
}

// kv writes "<indent>Label:" padded so the value starts at valueColumn.
// An empty value prints "-".
func (t *textWriter) kv(indent int, name, value string) {
	writeLabel(t.w, indent, name)
	t.line(dash(value))
}

func (t *textWriter) finding(indent int, f model.Finding) {
	t.line(fmt.Sprintf("%s%-7s %-4s %s", strings.Repeat(" ", indent), f.Level, f.Rule, f.Message))
}

// Report renders rep as the human-readable report: the seed tool's D33
// sections ([HEADER], [JOBS], ...), values aligned at column 26, times in
// RFC 3339 UTC, absent values as "-". Sections without content are left out,
// except [JOBS], which says "(No jobs)".
func Report(w io.Writer, rep *analyze.Report) error {
	t := &textWriter{w: bufio.NewWriter(w)}
	t.line(rule80)
	t.line("[KSNAP ANALYZE] KUBERNETES JOB HEALTH REPORT")
	t.line(rule80)
	t.line("")
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
	t.kv(0, "Overall Health", rep.Verdict.String())
	c := rep.Counts
	t.kv(0, "Jobs", fmt.Sprintf("%d (OK %d, WARN %d, ERROR %d)", c.Jobs, c.JobsOK, c.JobsWarn, c.JobsError))
	t.kv(0, "Pods", fmt.Sprintf("%d (bare %d)", c.Pods, c.BarePods))
	t.kv(0, "Events", fmt.Sprintf("%d (Warning %d)", c.Events, c.WarningEvents))
	t.line("")
	if len(rep.Findings) > 0 {
		t.line("[FINDINGS]")
		for _, f := range rep.Findings {
			t.finding(2, f)
		}
		t.line("")
	}
	t.line("[JOBS]")
	if len(rep.Jobs) == 0 {
		t.line("  (No jobs)")
	}
	for i := range rep.Jobs {
		t.job(&rep.Jobs[i])
	}
	t.line("")
	if len(rep.BarePods) > 0 {
		t.line("[BARE PODS]")
		for i := range rep.BarePods {
			t.barePod(&rep.BarePods[i])
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
	t.line(rule80)
	t.line("[KSNAP ANALYZE] END OF REPORT")
	t.line(rule80)
	return t.w.Flush()
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

func (t *textWriter) job(j *analyze.JobResult) {
	t.line("")
	t.line("  Job: " + j.Name)
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
	t.findingsAndEvents(j.Findings, j.Events)
	if len(j.Pods) > 0 {
		t.line(fmt.Sprintf("    Pods (%d):", len(j.Pods)))
		for i := range j.Pods {
			t.podLine(6, &j.Pods[i])
		}
	}
	if len(j.Labels) > 0 {
		t.line("    Labels:")
		for _, l := range j.Labels {
			t.line("      " + l.Key + ": " + l.Value)
		}
	}
}

// eventLine is "<last> <reason> <kind>/<name> x<count>: <message>", the
// message on one line and cut at 200 bytes, as in findings.
func eventLine(e analyze.EventResult) string {
	s := fmt.Sprintf("%s %s %s/%s x%d", dash(e.Last), e.Reason, e.Kind, e.Name, e.Count)
	if m := textutil.OneLine(e.Message); m != "" {
		s += ": " + textutil.Truncate(m, 200)
	}
	return s
}

func podSummary(p *analyze.PodResult) string {
	phase := p.Phase
	if phase == "" {
		phase = "(no phase)"
	}
	if p.Reason != "" {
		phase += " (" + p.Reason + ")"
	}
	return fmt.Sprintf("%s: %s, %s, restarts %d", p.Name, phase, p.Health, p.Restarts)
}

func (t *textWriter) podLine(indent int, p *analyze.PodResult) {
	pad := strings.Repeat(" ", indent)
	t.line(pad + "- " + podSummary(p))
	for _, f := range p.Findings {
		t.finding(indent+4, f)
	}
	for _, e := range p.Events {
		t.line(pad + "    event " + eventLine(e))
	}
}

func (t *textWriter) barePod(p *analyze.PodResult) {
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
	t.findingsAndEvents(p.Findings, p.Events)
}

// SummaryLine is the one-line verdict printed per bundle after several
// reports: "<VERDICT> <file> jobs=N ok=N warn=N error=N bare_pods=N",
// the verdict padded to 7 columns.
func SummaryLine(rep *analyze.Report) string {
	c := rep.Counts
	return fmt.Sprintf("%-7s %s jobs=%d ok=%d warn=%d error=%d bare_pods=%d", rep.Verdict, rep.Bundle.File, c.Jobs, c.JobsOK, c.JobsWarn, c.JobsError, c.BarePods)
}

// findingsAndEvents writes a Job's or bare pod's "Findings:" and "Warning
// Events:" lists, each left out when empty.
func (t *textWriter) findingsAndEvents(fs []model.Finding, es []analyze.EventResult) {
	if len(fs) > 0 {
		t.line("    Findings:")
		for _, f := range fs {
			t.finding(6, f)
		}
	}
	if len(es) > 0 {
		t.line("    Warning Events:")
		for _, e := range es {
			t.line("      " + eventLine(e))
		}
	}
}
