package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture"
)

func TestLoggerOnlyWithKsnapLogDebug(t *testing.T) {
	for _, tt := range []struct {
		level string
		want  string
	}{{"", ""}, {"info", ""}, {"warn", ""}, {"debug", "level=DEBUG msg=x k=v\nlevel=WARN msg=y\n"}} {
		var errb bytes.Buffer
		e := &env{stderr: &errb, getenv: func(string) string { return tt.level }}
		log := e.logger()
		log.Debug("x", "k", "v")
		log.Warn("y")
		if errb.String() != tt.want {
			t.Errorf("KSNAP_LOG=%q: stderr %q, want %q", tt.level, errb.String(), tt.want)
		}
	}
}

func TestDiagnosticLines(t *testing.T) {
	var errb bytes.Buffer
	e := &env{stderr: &errb}
	e.warnf("%s: two\nlines", "f.jsonl")
	e.problem(errors.New("b.tar.zst: member jobs.json: bad"))
	want := "ksnap: warning: f.jsonl: two lines\nksnap: b.tar.zst: member jobs.json: bad\n"
	if errb.String() != want {
		t.Fatalf("stderr %q, want %q", errb.String(), want)
	}
}

func TestLibraryErrorsGetTheirFlag(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&rules.OptionError{Option: "MaxRuntime", Value: "0s", Problem: "must be positive"}, "--max-runtime 0s: must be positive"},
		{&rules.OptionError{Option: "Other", Value: "1", Problem: "bad"}, "Other 1: bad"},
		{errors.New("plain"), "plain"},
	}
	for _, tt := range tests {
		if got := flagError(tt.err).Error(); got != tt.want {
			t.Errorf("flagError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	ie := &capture.ImportError{Input: "jobs", Path: "in.json", Err: errors.New("holds kind PodList")}
	if got, want := importFlagError(ie).Error(), "in.json: holds kind PodList (--jobs)"; got != want {
		t.Errorf("importFlagError = %q, want %q", got, want)
	}
}
