//go:build browser

package html

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/dashboard"
	"github.com/ksnap/ksnap/history/jsonl"
)

// Run by scripts/test-browser: go test -tags browser ./render/html -run Browser
// [-args -screenshot FILE]. KSNAP_CHROMIUM names the browser (default
// chromium on $PATH).
var screenshot = flag.String("screenshot", "", "also keep the screenshot of the scenarios dashboard in this file")

// chromium runs headless Chromium on page with args, in its own process
// group, stopped by its PID if it outlives the timeout, with a net log, and
// returns stdout and the net log.
func chromium(t *testing.T, page string, args ...string) (out []byte, netlog []byte) {
	t.Helper()
	bin := os.Getenv("KSNAP_CHROMIUM")
	if bin == "" {
		bin = "chromium"
	}
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("%s not found: install Debian's chromium (scripts/test-browser does) or set KSNAP_CHROMIUM", bin)
	}
	dir := t.TempDir()
	logFile := filepath.Join(dir, "netlog.json")
	all := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--log-net-log=" + logFile,
		"--window-size=1100,760", "--hide-scrollbars",
		// Nothing leaves the machine, whoever asks (the page's requests
		// still show in the net log).
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
	}, args...)
	all = append(all, "file://"+page)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.Command(bin, all...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v\n%s", bin, err, stderr.Bytes())
		}
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("%s did not finish in 90s", bin)
	}
	netlog, _ = os.ReadFile(logFile)
	return stdout.Bytes(), netlog
}

// pageRequests returns the URLs of the requests the page made, from
// Chromium's net log: URL_REQUEST_START_JOB events whose initiator is an
// origin (the browser's own background requests have "not an origin"; a
// file:// page's origin is "null").
func pageRequests(t *testing.T, netlog []byte) []string {
	t.Helper()
	var l struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int `json:"type"`
			Params struct {
				URL       string `json:"url"`
				Initiator string `json:"initiator"`
			} `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(netlog, &l); err != nil {
		t.Fatalf("net log: %v", err)
	}
	start, ok := l.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("net log has no URL_REQUEST_START_JOB event type")
	}
	var urls []string
	for _, e := range l.Events {
		if e.Type == start && e.Params.URL != "" && e.Params.Initiator != "not an origin" {
			urls = append(urls, e.Params.URL)
		}
	}
	return urls
}

// assertNoNetwork fails on any request the page made.
func assertNoNetwork(t *testing.T, netlog []byte) {
	t.Helper()
	for _, u := range pageRequests(t, netlog) {
		t.Errorf("the page requested %s", u)
	}
}

// TestBrowserNetLogSeesRequests proves the check can fail: a page without
// the CSP that loads an image is caught.
func TestBrowserNetLogSeesRequests(t *testing.T) {
	page := filepath.Join(t.TempDir(), "control.html")
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/x.png">`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, netlog := chromium(t, page, "--dump-dom")
	if got := pageRequests(t, netlog); len(got) != 1 || got[0] != "http://127.0.0.1:9/x.png" {
		t.Fatalf("page requests in the net log: %q, want the control page's image", got)
	}
}

// TestBrowserDashboard renders the dashboard of the history rebuilt from
// fixtures/scenarios and of a generated one (96 captures of 8 CronJobs, the
// screenshot in docs/img/dashboard.png) in headless Chromium: no request,
// one cell per owner and capture in the DOM the browser built.
func TestBrowserDashboard(t *testing.T) {
	fixtures, err := jsonl.Open(scenarios, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		store history.Store
		shot  bool
	}{
		{"fixtures", fixtures, false},
		{"generated", generated(96, 8, 1), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dashboard.Build(context.Background(), tt.store, dashboard.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteDashboard(&buf, d, DashboardOptions{Source: filepath.Base(tt.store.String())}); err != nil {
				t.Fatal(err)
			}
			page := filepath.Join(t.TempDir(), "dashboard.html")
			if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			dom, netlog := chromium(t, page, "--dump-dom")
			assertNoNetwork(t, netlog)
			assertCells(t, dom, d)
			if tt.shot {
				assertScreenshot(t, page)
			}
		})
	}
}

// assertCells checks the DOM has one cell per owner and capture, in each
// target's section, and a row label per owner.
func assertCells(t *testing.T, dom []byte, d *dashboard.Dashboard) {
	t.Helper()
	sections := regexp.MustCompile(`(?s)<section id="(t\d+)">(.*?)</section>`).FindAllSubmatch(dom, -1)
	if len(sections) != len(d.Targets) {
		t.Fatalf("DOM has %d target sections, want %d", len(sections), len(d.Targets))
	}
	cellRE := regexp.MustCompile(`<rect [^>]*class="cell [^"]*"`)
	for i, sec := range sections {
		tg := &d.Targets[i]
		if want := fmt.Sprintf("t%d", i+1); string(sec[1]) != want {
			t.Errorf("section %d is %s, want %s", i, sec[1], want)
		}
		if tg.Bucket != 0 {
			t.Errorf("%s: aggregated; this test needs one column per capture", TargetName(tg))
		}
		got := len(cellRE.FindAll(sec[2], -1))
		if want := len(tg.Owners) * len(tg.Captures); got != want {
			t.Errorf("%s: DOM has %d cells, want %d owners x %d captures", TargetName(tg), got, len(tg.Owners), len(tg.Captures))
		}
		for _, ow := range tg.Owners {
			if !bytes.Contains(sec[2], []byte(">"+ow.Kind+"/"+ow.Name+"<")) {
				t.Errorf("%s: no row for %s/%s", TargetName(tg), ow.Kind, ow.Name)
			}
		}
	}
	if bytes.Contains(dom, []byte("<script")) {
		t.Error("DOM has a script")
	}
}

func assertScreenshot(t *testing.T, page string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	if *screenshot != "" {
		shot, _ = filepath.Abs(*screenshot)
	}
	_, netlog := chromium(t, page, "--screenshot="+shot)
	assertNoNetwork(t, netlog)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if cfg.Width != 1100 || cfg.Height != 760 {
		t.Errorf("screenshot is %dx%d, want 1100x760", cfg.Width, cfg.Height)
	}
	if fi, err := f.Stat(); err == nil && *screenshot != "" && fi.Size() > 150<<10 {
		t.Errorf("screenshot is %d bytes; keep docs/img under 150 KiB", fi.Size())
	}
}
