package main

import (
	"strings"
	"testing"
)

// TestCheckFindsEveryViolation runs the checker on testdata/mod, a small
// module that breaks every rule once or more (renamed, dot and method
// uses of the clock, a forbidden import per rule, a renderer reaching for
// os and capture, evaluation importing a renderer) next to what is allowed
// (a local variable named time, net/url, a renderer importing
// encoding/xml, a notifier importing net/http, cobra under cmd/, test
// files): exactly the violations, nothing else.
func TestCheckFindsEveryViolation(t *testing.T) {
	got, err := Check("testdata/mod", "./...")
	if err != nil {
		t.Fatal(err)
	}
	const why = " (evaluation must not depend on when or where it runs)"
	want := []string{
		"analyze/analyze.go:10:39: time.Now reads the wall clock" + why,
		"analyze/analyze.go:13:64: time.Time.Local converts to the machine's time zone" + why,
		"analyze/analyze.go:13:84: time.Local is the machine's time zone" + why,
		"analyze/analyze.go:16:31: os.Getenv reads the environment" + why,
		"analyze/analyze.go:19:19: time.Since reads the wall clock" + why,
		"analyze/dot.go:6:40: time.Until reads the wall clock" + why,
		"example.com/bad/analyze/rules imports encoding/xml: only renderer packages (render/...) write documents",
		"example.com/bad/analyze/rules imports example.com/bad/render/junit: evaluation and stores return values; cmd picks the renderer",
		"example.com/bad/history/jsonl imports net: only notifiers, remote stores and ksnap serve talk to the network",
		"example.com/bad/lib imports github.com/spf13/cobra: flag parsing belongs to cmd/; libraries take typed options",
		"example.com/bad/render/text imports example.com/bad/capture: renderers take (io.Writer, value): no files, network or capture",
		"example.com/bad/render/text imports os: renderers take (io.Writer, value): no files, network or capture",
		"history/history.go:13:20: time.Sleep waits on the clock" + why,
		"render/junit/junit.go:18:36: time.Now reads the wall clock" + why,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"render/...", "render", true},
		{"render/...", "render/junit", true},
		{"render/...", "renderer", false},
		{"history", "history", true},
		{"history", "history/jsonl", false},
		{"net/http/...", "net/http/httptest", true},
		{"net", "net/url", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
