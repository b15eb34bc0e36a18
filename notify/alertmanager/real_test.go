//go:build alertmanager

// The real-receiver test: a real Alertmanager (Debian's
// prometheus-alertmanager, or $KSNAP_ALERTMANAGER) started on 127.0.0.1 on
// free ports with a webhook receiver pointing at a local HTTP server, and
// stopped by PID. scripts/test-alertmanager installs the package and runs
// it: go test -tags alertmanager ./notify/...

package alertmanager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/notify"
	"github.com/ksnap/ksnap/notify/alertmanager"
	"github.com/ksnap/ksnap/notify/webhook"
)

// receiver is the webhook receiver Alertmanager notifies, and the target
// of ksnap's own webhook sink; fail makes it answer 500.
type receiver struct {
	mu    sync.Mutex
	fail  bool
	hits  map[string]int // path -> requests, failed ones included
	notes []webhook.Body // accepted bodies on /am
	ours  []webhook.Body // accepted bodies on /ksnap
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits[req.URL.Path]++
	if r.fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	var body webhook.Body
	if err := json.Unmarshal(b, &body); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if req.URL.Path == "/am" {
		r.notes = append(r.notes, body)
	} else {
		r.ours = append(r.ours, body)
	}
}

// statuses lists, per accepted Alertmanager notification, "status owner".
func (r *receiver) statuses() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notes {
		for _, a := range n.Alerts {
			out = append(out, a.Status+" "+a.Labels["owner"])
		}
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type amProc struct {
	t    *testing.T
	bin  string
	args []string
	url  string
	cmd  *exec.Cmd
}

func (p *amProc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		p.cmd.Stderr = os.Stderr
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	p.t.Fatal("alertmanager did not become ready in 20s")
}

// stop ends the process we started, by its PID.
func (p *amProc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

func startAlertmanager(t *testing.T, hookURL string) *amProc {
	bin := os.Getenv("KSNAP_ALERTMANAGER")
	if bin == "" {
		bin = "/usr/bin/prometheus-alertmanager"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no Alertmanager at %s (apt-get install prometheus-alertmanager, or set KSNAP_ALERTMANAGER)", bin)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: hook
  group_by: [alertname, namespace, owner]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: %s
        send_resolved: true
`, hookURL)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	p := &amProc{t: t, bin: bin, url: fmt.Sprintf("http://127.0.0.1:%d", port), args: []string{
		"--cluster.listen-address=",
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--storage.path=" + filepath.Join(dir, "data"),
		"--config.file=" + cfgPath,
	}}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func rec(n int, health string) history.Record {
	phase := map[string]string{"OK": "SUCCEEDED", "ERROR": "FAILED"}[health]
	j := history.Job{Name: "etl-" + fmt.Sprint(29000000+n), Owner: "etl", Phase: phase, Health: health}
	if health == "ERROR" {
		j.Rules = []string{"J1"}
	}
	// Capture times near the wall clock: Alertmanager is a real-time
	// system, and an alert whose endsAt is past is resolved on arrival.
	at := time.Now().UTC().Add(time.Duration(n-10) * time.Minute).Truncate(time.Second)
	return history.NewRecord(history.Input{CapturedAt: at, Namespace: "batch", OverallHealth: health,
		Bundle: fmt.Sprintf("b%d.tar.zst", n), BundleSHA256: strings.Repeat("a", 64), Ruleset: "v1", Jobs: []history.Job{j}})
}

// waitFor polls until cond holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestRealAlertmanager(t *testing.T) {
	recv := &receiver{hits: map[string]int{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	am := startAlertmanager(t, srv.URL+"/am")

	store := memstore.New("test", nil)
	ledger := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	amEP, _ := notify.NewEndpoint(am.url, "")
	hookEP, _ := notify.NewEndpoint(srv.URL+"/ksnap", "")
	var waits []time.Duration
	var wmu sync.Mutex
	poster := notify.Poster{Policy: notify.Policy{
		Base:   20 * time.Millisecond,
		Jitter: func() float64 { return 0 },
		Sleep: func(ctx context.Context, d time.Duration) error {
			wmu.Lock()
			waits = append(waits, d)
			wmu.Unlock()
			time.Sleep(d)
			return nil
		},
	}}
	sinks := []alert.Sink{alertmanager.New("am", amEP, poster), webhook.New("hook", hookEP, poster)}
	runAlert := func() ([]alert.SinkReport, error) {
		unlock, err := alert.LockRun(context.Background(), ledger, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		led, err := alert.ReadLedger(ledger)
		if err != nil {
			t.Fatal(err)
		}
		res, _, err := alert.Evaluate(context.Background(), store, history.Filter{}, alert.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return alert.Deliver(context.Background(), res, led, sinks, alert.DeliverOptions{Env: alert.Env{Interval: 5 * time.Minute}, Timeout: 60 * time.Second})
	}
	appendRun := func(r history.Record) error {
		if _, err := store.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		_, err := runAlert()
		return err
	}

	if err := appendRun(rec(0, "OK")); err != nil {
		t.Fatal(err)
	}
	if err := appendRun(rec(1, "ERROR")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the firing notification", func() bool { return len(recv.statuses()) >= 1 })

	// Re-posts (two more runs, nothing new) are deduplicated by Alertmanager.
	for range 2 {
		if _, err := runAlert(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // > group_interval: a duplicate would have arrived
	if got := strings.Join(recv.statuses(), ","); got != "firing etl" {
		t.Fatalf("after re-posts Alertmanager sent %q, want one firing", got)
	}

	// The receiver fails: ksnap's webhook sink retries 3 times, then the
	// transition stays pending; the next run delivers it once.
	recv.mu.Lock()
	recv.fail = true
	before := recv.hits["/ksnap"]
	recv.mu.Unlock()
	if _, err := store.Append(context.Background(), rec(2, "OK")); err != nil {
		t.Fatal(err)
	}
	// Alertmanager is down too for this run: nothing may be lost.
	am.stop()
	_, err := runAlert()
	if err == nil {
		t.Fatal("run with both receivers down: no error")
	}
	recv.mu.Lock()
	if got := recv.hits["/ksnap"] - before; got != 4 {
		t.Errorf("webhook attempts while failing = %d, want 4 (1 + 3 retries)", got)
	}
	recv.fail = false
	recv.mu.Unlock()
	am.start()
	if _, err := runAlert(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the resolved notification", func() bool { return len(recv.statuses()) >= 2 })
	for range 2 {
		if _, err := runAlert(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	if got := strings.Join(recv.statuses(), ","); got != "firing etl,resolved etl" {
		t.Errorf("Alertmanager notifications = %q, want one firing and one resolved", got)
	}
	// Our webhook fingerprints are Alertmanager's.
	recv.mu.Lock()
	for _, n := range recv.notes {
		for _, a := range n.Alerts {
			var ls []alert.Label
			for k, v := range a.Labels {
				ls = append(ls, alert.Label{Name: k, Value: v})
			}
			if got := notify.Fingerprint(ls); got != a.Fingerprint {
				t.Errorf("fingerprint %s, Alertmanager says %s", got, a.Fingerprint)
			}
		}
	}
	var ours []string
	for _, b := range recv.ours {
		for _, a := range b.Alerts {
			ours = append(ours, a.Status+" "+a.Labels["owner"])
		}
	}
	recv.mu.Unlock()
	if got := strings.Join(ours, ","); got != "firing etl,resolved etl" {
		t.Errorf("webhook sink deliveries = %q, want one firing and one resolved", got)
	}
}
