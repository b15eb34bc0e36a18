package rules

import (
	"math"
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
			Pod: nearLimit(memory, MemoryNearLimitPercent, "near OOM")},
		{Code: "M2", Level: model.LevelWarn, Doc: "sampled CPU usage of a container ≥ 95% of its CPU limit: throttled (pod metrics)",
			Pod: nearLimit(cpu, CPUAtLimitPercent, "throttled")},
		{Code: "M3", Level: model.LevelOK, Doc: "sampled CPU or memory usage of a container more than 2× its request (noted only; pod metrics)",
			Pod: aboveRequest},
	}
}

// pct is 100·a/b rounded down (b > 0), in float64 so that no quantity a
// bundle can hold overflows it.
func pct(a, b int64) int64 { return int64(math.Floor(float64(a) * 100 / float64(b))) }

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

// resource is CPU or memory as the usage rules read and print it.
type resource struct {
	name    string // in messages: "memory", "CPU"
	field   string // in evidence paths: usage.FIELD, limits.FIELD, requests.FIELD
	usage   func(*model.ContainerUsage) model.OptInt
	limit   func(*model.ContainerUsage) model.OptInt
	request func(*model.ContainerUsage) model.OptInt
	format  func(int64) string // in messages
	value   func(int64) string // in evidence
}

var (
	memory = resource{name: "memory", field: "memory",
		usage:   func(c *model.ContainerUsage) model.OptInt { return c.Memory },
		limit:   func(c *model.ContainerUsage) model.OptInt { return c.MemoryLimit },
		request: func(c *model.ContainerUsage) model.OptInt { return c.MemoryRequest },
		format:  model.FormatBytes, value: itoa}
	cpu = resource{name: "CPU", field: "cpu",
		usage:   func(c *model.ContainerUsage) model.OptInt { return c.CPU },
		limit:   func(c *model.ContainerUsage) model.OptInt { return c.CPULimit },
		request: func(c *model.ContainerUsage) model.OptInt { return c.CPURequest },
		format:  model.FormatMilliCPU, value: model.FormatMilliCPU}
)

// nearLimit is M1 (memory, "near OOM") and M2 (CPU, "throttled"): a
// container's sampled usage at least percent of its limit.
func nearLimit(r resource, percent int64, what string) func(*Env, *Pod, *Out) {
	return func(_ *Env, p *Pod, out *Out) {
		if p.Usage == nil {
			return
		}
		for i := range p.Usage.Containers {
			c := &p.Usage.Containers[i]
			u, l := r.usage(c), r.limit(c)
			if !u.Set || !l.Set || l.Val <= 0 || pct(u.Val, l.Val) < percent {
				continue
			}
			p100 := strconv.FormatInt(pct(u.Val, l.Val), 10)
			out.Add("container "+c.Name+" "+what+": "+r.name+" "+r.format(u.Val)+" is "+p100+"% of its "+
				r.format(l.Val)+" limit"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage."+r.field, r.value(u.Val)), fld("limits."+r.field, r.value(l.Val)), fld("percent", p100)))
		}
	}
}

func aboveRequest(_ *Env, p *Pod, out *Out) { // M3
	if p.Usage == nil {
		return
	}
	for i := range p.Usage.Containers {
		c := &p.Usage.Containers[i]
		for _, r := range []resource{cpu, memory} {
			u, q := r.usage(c), r.request(c)
			if !u.Set || !q.Set || q.Val <= 0 || float64(u.Val) <= AboveRequestFactor*float64(q.Val) {
				continue
			}
			out.Add("container "+c.Name+" uses "+r.name+" "+r.format(u.Val)+", "+strconv.FormatInt(pct(u.Val, q.Val), 10)+
				"% of its "+r.format(q.Val)+" request"+sampleSuffix(p.Usage),
				usageEvidence(p, c, fld("usage."+r.field, r.value(u.Val)), fld("requests."+r.field, r.value(q.Val))))
		}
	}
}
