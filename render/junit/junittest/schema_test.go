package junittest

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	ok := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1" errors="0" time="1.5">
  <testsuite name="s" tests="2" failures="1" errors="0" time="1.500">
    <properties><property name="a" value="b"></property></properties>
    <testcase classname="c" name="one" time="1.5"><failure type="ERROR" message="m">text</failure><system-out>out</system-out></testcase>
    <testcase name="two"></testcase>
  </testsuite>
</testsuites>`
	tests := []struct{ name, doc, wantErr string }{
		{"valid", ok, ""},
		{"ill-formed", strings.Replace(ok, "</testsuite>", "", 1), "not well-formed XML"},
		{"control character", strings.Replace(ok, "text", "te\x1bxt", 1), "not well-formed XML"},
		{"wrong root", `<testsuite name="s" tests="0"></testsuite>`, "root is <testsuite>"},
		{"unknown element", strings.Replace(ok, "<system-out>out</system-out>", "<stdout>x</stdout>", 1), "element <stdout> is not in the schema"},
		{"misplaced element", strings.Replace(ok, `<testcase name="two"></testcase>`, `<testcase name="two"><property name="a" value="b"></property></testcase>`, 1), "<property> inside <testcase>"},
		{"unknown attribute", strings.Replace(ok, `name="two"`, `name="two" colour="red"`, 1), "attribute colour"},
		{"missing name", strings.Replace(ok, `<testcase name="two">`, `<testcase>`, 1), "lacks required attribute name"},
		{"bad count", strings.Replace(ok, `<testsuite name="s" tests="2"`, `<testsuite name="s" tests="two"`, 1), "not a count"},
		{"bad time", strings.Replace(ok, `time="1.5">`, `time="-1">`, 1), "not a number of seconds"},
		{"wrong count", strings.Replace(ok, `failures="1" errors="0" time="1.500"`, `failures="0" errors="0" time="1.500"`, 1), "says failures=0, holds 1"},
		{"text in testcase", strings.Replace(ok, `<testcase name="two"></testcase>`, `<testcase name="two">stray</testcase>`, 1), "text inside <testcase>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}
