package history

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Lines as the old tool wrote them (seed-spec §2.10 and §4.4).
const (
	seedLineOK    = `{"timestamp": "2025-11-16T10:00:00", "namespace": "trading-bots", "selector": "app=x", "overall_health": "OK", "jobs_ok": 2, "jobs_warn": 0, "jobs_error": 0, "raw_snapshot": null}`
	seedLineMicro = `{"timestamp": "2026-11-22T10:03:37.654842", "namespace": "trading-bots", "selector": "app=arbitrage-tuning,session_id=s1", "overall_health": "ERROR", "jobs_ok": 1, "jobs_warn": 1, "jobs_error": 1, "raw_snapshot": null}`
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    string
		want    Record
		wantErr string
	}{
		{
			name: "seed line",
			line: seedLineOK,
			want: Record{Timestamp: "2025-11-16T10:00:00", Time: mustTime(t, "2025-11-16T10:00:00Z"), Namespace: "trading-bots",
				Selector: "app=x", OverallHealth: "OK", JobsOK: 2},
		},
		{
			name: "seed line with microseconds, naive time read as UTC",
			line: seedLineMicro,
			want: Record{Timestamp: "2026-11-22T10:03:37.654842", Time: mustTime(t, "2026-11-22T10:03:37.654842Z"), Namespace: "trading-bots",
				Selector: "app=arbitrage-tuning,session_id=s1", OverallHealth: "ERROR", JobsOK: 1, JobsWarn: 1, JobsError: 1},
		},
		{
			name: "missing overall_health reads as UNKNOWN, missing counters as 0",
			line: `{"timestamp": "2025-11-16T10:00:00"}`,
			want: Record{Timestamp: "2025-11-16T10:00:00", Time: mustTime(t, "2025-11-16T10:00:00Z"), OverallHealth: "UNKNOWN"},
		},
		{
			name: "null overall_health and counters, string counter",
			line: `{"timestamp": "2025-11-16T10:00:00", "overall_health": null, "jobs_ok": "2", "jobs_warn": null, "jobs_error": 1.0}`,
			want: Record{Timestamp: "2025-11-16T10:00:00", Time: mustTime(t, "2025-11-16T10:00:00Z"), OverallHealth: "UNKNOWN", JobsOK: 2, JobsError: 1},
		},
		{
			name: "raw_snapshot kept when present",
			line: `{"timestamp":"2025-11-16T10:00:00Z","overall_health":"WARN","raw_snapshot":{"a": 1}}`,
			want: Record{Timestamp: "2025-11-16T10:00:00Z", Time: mustTime(t, "2025-11-16T10:00:00Z"), OverallHealth: "WARN", RawSnapshot: []byte(`{"a": 1}`)},
		},
		{
			name: "offset time converted to UTC, CRLF and spaces trimmed",
			line: "  {\"timestamp\":\"2025-11-16T19:00:00+09:00\",\"overall_health\":\"OK\"}\r",
			want: Record{Timestamp: "2025-11-16T19:00:00+09:00", Time: mustTime(t, "2025-11-16T10:00:00Z"), OverallHealth: "OK"},
		},
		{
			name: "ksnap line",
			line: `{"timestamp":"2025-11-16T10:00:00.000000000Z","namespace":"ns","selector":"","overall_health":"ERROR","jobs_ok":0,"jobs_warn":0,"jobs_error":1,"raw_snapshot":null,"schema_version":1,"bundle":"b.tar.zst","bundle_sha256":"ab","ruleset":"r1","capture_errors":2,"warning_events":3,"jobs":[{"name":"j-1","phase":"FAILED","health":"ERROR","rules":["J1"],"owner":"cj"}],"future_field":true}`,
			want: Record{Timestamp: "2025-11-16T10:00:00.000000000Z", Time: mustTime(t, "2025-11-16T10:00:00Z"), Namespace: "ns", OverallHealth: "ERROR",
				JobsError: 1, SchemaVersion: 1, Bundle: "b.tar.zst", BundleSHA256: "ab", Ruleset: "r1", CaptureErrors: 2, WarningEvents: 3,
				Jobs: []Job{{Name: "j-1", Phase: "FAILED", Health: "ERROR", Rules: []string{"J1"}, Owner: "cj"}}},
		},
		{name: "bad JSON", line: `invalid json line`, wantErr: "not valid JSON"},
		{name: "glued lines", line: `{"timestamp": "2025-11-16T10:00:00"{"timestamp": "2025-11-16T10:05:00"}`, wantErr: "not valid JSON"},
		{name: "array", line: `[1,2]`, wantErr: "not a JSON object"},
		{name: "number", line: `123`, wantErr: "not a JSON object"},
		{name: "string", line: `"x"`, wantErr: "not a JSON object"},
		{name: "invalid UTF-8", line: "{\"timestamp\": \"2025-11-16T10:00:00\", \"namespace\": \"\xff\"}", wantErr: "invalid UTF-8"},
		{name: "null timestamp", line: `{"timestamp": null, "overall_health": "OK"}`, wantErr: "timestamp: want a string, got null"},
		{name: "missing timestamp", line: `{"overall_health": "OK"}`, wantErr: "timestamp: missing"},
		{name: "bad timestamp", line: `{"timestamp": "yesterday"}`, wantErr: `timestamp: "yesterday" is not an ISO 8601 / RFC 3339 time`},
		{name: "counter of wrong type", line: `{"timestamp": "2025-11-16T10:00:00", "jobs_ok": true}`, wantErr: "jobs_ok: want a number, got a boolean"},
		{name: "negative counter", line: `{"timestamp": "2025-11-16T10:00:00", "jobs_warn": -1}`, wantErr: "jobs_warn: -1 is out of range"},
		{name: "fractional counter", line: `{"timestamp": "2025-11-16T10:00:00", "jobs_error": 1.5}`, wantErr: "jobs_error: 1.5 is not a whole number"},
		{name: "non-numeric string counter", line: `{"timestamp": "2025-11-16T10:00:00", "jobs_ok": "two"}`, wantErr: `jobs_ok: "two" is not a non-negative whole number`},
		{name: "namespace of wrong type", line: `{"timestamp": "2025-11-16T10:00:00", "namespace": 7}`, wantErr: "namespace: want a string, got a number"},
		{name: "jobs not an array", line: `{"timestamp": "2025-11-16T10:00:00", "jobs": {}}`, wantErr: "jobs: want an array, got an object"},
		{name: "job not an object", line: `{"timestamp": "2025-11-16T10:00:00", "jobs": [{"name":"a"}, 3]}`, wantErr: "jobs[1]: want an object, got a number"},
		{name: "job rule of wrong type", line: `{"timestamp": "2025-11-16T10:00:00", "jobs": [{"name":"a","rules":[1]}]}`, wantErr: "jobs[0].rules: want strings, got a number"},
		{name: "newer schema", line: `{"timestamp": "2025-11-16T10:00:00", "schema_version": 2}`, wantErr: "schema_version: 2 is newer than this ksnap reads (1); upgrade ksnap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLine([]byte(tt.line))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseLine error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLine: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLine =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseLineTypedErrors(t *testing.T) {
	t.Parallel()
	_, err := ParseLine([]byte(`{"timestamp": 5}`))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "timestamp" {
		t.Errorf("want a *FieldError for timestamp, got %v", err)
	}
	for line, want := range map[string]error{"nope": ErrInvalidJSON, "[]": ErrNotObject, "\"\xfe\"": ErrInvalidUTF8} {
		if _, err := ParseLine([]byte(line)); !errors.Is(err, want) {
			t.Errorf("ParseLine(%q) = %v, want %v", line, err, want)
		}
	}
}

func sampleRecord(t time.Time, health string, jobs ...Job) Record {
	return NewRecord(Input{
		CapturedAt: t, Namespace: "trading-bots", Selector: "app=arbitrage-tuning", OverallHealth: health,
		Bundle: "20251116T100000Z-trading-bots-1a2b3c4d.tar.zst", BundleSHA256: strings.Repeat("ab", 32),
		Ruleset: "test-1", CaptureErrors: 1, WarningEvents: 2, Jobs: jobs,
	})
}

func TestEncodeExact(t *testing.T) {
	t.Parallel()
	r := sampleRecord(mustTime(t, "2025-11-16T10:00:00.5Z"), "ERROR",
		Job{Name: "job-a", Phase: "SUCCEEDED", Health: "OK"},
		Job{Name: "nightly-29000000", Phase: "FAILED", Health: "ERROR", Rules: []string{"J1", "P8"}, Owner: "nightly"},
	)
	want := `{"timestamp":"2025-11-16T10:00:00.500000000Z","namespace":"trading-bots","selector":"app=arbitrage-tuning","overall_health":"ERROR","jobs_ok":1,"jobs_warn":0,"jobs_error":1,"raw_snapshot":null,"schema_version":1,"bundle":"20251116T100000Z-trading-bots-1a2b3c4d.tar.zst","bundle_sha256":"` + strings.Repeat("ab", 32) + `","ruleset":"test-1","capture_errors":1,"warning_events":2,"jobs":[{"name":"job-a","phase":"SUCCEEDED","health":"OK","rules":[]},{"name":"nightly-29000000","phase":"FAILED","health":"ERROR","rules":["J1","P8"],"owner":"nightly"}]}`
	if got := string(AppendJSON(nil, &r)); got != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
	back, err := ParseLine([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip =\n%#v\nwant\n%#v", back, r)
	}
}

// The cluster is the last key, written only when set: a record without one
// encodes exactly as before it existed.
func TestEncodeCluster(t *testing.T) {
	t.Parallel()
	r := sampleRecord(mustTime(t, "2025-11-16T10:00:00Z"), "OK")
	without := string(AppendJSON(nil, &r))
	r.Cluster = "prod-eu-1"
	got := string(AppendJSON(nil, &r))
	if want := strings.TrimSuffix(without, "}") + `,"cluster":"prod-eu-1"}`; got != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
	for _, line := range []string{got, strings.Replace(got, `"prod-eu-1"`, `"prod-\u00e9"`, 1)} {
		back, err := ParseLine([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if string(AppendJSON(nil, &back)) != strings.Replace(line, `\u00e9`, "\u00e9", 1) {
			t.Errorf("round trip of %s = %s", line, AppendJSON(nil, &back))
		}
	}
	if c := r.Clone(); c.Cluster != r.Cluster {
		t.Errorf("Clone lost the cluster")
	}
}

func TestEncodeOldRecordKeepsOldKeys(t *testing.T) {
	t.Parallel()
	r, err := ParseLine([]byte(seedLineOK))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"timestamp":"2025-11-16T10:00:00","namespace":"trading-bots","selector":"app=x","overall_health":"OK","jobs_ok":2,"jobs_warn":0,"jobs_error":0,"raw_snapshot":null}`
	if got := string(AppendJSON(nil, &r)); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// TestEncodeEscapesLikeEncodingJSON: strings are escaped by
// textutil.AppendJSONString (encoding/json's bytes without HTML escaping;
// \b and \f were \u0008 and \u000c before it) and read back unchanged.
func TestEncodeEscapesLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	r := sampleRecord(mustTime(t, "2025-11-16T10:00:00Z"), "OK", Job{Name: "a\bb\fc\x01<&>", Phase: "SUCCEEDED", Health: "OK", Rules: []string{}})
	r.Selector = "app in (x,y)\t\"q\"\u2028"
	line := AppendJSON(nil, &r)
	for _, want := range []string{`"name":"a\bb\fc\u0001<&>"`, `"selector":"app in (x,y)\t\"q\"\u2028"`} {
		if !bytes.Contains(line, []byte(want)) {
			t.Errorf("line %s does not contain %s", line, want)
		}
	}
	got, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if got.Jobs[0].Name != r.Jobs[0].Name || got.Selector != r.Selector {
		t.Errorf("read back name %q selector %q, want %q %q", got.Jobs[0].Name, got.Selector, r.Jobs[0].Name, r.Selector)
	}
}

// Seed parity §5.3 tests 11 and 19: counts by exact health match.
func TestNewRecordCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		healths []string
		want    [3]int
	}{
		{"one OK job (seed 11)", []string{"OK"}, [3]int{1, 0, 0}},
		{"OK OK WARN ERROR (seed 19)", []string{"OK", "OK", "WARN", "ERROR"}, [3]int{2, 1, 1}},
		{"unknown health counts nowhere", []string{"UNKNOWN", "ok"}, [3]int{0, 0, 0}},
		{"no jobs", nil, [3]int{0, 0, 0}},
	}
	for _, tt := range tests {
		var jobs []Job
		for i, h := range tt.healths {
			jobs = append(jobs, Job{Name: string(rune('a' + i)), Health: h})
		}
		r := sampleRecord(time.Unix(0, 0), "OK", jobs...)
		if got := [3]int{r.JobsOK, r.JobsWarn, r.JobsError}; got != tt.want {
			t.Errorf("%s: counts %v, want %v", tt.name, got, tt.want)
		}
		if r.Namespace != "trading-bots" || r.OverallHealth != "OK" || r.RawSnapshot != nil {
			t.Errorf("%s: record %+v", tt.name, r)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "2025-11-16T10:00:00", want: "2025-11-16T10:00:00Z"},
		{in: "2025-11-16T10:00:00.654842", want: "2025-11-16T10:00:00.654842Z"},
		{in: "2025-11-16T10:00:00.123456789Z", want: "2025-11-16T10:00:00.123456789Z"},
		{in: "2025-11-16T10:00:00-05:00", want: "2025-11-16T15:00:00Z"},
		{in: "2024-02-29T00:00:00Z", want: "2024-02-29T00:00:00Z"},
		{in: "2025-02-29T00:00:00Z", bad: true},
		{in: "2025-11-16 10:00:00", bad: true},
		{in: "2025-11-16T25:00:00", bad: true},
		{in: "2025-11-16T10:00:00.", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseTimestamp(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseTimestamp(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(mustTime(t, tt.want)) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte(seedLineOK))
	f.Add([]byte(seedLineMicro))
	r := sampleRecord(time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC), "WARN", Job{Name: "j", Phase: "FAILED", Health: "ERROR", Rules: []string{"J1"}, Owner: "o"})
	f.Add(AppendJSON(nil, &r))
	f.Add([]byte(`invalid json line`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte("{\"timestamp\":\"2025-11-16T10:00:00\",\"namespace\":\"\xff\"}"))
	f.Add([]byte(`{"timestamp":"2025-11-16T10:00:00","jobs":[{"name":null,"rules":null}],"jobs_ok":"3"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := ParseLine(line)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		// Whatever parses must encode to a line that parses to the same record.
		enc := AppendJSON(nil, &rec)
		if strings.ContainsAny(string(enc), "\n\r") {
			t.Fatalf("encoding contains a newline: %s", enc)
		}
		back, err := ParseLine(enc)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", enc, err)
		}
		enc2 := AppendJSON(nil, &back)
		if string(enc) != string(enc2) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc, enc2)
		}
	})
}

// TestEncodeMemoryPeak: the pod metrics keys are written after owner, only
// when set, and read back, up to 2^53 bytes.
func TestEncodeMemoryPeak(t *testing.T) {
	t.Parallel()
	r := sampleRecord(mustTime(t, "2025-11-16T10:00:00.5Z"), "WARN",
		Job{Name: "hot", Phase: "RUNNING", Health: "WARN", Owner: "nightly", MemoryPeak: 120 << 20, MemoryLimit: 128 << 20},
		Job{Name: "big", Phase: "RUNNING", Health: "OK", MemoryPeak: 1 << 53},
		Job{Name: "none", Phase: "RUNNING", Health: "OK"},
	)
	line := string(AppendJSON(nil, &r))
	want := `"jobs":[{"name":"hot","phase":"RUNNING","health":"WARN","rules":[],"owner":"nightly","memory_peak_bytes":125829120,"memory_limit_bytes":134217728},` +
		`{"name":"big","phase":"RUNNING","health":"OK","rules":[],"memory_peak_bytes":9007199254740992},{"name":"none","phase":"RUNNING","health":"OK","rules":[]}]}`
	if !strings.HasSuffix(line, want) {
		t.Errorf("AppendJSON =\n%s\nwant suffix\n%s", line, want)
	}
	back, err := ParseLine([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip =\n%#v\nwant\n%#v", back, r)
	}
	checkCanonical(t, line)
}

// The cause keys are each job's last and the options object the record's
// last, each written only when set: lines without them encode as before.
func TestEncodeCauseAndOptions(t *testing.T) {
	t.Parallel()
	r := sampleRecord(mustTime(t, "2025-11-16T10:00:00Z"), "ERROR", Job{Name: "j", Phase: "FAILED", Health: "ERROR", Rules: []string{"J1"}, Owner: "o"})
	without := string(AppendJSON(nil, &r))
	r.Jobs[0].Cause, r.Jobs[0].Reason = "P7", `P7 OOMKilled exit 137 pod "j-x"`
	r.Cluster = "c"
	r.Options = []Option{{Key: "expect", Value: "a,b"}, {Key: "max_runtime", Value: "2h0m0s"}}
	got := string(AppendJSON(nil, &r))
	want := strings.Replace(strings.TrimSuffix(without, "}"), `"owner":"o"}`, `"owner":"o","cause":"P7","reason":"P7 OOMKilled exit 137 pod \"j-x\""}`, 1) +
		`,"cluster":"c","options":{"expect":"a,b","max_runtime":"2h0m0s"}}`
	if got != want {
		t.Fatalf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
	back, err := ParseLine([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip =\n%#v\nwant\n%#v", back, r)
	}
	for _, bad := range []string{`"options":{"a":1}`, `"options":[]`, `"jobs":[{"cause":7}]`} {
		line := strings.TrimSuffix(without, "}") + "," + bad + "}"
		if _, err := ParseLine([]byte(line)); err == nil {
			t.Errorf("ParseLine accepted %s", bad)
		}
	}
	// Clone shares no memory with the record it copies.
	var p Parser
	var parsed Record
	buf := []byte(got)
	if err := p.Parse(&parsed, buf, true); err != nil {
		t.Fatal(err)
	}
	c := parsed.Clone()
	for i := range buf {
		buf[i] = 'x'
	}
	if !reflect.DeepEqual(c, r) {
		t.Errorf("Clone after the line was overwritten =\n%#v\nwant\n%#v", c, r)
	}
}
