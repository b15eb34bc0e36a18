package gen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
)

// TestGenerateDeterministic: the same options give the same bytes, every
// scenario appears, and the manifest is sealed.
func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(Options{Pods: 30}), Generate(Options{Pods: 30})
	for _, name := range []string{bundle.JobsMember, bundle.PodsMember, bundle.EventsMember} {
		if !bytes.Equal(a.Member(name), b.Member(name)) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	pods := string(a.Member(bundle.PodsMember))
	if n := strings.Count(pods, `"kind": "Pod"`); n != 30 {
		t.Errorf("pods = %d, want 30", n)
	}
	if n := strings.Count(string(a.Member(bundle.JobsMember)), `"kind": "Job"`); n != 15 {
		t.Errorf("jobs = %d, want 15", n)
	}
	for _, want := range []string{"CrashLoopBackOff", "ImagePullBackOff", "OOMKilled", "Unschedulable", `"phase": "Succeeded"`, "managedFields"} {
		if !strings.Contains(pods, want) {
			t.Errorf("pods.json lacks %s", want)
		}
	}
	if len(a.Manifest.Members) != 3 || a.Size() == 0 {
		t.Errorf("manifest members = %d, size %d", len(a.Manifest.Members), a.Size())
	}
	var buf bytes.Buffer
	if _, err := bundle.Encode(&buf, a.Manifest, a.Members); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Decode("gen.tar.zst", buf.Bytes()); err != nil {
		t.Fatalf("generated bundle does not verify: %v", err)
	}
}
