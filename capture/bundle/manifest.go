// Package bundle owns the ksnap bundle format v1: member names, the manifest
// schema, the deterministic and durable writer, the verifying reader, the
// one rule for the bundles in a directory (List, ParseFileName) and the
// restic-style retention policy for bundle files.
//
// A bundle is a tar archive compressed with zstd. Its first member is
// manifest.json; the others hold kubectl's output byte for byte. The package
// never runs kubectl, never parses member JSON (beyond the manifest) and never
// extracts anything to disk: members are read by exact name into memory. See
// docs/bundle-format.md.
package bundle

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ksnap/ksnap/internal/k8sname"
)

// Format identifies a ksnap bundle manifest.
const Format = "ksnap.bundle"

// FormatVersion is the manifest format version this package writes and reads.
const FormatVersion = 1

// Well-known member names.
const (
	ManifestMember = "manifest.json"
	VersionMember  = "version.json"
	JobsMember     = "jobs.json"
	PodsMember     = "pods.json"
	EventsMember   = "events.json"
	LogsDir        = "logs/"
	// PodMetricsMember holds `kubectl get podmetrics.metrics.k8s.io -o json`
	// (capture --metrics).
	PodMetricsMember = "metrics/podmetrics.json"
)

// Sources of a bundle.
const (
	SourceCapture = "capture"
	SourceImport  = "import"
)

// Command kinds, one per kind of kubectl call (or imported file).
const (
	KindVersion     = "version"
	KindJobs        = "jobs"
	KindPods        = "pods"
	KindEvents      = "events"
	KindLog         = "log"
	KindPreviousLog = "previous-log"
	// KindPodMetrics is the optional metrics.k8s.io pod metrics list.
	KindPodMetrics = "podmetrics"
)

// Command statuses.
const (
	// StatusOK: the command ran, exited 0, and its output is what the member holds.
	StatusOK = "ok"
	// StatusFailed: the command could not run, timed out, exited non-zero or
	// printed output that is not what was asked for. Error says which.
	StatusFailed = "failed"
	// StatusNotCaptured: the command was never run (an import without that file).
	StatusNotCaptured = "not_captured"
	// StatusUnavailable: an optional command (podmetrics) ran and the cluster
	// does not offer what it asked for (the API is not served, or Forbidden to
	// this identity). Error gives the reason. It is not a failure: the
	// capture is complete without it.
	StatusUnavailable = "unavailable"
)

// MaxStderr caps the stderr kept per command in the manifest.
const MaxStderr = 16 << 10

// TimeLayout is the one time format of the manifest: RFC 3339, UTC, with a
// fixed nine-digit fraction so that names and strings sort by time.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime renders t in TimeLayout (UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime parses a manifest time. It accepts any RFC 3339 time and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// Manifest describes one bundle: where and when it was captured, with what,
// and one entry per command (or imported file). It is the first member.
type Manifest struct {
	Format        string `json:"format"`
	FormatVersion int    `json:"format_version"`
	KsnapVersion  string `json:"ksnap_version"`
	Source        string `json:"source"`
	// CapturedAt is the start of the capture in TimeLayout; it is "now" for
	// every analysis of the bundle.
	CapturedAt string `json:"captured_at"`
	// FinishedAt is the end of the capture in TimeLayout.
	FinishedAt string `json:"finished_at"`
	Namespace  string `json:"namespace"`
	Selector   string `json:"selector"`
	Context    string `json:"context"`
	// Cluster names the cluster for a fleet's shared history and bundle
	// store (ksnap --cluster, default the kube context). Optional: absent
	// in bundles written before it existed or without a name.
	Cluster string   `json:"cluster,omitempty"`
	Kubectl Versions `json:"kubectl"`
	Options Options  `json:"options"`
	// Commands lists every kubectl call (or imported file) in a fixed order:
	// version, jobs, pods, events, then logs sorted by member name.
	Commands []Command `json:"commands"`
	// Members lists every member after the manifest, in archive order, with
	// its size and sha256. The writer fills it; the reader checks it.
	Members []MemberInfo `json:"members"`
	// Skipped lists log fetches deliberately not made, with the reason.
	Skipped []Skip `json:"skipped,omitempty"`
	// Redaction is set on a copy made by ksnap bundle redact; absent on
	// what capture and import write.
	Redaction *Redaction `json:"redaction,omitempty"`
}

// Redaction says a bundle is a redacted copy: of which original, by which
// rules.
type Redaction struct {
	// RulesSHA256 is the hex sha256 of the rules file, "" without one.
	RulesSHA256 string `json:"rules_sha256"`
	// OriginalSHA256 is the hex sha256 of the original bundle file; ""
	// for capture --redact, which never wrote one.
	OriginalSHA256 string `json:"original_sha256"`
}

// Versions are kubectl's client and the API server's version as reported by
// `kubectl version -o json`. Empty when unknown.
type Versions struct {
	Client string `json:"client_version"`
	Server string `json:"server_version"`
}

// Options are the capture settings that shaped the bundle.
type Options struct {
	MaxLogLines int    `json:"max_log_lines"`
	Logs        string `json:"logs"`
	TimeoutNS   int64  `json:"timeout_ns"`
}

// Command is one kubectl invocation (or one imported file) and the member
// holding its stdout.
type Command struct {
	Kind string `json:"kind"`
	// Member names the bundle member holding stdout byte for byte. Empty when
	// the command produced no output to keep (it never started, or not captured).
	Member string `json:"member"`
	// Argv is the full argument vector, program first. Empty for imports.
	Argv []string `json:"argv"`
	// SourceFile is the base name of the imported file (imports only).
	SourceFile string `json:"source_file,omitempty"`
	// SourceFormat is "json" or "yaml" for imports; a YAML file is stored
	// converted to JSON and its original bytes kept under source/.
	SourceFormat string `json:"source_format,omitempty"`
	Pod          string `json:"pod,omitempty"`
	Container    string `json:"container,omitempty"`
	Status       string `json:"status"`
	// ExitCode is kubectl's exit status, or -1 when it did not exit on its own
	// (not found, not executable, timed out).
	ExitCode        int    `json:"exit_code"`
	Error           string `json:"error,omitempty"`
	DurationNS      int64  `json:"duration_ns"`
	Stderr          string `json:"stderr"`
	StderrTruncated bool   `json:"stderr_truncated,omitempty"`
	// StdoutTruncated says the member holds only the tail of what kubectl
	// printed (log tails over MaxLogTail); StdoutSize is then the size of
	// the whole output. Both are omitted when nothing was cut, so bundles
	// without a cut are what earlier versions wrote.
	StdoutTruncated bool   `json:"stdout_truncated,omitempty"`
	StdoutSize      int64  `json:"stdout_size,omitempty"`
	Size            int64  `json:"size"`
	SHA256          string `json:"sha256"`
}

// MemberInfo is the size and sha256 of one member.
type MemberInfo struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Skip records a log fetch that capture chose not to make.
type Skip struct {
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Reason    string `json:"reason"`
}

// Failed reports whether the command did not capture what it was asked for.
// An unavailable optional command is not a failure.
func (c Command) Failed() bool { return c.Status != StatusOK && c.Status != StatusUnavailable }

// Command returns the first command of the given kind.
func (m *Manifest) Command(kind string) (Command, bool) {
	for _, c := range m.Commands {
		if c.Kind == kind {
			return c, true
		}
	}
	return Command{}, false
}

// FailedCommands returns the commands that did not capture, in manifest order.
func (m *Manifest) FailedCommands() []Command {
	var out []Command
	for _, c := range m.Commands {
		if c.Failed() {
			out = append(out, c)
		}
	}
	return out
}

// CaptureTime parses CapturedAt.
func (m *Manifest) CaptureTime() (time.Time, error) { return ParseTime(m.CapturedAt) }

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks the manifest's schema: format, version, times, and that
// each command is well formed. It does not look at member bytes.
func (m *Manifest) Validate() error {
	if m.Format != Format {
		return fmt.Errorf("format is %q, want %q", m.Format, Format)
	}
	if m.FormatVersion != FormatVersion {
		return fmt.Errorf("format_version is %d, this ksnap reads %d", m.FormatVersion, FormatVersion)
	}
	if m.Source != SourceCapture && m.Source != SourceImport {
		return fmt.Errorf("source is %q, want %q or %q", m.Source, SourceCapture, SourceImport)
	}
	if _, err := ParseTime(m.CapturedAt); err != nil {
		return fmt.Errorf("captured_at %q is not an RFC 3339 time", m.CapturedAt)
	}
	if m.FinishedAt != "" {
		if _, err := ParseTime(m.FinishedAt); err != nil {
			return fmt.Errorf("finished_at %q is not an RFC 3339 time", m.FinishedAt)
		}
	}
	if m.Namespace == "" {
		return fmt.Errorf("namespace is empty")
	}
	// The namespace is part of the bundle's file name.
	if err := k8sname.Namespace(m.Namespace); err != nil {
		return err
	}
	listed := map[string]MemberInfo{}
	for i, mi := range m.Members {
		if err := CheckMemberName(mi.Name); err != nil {
			return fmt.Errorf("members[%d]: %w", i, err)
		}
		if mi.Name == ManifestMember {
			return fmt.Errorf("members[%d]: %q is reserved", i, mi.Name)
		}
		if _, dup := listed[mi.Name]; dup {
			return fmt.Errorf("members[%d]: %q listed twice", i, mi.Name)
		}
		if !hexSHA.MatchString(mi.SHA256) {
			return fmt.Errorf("members[%d]: sha256 %q is not 64 lowercase hex digits", i, mi.SHA256)
		}
		if mi.Size < 0 || mi.Size > MaxMemberSize {
			return fmt.Errorf("members[%d]: size %d is not between 0 and %d", i, mi.Size, MaxMemberSize)
		}
		listed[mi.Name] = mi
	}
	if len(m.Members) >= MaxMembers {
		return fmt.Errorf("members: %w", &LimitError{What: "member count", Limit: MaxMembers - 1, Got: int64(len(m.Members))})
	}
	if m.Options.MaxLogLines < 0 || m.Options.TimeoutNS < 0 {
		return fmt.Errorf("options: negative max_log_lines or timeout_ns")
	}
	seen := map[string]bool{}
	kinds := map[string]bool{}
	for i, c := range m.Commands {
		if err := c.checkKind(); err != nil {
			return fmt.Errorf("commands[%d]: %w", i, err)
		}
		if c.Kind != KindLog && c.Kind != KindPreviousLog {
			if kinds[c.Kind] {
				return fmt.Errorf("commands[%d]: a second %s command", i, c.Kind)
			}
			kinds[c.Kind] = true
		}
		if c.DurationNS < 0 {
			return fmt.Errorf("commands[%d]: negative duration_ns", i)
		}
		if c.Member == "" && (c.Size != 0 || c.SHA256 != "") {
			return fmt.Errorf("commands[%d]: no member but size %d or sha256 %q", i, c.Size, c.SHA256)
		}
		if c.StdoutTruncated != (c.StdoutSize != 0) || c.StdoutSize < 0 || (c.StdoutTruncated && c.StdoutSize <= c.Size) {
			return fmt.Errorf("commands[%d]: stdout_truncated and stdout_size disagree (size %d, stdout_size %d)", i, c.Size, c.StdoutSize)
		}
		switch c.Status {
		case StatusOK, StatusFailed, StatusNotCaptured, StatusUnavailable:
		default:
			return fmt.Errorf("commands[%d]: unknown status %q", i, c.Status)
		}
		if c.Status == StatusOK && c.Member == "" {
			return fmt.Errorf("commands[%d]: status ok but no member", i)
		}
		if c.Member != "" {
			if err := CheckMemberName(c.Member); err != nil {
				return fmt.Errorf("commands[%d]: %w", i, err)
			}
			if c.Member == ManifestMember {
				return fmt.Errorf("commands[%d]: member %q is reserved", i, c.Member)
			}
			if seen[c.Member] {
				return fmt.Errorf("commands[%d]: member %q listed twice", i, c.Member)
			}
			seen[c.Member] = true
			mi, ok := listed[c.Member]
			if !ok {
				return fmt.Errorf("commands[%d]: member %q is not in members", i, c.Member)
			}
			if mi.SHA256 != c.SHA256 || mi.Size != c.Size {
				return fmt.Errorf("commands[%d]: size or sha256 of %q differs from members", i, c.Member)
			}
		}
	}
	for _, mi := range m.Members {
		if !seen[mi.Name] && !strings.HasPrefix(mi.Name, "source/") {
			return fmt.Errorf("members: %q belongs to no command", mi.Name)
		}
	}
	if r := m.Redaction; r != nil {
		if (r.OriginalSHA256 != "" && !hexSHA.MatchString(r.OriginalSHA256)) || (r.RulesSHA256 != "" && !hexSHA.MatchString(r.RulesSHA256)) {
			return fmt.Errorf("redaction: sha256s must be 64 lowercase hex digits")
		}
	}
	for i, sk := range m.Skipped {
		if sk.Pod == "" || sk.Container == "" {
			return fmt.Errorf("skipped[%d]: empty pod or container", i)
		}
	}
	return nil
}

// listMember is the one member each list kind's stdout may be kept in.
var listMember = map[string]string{
	KindVersion: VersionMember,
	KindJobs:    JobsMember,
	KindPods:    PodsMember,
	KindEvents:  EventsMember,
	// capture --metrics
	KindPodMetrics: PodMetricsMember,
}

// checkKind checks that a command's kind is known and agrees with its
// member (and, for logs, with its pod and container): a manifest in which
// two commands swapped kinds must not verify.
func (c Command) checkKind() error {
	switch c.Kind {
	case KindVersion, KindJobs, KindPods, KindEvents, KindPodMetrics:
		if c.Member != "" && c.Member != listMember[c.Kind] {
			return fmt.Errorf("kind %s with member %q, want %q", c.Kind, c.Member, listMember[c.Kind])
		}
		if c.Pod != "" || c.Container != "" {
			return fmt.Errorf("kind %s with a pod or container", c.Kind)
		}
	case KindLog, KindPreviousLog:
		if c.Pod == "" || c.Container == "" {
			return fmt.Errorf("kind %s without pod or container", c.Kind)
		}
		if want := LogMember(c.Pod, c.Container, c.Kind == KindPreviousLog); c.Member != "" && c.Member != want {
			return fmt.Errorf("kind %s of pod %q container %q with member %q, want %q", c.Kind, c.Pod, c.Container, c.Member, want)
		}
	default:
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	return nil
}

// CheckMemberName rejects names that could escape an extraction directory or
// are not in the format's member set: absolute paths, "..", backslashes,
// empty elements, and anything but manifest.json, *.json at the top level,
// logs/POD/CONTAINER[.previous].log, metrics/*.json and source/FILE.
func CheckMemberName(name string) error {
	if name == "" {
		return fmt.Errorf("empty member name")
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return fmt.Errorf("member name %q is not a relative slash path", name)
	}
	parts := strings.Split(name, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return fmt.Errorf("member name %q has an empty, . or .. element", name)
		}
	}
	switch {
	case len(parts) == 1 && strings.HasSuffix(name, ".json"):
		return nil
	case len(parts) == 3 && parts[0] == "logs" && strings.HasSuffix(parts[2], ".log"):
		return nil
	case len(parts) == 2 && parts[0] == "source":
		return nil
	case len(parts) == 2 && parts[0] == "metrics" && strings.HasSuffix(name, ".json"):
		return nil
	}
	return fmt.Errorf("member name %q is not part of bundle format v%d", name, FormatVersion)
}

// LogMember returns the member name for a container's log tail.
func LogMember(pod, container string, previous bool) string {
	if previous {
		return LogsDir + pod + "/" + container + ".previous.log"
	}
	return LogsDir + pod + "/" + container + ".log"
}

// MarshalManifest encodes m as indented JSON with a trailing newline: the exact
// bytes stored as manifest.json.
func MarshalManifest(m *Manifest) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// UnmarshalManifest decodes and validates manifest.json bytes. Unknown fields
// are rejected so that a newer format is not misread.
func UnmarshalManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest is not valid JSON of format v%d: %w", FormatVersion, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}
