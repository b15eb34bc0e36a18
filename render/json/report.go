package json

import (
	"fmt"
	"io"
	"strconv"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Report renders rep as the versioned JSON report (docs/report-schema.md):
// typed fields in snake_case, schema_version first, 2-space indent, a
// trailing newline. Non-ASCII is written as UTF-8; <, > and & are not
// escaped. Lists are never null.
//
// The bytes are exactly those of encoding/json (Encoder with
// SetEscapeHTML(false) and SetIndent("", "  ")) over the tagged structs of
// analyze/report.go, which TestReportMatchesEncodingJSON checks; the writer is
// hand-written because a 10,000-pod report is tens of MB, and reflection,
// a second indenting pass and whole-document buffers made rendering cost as
// much as parsing the bundle. Output is streamed to w in 64 KiB chunks.
func Report(w io.Writer, rep *analyze.Report) error {
	j := &jsonWriter{w: w, buf: make([]byte, 0, jsonChunk+4096)}
	j.report(rep)
	j.buf = append(j.buf, '\n')
	j.flush()
	return j.err
}

// jsonChunk is how much output is buffered before it is written.
const jsonChunk = 64 << 10

// jsonWriter appends indented JSON to buf and flushes it to w. The first
// error (from w, or an invalid enum value) sticks; later output is dropped.
type jsonWriter struct {
	w     io.Writer
	buf   []byte
	depth int
	// first is true right after an opening bracket.
	first bool
	err   error
}

func (j *jsonWriter) flush() {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
}

func (j *jsonWriter) newline() {
	j.buf = append(j.buf, '\n')
	for range j.depth {
		j.buf = append(j.buf, ' ', ' ')
	}
}

// open starts an object or array.
func (j *jsonWriter) open(c byte) {
	j.buf = append(j.buf, c)
	j.depth++
	j.first = true
}

// close ends an object or array; an empty one stays on one line ({} or []).
func (j *jsonWriter) close(c byte) {
	j.depth--
	if !j.first {
		j.newline()
	}
	j.first = false
	j.buf = append(j.buf, c)
	if len(j.buf) >= jsonChunk {
		j.flush()
	}
}

// elem starts an array element.
func (j *jsonWriter) elem() {
	if !j.first {
		j.buf = append(j.buf, ',')
	}
	j.first = false
	j.newline()
}

// key starts an object member; keys are plain ASCII and need no escaping.
func (j *jsonWriter) key(k string) {
	j.elem()
	j.buf = append(j.buf, '"')
	j.buf = append(j.buf, k...)
	j.buf = append(j.buf, '"', ':', ' ')
}

func (j *jsonWriter) str(k, v string) {
	j.key(k)
	j.buf = textutil.AppendJSONString(j.buf, v)
}

func (j *jsonWriter) int(k string, v int64) {
	j.key(k)
	j.buf = strconv.AppendInt(j.buf, v, 10)
}

func (j *jsonWriter) bool(k string, v bool) {
	j.key(k)
	j.buf = strconv.AppendBool(j.buf, v)
}

func (j *jsonWriter) optInt(k string, v analyze.OptInt) {
	j.key(k)
	if !v.Set {
		j.buf = append(j.buf, "null"...)
		return
	}
	j.buf = strconv.AppendInt(j.buf, v.Val, 10)
}

// text writes a value's MarshalText as a string, like encoding/json.
func (j *jsonWriter) text(k string, v interface{ MarshalText() ([]byte, error) }) {
	j.key(k)
	b, err := v.MarshalText()
	if err != nil {
		if j.err == nil {
			j.err = fmt.Errorf("json: error calling MarshalText for type %T: %w", v, err)
		}
		j.buf = append(j.buf, `""`...)
		return
	}
	j.buf = textutil.AppendJSONString(j.buf, b)
}

// jsonList writes a slice: null when nil, like encoding/json.
func jsonList[T any](j *jsonWriter, k string, s []T, each func(*T)) {
	j.key(k)
	if s == nil {
		j.buf = append(j.buf, "null"...)
		return
	}
	j.open('[')
	for i := range s {
		j.elem()
		each(&s[i])
	}
	j.close(']')
}

func (j *jsonWriter) report(r *analyze.Report) {
	j.open('{')
	j.int("schema_version", int64(r.SchemaVersion))
	j.str("rule_set", r.RuleSet)
	j.key("bundle")
	j.open('{')
	j.str("file", r.Bundle.File)
	j.str("sha256", r.Bundle.SHA256)
	j.str("source", r.Bundle.Source)
	j.close('}')
	j.str("captured_at", r.CapturedAt)
	j.str("namespace", r.Namespace)
	j.str("selector", r.Selector)
	j.text("verdict", r.Verdict)

	o := &r.Options
	j.key("options")
	j.open('{')
	j.bool("warn_on_pending", o.WarnOnPending)
	j.bool("treat_unknown_as_error", o.TreatUnknownAsError)
	j.str("pending_after", o.PendingAfter)
	j.str("max_runtime", o.MaxRuntime)
	j.int("deadline_warn_percent", int64(o.DeadlineWarnPercent))
	j.str("suspended_level", o.SuspendedLevel)
	j.int("restart_warn", o.RestartWarn)
	j.str("waiting_warn_after", o.WaitingWarnAfter)
	j.str("unschedulable_error_after", o.UnschedulableErrorAfter)
	j.str("terminating_warn_after", o.TerminatingWarnAfter)
	j.bool("allow_empty", o.AllowEmpty)
	jsonList(j, "expect", o.Expect, func(s *string) { j.buf = textutil.AppendJSONString(j.buf, *s) })
	j.int("event_rules", int64(o.EventRules))
	j.int("log_lines", int64(o.LogLines))
	j.close('}')

	c := &r.Counts
	j.key("counts")
	j.open('{')
	j.int("jobs", int64(c.Jobs))
	j.int("jobs_ok", int64(c.JobsOK))
	j.int("jobs_warn", int64(c.JobsWarn))
	j.int("jobs_error", int64(c.JobsError))
	j.int("pods", int64(c.Pods))
	j.int("bare_pods", int64(c.BarePods))
	j.int("events", int64(c.Events))
	j.int("warning_events", int64(c.WarningEvents))
	j.close('}')

	jsonList(j, "findings", r.Findings, j.finding)
	jsonList(j, "jobs", r.Jobs, j.job)
	jsonList(j, "bare_pods", r.BarePods, j.pod)
	jsonList(j, "capture_failures", r.CaptureFailures, func(f *analyze.CaptureFailure) {
		j.open('{')
		j.str("kind", f.Kind)
		j.str("member", f.Member)
		j.str("pod", f.Pod)
		j.str("container", f.Container)
		j.str("status", f.Status)
		j.int("exit_code", int64(f.ExitCode))
		j.str("error", f.Error)
		j.str("stderr", f.Stderr)
		j.close('}')
	})
	jsonList(j, "input_problems", r.InputProblems, func(p *analyze.InputProblem) {
		j.open('{')
		j.str("member", p.Member)
		j.int("index", int64(p.Index))
		j.str("field", p.Field)
		j.str("problem", p.Problem)
		j.close('}')
	})
	if m := r.Metrics; m != nil {
		j.key("metrics")
		j.open('{')
		j.str("status", m.Status)
		j.str("reason", m.Reason)
		j.str("member", m.Member)
		j.int("pods", int64(m.Pods))
		j.int("joined", int64(m.Joined))
		j.close('}')
	}
	j.close('}')
}

func (j *jsonWriter) finding(f *model.Finding) {
	j.open('{')
	j.str("rule", f.Rule)
	j.text("level", f.Level)
	j.str("message", f.Message)
	j.key("evidence")
	j.open('{')
	j.str("member", f.Evidence.Member)
	if f.Evidence.Kind != "" {
		j.str("kind", f.Evidence.Kind)
	}
	if f.Evidence.Name != "" {
		j.str("name", f.Evidence.Name)
	}
	jsonList(j, "fields", f.Evidence.Fields, func(fl *model.Field) {
		j.open('{')
		j.str("path", fl.Path)
		j.str("value", fl.Value)
		j.close('}')
	})
	j.close('}')
	j.close('}')
}

func (j *jsonWriter) job(r *analyze.JobResult) {
	j.open('{')
	j.str("name", r.Name)
	j.str("namespace", r.Namespace)
	j.str("uid", r.UID)
	j.str("owner", r.Owner)
	j.text("phase", r.Phase)
	j.str("phase_reason", r.PhaseReason)
	j.text("health", r.Health)
	j.cause(r.Cause)
	j.optInt("completions", r.Completions)
	j.optInt("parallelism", r.Parallelism)
	j.optInt("backoff_limit", r.BackoffLimit)
	j.optInt("active_deadline_seconds", r.ActiveDeadlineSeconds)
	j.optInt("succeeded", r.Succeeded)
	j.optInt("failed", r.Failed)
	j.optInt("active", r.Active)
	j.optInt("ready", r.Ready)
	j.str("created", r.Created)
	j.str("start_time", r.StartTime)
	j.str("completion_time", r.CompletionTime)
	jsonList(j, "labels", r.Labels, func(l *analyze.Label) {
		j.open('{')
		j.str("key", l.Key)
		j.str("value", l.Value)
		j.close('}')
	})
	jsonList(j, "findings", r.Findings, j.finding)
	jsonList(j, "pods", r.Pods, j.pod)
	jsonList(j, "events", r.Events, j.event)
	j.close('}')
}

func (j *jsonWriter) pod(r *analyze.PodResult) {
	j.open('{')
	j.str("name", r.Name)
	j.str("namespace", r.Namespace)
	j.str("uid", r.UID)
	j.str("owner", r.Owner)
	j.str("phase", r.Phase)
	j.str("reason", r.Reason)
	j.str("node", r.Node)
	j.str("start_time", r.StartTime)
	j.int("restarts", r.Restarts)
	j.text("health", r.Health)
	j.cause(r.Cause)
	jsonList(j, "containers", r.Containers, func(c *analyze.ContainerResult) {
		j.open('{')
		j.str("name", c.Name)
		j.text("type", c.Type)
		j.text("state", c.State)
		j.str("reason", c.Reason)
		j.optInt("exit_code", c.ExitCode)
		j.int("restarts", c.Restarts)
		j.bool("ready", c.Ready)
		j.close('}')
	})
	jsonList(j, "findings", r.Findings, j.finding)
	jsonList(j, "events", r.Events, j.event)
	jsonList(j, "log_tails", r.LogTails, func(t *analyze.LogTail) {
		j.open('{')
		j.str("container", t.Container)
		j.bool("previous", t.Previous)
		j.str("member", t.Member)
		j.str("status", t.Status)
		j.str("note", t.Note)
		j.int("captured", int64(t.Captured))
		jsonList(j, "lines", t.Lines, func(s *string) { j.buf = textutil.AppendJSONString(j.buf, *s) })
		j.close('}')
	})
	if u := r.Usage; u != nil {
		j.key("usage")
		j.open('{')
		j.str("timestamp", u.Timestamp)
		j.str("window", u.Window)
		jsonList(j, "containers", u.Containers, func(c *analyze.ContainerUsage) {
			j.open('{')
			j.str("name", c.Name)
			j.optInt("cpu_millicores", c.CPU)
			j.optInt("cpu_request_millicores", c.CPURequest)
			j.optInt("cpu_limit_millicores", c.CPULimit)
			j.optInt("memory_bytes", c.Memory)
			j.optInt("memory_request_bytes", c.MemoryRequest)
			j.optInt("memory_limit_bytes", c.MemoryLimit)
			j.close('}')
		})
		j.close('}')
	}
	j.close('}')
}

// cause writes a Job's or pod's cause, or null.
func (j *jsonWriter) cause(c *analyze.Cause) {
	j.key("cause")
	if c == nil {
		j.buf = append(j.buf, "null"...)
		return
	}
	j.open('{')
	j.str("rule", c.Rule)
	j.text("level", c.Level)
	j.str("message", c.Message)
	j.str("pod", c.Pod)
	j.str("container", c.Container)
	j.str("reason", c.Reason)
	j.optInt("exit_code", c.ExitCode)
	j.str("detail", c.Detail)
	j.str("since", c.Since)
	j.str("age", c.Age)
	j.close('}')
}

func (j *jsonWriter) event(e *analyze.EventResult) {
	j.open('{')
	j.str("type", e.Type)
	j.str("reason", e.Reason)
	j.str("kind", e.Kind)
	j.str("name", e.Name)
	j.int("count", e.Count)
	j.str("first", e.First)
	j.str("last", e.Last)
	j.str("message", e.Message)
	j.str("source", e.Source)
	j.close('}')
}
