package analyze

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
)

var (
	okJob      = job("ok", `"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`)
	pendingJob = job("pending", `"status":{}`)
	failedJob  = job("failed", `"status":{"failed":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}`)
)

// TestVerdict covers O1–O5, J9 and the seed's D33 overall-health cases
// (seed-spec §5.2), with the deliberate differences noted.
func TestVerdict(t *testing.T) {
	tests := []struct {
		name        string
		members     map[string]string
		opts        func(*Options)
		want        model.Level
		wantFind    []rl
		wantCounts  [3]int // ok, warn, error
		wantProblem []InputProblem
	}{
		{name: "seed 5.2-11 one SUCCEEDED job is OK", members: map[string]string{"jobs.json": list(okJob), "pods.json": list(), "events.json": list()},
			want: model.LevelOK, wantFind: []rl{}, wantCounts: [3]int{1, 0, 0}},
		{name: "seed 5.2-12 SUCCEEDED + PENDING is WARN", members: map[string]string{"jobs.json": list(okJob, pendingJob), "pods.json": list(), "events.json": list()},
			want: model.LevelWarn, wantFind: []rl{}, wantCounts: [3]int{1, 1, 0}},
		{name: "seed 5.2-13 SUCCEEDED + FAILED is ERROR", members: map[string]string{"jobs.json": list(okJob, failedJob), "pods.json": list(), "events.json": list()},
			want: model.LevelError, wantFind: []rl{}, wantCounts: [3]int{1, 0, 1}},
		{name: "seed 5.2-14 failed commands make a SUCCEEDED job WARN", members: map[string]string{"jobs.json": list(okJob), "pods.json": "", "events.json": ""},
			want: model.LevelWarn, wantFind: []rl{{"O2", model.LevelWarn}, {"O2", model.LevelWarn}}, wantCounts: [3]int{1, 0, 0}},
		{name: "W2: seed 5.2-3 empty is OK, here WARN (O3)", members: map[string]string{"jobs.json": list(), "pods.json": list(), "events.json": list()},
			want: model.LevelWarn, wantFind: []rl{{"O3", model.LevelWarn}}},
		{name: "allow-empty makes zero jobs OK", members: map[string]string{"jobs.json": list(), "pods.json": list(), "events.json": list()},
			opts: func(o *Options) { o.AllowEmpty = true }, want: model.LevelOK, wantFind: []rl{}},
		{name: "W1: jobs forbidden is UNKNOWN, never OK", members: map[string]string{"jobs.json": "", "pods.json": list(), "events.json": list()},
			want: model.LevelUnknown, wantFind: []rl{{"O2", model.LevelUnknown}}},
		{name: "jobs not captured is UNKNOWN; others not captured are noted", members: map[string]string{"pods.json": list()},
			want: model.LevelUnknown, wantFind: []rl{{"O2", model.LevelUnknown}, {"O2", model.LevelOK}}},
		{name: "ERROR wins over UNKNOWN", members: map[string]string{"pods.json": list(barePod("p", `"status":`+failedRC))},
			want: model.LevelError, wantFind: []rl{{"O2", model.LevelUnknown}, {"O2", model.LevelOK}}},
		{name: "J9 expected job absent", members: map[string]string{"jobs.json": list(okJob), "pods.json": list(), "events.json": list()},
			opts: func(o *Options) { o.Expect = []string{"nightly", "ok"} }, want: model.LevelError, wantFind: []rl{{"J9", model.LevelError}}, wantCounts: [3]int{1, 0, 0}},
		{name: "E5 absent rule", members: map[string]string{"jobs.json": list(okJob), "pods.json": list(), "events.json": list()},
			opts: func(o *Options) {
				o.EventRules = []EventRule{{Reason: "Heartbeat", When: Absent, Level: model.LevelWarn}}
			},
			want: model.LevelWarn, wantFind: []rl{{"E5", model.LevelWarn}}, wantCounts: [3]int{1, 0, 0}},
		{name: "malformed items are skipped, listed, and WARN (W6)", members: map[string]string{
			"jobs.json":   list(okJob, `{"kind":"Job","metadata":null}`, `{"kind":"Job","metadata":{"name":"x"},"status":{"startTime":"yesterday"}}`),
			"pods.json":   list(),
			"events.json": list(`{"kind":"Event","involvedObject":null,"reason":"X"}`, event("Warning", "BackOff", "Pod", "nope", "2025-11-16T09:00:00Z", "m"))},
			want: model.LevelWarn, wantFind: []rl{{"O5", model.LevelWarn}, {"O5", model.LevelWarn}}, wantCounts: [3]int{1, 0, 0},
			wantProblem: []InputProblem{
				{Member: "events.json", Index: 0, Field: "involvedObject.name", Problem: "missing"},
				{Member: "jobs.json", Index: 1, Field: "metadata.name", Problem: "missing"},
				{Member: "jobs.json", Index: 2, Field: "status.startTime", Problem: `not an RFC 3339 time: "yesterday"`},
			}},
		{name: "unreadable jobs member is UNKNOWN", members: map[string]string{"jobs.json": `{"items":[`, "pods.json": list(), "events.json": list()},
			want: model.LevelUnknown, wantFind: []rl{{"O5", model.LevelUnknown}},
			wantProblem: []InputProblem{{Member: "jobs.json", Index: -1, Problem: "not valid JSON at byte 10: unexpected end of JSON input"}}},
		{name: "unreadable pods member is WARN", members: map[string]string{"jobs.json": list(okJob), "pods.json": `"hello"`, "events.json": list()},
			want: model.LevelWarn, wantFind: []rl{{"O5", model.LevelWarn}}, wantCounts: [3]int{1, 0, 0},
			wantProblem: []InputProblem{{Member: "pods.json", Index: -1, Problem: "not a list, array or object: the document is a string"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			rep := mustEval(t, src(t, tt.members), o)
			if rep.Verdict != tt.want {
				t.Errorf("verdict = %s, want %s", rep.Verdict, tt.want)
			}
			if got := ruleLevels(rep.Findings); !reflect.DeepEqual(got, tt.wantFind) {
				t.Errorf("findings = %v, want %v", got, tt.wantFind)
			}
			if got := [3]int{rep.Counts.JobsOK, rep.Counts.JobsWarn, rep.Counts.JobsError}; got != tt.wantCounts {
				t.Errorf("counts ok/warn/error = %v, want %v", got, tt.wantCounts)
			}
			if tt.wantProblem == nil {
				tt.wantProblem = []InputProblem{}
			}
			if !reflect.DeepEqual(rep.InputProblems, tt.wantProblem) {
				t.Errorf("input problems = %#v, want %#v", rep.InputProblems, tt.wantProblem)
			}
		})
	}
}

// TestCaptureFailureNamed checks that a failed command is named with its
// stderr (W1, O2), not silently dropped.
func TestCaptureFailureNamed(t *testing.T) {
	rep := mustEval(t, src(t, map[string]string{"jobs.json": list(okJob), "pods.json": "", "events.json": list()}), DefaultOptions())
	want := []CaptureFailure{{Kind: "pods", Status: "failed", ExitCode: 1, Stderr: "Error from server (Forbidden): pods is forbidden"}}
	if !reflect.DeepEqual(rep.CaptureFailures, want) {
		t.Fatalf("capture failures = %#v, want %#v", rep.CaptureFailures, want)
	}
	if got, want := rep.Findings[0].Message, "pods failed: Error from server (Forbidden): pods is forbidden"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// TestPodAttribution checks ownerReferences, controller-uid and job-name
// attribution, and that a pod of another Job or a ReplicaSet stays bare.
func TestPodAttribution(t *testing.T) {
	members := map[string]string{
		"jobs.json": list(job("a", `"status":{"active":3,"startTime":"2025-11-16T09:00:00Z"}`)),
		"pods.json": list(
			jobPod("by-owner", "a", running),
			`{"kind":"Pod","metadata":{"name":"by-uid-label","labels":{"batch.kubernetes.io/controller-uid":"uid-a"}},"status":`+running+`}`,
			`{"kind":"Pod","metadata":{"name":"by-name-label","labels":{"job-name":"a"}},"status":`+running+`}`,
			`{"kind":"Pod","metadata":{"name":"stale-uid","labels":{"job-name":"a","controller-uid":"uid-old"}},"status":`+running+`}`,
			jobPod("other-job", "b", running),
			`{"kind":"Pod","metadata":{"name":"rs","ownerReferences":[{"kind":"ReplicaSet","name":"a","controller":true}],"labels":{"job-name":"a"}},"status":`+running+`}`,
		),
		"events.json": list(),
	}
	rep := mustEval(t, src(t, members), DefaultOptions())
	var owned, bare []string
	for _, p := range rep.Jobs[0].Pods {
		owned = append(owned, p.Name)
	}
	for _, p := range rep.BarePods {
		bare = append(bare, p.Name)
	}
	if want := []string{"by-name-label", "by-owner", "by-uid-label"}; !reflect.DeepEqual(owned, want) {
		t.Errorf("job pods = %v, want %v", owned, want)
	}
	if want := []string{"other-job", "rs", "stale-uid"}; !reflect.DeepEqual(bare, want) {
		t.Errorf("bare pods = %v, want %v", bare, want)
	}
}

// TestEventDedupe checks E6: one entry per object and reason, counts
// summed, newest message, sorted by time; events.k8s.io events join too.
func TestEventDedupe(t *testing.T) {
	members := map[string]string{
		"jobs.json": list(job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)),
		"pods.json": list(jobPod("a-1", "a", running)),
		"events.json": list(
			event("Warning", "Unhealthy", "Pod", "a-1", "2025-11-16T09:40:00Z", "old"),
			event("Warning", "Unhealthy", "Pod", "a-1", "2025-11-16T09:50:00Z", "new"),
			`{"apiVersion":"events.k8s.io/v1","kind":"Event","type":"Warning","reason":"BackOff","note":"back-off","regarding":{"kind":"Pod","name":"a-1","namespace":"ns"},"series":{"count":7,"lastObservedTime":"2025-11-16T09:30:00.123456Z"},"eventTime":"2025-11-16T09:00:00.000000Z","reportingController":"kubelet"}`,
			event("Normal", "Started", "Pod", "a-1", "2025-11-16T09:01:00Z", "started"),
		),
	}
	rep := mustEval(t, src(t, members), DefaultOptions())
	got := rep.Jobs[0].Pods[0].Events
	want := []EventResult{
		{Type: "Warning", Reason: "BackOff", Kind: "Pod", Name: "a-1", Count: 7, First: "2025-11-16T09:30:00Z", Last: "2025-11-16T09:30:00Z", Message: "back-off", Source: "kubelet"},
		{Type: "Warning", Reason: "Unhealthy", Kind: "Pod", Name: "a-1", Count: 4, First: "2025-11-16T09:40:00Z", Last: "2025-11-16T09:50:00Z", Message: "new"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%#v\nwant\n%#v", got, want)
	}
	if rep.Counts.Events != 3 || rep.Counts.WarningEvents != 2 {
		t.Errorf("counts events=%d warning=%d, want 3 and 2", rep.Counts.Events, rep.Counts.WarningEvents)
	}
}

// TestEvaluateErrors checks the only hard errors: no manifest, bad capture
// time, bad options.
func TestEvaluateErrors(t *testing.T) {
	s := src(t, map[string]string{"jobs.json": list()})
	s.Man.CapturedAt = "yesterday"
	_, err := Evaluate(s, rules.Default(), DefaultOptions())
	var ie *InputError
	if !errors.As(err, &ie) || err.Error() != `test.tar.zst: member manifest.json: captured_at "yesterday" is not an RFC 3339 time` {
		t.Errorf("err = %v", err)
	}
	_, err = Evaluate(&MapSource{File: "x"}, rules.Default(), DefaultOptions())
	if err == nil || err.Error() != "x: member manifest.json: missing" {
		t.Errorf("err = %v", err)
	}
	o := DefaultOptions()
	o.RestartWarn = 0
	if _, err := Evaluate(src(t, nil), rules.Default(), o); err == nil || !strings.Contains(err.Error(), "RestartWarn 0: must be at least 1") {
		t.Errorf("err = %v", err)
	}
}

// TestNoWallClock greps the package for time.Now: "now" is the capture time.
func TestNoWallClock(t *testing.T) {
	for _, dir := range []string{".", "parse", "model"} {
		files, err := filepathGlob(dir + "/*.go")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := readFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "time.Now") {
				t.Errorf("%s calls time.Now: analysis must use the capture time", f)
			}
		}
	}
}
