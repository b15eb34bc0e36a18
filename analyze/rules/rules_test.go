package rules

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/kube"
)

// TestDocLines checks every declared rule of every built-in rule set: a
// code unique in its set, and a doc line that is the rule's row in
// docs/rules.md ("| CODE | DOC |").
func TestDocLines(t *testing.T) {
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range s.Rules() {
			if seen[r.Code] {
				t.Errorf("%s: rule %s declared twice", name, r.Code)
			}
			seen[r.Code] = true
			if r.Doc == "" || strings.Contains(r.Doc, "\n") {
				t.Errorf("%s: rule %s: doc %q is not one line", name, r.Code, r.Doc)
			}
			if row := "| " + r.Code + " | " + r.Doc + " |"; !strings.Contains(string(doc), row) {
				t.Errorf("%s: rule %s: docs/rules.md has no row %q", name, r.Code, row)
			}
		}
	}
}

// TestReasonTables checks that the doc lines of the reason rules name every
// reason of the shared table (internal/kube) they judge by.
func TestReasonTables(t *testing.T) {
	for code, reasons := range map[string][]string{
		"P3": {kube.CrashLoopBackOff},
		"P4": kube.ImagePullReasons(),
		"P5": kube.ContainerConfigReasons(),
		"P7": {kube.OOMKilled},
		"P9": kube.InfrastructureReasons(),
	} {
		r, ok := V1().Rule(code)
		if !ok {
			t.Fatalf("v1 has no %s", code)
		}
		for _, reason := range reasons {
			if !strings.Contains(r.Doc, "`"+reason+"`") {
				t.Errorf("%s doc does not name %s: %q", code, reason, r.Doc)
			}
		}
	}
}

// TestV1 pins v1's identity and listing order: history records name
// "ksnap-rules/1", and the order is that of every golden report.
func TestV1(t *testing.T) {
	s := V1()
	if s.Name() != "v1" || s.Version() != "ksnap-rules/1" {
		t.Errorf("v1 = %s %s", s.Name(), s.Version())
	}
	var codes []string
	for _, r := range s.Rules() {
		codes = append(codes, r.Code)
	}
	want := []string{"O2", "O5", "O3", "J9", "J0", "J1", "J3", "J2", "J4", "J5", "J6", "J7", "J8", "E3",
		"P2", "P15", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P16", "P17", "P1",
		"E4", "E5", "E1", "E2", "E6", "E7", "O1"}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("v1 order = %v\nwant %v", codes, want)
	}
	if got := s.Order("P15"); got != 15 {
		t.Errorf("Order(P15) = %d, want 15", got)
	}
	if got := s.Order("X1"); got != len(want) {
		t.Errorf("Order(X1) = %d, want %d", got, len(want))
	}
}

func TestRegistry(t *testing.T) {
	j6, _ := V1().Rule("J6")
	j6.Level = model.LevelError
	v2, err := V1().Derive("v2", "ksnap-rules/2", j6)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistry(V1(), v2)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Names(); !reflect.DeepEqual(got, []string{"v1", "v2"}) {
		t.Errorf("Names = %v", got)
	}
	if got := reg.Default(); got.Name() != "v2" {
		t.Errorf("Default = %s, want the newest, v2", got.Name())
	}
	tests := []struct {
		name, want, wantErr string
	}{
		{"v1", "ksnap-rules/1", ""},
		{"ksnap-rules/1", "ksnap-rules/1", ""}, // the version, as records carry it
		{"v2", "ksnap-rules/2", ""},
		{"v3", "", `unknown rule set "v3" (known: v1, v2)`},
		{"", "", `unknown rule set "" (known: v1, v2)`},
	}
	for _, tt := range tests {
		s, err := reg.Lookup(tt.name)
		if tt.wantErr != "" {
			var ue *UnknownError
			if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ue) {
				t.Errorf("Lookup(%q) err = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || s.Version() != tt.want {
			t.Errorf("Lookup(%q) = %s, %v; want %s", tt.name, s.Version(), err, tt.want)
		}
	}
	if r, _ := v2.Rule("J6"); r.Level != model.LevelError {
		t.Errorf("v2 J6 level = %s", r.Level)
	}
	if r, _ := V1().Rule("J6"); r.Level != model.LevelWarn {
		t.Errorf("Derive changed v1: J6 level = %s", r.Level)
	}
	if got := v2.Order("J6"); got != V1().Order("J6") {
		t.Errorf("v2 moved J6 to %d", got)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		set     func() error
		wantErr string
	}{
		{"duplicate code", func() error {
			_, err := New("x", "x/1", []Rule{{Code: "A1"}, {Code: "A1"}})
			return err
		}, "rule set x: rule A1 declared twice"},
		{"empty code", func() error { _, err := New("x", "x/1", []Rule{{}}); return err }, "rule set x: rule 0 has no code"},
		{"no name", func() error { _, err := New("", "x/1", nil); return err }, "rule set: name and version must not be empty"},
		{"duplicate set", func() error { _, err := NewRegistry(V1(), V1()); return err }, "rule set registry: v1 registered twice"},
		{"zero set", func() error { _, err := NewRegistry(RuleSet{}); return err }, "rule set registry: zero rule set"},
		{"no set", func() error { _, err := NewRegistry(); return err }, "rule set registry: no rule set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.set(); err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestBuiltin checks the package-level registry: v2 is the newest today.
func TestBuiltin(t *testing.T) {
	if got := Names(); !reflect.DeepEqual(got, []string{"v1", "v2"}) {
		t.Errorf("Names = %v", got)
	}
	if Default().Version() != "ksnap-rules/2" {
		t.Errorf("Default = %s", Default().Version())
	}
}

// TestV2 pins v2's identity and listing order, and that it keeps every v1
// rule it does not replace as v1 declares it.
func TestV2(t *testing.T) {
	s := V2()
	if s.Name() != "v2" || s.Version() != "ksnap-rules/2" {
		t.Errorf("v2 = %s %s", s.Name(), s.Version())
	}
	var codes []string
	for _, r := range s.Rules() {
		codes = append(codes, r.Code)
	}
	want := []string{"O2", "O5", "O3", "J9", "J0", "J1", "J11", "J3", "J12", "J2", "J4", "J5", "J6", "J7", "J8", "J13", "E3", "J14",
		"P2", "P15", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P16", "P17", "M1", "M2", "M3", "P1",
		"E4", "E5", "E1", "E2", "E6", "E7", "O1"}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("v2 order = %v\nwant %v", codes, want)
	}
	replaced := map[string]bool{"J4": true, "J8": true, "J9": true, "E4": true, "O1": true}
	for _, r := range V1().Rules() {
		r2, ok := s.Rule(r.Code)
		if !ok {
			t.Errorf("v2 dropped %s", r.Code)
			continue
		}
		if got := r2.Doc != r.Doc || r2.Level != r.Level; got != replaced[r.Code] {
			t.Errorf("%s: v2 doc/level differ from v1: %v, want %v", r.Code, got, replaced[r.Code])
		}
	}
	if !V1().BarePodsInVerdict(Options{}) || s.BarePodsInVerdict(Options{}) || !s.BarePodsInVerdict(Options{IncludeBarePods: true}) {
		t.Error("BarePodsInVerdict: v1 always, v2 only with IncludeBarePods")
	}
}

// TestLevelAdjust checks how a pod finding's level follows its Job's phase.
func TestLevelAdjust(t *testing.T) {
	mk := func(r Rule) RuleSet {
		r.Code = "T1"
		r.Pod = func(_ *Env, p *Pod, out *Out) { out.Add("x", model.Evidence{}) }
		s, err := New("t", "t/1", []Rule{r})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	attempt := mk(Rule{Level: model.LevelError, Attempt: true})
	oom := mk(Rule{Level: model.LevelWarn, Attempt: true, SucceededLevel: model.LevelWarn})
	plain := mk(Rule{Level: model.LevelError})
	user := mk(Rule{Level: model.LevelError, UserLevel: true})
	E, W, O := model.LevelError, model.LevelWarn, model.LevelOK
	tests := []struct {
		name  string
		set   RuleSet
		job   *Job
		level model.Level
	}{
		{"attempt, bare pod", attempt, nil, E},
		{"attempt, failed Job", attempt, &Job{Phase: model.PhaseFailed}, E},
		{"attempt, running Job", attempt, &Job{Phase: model.PhaseRunning}, W},
		{"attempt, unknown Job", attempt, &Job{Phase: model.PhaseUnknown}, W},
		{"attempt, succeeded Job", attempt, &Job{Phase: model.PhaseSucceeded}, O},
		{"oom, succeeded Job", oom, &Job{Phase: model.PhaseSucceeded}, W},
		{"oom, failed Job", oom, &Job{Phase: model.PhaseFailed}, E},
		{"plain, running Job", plain, &Job{Phase: model.PhaseRunning}, E},
		{"plain, succeeded Job", plain, &Job{Phase: model.PhaseSucceeded}, O},
		{"user, succeeded Job", user, &Job{Phase: model.PhaseSucceeded}, E},
	}
	for _, tt := range tests {
		fs := tt.set.EvaluatePod(&Env{}, &Pod{Pod: &model.Pod{}, Job: tt.job})
		if len(fs) != 1 || fs[0].Rule != "T1" || fs[0].Level != tt.level {
			t.Errorf("%s: findings %+v, want one T1 at %s", tt.name, fs, tt.level)
		}
	}
}
