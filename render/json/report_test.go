package json

import (
	"bytes"
	stdjson "encoding/json"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

// encodingJSON is the reference rendering Report must reproduce byte for
// byte: encoding/json over the tagged report structs.
func encodingJSON(rep *analyze.Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := stdjson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(rep)
	return buf.Bytes(), err
}

// TestReportMatchesEncodingJSON compares the hand-written JSON writer with
// encoding/json on reports full of strings that need escaping, nil and
// empty lists (render's golden test does the same on every fixture bundle).
func TestReportMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	var reps []*analyze.Report
	var all strings.Builder
	for b := 0; b < 256; b++ {
		all.WriteByte(byte(b))
	}
	nasty := []string{"", all.String(), "a\u2028b\u2029c", "é€𝄞", "\xff\xfe", "x\xe2\x80", "<&>", `"\`, "\x7f", "\b\f"}
	for _, s := range nasty {
		f := model.Finding{Rule: s, Level: model.LevelWarn, Message: s, Evidence: model.Evidence{Member: s, Kind: s, Name: s, Fields: []model.Field{{Path: s, Value: s}}}}
		pod := analyze.PodResult{Name: s, Phase: s, Containers: []analyze.ContainerResult{{Name: s, Type: model.ContainerInit, State: model.StateWaiting, ExitCode: analyze.OptInt{Val: -3, Set: true}}},
			Findings: []model.Finding{f}, Events: []analyze.EventResult{{Message: s, Count: 1 << 40}}}
		reps = append(reps, &analyze.Report{
			SchemaVersion: analyze.SchemaVersion, RuleSet: s, Bundle: analyze.Bundle{File: s}, Verdict: model.LevelError,
			Options:  analyze.ReportOptions{Expect: []string{s, s}, RestartWarn: -1},
			Findings: []model.Finding{f, {Evidence: model.Evidence{Fields: []model.Field{}}}},
			Jobs:     []analyze.JobResult{{Name: s, Labels: []analyze.Label{{Key: s, Value: s}}, Pods: []analyze.PodResult{pod}, Ready: analyze.OptInt{Val: 0, Set: true}}, {}},
			BarePods: []analyze.PodResult{pod, {}}, CaptureFailures: []analyze.CaptureFailure{{Stderr: s, ExitCode: -1}},
			InputProblems: []analyze.InputProblem{{Problem: s, Index: -1}},
		})
	}
	reps = append(reps, &analyze.Report{}) // every list nil
	// Pod metrics (capture --metrics): the optional members.
	usage := &analyze.PodUsage{Timestamp: "2025-11-16T09:59:50Z", Window: "10s", Containers: []analyze.ContainerUsage{
		{Name: "main", CPU: analyze.OptInt{Val: 500, Set: true}, CPULimit: analyze.OptInt{Val: 500, Set: true}, Memory: analyze.OptInt{Val: 120 << 20, Set: true}}, {}}}
	reps = append(reps, &analyze.Report{Metrics: &analyze.MetricsStatus{Status: "ok", Member: "metrics/podmetrics.json", Pods: 2, Joined: 1},
		Jobs: []analyze.JobResult{{Pods: []analyze.PodResult{{Name: "p", Usage: usage}, {Usage: &analyze.PodUsage{}}}}}},
		&analyze.Report{Metrics: &analyze.MetricsStatus{Status: "unavailable", Reason: "the metrics API (metrics.k8s.io) is not served by this cluster"}})
	for i, rep := range reps {
		want, err := encodingJSON(rep)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := Report(&got, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("report %d (%q) differs from encoding/json:\ngot  %s\nwant %s", i, rep.Bundle.File, got.Bytes(), want)
		}
	}
	if err := Report(&bytes.Buffer{}, &analyze.Report{Verdict: model.Level(9)}); err == nil {
		t.Error("an invalid level encoded without error")
	}
}
