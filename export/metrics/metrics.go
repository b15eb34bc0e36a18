// Package metrics owns ksnap's Prometheus export: the metric families built
// from a history store (the newest record per target and per owner) and
// their encoding in the Prometheus text format, for node_exporter's textfile
// collector, or OpenMetrics, both by github.com/prometheus/common/expfmt.
//
// Names start with ksnap_ (never kube_job_*, which kube-state-metrics owns);
// label names are kube-state-metrics' (namespace, job_name, owner_kind,
// owner_name) plus selector; samples carry no timestamp (a textfile sample
// with one goes stale or is rejected), and every family and series is
// sorted, so equal stores give equal bytes. Series are per owner (a CronJob,
// or a Job without one) unless Options.PerJob adds one series per Job of
// the newest capture. The failure reason label takes only bounded values:
// rule codes (dashboard.ReasonCode), "unspecified" or "other".
//
// It reads only the Store it is given, never the clock, and writes only to
// the io.Writer given.
package metrics

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/dashboard"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Options configure Build.
type Options struct {
	// Filter selects the records read.
	Filter history.Filter
	// PerJob adds ksnap_job_health, one series per Job of each target's
	// newest capture (cardinality grows with every CronJob run).
	PerJob bool
}

// Levels in the order of ksnap_verdict_level's values.
var levels = []model.Level{model.LevelOK, model.LevelWarn, model.LevelUnknown, model.LevelError}

// Build returns the metric families of the records of s that match o.Filter,
// sorted by name, each family's series sorted by label values.
func Build(ctx context.Context, s history.Store, o Options) ([]*dto.MetricFamily, error) {
	d, err := dashboard.Build(ctx, s, dashboard.Options{Filter: o.Filter, NoGrid: true})
	if err != nil {
		return nil, err
	}
	return FromDashboard(d, o), nil
}

type family struct {
	name, help string
	typ        dto.MetricType
	metrics    []*dto.Metric
}

func (f *family) add(v float64, labels ...string) {
	m := &dto.Metric{}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Label = append(m.Label, &dto.LabelPair{Name: ptr(labels[i]), Value: ptr(labels[i+1])})
	}
	if f.typ == dto.MetricType_COUNTER {
		m.Counter = &dto.Counter{Value: &v}
	} else {
		m.Gauge = &dto.Gauge{Value: &v}
	}
	f.metrics = append(f.metrics, m)
}

func ptr[T any](v T) *T { return &v }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// FromDashboard builds the families from a folded history.
func FromDashboard(d *dashboard.Dashboard, o Options) []*dto.MetricFamily {
	gauge := func(name, help string) *family { return &family{name: name, help: help, typ: dto.MetricType_GAUGE} }
	var (
		capTS     = gauge("ksnap_capture_timestamp_seconds", "Capture time of the newest recorded capture of the target, in seconds since the epoch.")
		partial   = gauge("ksnap_capture_partial", "1 if a kubectl command of the newest capture failed (its verdict may miss objects), else 0.")
		capErrs   = gauge("ksnap_capture_errors", "kubectl commands that failed in the newest capture.")
		verdict   = gauge("ksnap_verdict_level", "Overall verdict of the newest capture: 0 OK, 1 WARN, 2 UNKNOWN, 3 ERROR.")
		streak    = gauge("ksnap_verdict_streak_captures", "Consecutive captures, up to the newest, with the newest capture's overall verdict.")
		captures  = gauge("ksnap_history_captures", "Captures of the target in the history read.")
		health    = gauge("ksnap_owner_health", "1 for the owner's verdict in the newest capture it was in (one series per health value), else 0.")
		consec    = gauge("ksnap_owner_consecutive_failures", "Captures, newest first, in which the owner was ERROR, up to the first one where it was not.")
		lastOK    = gauge("ksnap_owner_last_success_timestamp_seconds", "Time of the newest capture in which the owner was OK; absent if never.")
		lastSeen  = gauge("ksnap_owner_last_seen_timestamp_seconds", "Time of the newest capture the owner was in.")
		reason    = gauge("ksnap_owner_failure_reason", "1 for the reason (rule code) of the owner's non-OK verdict in the newest capture it was in.")
		jobHealth = gauge("ksnap_job_health", "1 for the Job's verdict in the newest capture (one series per health value), else 0.")
		memPeak   = gauge("ksnap_job_memory_peak_bytes", "Sampled working-set memory, at the newest capture, of the Job's container nearest its memory limit (capture --metrics); absent without pod metrics.")
		memLimit  = gauge("ksnap_job_memory_limit_bytes", "Memory limit of that container; absent when it has none.")
		corrupt   = gauge("ksnap_history_corrupt_entries", "Corrupt history entries skipped while reading.")
	)
	corrupt.add(float64(d.Corrupt))
	for i := range d.Targets {
		t := &d.Targets[i]
		if len(t.Captures) == 0 {
			continue
		}
		tl := []string{"namespace", t.Namespace, "selector", t.Selector}
		c := &t.Captures[len(t.Captures)-1]
		capTS.add(seconds(c), tl...)
		partial.add(b2f(c.Partial()), tl...)
		capErrs.add(float64(c.CaptureErrors), tl...)
		verdict.add(float64(slices.Index(levels, c.Health)), tl...)
		streak.add(float64(t.Streak.Captures), tl...)
		captures.add(float64(t.Count), tl...)
		for k := range t.Owners {
			ow := &t.Owners[k]
			ol := append(slices.Clone(tl), "owner_kind", ow.Kind, "owner_name", ow.Name)
			for _, l := range levels {
				health.add(b2f(ow.Last == l), append(slices.Clone(ol), "health", l.String())...)
			}
			consec.add(float64(ow.ConsecutiveFailures), ol...)
			if !ow.LastOK.IsZero() {
				lastOK.add(float64(ow.LastOK.Unix()), ol...)
			}
			lastSeen.add(float64(ow.LastSeen.Unix()), ol...)
			if ow.Last != model.LevelOK {
				reason.add(1, append(slices.Clone(ol), "reason", ow.LastReason)...)
			}
		}
		if o.PerJob {
			for _, j := range t.NewestJobs {
				kind, name := "CronJob", j.Owner
				if name == "" {
					kind, name = "<none>", "<none>"
				}
				jl := append(slices.Clone(tl), "job_name", j.Name, "owner_kind", kind, "owner_name", name)
				lv, err := model.ParseLevel(j.Health)
				if err != nil {
					lv = model.LevelUnknown
				}
				for _, l := range levels {
					jobHealth.add(b2f(lv == l), append(slices.Clone(jl), "health", l.String())...)
				}
				if j.MemoryPeak > 0 {
					memPeak.add(float64(j.MemoryPeak), jl...)
				}
				if j.MemoryLimit > 0 {
					memLimit.add(float64(j.MemoryLimit), jl...)
				}
			}
		}
	}
	all := []*family{capTS, partial, capErrs, verdict, streak, captures, health, consec, lastOK, lastSeen, reason, corrupt}
	if o.PerJob {
		all = append(all, jobHealth, memPeak, memLimit)
	}
	var out []*dto.MetricFamily
	for _, f := range all {
		if len(f.metrics) == 0 {
			continue
		}
		slices.SortStableFunc(f.metrics, compareLabels)
		out = append(out, &dto.MetricFamily{Name: ptr(f.name), Help: ptr(f.help), Type: ptr(f.typ), Metric: f.metrics})
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return out
}

func compareLabels(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := cmp.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Label), len(b.Label))
}

// seconds is the capture time in seconds, to the millisecond.
func seconds(c *dashboard.Capture) float64 {
	return float64(c.Time.UnixMilli()) / 1000
}

// Format is an output encoding.
type Format int

// Formats.
const (
	// Text is the Prometheus text format 0.0.4 (node_exporter's textfile collector).
	Text Format = iota
	// OpenMetrics is OpenMetrics 1.0 text, ending in "# EOF".
	OpenMetrics
)

// Write encodes fams to w.
func Write(w io.Writer, fams []*dto.MetricFamily, f Format) error {
	for _, mf := range fams {
		var err error
		if f == OpenMetrics {
			_, err = expfmt.MetricFamilyToOpenMetrics(w, mf)
		} else {
			_, err = expfmt.MetricFamilyToText(w, mf)
		}
		if err != nil {
			return fmt.Errorf("encode %s: %w", mf.GetName(), err)
		}
	}
	if f == OpenMetrics {
		if _, err := expfmt.FinalizeOpenMetrics(w); err != nil {
			return fmt.Errorf("encode: %w", err)
		}
	}
	return nil
}
