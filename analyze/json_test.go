package analyze

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
)

// encodingJSON is the reference rendering WriteJSON must reproduce byte for
// byte: encoding/json over the tagged report structs.
func encodingJSON(rep *Report) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(rep)
	return buf.Bytes(), err
}

// TestWriteJSONMatchesEncodingJSON compares the hand-written JSON writer
// with encoding/json on every golden bundle, a larger generated bundle and
// a report full of strings that need escaping, nil and empty lists.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	var reps []*Report
	for _, c := range goldenCases(t) {
		rep, err := Evaluate(c.src, rules.Default(), DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	var all strings.Builder
	for b := 0; b < 256; b++ {
		all.WriteByte(byte(b))
	}
	nasty := []string{"", all.String(), "a\u2028b\u2029c", "é€𝄞", "\xff\xfe", "x\xe2\x80", "<&>", `"\`, "\x7f"}
	for _, s := range nasty {
		f := model.Finding{Rule: s, Level: model.LevelWarn, Message: s, Evidence: model.Evidence{Member: s, Kind: s, Name: s, Fields: []model.Field{{Path: s, Value: s}}}}
		pod := PodResult{Name: s, Phase: s, Containers: []ContainerResult{{Name: s, Type: model.ContainerInit, State: model.StateWaiting, ExitCode: OptInt{Val: -3, Set: true}}},
			Findings: []model.Finding{f}, Events: []EventResult{{Message: s, Count: 1 << 40}}}
		reps = append(reps, &Report{
			SchemaVersion: SchemaVersion, RuleSet: s, Bundle: Bundle{File: s}, Verdict: model.LevelError,
			Options:  ReportOptions{Expect: []string{s, s}, RestartWarn: -1},
			Findings: []model.Finding{f, {Evidence: model.Evidence{Fields: []model.Field{}}}},
			Jobs:     []JobResult{{Name: s, Labels: []Label{{Key: s, Value: s}}, Pods: []PodResult{pod}, Ready: OptInt{Val: 0, Set: true}}, {}},
			BarePods: []PodResult{pod, {}}, CaptureFailures: []CaptureFailure{{Stderr: s, ExitCode: -1}},
			InputProblems: []InputProblem{{Problem: s, Index: -1}},
		})
	}
	reps = append(reps, &Report{}) // every list nil
	for i, rep := range reps {
		want, err := encodingJSON(rep)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("report %d (%s) differs from encoding/json:\n%s", i, rep.Bundle.File, diff(string(want), got.String()))
		}
	}
	if err := WriteJSON(&bytes.Buffer{}, &Report{Verdict: model.Level(9)}); err == nil {
		t.Error("an invalid level encoded without error")
	}
}
