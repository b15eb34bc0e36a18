package rules

import (
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

func TestFormatQuantities(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1023: "1023", 1024: "1Ki", 1536: "1.5Ki", 120 << 20: "120Mi",
		128<<20 - 1: "127.9Mi", 2 << 30: "2Gi", 5 << 40: "5Ti", 3 << 50: "3072Ti"} {
		if got := model.FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := model.FormatMilliCPU(250); got != "250m" {
		t.Errorf("FormatMilliCPU(250) = %q", got)
	}
}

func TestUsageRules(t *testing.T) {
	t.Parallel()
	rs := V2()
	ts := time.Date(2025, 11, 16, 9, 59, 50, 0, time.UTC)
	res := model.Resources{CPURequest: model.Some(100), CPULimit: model.Some(500), MemoryRequest: model.Some(64 << 20), MemoryLimit: model.Some(128 << 20)}
	usage := func(cpu, mem int64) *model.PodUsage {
		return &model.PodUsage{Namespace: "ns", Name: "p", Timestamp: ts, Window: 10 * time.Second,
			Containers: []model.ContainerUsage{{Name: "main", CPU: model.Some(cpu), Memory: model.Some(mem), Resources: res}}}
	}
	ev := func(fields ...model.Field) model.Evidence {
		fs := append([]model.Field{{Path: "container", Value: "main"}}, fields...)
		fs = append(fs, model.Field{Path: "timestamp", Value: "2025-11-16T09:59:50Z"}, model.Field{Path: "window", Value: "10s"},
			model.Field{Path: "sampled", Value: "usage at capture time"})
		return model.Evidence{Member: "metrics/podmetrics.json", Kind: "PodMetrics", Name: "p", Fields: fs}
	}
	const sample = " (sampled usage at capture time: 2025-11-16T09:59:50Z, window 10s)"
	tests := []struct {
		name  string
		usage *model.PodUsage
		phase model.JobPhase
		want  []model.Finding
	}{
		{name: "no metrics", usage: nil},
		{name: "calm", usage: usage(50, 20<<20)},
		{name: "just below the limit thresholds", usage: usage(474, 115<<20), want: []model.Finding{
			{Rule: "M3", Level: model.LevelOK, Message: "container main uses CPU 474m, 474% of its 100m request" + sample,
				Evidence: ev(model.Field{Path: "usage.cpu", Value: "474m"}, model.Field{Path: "requests.cpu", Value: "100m"})},
		}},
		{name: "hot", usage: usage(500, 120<<20), want: []model.Finding{
			{Rule: "M1", Level: model.LevelWarn, Message: "container main near OOM: memory 120Mi is 93% of its 128Mi limit" + sample,
				Evidence: ev(model.Field{Path: "usage.memory", Value: "125829120"}, model.Field{Path: "limits.memory", Value: "134217728"}, model.Field{Path: "percent", Value: "93"})},
			{Rule: "M2", Level: model.LevelWarn, Message: "container main throttled: CPU 500m is 100% of its 500m limit" + sample,
				Evidence: ev(model.Field{Path: "usage.cpu", Value: "500m"}, model.Field{Path: "limits.cpu", Value: "500m"}, model.Field{Path: "percent", Value: "100"})},
			{Rule: "M3", Level: model.LevelOK, Message: "container main uses CPU 500m, 500% of its 100m request" + sample,
				Evidence: ev(model.Field{Path: "usage.cpu", Value: "500m"}, model.Field{Path: "requests.cpu", Value: "100m"})},
		}},
		{name: "succeeded job: history", usage: usage(475, 116<<20), phase: model.PhaseSucceeded, want: []model.Finding{
			{Rule: "M1", Level: model.LevelOK, Message: "container main near OOM: memory 116Mi is 90% of its 128Mi limit" + sample,
				Evidence: ev(model.Field{Path: "usage.memory", Value: "121634816"}, model.Field{Path: "limits.memory", Value: "134217728"}, model.Field{Path: "percent", Value: "90"})},
			{Rule: "M2", Level: model.LevelOK, Message: "container main throttled: CPU 475m is 95% of its 500m limit" + sample,
				Evidence: ev(model.Field{Path: "usage.cpu", Value: "475m"}, model.Field{Path: "limits.cpu", Value: "500m"}, model.Field{Path: "percent", Value: "95"})},
			{Rule: "M3", Level: model.LevelOK, Message: "container main uses CPU 475m, 475% of its 100m request" + sample,
				Evidence: ev(model.Field{Path: "usage.cpu", Value: "475m"}, model.Field{Path: "requests.cpu", Value: "100m"})},
		}},
		{name: "memory above request, no limit", usage: &model.PodUsage{Name: "p", Timestamp: ts, Window: 10 * time.Second,
			Containers: []model.ContainerUsage{{Name: "main", CPU: model.Some(10), Memory: model.Some(100 << 20), Resources: model.Resources{MemoryRequest: model.Some(32 << 20)}}}}, want: []model.Finding{
			{Rule: "M3", Level: model.LevelOK, Message: "container main uses memory 100Mi, 312% of its 32Mi request" + sample,
				Evidence: ev(model.Field{Path: "usage.memory", Value: "104857600"}, model.Field{Path: "requests.memory", Value: "33554432"})},
		}},
		{name: "huge quantities do not overflow", usage: &model.PodUsage{Name: "p", Timestamp: ts, Window: 10 * time.Second,
			Containers: []model.ContainerUsage{{Name: "main", Memory: model.Some(1 << 62), Resources: model.Resources{MemoryLimit: model.Some(1 << 62)}}}}, want: []model.Finding{
			{Rule: "M1", Level: model.LevelWarn, Message: "container main near OOM: memory 4194304Ti is 100% of its 4194304Ti limit" + sample,
				Evidence: ev(model.Field{Path: "usage.memory", Value: "4611686018427387904"}, model.Field{Path: "limits.memory", Value: "4611686018427387904"}, model.Field{Path: "percent", Value: "100"})},
		}},
		{name: "no limits or requests", usage: &model.PodUsage{Name: "p", Timestamp: ts, Window: 10 * time.Second,
			Containers: []model.ContainerUsage{{Name: "main", CPU: model.Some(4000), Memory: model.Some(8 << 30)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &Job{Job: &model.Job{Name: "j"}, Phase: tt.phase}
			if tt.phase == model.PhaseUnknown {
				job.Phase = model.PhaseRunning
			}
			p := &Pod{Pod: &model.Pod{Name: "p", Namespace: "ns", Phase: "Running"}, Job: job, Usage: tt.usage}
			var got []model.Finding
			for _, f := range rs.EvaluatePod(&Env{Now: ts, Opts: DefaultOptions()}, p) {
				if f.Rule[0] == 'M' {
					got = append(got, f)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
