package parse

import (
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/cputime"
	"github.com/ksnap/ksnap/internal/gen"
)

// BenchmarkPods measures pods.json parsing of a generated 10,000-pod bundle
// (issue 6 targets at least 550 MB/s on one core).
func BenchmarkPods(b *testing.B) {
	data := gen.Generate(gen.Options{Pods: 10000}).Member(bundle.PodsMember)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer cputime.Report(b, cputime.Now(), int64(len(data)))
	for b.Loop() {
		pods, errs, err := Pods(bundle.PodsMember, data)
		if err != nil || len(errs) > 0 || len(pods) != 10000 {
			b.Fatalf("pods=%d errs=%v err=%v", len(pods), errs, err)
		}
	}
}

// BenchmarkEvents measures events.json parsing of the same bundle.
func BenchmarkEvents(b *testing.B) {
	data := gen.Generate(gen.Options{Pods: 10000}).Member(bundle.EventsMember)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer cputime.Report(b, cputime.Now(), int64(len(data)))
	for b.Loop() {
		if _, errs, err := Events(bundle.EventsMember, data); err != nil || len(errs) > 0 {
			b.Fatalf("errs=%v err=%v", errs, err)
		}
	}
}

// BenchmarkJobs measures jobs.json parsing of the same bundle.
func BenchmarkJobs(b *testing.B) {
	data := gen.Generate(gen.Options{Pods: 10000}).Member(bundle.JobsMember)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer cputime.Report(b, cputime.Now(), int64(len(data)))
	for b.Loop() {
		if _, errs, err := Jobs(bundle.JobsMember, data); err != nil || len(errs) > 0 {
			b.Fatalf("errs=%v err=%v", errs, err)
		}
	}
}
