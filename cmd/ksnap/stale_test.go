package main

import (
	"bytes"
	"testing"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/internal/atomicfile"
)

func TestReportFailuresNamesStaleTempFilesOnce(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	e := &env{stderr: &stderr}
	reportFailures(e, &capture.Result{Stale: []atomicfile.Stale{{Path: "out/.a.tmp-9-x", Size: 100, PID: 9}, {Path: "out/.b.tmp-x", Size: 50}}})
	if got, want := stderr.String(), "ksnap: warning: out: removed 2 stale temp file(s) of interrupted writes (150 bytes)\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}
