// Package history owns ksnap's health history: the record schema and its
// one JSON codec (compatible with the lines the old Python recorder wrote;
// ParseLine, AppendJSON, and Parser for readers of many lines), the Store
// interface every history store implements (history/jsonl is the file,
// history/memstore memory; history/storetest is their conformance suite),
// Summarize (counts, streaks and the history-aware rules J10 and J11,
// folded over any Store). Bundle retention lives in capture/bundle.
//
// It does no file or network I/O of its own: stores do. It never runs
// kubectl, never imports capture or analyze, and never re-runs analysis: a
// Record is built by the caller from an analysis report. Diagnostics are
// returned as values or passed to a Reporter, never printed.
package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ksnap/ksnap/internal/fasttime"
	"github.com/ksnap/ksnap/internal/textutil"
	"github.com/tidwall/gjson"
)

// SchemaVersion is the version of the record schema this package writes.
// Lines written by the old tool have no schema_version and read as 0.
const SchemaVersion = 1

// Health levels as stored in overall_health and in each job's health.
const (
	LevelOK      = "OK"
	LevelWarn    = "WARN"
	LevelError   = "ERROR"
	LevelUnknown = "UNKNOWN"
)

// TimeLayout is the format of the timestamps ksnap writes: RFC 3339, UTC,
// with a fixed nine-digit fraction (the bundle's capture time, unchanged).
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Record is one line of the history file.
//
// The first eight fields are the old tool's, in its key order; the rest are
// ksnap's and are written only when SchemaVersion > 0.
type Record struct {
	// Timestamp is the time string as stored: ksnap writes TimeLayout (the
	// bundle's capture time); the old tool wrote naive UTC ISO 8601.
	Timestamp string
	// Time is Timestamp parsed, always in UTC. Naive times read as UTC.
	Time          time.Time
	Namespace     string
	Selector      string
	OverallHealth string
	JobsOK        int
	JobsWarn      int
	JobsError     int
	// RawSnapshot is the raw_snapshot value, nil for null. ksnap always
	// writes null; a value present in an old file is kept as read.
	RawSnapshot json.RawMessage

	// SchemaVersion is 0 for lines of the old tool, SchemaVersion for ksnap's.
	SchemaVersion int
	// Bundle is the bundle's file name (no directory); BundleSHA256 the hex
	// sha256 of the whole bundle file.
	Bundle       string
	BundleSHA256 string
	// Ruleset is the version of the analysis rules that produced the verdict.
	Ruleset string
	// CaptureErrors counts the kubectl commands that failed in the capture.
	CaptureErrors int
	// WarningEvents counts the Warning events the analysis related to the jobs.
	WarningEvents int
	// Jobs is the per-job verdict, in the analysis report's order.
	Jobs []Job
	// Cluster names the cluster the bundle came from (a fleet's store holds
	// several). It is the last key, written only when not empty, so lines
	// without it (older ksnap, the old tool) read and re-encode unchanged.
	Cluster string
}

// Job is one job's verdict inside a Record.
type Job struct {
	Name   string
	Phase  string
	Health string
	// Rules are the codes of the rules that fired for the job (J1, P3, ...).
	Rules []string
	// Owner is the name of the CronJob that owns the job, empty if none.
	Owner string
	// MemoryPeak is the sampled working-set memory in bytes of the job's
	// container nearest its memory limit (or, with no limit, the largest),
	// from pod metrics at capture time (capture --metrics); MemoryLimit is
	// that container's limit. 0 means absent: the keys memory_peak_bytes
	// and memory_limit_bytes are written only when set; at most 2^53.
	MemoryPeak, MemoryLimit int
}

// Level returns the record's overall health folded onto the four levels:
// any value other than OK, WARN and ERROR is UNKNOWN.
func (r *Record) Level() string { return foldLevel(r.OverallHealth) }

func foldLevel(s string) string {
	// The constants, not s: a summary keeps levels long after the line
	// they were read from is gone.
	switch s {
	case LevelOK:
		return LevelOK
	case LevelWarn:
		return LevelWarn
	case LevelError:
		return LevelError
	}
	return LevelUnknown
}

// MarshalJSON encodes the record exactly as Append writes it (without the
// trailing newline).
func (r Record) MarshalJSON() ([]byte, error) { return AppendJSON(nil, &r), nil }

// AppendJSON appends r's JSON encoding to buf and returns the extended
// buffer. Keys are in a fixed order, separators compact, non-ASCII literal,
// so equal records always encode to equal bytes. A record with SchemaVersion
// 0 is encoded with the old tool's eight keys only.
func AppendJSON(buf []byte, r *Record) []byte {
	buf = append(buf, `{"timestamp":`...)
	buf = textutil.AppendJSONString(buf, r.Timestamp)
	buf = append(buf, `,"namespace":`...)
	buf = textutil.AppendJSONString(buf, r.Namespace)
	buf = append(buf, `,"selector":`...)
	buf = textutil.AppendJSONString(buf, r.Selector)
	buf = append(buf, `,"overall_health":`...)
	buf = textutil.AppendJSONString(buf, r.OverallHealth)
	buf = append(buf, `,"jobs_ok":`...)
	buf = strconv.AppendInt(buf, int64(r.JobsOK), 10)
	buf = append(buf, `,"jobs_warn":`...)
	buf = strconv.AppendInt(buf, int64(r.JobsWarn), 10)
	buf = append(buf, `,"jobs_error":`...)
	buf = strconv.AppendInt(buf, int64(r.JobsError), 10)
	buf = append(buf, `,"raw_snapshot":`...)
	if len(r.RawSnapshot) == 0 {
		buf = append(buf, "null"...)
	} else {
		var c bytes.Buffer
		if json.Compact(&c, r.RawSnapshot) == nil {
			buf = append(buf, c.Bytes()...)
		} else {
			buf = append(buf, "null"...)
		}
	}
	if r.SchemaVersion == 0 {
		return append(buf, '}')
	}
	buf = append(buf, `,"schema_version":`...)
	buf = strconv.AppendInt(buf, int64(r.SchemaVersion), 10)
	buf = append(buf, `,"bundle":`...)
	buf = textutil.AppendJSONString(buf, r.Bundle)
	buf = append(buf, `,"bundle_sha256":`...)
	buf = textutil.AppendJSONString(buf, r.BundleSHA256)
	buf = append(buf, `,"ruleset":`...)
	buf = textutil.AppendJSONString(buf, r.Ruleset)
	buf = append(buf, `,"capture_errors":`...)
	buf = strconv.AppendInt(buf, int64(r.CaptureErrors), 10)
	buf = append(buf, `,"warning_events":`...)
	buf = strconv.AppendInt(buf, int64(r.WarningEvents), 10)
	buf = append(buf, `,"jobs":[`...)
	for i, j := range r.Jobs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"name":`...)
		buf = textutil.AppendJSONString(buf, j.Name)
		buf = append(buf, `,"phase":`...)
		buf = textutil.AppendJSONString(buf, j.Phase)
		buf = append(buf, `,"health":`...)
		buf = textutil.AppendJSONString(buf, j.Health)
		buf = append(buf, `,"rules":[`...)
		for k, code := range j.Rules {
			if k > 0 {
				buf = append(buf, ',')
			}
			buf = textutil.AppendJSONString(buf, code)
		}
		buf = append(buf, ']')
		if j.Owner != "" {
			buf = append(buf, `,"owner":`...)
			buf = textutil.AppendJSONString(buf, j.Owner)
		}
		if j.MemoryPeak > 0 {
			buf = append(buf, `,"memory_peak_bytes":`...)
			buf = strconv.AppendInt(buf, int64(j.MemoryPeak), 10)
		}
		if j.MemoryLimit > 0 {
			buf = append(buf, `,"memory_limit_bytes":`...)
			buf = strconv.AppendInt(buf, int64(j.MemoryLimit), 10)
		}
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	if r.Cluster != "" {
		buf = append(buf, `,"cluster":`...)
		buf = textutil.AppendJSONString(buf, r.Cluster)
	}
	return append(buf, '}')
}

// ParseLine decodes one history line (without its newline). Surrounding
// whitespace is ignored and any JSON spacing is accepted, so lines written
// by the old tool (", " and ": " separators) read unchanged.
//
// Accepted on purpose (see docs/differences.md, section History): a missing
// or null overall_health reads as UNKNOWN (the old tool read it as OK); null
// or missing counters read as 0; counters written as decimal strings ("2")
// read as numbers; missing namespace and selector read as "". Rejected: bad
// JSON, invalid UTF-8, a value that is not an object, a missing or
// unparseable timestamp, a wrong field type, a negative or fractional
// counter, and a schema_version newer than SchemaVersion.
func ParseLine(line []byte) (Record, error) {
	var r Record
	err := parseInto(&r, bytes.TrimSpace(line), false)
	return r, err
}

// Errors returned (wrapped) by ParseLine.
var (
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrInvalidJSON = errors.New("not valid JSON")
	ErrNotObject   = errors.New("not a JSON object")
)

// FieldError says which field of a line has a wrong type or value.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, a...)}
}

func typeName(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if v.IsArray() {
		return "an array"
	}
	return "an object"
}

// parseInto decodes line into r, reusing r.Jobs' backing array. When stable
// is true the caller guarantees that line's bytes are never modified again,
// and the record's strings may point into them instead of a copy.
func parseInto(r *Record, line []byte, stable bool) error {
	return parseIntoArena(r, line, stable, nil)
}

// parseIntoArena is parseInto taking the Jobs and Rules slices of lines in
// AppendJSON's form from a (nil: allocate them).
func parseIntoArena(r *Record, line []byte, stable bool, a *arena) error {
	var js string
	if stable && len(line) > 0 {
		js = unsafe.String(&line[0], len(line))
	} else {
		js = string(line)
	}
	if parseCanonical(r, js, a) {
		return nil
	}
	return parseGeneral(r, line, js)
}

// parseGeneral is parseInto's general path: any JSON spacing and key order,
// every accepted variation and every error. js holds line's bytes.
func parseGeneral(r *Record, line []byte, js string) error {
	jobs := r.Jobs[:0]
	*r = Record{OverallHealth: LevelUnknown}
	if !utf8.Valid(line) {
		return ErrInvalidUTF8
	}
	if !gjson.ValidBytes(line) {
		return ErrInvalidJSON
	}
	root := gjson.Parse(js)
	if !root.IsObject() {
		return ErrNotObject
	}
	var err error
	haveTime := false
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "timestamp":
			if v.Type != gjson.String {
				err = fieldErr("timestamp", "want a string, got %s", typeName(v))
				return false
			}
			t, perr := ParseTimestamp(v.Str)
			if perr != nil {
				err = fieldErr("timestamp", "%q is not an ISO 8601 / RFC 3339 time", v.Str)
				return false
			}
			r.Timestamp, r.Time, haveTime = v.Str, t, true
		case "namespace":
			r.Namespace, err = optString("namespace", v)
		case "selector":
			r.Selector, err = optString("selector", v)
		case "overall_health":
			if v.Type == gjson.Null {
				r.OverallHealth = LevelUnknown
			} else {
				r.OverallHealth, err = optString("overall_health", v)
			}
		case "jobs_ok":
			r.JobsOK, err = counter("jobs_ok", v)
		case "jobs_warn":
			r.JobsWarn, err = counter("jobs_warn", v)
		case "jobs_error":
			r.JobsError, err = counter("jobs_error", v)
		case "raw_snapshot":
			if v.Type != gjson.Null {
				r.RawSnapshot = json.RawMessage(v.Raw)
			}
		case "schema_version":
			r.SchemaVersion, err = counter("schema_version", v)
			if err == nil && r.SchemaVersion > SchemaVersion {
				err = fieldErr("schema_version", "%d is newer than this ksnap reads (%d); upgrade ksnap", r.SchemaVersion, SchemaVersion)
			}
		case "bundle":
			r.Bundle, err = optString("bundle", v)
		case "bundle_sha256":
			r.BundleSHA256, err = optString("bundle_sha256", v)
		case "ruleset":
			r.Ruleset, err = optString("ruleset", v)
		case "capture_errors":
			r.CaptureErrors, err = counter("capture_errors", v)
		case "warning_events":
			r.WarningEvents, err = counter("warning_events", v)
		case "jobs":
			jobs, err = parseJobs(jobs, v)
		case "cluster":
			r.Cluster, err = optString("cluster", v)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if !haveTime {
		return fieldErr("timestamp", "missing")
	}
	if len(jobs) > 0 {
		r.Jobs = jobs
	}
	return nil
}

func parseJobs(jobs []Job, v gjson.Result) ([]Job, error) {
	if v.Type == gjson.Null {
		return jobs, nil
	}
	if !v.IsArray() {
		return jobs, fieldErr("jobs", "want an array, got %s", typeName(v))
	}
	var err error
	i := 0
	v.ForEach(func(_, jv gjson.Result) bool {
		field := func(name string) fieldName { return fieldName{i, name} }
		if !jv.IsObject() {
			err = fieldErr("jobs["+strconv.Itoa(i)+"]", "want an object, got %s", typeName(jv))
			return false
		}
		var j Job
		jv.ForEach(func(k, f gjson.Result) bool {
			switch k.Str {
			case "name":
				j.Name, err = optStringF(field("name"), f)
			case "phase":
				j.Phase, err = optStringF(field("phase"), f)
			case "health":
				j.Health, err = optStringF(field("health"), f)
			case "owner":
				j.Owner, err = optStringF(field("owner"), f)
			case "memory_peak_bytes":
				j.MemoryPeak, err = counterUpTo(field("memory_peak_bytes").String(), f, 1<<53)
			case "memory_limit_bytes":
				j.MemoryLimit, err = counterUpTo(field("memory_limit_bytes").String(), f, 1<<53)
			case "rules":
				if f.Type == gjson.Null {
					break
				}
				if !f.IsArray() {
					err = fieldErr(field("rules").String(), "want an array, got %s", typeName(f))
					break
				}
				f.ForEach(func(_, c gjson.Result) bool {
					if c.Type != gjson.String {
						err = fieldErr(field("rules").String(), "want strings, got %s", typeName(c))
						return false
					}
					j.Rules = append(j.Rules, c.Str)
					return true
				})
			}
			return err == nil
		})
		if err != nil {
			return false
		}
		jobs = append(jobs, j)
		i++
		return true
	})
	return jobs, err
}

// fieldName names a field lazily: formatting happens only for an error.
type fieldName struct {
	job  int // index in jobs, or -1 for a top-level field
	name string
}

func (f fieldName) String() string {
	if f.job < 0 {
		return f.name
	}
	return "jobs[" + strconv.Itoa(f.job) + "]." + f.name
}

func optString(field string, v gjson.Result) (string, error) {
	return optStringF(fieldName{-1, field}, v)
}

func optStringF(field fieldName, v gjson.Result) (string, error) {
	switch v.Type {
	case gjson.String:
		return v.Str, nil
	case gjson.Null:
		return "", nil
	}
	return "", fieldErr(field.String(), "want a string, got %s", typeName(v))
}

// counter reads a non-negative integer; null reads as 0 and a decimal string
// as its number (old files written by hand or other tools).
func counter(field string, v gjson.Result) (int, error) { return counterUpTo(field, v, 1<<40) }

// counterUpTo is counter with another upper bound (byte counts up to 2^53).
func counterUpTo(field string, v gjson.Result, max int64) (int, error) {
	switch v.Type {
	case gjson.Null:
		return 0, nil
	case gjson.Number:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil {
			// 2.0 or 2e0: accept when integral.
			f := v.Num
			if f != float64(int64(f)) || f > 1<<53 {
				return 0, fieldErr(field, "%s is not a whole number", v.Raw)
			}
			n = int64(f)
		}
		if n < 0 || n > max {
			return 0, fieldErr(field, "%d is out of range", n)
		}
		return int(n), nil
	case gjson.String:
		n, err := strconv.Atoi(v.Str)
		if err != nil || n < 0 {
			return 0, fieldErr(field, "%q is not a non-negative whole number", v.Str)
		}
		return n, nil
	}
	return 0, fieldErr(field, "want a number, got %s", typeName(v))
}

// ParseTimestamp parses a history timestamp: RFC 3339 with any offset
// (returned in UTC), or the old tool's naive ISO 8601
// (YYYY-MM-DDTHH:MM:SS[.ffffff]), read as UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if t, _, ok := fasttime.Parse(s); ok {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
	if err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// Input is what a Record is built from: the facts of one analysed bundle.
// The caller maps its analysis report onto it (one function, shared by
// record and rebuild, so that both write the same bytes).
type Input struct {
	// CapturedAt is the bundle's capture time; it becomes the timestamp.
	CapturedAt    time.Time
	Namespace     string
	Selector      string
	OverallHealth string
	Bundle        string
	BundleSHA256  string
	Ruleset       string
	CaptureErrors int
	WarningEvents int
	Jobs          []Job
	// Cluster names the cluster ("" writes no cluster key).
	Cluster string
}

// NewRecord builds the record for in: the timestamp in TimeLayout, the job
// counters counted by exact match on each job's health (as the old tool
// did), raw_snapshot null and the current SchemaVersion.
func NewRecord(in Input) Record {
	r := Record{
		Timestamp:     FormatTime(in.CapturedAt),
		Time:          in.CapturedAt.UTC().Round(0),
		Namespace:     in.Namespace,
		Selector:      in.Selector,
		OverallHealth: in.OverallHealth,
		SchemaVersion: SchemaVersion,
		Bundle:        in.Bundle,
		BundleSHA256:  in.BundleSHA256,
		Ruleset:       in.Ruleset,
		CaptureErrors: in.CaptureErrors,
		WarningEvents: in.WarningEvents,
		Cluster:       in.Cluster,
	}
	if len(in.Jobs) > 0 {
		r.Jobs = make([]Job, len(in.Jobs))
		for i, j := range in.Jobs {
			j.Rules = append([]string(nil), j.Rules...)
			r.Jobs[i] = j
		}
	}
	for _, j := range in.Jobs {
		switch j.Health {
		case LevelOK:
			r.JobsOK++
		case LevelWarn:
			r.JobsWarn++
		case LevelError:
			r.JobsError++
		}
	}
	return r
}
