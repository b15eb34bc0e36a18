//go:build promtool

package metrics

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Run by scripts/test-promtool: go test -tags promtool ./export/metrics
// -run Promtool, with KSNAP_PROMTOOL naming promtool (default: on $PATH).
func promtool(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KSNAP_PROMTOOL")
	if bin == "" {
		bin = "promtool"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s not found: scripts/test-promtool unpacks Debian's prometheus package and sets KSNAP_PROMTOOL", bin)
	}
	return p
}

// TestPromtoolCheckMetrics lints every golden's input with promtool check
// metrics (the rules of the Prometheus text format and its naming lint).
func TestPromtoolCheckMetrics(t *testing.T) {
	bin := promtool(t)
	scen := scenariosStore(t)
	for _, tt := range []struct {
		name string
		opts Options
	}{{"scenarios", Options{}}, {"scenarios per job", Options{PerJob: true}}} {
		t.Run(tt.name, func(t *testing.T) {
			text := render(t, scen, tt.opts, Text)
			cmd := exec.Command(bin, "check", "metrics")
			cmd.Stdin = bytes.NewReader(text)
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
		})
	}
	for _, name := range []string{"cron", "cron-per-job"} {
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile("testdata/" + name + ".prom")
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "check", "metrics")
			cmd.Stdin = bytes.NewReader(text)
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
		})
	}
}

// TestPromtoolRules checks and unit-tests the shipped alert rules.
func TestPromtoolRules(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "ksnap-rules.yaml"},
		{"test", "rules", "ksnap-rules.test.yaml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "../../docs/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
