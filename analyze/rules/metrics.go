package rules

import (
	"strconv"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// The pod usage rules (M1–M3): they read Pod.Usage, a pod's usage sampled
// by the metrics API at capture time (capture --metrics), against its
// containers' limits and requests. A sample is one point in time, averaged
// over its window for CPU: the evidence names its time and window. Finished
// pods have no metrics; OOMKilled in the container status (P7) stays the
// authoritative memory signal.

// Thresholds of the usage rules.
const (
	// MemoryNearLimitPercent: M1 fires at a working set of at least this
	// share of the memory limit.
	MemoryNearLimitPercent = 90
	// CPUAtLimitPercent: M2 fires at CPU usage of at least this share of
	// the CPU limit (the kernel throttles a container at its quota, so a
	// sample averaged over the window sits just below 100%).
	CPUAtLimitPercent = 95
	// AboveRequestFactor: M3 notes usage of more than this many times the
	// request.
	AboveRequestFactor = 2
)

// usageRules are M1–M3, for rule sets from v2 on.
func usageRules() []Rule {
	return []Rule{
		{Code: "M1", Level: model.LevelWarn, Doc: "sampled working-set memory of a container ≥ 90% of its memory limit: near OOM (pod metrics, `capture --metrics`; the evidence names the sample's time and window)",
			Pod: memoryNearLimit},
		{Code: "M2", Level: model.LevelWarn, Doc: "sampled CPU usage of a container ≥ 95% of its CPU limit: throttled (pod metrics)",
			Pod: cpuAtLimit},
		{Code: "M3", Level: model.LevelOK, Doc: "sampled CPU or memory usage of a container more than 2× its request (noted only; pod metrics)",
			Pod: aboveRequest},
	}
}

// pct is 100·a/b rounded down (b > 0).
func pct(a, b int64) int64 { return a * 100 / b }

// usageEvidence names the sample: member, pod, container, the values
// compared, the sample's time and window.
func usageEvidence(p *Pod, c *model.ContainerUsage, fields ...model.Field) model.Evidence {
	fs := append([]model.Field{fld("container", c.Name)}, fields...)
	fs = append(fs, fld("timestamp", fmtTime(p.Usage.Timestamp)), fld("window", p.Usage.Window.String()),
		fld("sampled", "usage at capture time"))
	return model.Evidence{Member: bundle.PodMetricsMember, Kind: "PodMetrics", Name: p.Pod.Name, Fields: fs}
}

// sampleSuffix is the message's note on what the number is.
func sampleSuffix(u *model.PodUsage) string {
	return " (sampled usage at capture time: " + fmtTime(u.Timestamp) + ", window " + u.Window.String() + ")"
}

func memoryNearLimit(_ *Env, p *Pod, out *Out) { // M1
	if p.Usage == nil {
		return
	}
	for i := range p.Usage.Containers {
		c := &p.Usage.Containers[i]
		if !c.Memory.Set || !c.MemoryLimit.Set || c.MemoryLimit.Val <= 0 {
			continue
		}
		if c.Memory.Val*100 >= c.MemoryLimit.Val*MemoryNearLimitPercent {
			p100 := strconv.FormatInt(pct(c.Memory.Val, c.MemoryLimit.Val), 10)
			out.Add("container "+c.Name+" near OOM: memory "+model.FormatBytes(c.Memory.Val)+" is "+p100+"% of its "+
				model.FormatBytes(c.MemoryLimit.Val)+" limit"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage.memory", itoa(c.Memory.Val)), fld("limits.memory", itoa(c.MemoryLimit.Val)), fld("percent", p100)))
		}
	}
}

func cpuAtLimit(_ *Env, p *Pod, out *Out) { // M2
	if p.Usage == nil {
		return
	}
	for i := range p.Usage.Containers {
		c := &p.Usage.Containers[i]
		if !c.CPU.Set || !c.CPULimit.Set || c.CPULimit.Val <= 0 {
			continue
		}
		if c.CPU.Val*100 >= c.CPULimit.Val*CPUAtLimitPercent {
			p100 := strconv.FormatInt(pct(c.CPU.Val, c.CPULimit.Val), 10)
			out.Add("container "+c.Name+" throttled: CPU "+model.FormatMilliCPU(c.CPU.Val)+" is "+p100+"% of its "+
				model.FormatMilliCPU(c.CPULimit.Val)+" limit"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage.cpu", model.FormatMilliCPU(c.CPU.Val)), fld("limits.cpu", model.FormatMilliCPU(c.CPULimit.Val)), fld("percent", p100)))
		}
	}
}

func aboveRequest(_ *Env, p *Pod, out *Out) { // M3
	if p.Usage == nil {
		return
	}
	for i := range p.Usage.Containers {
		c := &p.Usage.Containers[i]
		if c.CPU.Set && c.CPURequest.Set && c.CPURequest.Val > 0 && c.CPU.Val > AboveRequestFactor*c.CPURequest.Val {
			out.Add("container "+c.Name+" uses CPU "+model.FormatMilliCPU(c.CPU.Val)+", "+strconv.FormatInt(pct(c.CPU.Val, c.CPURequest.Val), 10)+
				"% of its "+model.FormatMilliCPU(c.CPURequest.Val)+" request"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage.cpu", model.FormatMilliCPU(c.CPU.Val)), fld("requests.cpu", model.FormatMilliCPU(c.CPURequest.Val))))
		}
		if c.Memory.Set && c.MemoryRequest.Set && c.MemoryRequest.Val > 0 && c.Memory.Val > AboveRequestFactor*c.MemoryRequest.Val {
			out.Add("container "+c.Name+" uses memory "+model.FormatBytes(c.Memory.Val)+", "+strconv.FormatInt(pct(c.Memory.Val, c.MemoryRequest.Val), 10)+
				"% of its "+model.FormatBytes(c.MemoryRequest.Val)+" request"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage.memory", itoa(c.Memory.Val)), fld("requests.memory", itoa(c.MemoryRequest.Val))))
		}
	}
}
