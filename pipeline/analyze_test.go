package pipeline

import (
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

func TestMemoryPeak(t *testing.T) {
	t.Parallel()
	opt := func(v int64) analyze.OptInt { return analyze.OptInt{Val: v, Set: true} }
	pod := func(cs ...analyze.ContainerUsage) analyze.PodResult {
		return analyze.PodResult{Usage: &analyze.PodUsage{Containers: cs}}
	}
	tests := []struct {
		name        string
		pods        []analyze.PodResult
		peak, limit int
	}{
		{name: "no metrics", pods: []analyze.PodResult{{}}},
		{name: "unlimited: the largest", pods: []analyze.PodResult{pod(analyze.ContainerUsage{Memory: opt(10)}, analyze.ContainerUsage{Memory: opt(30)})}, peak: 30},
		{name: "limited beats unlimited", pods: []analyze.PodResult{
			pod(analyze.ContainerUsage{Memory: opt(300)}),
			pod(analyze.ContainerUsage{Memory: opt(10), MemoryLimit: opt(100)}),
			pod(analyze.ContainerUsage{Memory: opt(900)})}, peak: 10, limit: 100},
		{name: "nearest its limit", pods: []analyze.PodResult{
			pod(analyze.ContainerUsage{Memory: opt(500), MemoryLimit: opt(1000)}, analyze.ContainerUsage{Memory: opt(90), MemoryLimit: opt(100)}),
			pod(analyze.ContainerUsage{MemoryLimit: opt(1)})}, peak: 90, limit: 100},
		{name: "beyond a history record", pods: []analyze.PodResult{pod(analyze.ContainerUsage{Memory: opt(1 << 60), MemoryLimit: opt(1 << 61)})}},
	}
	for _, tt := range tests {
		peak, limit := memoryPeak(&analyze.JobResult{Pods: tt.pods})
		if peak != tt.peak || limit != tt.limit {
			t.Errorf("%s: %d/%d, want %d/%d", tt.name, peak, limit, tt.peak, tt.limit)
		}
	}
}

func TestJobCause(t *testing.T) {
	t.Parallel()
	f := func(rule string, l model.Level, msg string) model.Finding {
		return model.Finding{Rule: rule, Level: l, Message: msg}
	}
	long := strings.Repeat("x", 300)
	tests := []struct {
		name         string
		job          analyze.JobResult
		code, reason string
	}{
		{name: "OK", job: analyze.JobResult{Findings: []model.Finding{f("J2", model.LevelOK, "done")}}},
		{name: "a container's termination", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "P7", Message: "container main OOMKilled", Pod: "x", Container: "main", Reason: "OOMKilled", ExitCode: analyze.OptInt(model.Some(137))}},
			code: "P7", reason: "P7 OOMKilled exit 137 pod x"},
		{name: "the termination message", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "P8", Message: "exited 127", Pod: "x", Reason: "Error", ExitCode: analyze.OptInt(model.Some(127)), Detail: `exec: "wge": not found`}},
			code: "P8", reason: `P8 Error exit 127 pod x: exec: "wge": not found`},
		{name: "no termination: the message", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "P2", Message: "Back-off pulling\nimage \"a\"", Pod: "x"}},
			code: "P2", reason: `P2 pod x: Back-off pulling image "a"`},
		{name: "a message naming the pod", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "P4", Message: "pod x-1 container main is waiting: ImagePullBackOff", Pod: "x-1"}},
			code: "P4", reason: "P4: pod x-1 container main is waiting: ImagePullBackOff"},
		{name: "a job's own cause", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "J1", Message: "job j failed"}}, code: "J1", reason: "J1: job j failed"},
		{name: "long messages are cut", job: analyze.JobResult{Cause: &analyze.Cause{Rule: "J1", Message: long}}, code: "J1", reason: ("J1: " + long)[:MaxReasonBytes] + "…"},
		{name: "no cause: the worst finding of the job or its pods", job: analyze.JobResult{
			Findings: []model.Finding{f("J2", model.LevelOK, "ok")},
			Pods:     []analyze.PodResult{{Findings: []model.Finding{f("P14", model.LevelWarn, "restarted 6 times"), f("P15", model.LevelWarn, "later")}}}},
			code: "P14", reason: "P14: restarted 6 times"},
	}
	for _, tc := range tests {
		code, reason := JobCause(&tc.job)
		if code != tc.code || reason != tc.reason {
			t.Errorf("%s: JobCause = %q, %q; want %q, %q", tc.name, code, reason, tc.code, tc.reason)
		}
	}
}
