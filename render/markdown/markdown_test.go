package markdown

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"e2e-backoff", "e2e-backoff"},
		{"a|b", `a\|b`},
		{"`code`", "\\`code\\`"},
		{"x\ny", `x\\ny`},
		{"\x1b[31m", `\\x1b\[31m`},
		{"<img src=x>", `\<img src=x\>`},
		{"[link](http://x)", `\[link\](http://x)`},
		{"*a* _b_ ~c~ #d &e !f", `\*a\* \_b\_ \~c\~ \#d \&e \!f`},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	rep := &analyze.Report{Bundle: analyze.Bundle{File: "b.tar.zst"}, CapturedAt: "2025-11-16T10:00:00Z", Namespace: "ns", RuleSet: "ksnap-rules/1",
		Verdict: model.LevelError, Counts: analyze.Counts{Jobs: 2, JobsOK: 1, JobsError: 1, Pods: 1},
		Jobs: []analyze.JobResult{
			{Name: "bad|job", Namespace: "ns", Health: model.LevelError, Cause: &analyze.Cause{Rule: "P8", Message: "pod p container c terminated Error (exit 1)", Detail: "`oops`\nOverall: OK", Age: "1m"}},
			{Name: "good", Namespace: "ns", Health: model.LevelOK, Phase: model.PhaseSucceeded},
		}}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"default", Options{}, "### ksnap: ERROR in b.tar.zst\n\n" +
			"2 Jobs (1 ERROR, 0 WARN, 1 OK), 1 pod (0 bare), namespace ns, selector (none), captured 2025-11-16T10:00:00Z, rule set ksnap-rules/1\n\n" +
			"| Level | Object | Rule | Age | Cause |\n| --- | --- | --- | --- | --- |\n" +
			"| ERROR | bad\\|job | P8 | 1m | pod p container c terminated Error (exit 1): \\`oops\\`\\\\nOverall: OK |\n\n"},
		{"all", Options{All: true}, "### ksnap: ERROR in b.tar.zst\n\n" +
			"2 Jobs (1 ERROR, 0 WARN, 1 OK), 1 pod (0 bare), namespace ns, selector (none), captured 2025-11-16T10:00:00Z, rule set ksnap-rules/1\n\n" +
			"| Level | Object | Rule | Age | Cause |\n| --- | --- | --- | --- | --- |\n" +
			"| ERROR | bad\\|job | P8 | 1m | pod p container c terminated Error (exit 1): \\`oops\\`\\\\nOverall: OK |\n" +
			"| OK | good | - | - | SUCCEEDED |\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := Write(&got, rep, tt.o); err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got.String(), tt.want)
			}
		})
	}
}

func TestUnreadable(t *testing.T) {
	t.Parallel()
	var got bytes.Buffer
	if err := Unreadable(&got, "b|1.tar.zst", errors.New("b|1.tar.zst: not a valid\nzstd stream")); err != nil {
		t.Fatal(err)
	}
	if want := "### ksnap: UNREADABLE: b\\|1.tar.zst\n\nb\\|1.tar.zst: not a valid zstd stream\n\n"; got.String() != want {
		t.Errorf("got %q, want %q", got.String(), want)
	}
}
