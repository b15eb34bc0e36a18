package slack

import (
	"context"
	"encoding/json"
	"flag"
	"strings"
	"testing"
	"time"

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

// TestSlackFake posts to a strict fake that checks the payload shape and
// answers like Slack: "ok", or 429 with Retry-After, or an error text.
func TestSlackFake(t *testing.T) {
	t.Parallel()
	path := "/services/T0/B0/s3cr3t"
	tests := []struct {
		name    string
		replies []httpfake.Reply
		wantErr string
		waits   int
	}{
		{"ok", []httpfake.Reply{{Status: 200, Body: "ok"}}, "", 0},
		{"429 then ok", []httpfake.Reply{{Status: 429, Header: map[string]string{"Retry-After": "2"}, Body: "rate_limited"}, {Status: 200, Body: "ok"}}, "", 1},
		{"200 without ok", []httpfake.Reply{{Status: 200, Body: "invalid_payload"}}, `post to 127.0.0.1: answer is not "ok" (after 1 attempts)`, 0},
		{"invalid_token is not retried", []httpfake.Reply{{Status: 403, Body: "invalid_token"}}, "post to 127.0.0.1: HTTP 403 (after 1 attempts)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httpfake.New(t)
			for _, r := range tt.replies {
				srv.Expect(httpfake.Call{Method: "POST", Path: path, Reply: r})
			}
			ep, _ := notify.NewEndpoint(srv.URL()+path, "")
			var waits []string
			s := New("slack", ep, notify.Poster{Policy: notify.Policy{Sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d.String())
				return nil
			}}})
			body, err := s.Encode(notifytest.Message("slack", 0, false))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), body)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("err = %q, want %q", got, tt.wantErr)
			}
			if len(waits) != tt.waits || (tt.waits == 1 && waits[0] != "2s") {
				t.Errorf("waits = %v", waits)
			}
			for _, r := range srv.Requests() {
				checkShape(t, []byte(r.Body))
			}
		})
	}
}

// checkShape is the fake's payload check: text, blocks of known types with
// mrkdwn text, attachments with a known colour and blocks.
func checkShape(t *testing.T, b []byte) {
	t.Helper()
	var p struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type     string            `json:"type"`
			Text     *Text             `json:"text"`
			Elements []json.RawMessage `json:"elements"`
		} `json:"blocks"`
		Attachments []struct {
			Color  string `json:"color"`
			Blocks []struct {
				Type     string            `json:"type"`
				Text     *Text             `json:"text"`
				Elements []json.RawMessage `json:"elements"`
			} `json:"blocks"`
		} `json:"attachments"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("payload: %v", err)
	}
	if p.Text == "" || len(p.Blocks) == 0 {
		t.Errorf("payload without text or blocks: %s", b)
	}
	for _, bl := range p.Blocks {
		if bl.Type != "section" && bl.Type != "context" || bl.Type == "section" && (bl.Text == nil || bl.Text.Type != "mrkdwn") {
			t.Errorf("block %+v", bl)
		}
	}
	for _, a := range p.Attachments {
		if a.Color != ColorError && a.Color != ColorWarning && a.Color != ColorResolved || len(a.Blocks) == 0 {
			t.Errorf("attachment %+v", a)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
