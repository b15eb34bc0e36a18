package redact

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

func TestRewrite(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules([]byte("# site rules\nkey ^internal-\nvalue db-[0-9]+\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := `{"items":[{"metadata":{"name":"p","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":1}","internal-x":"y","note":"uses db-42"}},
 "spec":{"containers":[{"name":"main","env":[{"name":"PASSWORD","value":"hunter2"},{"name":"N","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],
 "args":["--token","abc"]}]},"status":{"phase":"Failed","containerStatuses":[{"restartCount":3,"ready":false}]},"apiToken":"t0k","n":1.50}]}`
	got, err := rewrite([]byte(in), rules)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"items":[{"metadata":{"name":"p","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"[REDACTED]","internal-x":"[REDACTED]","note":"uses [REDACTED]"}},` +
		`"spec":{"containers":[{"name":"main","env":[{"name":"PASSWORD","value":"[REDACTED]"},{"name":"N","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],` +
		`"args":["--token","abc"]}]},"status":{"phase":"Failed","containerStatuses":[{"restartCount":3,"ready":false}]},"apiToken":"[REDACTED]","n":1.50}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"key (":      `line 1: "(" is not a valid regular expression`,
		"\npath a.b": `line 2: want "key REGEX" or "value REGEX", got "path a.b"`,
		"value":      `line 1: "" is not a valid regular expression`,
	} {
		if _, err := ParseRules([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("ParseRules(%q) = %v, want %s", in, err, want)
		}
	}
}

type verdict struct {
	Verdict string
	Jobs    []string
}

func judge(t *testing.T, b *bundle.Bundle) verdict {
	t.Helper()
	rep, err := analyze.Evaluate(analyze.FromBundle(b), rules.Default(), analyze.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	v := verdict{Verdict: rep.Verdict.String()}
	for _, j := range rep.Jobs {
		v.Jobs = append(v.Jobs, j.Name+" "+j.Phase.String()+" "+j.Health.String())
	}
	return v
}

// Analysis of a redacted bundle gives the same verdicts, on every fixture;
// the copy verifies, says it is redacted and from which original.
func TestRedactedFixturesKeepTheirVerdicts(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../fixtures/scenarios/*.tar.zst")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range files {
		orig, err := bundle.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		m, ms, err := Bundle(orig, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := bundle.Encode(&buf, m, ms); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		red, err := bundle.Decode("redacted.tar.zst", buf.Bytes())
		if err != nil {
			t.Fatalf("%s: the redacted copy does not verify: %v", p, err)
		}
		if r := red.Manifest.Redaction; r == nil || r.OriginalSHA256 != orig.SHA256 || r.RulesSHA256 != "" {
			t.Errorf("%s: redaction %+v", p, r)
		}
		if a, b := judge(t, orig), judge(t, red); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: verdicts differ:\noriginal %+v\nredacted %+v", filepath.Base(p), a, b)
		}
		for _, c := range red.Manifest.Commands {
			for i, a := range c.Argv {
				if a == "--kubeconfig" && c.Argv[i+1] != Marker {
					t.Errorf("%s: argv keeps the kubeconfig path: %q", p, c.Argv)
				}
			}
		}
		pods, _ := red.Member(bundle.PodsMember)
		if strings.Contains(string(pods), `"value":"`) && !strings.Contains(string(pods), `"value":"[REDACTED]"`) {
			t.Errorf("%s: an env value survived", p)
		}
	}
}
