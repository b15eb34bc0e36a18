// Package userrules owns ksnap's user rules file: a small, versioned,
// declarative YAML (or JSON) file for the common extensions of the built-in
// rules (event reasons to raise, per-namespace or per-owner thresholds, Jobs
// expected by schedule), its strict parser, and the rule set it loads as:
// the base rule set plus rules U1–U5, versioned by the sha256 of the file's
// bytes so that every report and history record names the exact file.
//
// It reads no clock ("now" is the bundle's capture time, through the rules'
// Env), does no I/O besides what the caller hands it, and its errors name
// the file and the entry, never CLI flags.
package userrules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"sigs.k8s.io/yaml"
)

// Version is the rules file format version this package reads.
const Version = 1

// MaxFileSize caps a rules file (1 MiB): it is configuration, not data.
const MaxFileSize = 1 << 20

// File is a parsed rules file.
type File struct {
	// Name is the file as given; SHA256 the hex sha256 of its bytes.
	Name   string
	SHA256 string
	Events []EventRule
	Limits []Threshold
	Expect []Expectation
}

// Level is a rule's level in a rules file: WARN or ERROR.
type Level string

// Levels a rules file may give.
const (
	Warn  Level = "WARN"
	Error Level = "ERROR"
)

// EventRule raises Warning (or Normal) events with a reason (U1).
type EventRule struct {
	// Reason is the event reason, exact (required).
	Reason string
	// Kind is the involved object's kind (Job or Pod); "" matches both.
	Kind string
	// Message, when set, must match the event's message.
	Message *regexp.Regexp
	Level   Level
	// Where is the entry's place in the file, e.g. "events[0]".
	Where string
}

// Threshold tightens or loosens limits for the Jobs of one namespace or one
// owner (U2 max runtime, U3 restarts, U4 pending).
type Threshold struct {
	// Namespace and Owner select Jobs; "" matches any. Owner is
	// "CronJob/NAME" or "Job/NAME" (the Job itself).
	Namespace, Owner string
	// MaxRuntime, when set, is how long an active Job may run (U2).
	MaxRuntime time.Duration
	// MaxRestarts, when set, is how many restarts of one container of the
	// Job's pods are allowed (U3).
	MaxRestarts model.OptInt
	// PendingAfter, when set, is how long a Job may stay pending (U4).
	PendingAfter time.Duration
	Level        Level
	Where        string
}

// Expectation says a CronJob must have a successful run recently (U5).
type Expectation struct {
	Namespace string // "" matches the bundle's namespace
	CronJob   string
	// SucceededWithin: a Job of the CronJob must have completed at most
	// this long before the capture time.
	SucceededWithin time.Duration
	Level           Level
	Where           string
}

// The file's wire form. Field names are camelCase, as in Kubernetes YAML.
type wireFile struct {
	Version    *int            `json:"version"`
	Events     []wireEvent     `json:"events"`
	Thresholds []wireThreshold `json:"thresholds"`
	Expect     []wireExpect    `json:"expect"`
}

type wireEvent struct {
	Reason  string `json:"reason"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Level   string `json:"level"`
}

type wireThreshold struct {
	Namespace    string `json:"namespace"`
	Owner        string `json:"owner"`
	MaxRuntime   string `json:"maxRuntime"`
	MaxRestarts  *int64 `json:"maxRestarts"`
	PendingAfter string `json:"pendingAfter"`
	Level        string `json:"level"`
}

type wireExpect struct {
	Namespace       string `json:"namespace"`
	CronJob         string `json:"cronJob"`
	SucceededWithin string `json:"succeededWithin"`
	Level           string `json:"level"`
}

// FileError is a rules file that cannot be used: the file, the entry
// ("thresholds[1].maxRuntime"; empty for the file as a whole) and what is
// wrong.
type FileError struct {
	File  string
	Entry string
	Err   error
}

func (e *FileError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.File, e.Entry, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Parse reads a rules file's bytes (YAML or JSON; one document). Unknown
// fields, a missing or other version, bad levels, durations, patterns and
// empty entries are a *FileError naming the entry.
func Parse(name string, data []byte) (*File, error) {
	ferr := func(entry string, format string, a ...any) error {
		return &FileError{File: name, Entry: entry, Err: fmt.Errorf(format, a...)}
	}
	if len(data) > MaxFileSize {
		return nil, ferr("", "larger than %d bytes", MaxFileSize)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, ferr("", "not YAML or JSON: %s", firstLine(err))
	}
	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return nil, ferr("", "empty (want at least \"version: %d\")", Version)
	}
	var w wireFile
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, ferr("", "%s", firstLine(wireError(err)))
	}
	if w.Version == nil {
		return nil, ferr("version", "missing (want %d)", Version)
	}
	if *w.Version != Version {
		return nil, ferr("version", "%d is not supported (this ksnap reads %d)", *w.Version, Version)
	}
	sum := sha256.Sum256(data)
	f := &File{Name: name, SHA256: hex.EncodeToString(sum[:])}
	for i, e := range w.Events {
		where := fmt.Sprintf("events[%d]", i)
		r := EventRule{Reason: e.Reason, Kind: e.Kind, Where: where}
		if e.Reason == "" {
			return nil, ferr(where+".reason", "missing")
		}
		if e.Kind != "" && e.Kind != "Job" && e.Kind != "Pod" {
			return nil, ferr(where+".kind", "%q: want Job or Pod", e.Kind)
		}
		if e.Message != "" {
			if r.Message, err = regexp.Compile(e.Message); err != nil {
				return nil, ferr(where+".message", "not a regular expression: %s", firstLine(err))
			}
		}
		if r.Level, err = parseLevel(e.Level, Warn); err != nil {
			return nil, ferr(where+".level", "%v", err)
		}
		f.Events = append(f.Events, r)
	}
	for i, t := range w.Thresholds {
		where := fmt.Sprintf("thresholds[%d]", i)
		th := Threshold{Namespace: t.Namespace, Owner: t.Owner, Where: where}
		if t.Owner != "" {
			kind, n, ok := strings.Cut(t.Owner, "/")
			if !ok || n == "" || (kind != "CronJob" && kind != "Job") {
				return nil, ferr(where+".owner", "%q: want CronJob/NAME or Job/NAME", t.Owner)
			}
		}
		if th.MaxRuntime, err = parseDuration(t.MaxRuntime); err != nil {
			return nil, ferr(where+".maxRuntime", "%v", err)
		}
		if th.PendingAfter, err = parseDuration(t.PendingAfter); err != nil {
			return nil, ferr(where+".pendingAfter", "%v", err)
		}
		if t.MaxRestarts != nil {
			if *t.MaxRestarts < 0 {
				return nil, ferr(where+".maxRestarts", "%d is negative", *t.MaxRestarts)
			}
			th.MaxRestarts = model.Some(*t.MaxRestarts)
		}
		if th.MaxRuntime == 0 && th.PendingAfter == 0 && !th.MaxRestarts.Set {
			return nil, ferr(where, "sets no limit (want maxRuntime, maxRestarts or pendingAfter)")
		}
		if th.Level, err = parseLevel(t.Level, Warn); err != nil {
			return nil, ferr(where+".level", "%v", err)
		}
		f.Limits = append(f.Limits, th)
	}
	for i, x := range w.Expect {
		where := fmt.Sprintf("expect[%d]", i)
		ex := Expectation{Namespace: x.Namespace, CronJob: x.CronJob, Where: where}
		if x.CronJob == "" {
			return nil, ferr(where+".cronJob", "missing")
		}
		if ex.SucceededWithin, err = parseDuration(x.SucceededWithin); err != nil {
			return nil, ferr(where+".succeededWithin", "%v", err)
		}
		if ex.SucceededWithin == 0 {
			return nil, ferr(where+".succeededWithin", "missing (e.g. 26h)")
		}
		if ex.Level, err = parseLevel(x.Level, Error); err != nil {
			return nil, ferr(where+".level", "%v", err)
		}
		f.Expect = append(f.Expect, ex)
	}
	return f, nil
}

func parseLevel(s string, def Level) (Level, error) {
	switch Level(s) {
	case "":
		return def, nil
	case Warn, Error:
		return Level(s), nil
	}
	return "", fmt.Errorf("%q: want WARN or ERROR", s)
}

// parseDuration reads a Go duration ("90m", "26h", "1h30m"); "" is 0.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90m or 26h", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", s)
	}
	return d, nil
}

// wireError turns encoding/json's messages into the file's terms.
func wireError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: want a %s, not a JSON %s", te.Field, te.Type.Kind(), te.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s (known: version, events, thresholds, expect and their fields in docs/replay.md)", f)
	}
	return errors.New(strings.TrimPrefix(msg, "json: "))
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
