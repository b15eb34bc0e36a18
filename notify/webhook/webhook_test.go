package webhook

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/alert"

	"github.com/ksnap/ksnap/internal/httpfake"
	"github.com/ksnap/ksnap/notify"
	"github.com/ksnap/ksnap/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestEncode(t *testing.T) {
	t.Parallel()
	for _, more := range []int{0, 3} {
		s := New("team", notify.Endpoint{}, notify.Poster{})
		m := notifytest.Message("team", more, s.Refresh())
		if s.Refresh() != false {
			t.Errorf("Refresh = %v", s.Refresh())
		}
		b1, err := s.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := s.Encode(m)
		if string(b1) != string(b2) {
			t.Error("two encodings differ")
		}
		name := "body.json"
		if more > 0 {
			name = "body-more.json"
		}
		notifytest.Golden(t, *update, name, b1)
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	srv := httpfake.New(t).Expect(httpfake.Call{Method: "POST", Path: "/hook?k=s3cr3t"})
	ep, _ := notify.NewEndpoint(srv.URL()+"/hook?k=s3cr3t", "")
	if err := New("w", ep, notify.Poster{}).Send(context.Background(), []byte("{}")); err != nil {
		t.Fatal(err)
	}
}

// TestDeliverBounded: a receiver that hangs cannot hold a run longer than
// the run's timeout; the transitions stay pending.
func TestDeliverBounded(t *testing.T) {
	t.Parallel()
	srv := httpfake.New(t).Expect(httpfake.Call{Method: "POST", Path: "/h", Reply: httpfake.Reply{Hang: 30 * time.Second}})
	ep, _ := notify.NewEndpoint(srv.URL()+"/h", "")
	m := notifytest.Message("w", 0, false)
	res := &alert.Result{Transitions: m.Transitions}
	led, err := alert.ReadLedger(filepath.Join(t.TempDir(), "l.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// Unbounded, the 10 s attempt timeout would end the first attempt and
	// three retries would follow ("after 4 attempts").
	_, err = alert.Deliver(context.Background(), res, led, []alert.Sink{New("w", ep, notify.Poster{})}, alert.DeliverOptions{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, alert.ErrDelivery) || !strings.Contains(err.Error(), "post to 127.0.0.1: timed out (after 1 attempts)") {
		t.Errorf("err = %v", err)
	}
	if p, _ := alert.Pending(res, led, "w", time.Time{}); len(p) != len(res.Transitions) {
		t.Errorf("pending %d, want %d", len(p), len(res.Transitions))
	}
}
