//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ksnap/ksnap/e2e/pgtest"
	"github.com/ksnap/ksnap/e2e/s3test"
	"github.com/ksnap/ksnap/history/postgres"
)

// s3Available reports whether an S3 server can be had without a cold
// SeaweedFS build: one is running (KSNAP_S3_ENDPOINT) or scripts/s3/build
// has cached the binary.
func s3Available() bool {
	if os.Getenv("KSNAP_S3_ENDPOINT") != "" {
		return true
	}
	home, _ := os.UserHomeDir()
	cache := os.Getenv("KSNAP_TOOLS_CACHE")
	if cache == "" {
		cache = filepath.Join(home, ".cache", "ksnap-tools")
	}
	m, _ := filepath.Glob(filepath.Join(cache, "seaweedfs-*", "weed"))
	return len(m) > 0
}

// TestFleetRecord: `ksnap record` against the real control plane, as two
// clusters, into one PostgreSQL history (and S3 bundle store when one is
// available): every record lands once, replaying the bundles adds nothing,
// the fleet view counts each cluster, and the bundles read back from s3://
// rebuild the same history bytes as from disk.
func TestFleetRecord(t *testing.T) {
	requireCluster(t)
	u := pgtest.DB(t)
	dir := t.TempDir()
	bundles := filepath.Join(dir, "bundles")
	extra := []string{"KSNAP_HISTORY_URL=" + u, "KSNAP_CACHE_DIR=" + filepath.Join(dir, "cache")}
	var bundleURL string
	if s3Available() {
		srv := s3test.Start(t)
		bundleURL = "s3://" + srv.Bucket + "/e2e-fleet"
		extra = append(extra, "AWS_ENDPOINT_URL_S3="+srv.Endpoint)
	} else {
		t.Log("no S3 server (run scripts/s3/build): the S3 half is not tested")
	}
	run := func(args ...string) result {
		t.Helper()
		r, err := runProg(t.Context(), 2*time.Minute, append([]string{env.ksnap}, args...), extra...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := run("history", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %s", r)
	}
	for _, cluster := range []string{"east", "west"} {
		for range 2 {
			args := []string{"record", "-n", env.namespace, "--kubeconfig", env.roKubeconfig, "--bundle-dir", bundles, "--cluster", cluster, "--timeout", "20s"}
			if bundleURL != "" {
				args = append(args, "--bundle-url", bundleURL)
			}
			if r := run(args...); r.code != exitError || len(r.stderr) != 0 {
				t.Fatalf("record as %s: want exit %d and a quiet stderr: %s", cluster, exitError, r)
			}
		}
	}
	r := run("history", "clusters", "-o", "json")
	var doc struct {
		Clusters []struct {
			Cluster string `json:"cluster"`
			Records int    `json:"records"`
			Level   string `json:"level"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(r.stdout, &doc); err != nil || r.code != 0 {
		t.Fatalf("history clusters: %v\n%s", err, r)
	}
	if len(doc.Clusters) != 2 || doc.Clusters[0].Cluster != "east" || doc.Clusters[0].Records != 2 ||
		doc.Clusters[1].Cluster != "west" || doc.Clusters[1].Records != 2 || doc.Clusters[1].Level != "ERROR" {
		t.Errorf("fleet view = %+v, want east and west with 2 ERROR records each", doc.Clusters)
	}
	// Replaying the same bundles into the database adds nothing.
	fromDisk := filepath.Join(dir, "disk.jsonl")
	if r := run("history", "rebuild", "--bundle-dir", bundles, "--history-file", fromDisk); r.code != 0 {
		t.Fatalf("rebuild: %s", r)
	}
	if r := run("history", "import", "--file", fromDisk); r.code != 0 || string(r.stdout) != postgres.Name(u)+": 4 records read, 0 added, 4 already present, 0 corrupt lines skipped\n" {
		t.Errorf("replay: %s", r)
	}
	if bundleURL == "" {
		return
	}
	fromS3 := filepath.Join(dir, "s3.jsonl")
	if r := run("history", "rebuild", "--bundle-dir", bundleURL, "--history-file", fromS3); r.code != 0 {
		t.Fatalf("rebuild from S3: %s", r)
	}
	a, _ := os.ReadFile(fromDisk)
	b, _ := os.ReadFile(fromS3)
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("history rebuilt from %s differs from the one rebuilt from disk:\n%s\n---\n%s", bundleURL, b, a)
	}
}
