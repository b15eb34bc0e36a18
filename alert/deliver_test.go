package alert

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

// recSink records what it is sent; fail makes the next sends fail.
type recSink struct {
	name    string
	refresh bool
	mu      sync.Mutex
	fail    int
	sent    []string // one line per message: the transition ids, then "+N firing"
}

func (s *recSink) Name() string  { return s.name }
func (s *recSink) Type() string  { return "test" }
func (s *recSink) Host() string  { return "receiver.example" }
func (s *recSink) Refresh() bool { return s.refresh }
func (s *recSink) Encode(m *Message) ([]byte, error) {
	var b strings.Builder
	for _, t := range m.Transitions {
		b.WriteString(string(t.Kind) + " " + t.Alert.Key.String() + ";")
	}
	if len(m.Firing) > 0 {
		b.WriteString("+firing")
		for _, a := range m.Firing {
			b.WriteString(" " + a.Key.String())
		}
	}
	if m.More > 0 {
		b.WriteString(" +more")
	}
	return []byte(b.String()), nil
}
func (s *recSink) Send(_ context.Context, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("post to receiver.example: HTTP 500 (after 4 attempts)")
	}
	s.sent = append(s.sent, string(body))
	return nil
}

var fixedNow = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

// runOnce is one cron run: lock, read ledger, evaluate, deliver.
func runOnce(t *testing.T, ledgerPath string, recs []history.Record, sinks []Sink, o DeliverOptions) ([]SinkReport, error) {
	t.Helper()
	unlock, err := LockRun(context.Background(), ledgerPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	led, err := ReadLedger(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(t, Options{}, recs...)
	o.Now = fixedNow
	return Deliver(context.Background(), res, led, sinks, o)
}

func TestDeliverOncePerTransitionAndSink(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	hook := &recSink{name: "hook"}
	am := &recSink{name: "am", refresh: true}
	sinks := []Sink{hook, am}
	recs := []history.Record{rec(0, "a=OK")}
	step := func(r history.Record) {
		recs = append(recs, r)
		if _, err := runOnce(t, lp, recs, sinks, DeliverOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	step(rec(1, "a=ERROR"))
	step(rec(2, "a=ERROR"))
	step(rec(3, "a=OK"))
	step(rec(4, "a=OK"))
	if got, want := strings.Join(hook.sent, "\n"), "firing ns/a;\nresolved ns/a;"; got != want {
		t.Errorf("webhook got:\n%s\nwant:\n%s", got, want)
	}
	// Alertmanager: the firing alert is re-posted every run while it fires.
	if got, want := strings.Join(am.sent, "\n"), "firing ns/a;+firing ns/a\n+firing ns/a\nresolved ns/a;"; got != want {
		t.Errorf("alertmanager got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDeliverFailureStaysPending(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	hook := &recSink{name: "hook", fail: 2}
	recs := []history.Record{rec(0, "a=ERROR")}
	for i := range 2 {
		_, err := runOnce(t, lp, recs, []Sink{hook}, DeliverOptions{})
		if !errors.Is(err, ErrDelivery) {
			t.Fatalf("run %d: err = %v, want ErrDelivery", i, err)
		}
	}
	recs = append(recs, rec(1, "a=OK"))
	if _, err := runOnce(t, lp, recs, []Sink{hook}, DeliverOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := runOnce(t, lp, recs, []Sink{hook}, DeliverOptions{}); err != nil {
		t.Fatal(err)
	}
	// Firing and resolution pending together go in successive runs.
	if got, want := strings.Join(hook.sent, "\n"), "firing ns/a; +more\nresolved ns/a;"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	led, err := ReadLedger(lp)
	if err != nil {
		t.Fatal(err)
	}
	id := evaluate(t, Options{}, recs...).Transitions[0].ID()
	if led.Failures("hook", id) != 2 || !led.Done("hook", id) {
		t.Errorf("ledger: failures %d done %v, want 2 true", led.Failures("hook", id), led.Done("hook", id))
	}
}

func TestDeliverCapAndSince(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	hook := &recSink{name: "hook"}
	recs := []history.Record{rec(0, "a=ERROR", "b=ERROR", "c=ERROR"), rec(1, "a=ERROR", "b=ERROR", "c=ERROR", "d=ERROR", "e=ERROR")}
	o := DeliverOptions{MaxAlerts: 2, Since: at(1)}
	for range 3 {
		if _, err := runOnce(t, lp, recs, []Sink{hook}, o); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(hook.sent, "\n"), "firing ns/d;firing ns/e;"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	o.Since = time.Time{}
	if _, err := runOnce(t, lp, recs, []Sink{hook}, o); err != nil {
		t.Fatal(err)
	}
	if len(hook.sent) != 1 {
		t.Errorf("transitions skipped by since were sent later: %q", hook.sent)
	}

	lp2 := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	hook2 := &recSink{name: "hook"}
	for range 3 {
		if _, err := runOnce(t, lp2, recs, []Sink{hook2}, DeliverOptions{MaxAlerts: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(hook2.sent, "\n"), "firing ns/a;firing ns/b; +more\nfiring ns/c;firing ns/d; +more\nfiring ns/e;"; got != want {
		t.Errorf("capped got:\n%s\nwant:\n%s", got, want)
	}
}

func TestOverlappingRunsSendOnce(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	hook := &recSink{name: "hook"}
	recs := []history.Record{rec(0, "a=ERROR", "b=ERROR"), rec(1, "a=OK")}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := runOnce(t, lp, recs, []Sink{hook}, DeliverOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := strings.Join(hook.sent, "\n"), "firing ns/a;firing ns/b; +more\nresolved ns/a;resolved ns/b;"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLedgerTornLine(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	good := `{"v":1,"sink":"s","event":"e1","status":"delivered","at":"x"}` + "\n"
	if err := os.WriteFile(lp, []byte(good+`{"v":1,"sink":"s","ev`), 0o600); err != nil {
		t.Fatal(err)
	}
	led, err := ReadLedger(lp)
	if err != nil {
		t.Fatal(err)
	}
	if err := led.Append(Entry{Sink: "s", Event: "e2", Status: StatusDelivered, At: "y"}); err != nil {
		t.Fatal(err)
	}
	led, err = ReadLedger(lp)
	if err != nil {
		t.Fatal(err)
	}
	if !led.Done("s", "e1") || !led.Done("s", "e2") || len(led.Corrupt) != 1 || led.Corrupt[0].Line != 2 {
		t.Errorf("done e1 %v e2 %v corrupt %+v", led.Done("s", "e1"), led.Done("s", "e2"), led.Corrupt)
	}
	b, _ := os.ReadFile(lp)
	if !bytes.HasSuffix(b, []byte("\n"+`{"v":1,"sink":"s","event":"e2","status":"delivered","at":"y"}`+"\n")) {
		t.Errorf("ledger file:\n%s", b)
	}
}

func TestParseEntry(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want string }{
		{`{"v":1,"sink":"s","event":"e","status":"failed","at":"x","error":"post to h: HTTP 500"}`, ""},
		{`{"v":2,"sink":"s","event":"e","status":"failed","at":"x"}`, "ledger version 2: this ksnap reads 1 to 1"},
		{`{"v":1,"sink":"s","event":"e","status":"sent","at":"x"}`, `unknown status "sent"`},
		{`{"v":1,"event":"e","status":"failed"}`, "missing sink or event"},
		{`{"v":1,"sink":"s","event":"e","status":"failed","url":"x"}`, `not a ledger entry: json: unknown field "url"`},
		{`{} {}`, "not a ledger entry: text after the object"},
	}
	for _, tt := range tests {
		_, err := ParseEntry([]byte(tt.line))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("ParseEntry(%s) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(`{"v":1,"sink":"s","event":"e","status":"delivered","at":"x"}`))
	f.Add([]byte(`{"v":1`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntry(b)
		if err == nil && (e.Sink == "" || e.Event == "") {
			t.Errorf("accepted %q without sink or event", b)
		}
	})
}

func TestLockRunTimeout(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	unlock, err := LockRun(context.Background(), lp, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockRun(context.Background(), lp, 50*time.Millisecond)
	if !errors.Is(err, ErrLockTimeout) || err.Error() != lp+": another alert run holds the ledger lock (waited 50ms)" {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LockRun(ctx, lp, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
	unlock()
	u2, err := LockRun(context.Background(), lp, time.Second)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	u2()
}

type cappedSink struct{ recSink }

func (c *cappedSink) MaxAlerts() int { return 1 }

func TestDeliverSinkCap(t *testing.T) {
	t.Parallel()
	lp := filepath.Join(t.TempDir(), "h.alerts.jsonl")
	s := &cappedSink{recSink{name: "chat"}}
	recs := []history.Record{rec(0, "a=ERROR", "b=ERROR")}
	for range 2 {
		if _, err := runOnce(t, lp, recs, []Sink{s}, DeliverOptions{MaxAlerts: 5}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(s.sent, "\n"), "firing ns/a; +more\nfiring ns/b;"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTakeOnePerAlert(t *testing.T) {
	t.Parallel()
	res := evaluate(t, Options{}, rec(0, "a=ERROR"), rec(1, "a=OK", "b=ERROR"), rec(2, "a=ERROR", "b=ERROR"), rec(3, "a=OK", "b=OK"))
	got := brief(take(res.Transitions, 10))
	want := "firing KsnapJobUnhealthy ns/a at=0 start=0 sev=error (ERROR)\n" +
		"firing KsnapJobUnhealthy ns/b at=1 start=1 sev=error (ERROR)\n"
	if got != want {
		t.Errorf("take:\n%s\nwant:\n%s", got, want)
	}
	if got := len(take(res.Transitions, 1)); got != 1 {
		t.Errorf("limit 1: %d", got)
	}
}
