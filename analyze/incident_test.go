package analyze

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

func TestFullMessage(t *testing.T) {
	t.Parallel()
	whole := "0/3 nodes are available: " + strings.Repeat("x", 250) + " the cause"
	cut := whole[:200]
	fld := func(path, v string) model.Field { return model.Field{Path: path, Value: v} }
	tests := []struct {
		name string
		f    model.Finding
		want string
	}{
		{"not cut", model.Finding{Message: "pod p failed: Evicted"}, "pod p failed: Evicted"},
		{"cut, restored from the evidence", model.Finding{Message: "Warning event FailedScheduling on Pod p (×2, last T): " + cut + "…",
			Evidence: model.Evidence{Fields: []model.Field{fld("reason", "FailedScheduling"), fld("message", whole)}}},
			"Warning event FailedScheduling on Pod p (×2, last T): " + whole},
		{"cut, a condition message", model.Finding{Message: "pod p is unschedulable for 5m: " + cut + "…",
			Evidence: model.Evidence{Fields: []model.Field{fld("status.conditions[PodScheduled].message", whole)}}},
			"pod p is unschedulable for 5m: " + whole},
		{"ends in … but nothing to restore", model.Finding{Message: "pod p failed: wait…",
			Evidence: model.Evidence{Fields: []model.Field{fld("status.message", "other")}}}, "pod p failed: wait…"},
		{"the cluster's own …", model.Finding{Message: "x: loading…", Evidence: model.Evidence{Fields: []model.Field{fld("message", "loading…")}}}, "x: loading…"},
	}
	for _, tt := range tests {
		if got := FullMessage(&tt.f); got != tt.want {
			t.Errorf("%s: FullMessage = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzFullMessage(f *testing.F) {
	f.Add("a: bc…", "message", "bcd")
	f.Add("…", "message", "")
	f.Add("x: : y…", "status.message", "y z")
	f.Fuzz(func(t *testing.T, msg, path, value string) {
		fd := model.Finding{Message: msg, Evidence: model.Evidence{Fields: []model.Field{{Path: path, Value: value}}}}
		got := FullMessage(&fd)
		if got != msg && !strings.HasSuffix(got, value) {
			t.Fatalf("FullMessage(%q, %q=%q) = %q: changed, but not to the evidence", msg, path, value, got)
		}
		if !strings.HasSuffix(msg, "…") && got != msg {
			t.Fatalf("FullMessage changed %q, which was not cut", msg)
		}
	})
}

func TestFindingContainer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, want string
	}{
		{"status.containerStatuses[main].state.terminated.exitCode", "main"},
		{"status.initContainerStatuses[init-db].state.waiting.reason", "init-db"},
		{"status.phase", ""},
		{"status.containerStatuses[broken", ""},
	}
	for _, tt := range tests {
		f := model.Finding{Evidence: model.Evidence{Fields: []model.Field{{Path: tt.path}}}}
		if got := FindingContainer(&f); got != tt.want {
			t.Errorf("FindingContainer(%s) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestCause checks which finding becomes a Job's cause, its pod,
// container, termination and age.
func TestCause(t *testing.T) {
	t.Parallel()
	failedJob := job("a", `"spec":{"backoffLimit":0},"status":{"startTime":"2025-11-16T09:00:00Z","failed":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit","lastTransitionTime":"2025-11-16T09:30:00Z"}]}`)
	term := func(exit, finished, msg string) string {
		return `{"phase":"Failed","startTime":"2025-11-16T09:00:00Z","containerStatuses":[{"name":"main","restartCount":0,"state":{"terminated":{"reason":"Error","exitCode":` + exit + `,"finishedAt":"` + finished + `","message":"` + msg + `"}}}]}`
	}
	tests := []struct {
		name string
		jobs []string
		pods []string
		want *Cause
	}{
		{"the latest container failure beats the Job's own finding", []string{failedJob},
			[]string{jobPod("a-1", "a", term("1", "2025-11-16T09:10:00Z", "first")), jobPod("a-2", "a", term("2", "2025-11-16T09:29:00Z", "config missing"))},
			&Cause{Rule: "P8", Level: model.LevelError, Message: "pod a-2 container main terminated Error (exit 2)", Pod: "a-2", Container: "main",
				Reason: "Error", ExitCode: OptInt(model.Some(2)), Detail: "config missing", Since: "2025-11-16T09:29:00Z", Age: "31m0s"}},
		{"without a container finding, the Job's", []string{failedJob}, nil,
			&Cause{Rule: "J1", Level: model.LevelError, Message: "job a failed: BackoffLimitExceeded: Job has reached the specified backoff limit",
				Since: "2025-11-16T09:30:00Z", Age: "30m0s"}},
		{"an OK Job has none", []string{job("a", `"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := mustEval(t, src(t, map[string]string{bundle.JobsMember: list(tt.jobs...), bundle.PodsMember: list(tt.pods...), bundle.EventsMember: list()}), DefaultOptions())
			if got := rep.Jobs[0].Cause; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cause = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

// TestLogTails checks the tails a failing container gets: the last
// LogLines lines, long lines cut, the previous log, a failed and a skipped
// fetch, nothing for OK containers or with LogLines 0.
func TestLogTails(t *testing.T) {
	t.Parallel()
	crash := `{"phase":"Running","startTime":"2025-11-16T09:00:00Z","containerStatuses":[` +
		`{"name":"main","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"Error","exitCode":1}}},` +
		`{"name":"side","ready":true,"restartCount":0,"state":{"running":{}}}]}`
	s := src(t, map[string]string{
		bundle.JobsMember: list(job("a", `"status":{"startTime":"2025-11-16T09:00:00Z","active":1}`)),
		bundle.PodsMember: list(jobPod("a-1", "a", crash), jobPod("a-2", "a", failedRC), jobPod("a-3", "a", failedRC)), bundle.EventsMember: list(),
	})
	var lines []string
	for i := range 12 {
		lines = append(lines, "line "+string(rune('a'+i)))
	}
	lines[11] = strings.Repeat("é", MaxLogLineBytes)
	s.Members["logs/a-1/main.log"] = []byte(strings.Join(lines, "\r\n") + "\r\n")
	s.Members["logs/a-1/side.log"] = []byte("fine\n")
	s.Man.Commands = append(s.Man.Commands,
		bundle.Command{Kind: bundle.KindLog, Pod: "a-1", Container: "main", Member: "logs/a-1/main.log", Status: bundle.StatusOK},
		bundle.Command{Kind: bundle.KindPreviousLog, Pod: "a-1", Container: "main", Member: "logs/a-1/main.previous.log", Status: bundle.StatusFailed, Error: "timed out"},
		bundle.Command{Kind: bundle.KindLog, Pod: "a-1", Container: "side", Member: "logs/a-1/side.log", Status: bundle.StatusOK},
	)
	s.Man.Skipped = []bundle.Skip{{Pod: "a-2", Container: "main", Reason: "container has not started"}}
	want := []LogTail{
		{Container: "main", Member: "logs/a-1/main.log", Status: "ok", Captured: 12,
			Lines: append(append([]string{}, lines[2:11]...), strings.Repeat("é", MaxLogLineBytes/2)+"…")},
		{Container: "main", Previous: true, Member: "logs/a-1/main.previous.log", Status: "failed", Note: "timed out", Lines: []string{}},
	}
	rep := mustEval(t, s, DefaultOptions())
	pods := rep.Jobs[0].Pods
	if got := pods[0].LogTails; !reflect.DeepEqual(got, want) {
		t.Errorf("a-1 tails = %+v\nwant %+v", got, want)
	}
	if got, want := pods[1].LogTails, []LogTail{{Container: "main", Status: "skipped", Note: "container has not started", Lines: []string{}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("a-2 tails = %+v, want %+v", got, want)
	}
	if got := pods[2].LogTails; len(got) != 0 || got == nil {
		t.Errorf("a-3 (no log in the manifest) tails = %#v, want empty", got)
	}
	o := DefaultOptions()
	o.LogLines = 0
	if got := mustEval(t, s, o).Jobs[0].Pods[0].LogTails; len(got) != 0 || got == nil {
		t.Errorf("LogLines 0: tails = %#v, want empty", got)
	}
}
