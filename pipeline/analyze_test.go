package pipeline

import (
	"testing"

	"github.com/ksnap/ksnap/analyze"
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
