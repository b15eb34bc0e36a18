package text

import (
	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

// Pod metrics in the text report: one header line when the bundle asked for
// them, and usage lines under each pod that is not OK.

// metricsLine is the [HEADER] "Pod Metrics" value.
func metricsLine(m *analyze.MetricsStatus) string {
	switch m.Status {
	case "ok":
		return itoa(m.Pods) + " pods sampled, " + itoa(m.Joined) + " joined (usage at capture time)"
	case "unavailable":
		return "unavailable, verdict unaffected: " + m.Reason
	}
	return m.Status + ": " + m.Reason
}

// usageLines are "usage CONTAINER: CPU 500m (request 100m, limit 500m),
// memory 120Mi (request 64Mi, limit 128Mi); sampled TIME, window W".
func (t *textWriter) usageLines(indent string, p *analyze.PodResult) {
	if p.Usage == nil || p.Health == model.LevelOK {
		return
	}
	for _, c := range p.Usage.Containers {
		t.line(indent + "usage " + c.Name + ": CPU " + quantity(c.CPU, model.FormatMilliCPU) +
			" (request " + quantity(c.CPURequest, model.FormatMilliCPU) + ", limit " + quantity(c.CPULimit, model.FormatMilliCPU) +
			"), memory " + quantity(c.Memory, model.FormatBytes) +
			" (request " + quantity(c.MemoryRequest, model.FormatBytes) + ", limit " + quantity(c.MemoryLimit, model.FormatBytes) +
			"); sampled " + dash(p.Usage.Timestamp) + ", window " + p.Usage.Window)
	}
}

func quantity(v analyze.OptInt, f func(int64) string) string {
	if !v.Set {
		return "-"
	}
	return f(v.Val)
}

func itoa(n int) string { return model.OptInt{Val: int64(n), Set: true}.String() }
