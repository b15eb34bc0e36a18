package notify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/internal/httpfake"
)

const secretPath = "/hooks/T000/B000/s3cr3t-token"

func newTestPoster(waits *[]time.Duration) Poster {
	return Poster{Policy: Policy{
		Jitter: func() float64 { return 0.25 },
		Sleep: func(_ context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return nil
		},
	}}
}

func TestPostRetries(t *testing.T) {
	t.Parallel()
	post := httpfake.Call{Method: "POST", Path: secretPath}
	reply := func(status int, hdr map[string]string) httpfake.Call {
		c := post
		c.Reply = httpfake.Reply{Status: status, Header: hdr}
		return c
	}
	closed := post
	closed.Reply = httpfake.Reply{Close: true}
	tests := []struct {
		name      string
		calls     []httpfake.Call
		wantErr   string
		wantWaits []time.Duration
	}{
		{"ok at once", []httpfake.Call{reply(200, nil)}, "", nil},
		{"5xx retried with jittered backoff", []httpfake.Call{reply(500, nil), reply(502, nil), reply(503, nil), reply(202, nil)}, "",
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}},
		{"gives up after 3 retries", []httpfake.Call{reply(500, nil), reply(500, nil), reply(500, nil), reply(500, nil)},
			"post to 127.0.0.1: HTTP 500 (after 4 attempts)", []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}},
		{"4xx is not retried", []httpfake.Call{reply(400, nil)}, "post to 127.0.0.1: HTTP 400 (after 1 attempts)", nil},
		{"429 honours Retry-After", []httpfake.Call{reply(429, map[string]string{"Retry-After": "7"}), reply(200, nil)}, "", []time.Duration{7 * time.Second}},
		{"Retry-After past the window gives up", []httpfake.Call{reply(429, map[string]string{"Retry-After": "31"})},
			"post to 127.0.0.1: HTTP 429; next retry would pass the retry window (after 1 attempts)", nil},
		{"network error retried", []httpfake.Call{closed, reply(200, nil)}, "", []time.Duration{750 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httpfake.New(t).Expect(tt.calls...)
			var waits []time.Duration
			p := newTestPoster(&waits)
			ep, err := NewEndpoint(srv.URL()+secretPath, "tok3n")
			if err != nil {
				t.Fatal(err)
			}
			err = p.Post(context.Background(), ep, "application/json", []byte(`{}`))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("err = %q, want %q", got, tt.wantErr)
			}
			if strings.Contains(got, "s3cr3t") || strings.Contains(got, "tok3n") {
				t.Errorf("error leaks a secret: %q", got)
			}
			if len(waits) != len(tt.wantWaits) {
				t.Fatalf("waits = %v, want %v", waits, tt.wantWaits)
			}
			for i := range waits {
				if waits[i] != tt.wantWaits[i] {
					t.Errorf("wait %d = %v, want %v", i, waits[i], tt.wantWaits[i])
				}
			}
			for _, r := range srv.Requests() {
				if r.Header.Get("Authorization") != "Bearer tok3n" || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("headers = %v", r.Header)
				}
			}
		})
	}
}

func TestPostUnreachable(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	p := newTestPoster(&waits)
	// A port nothing listens on: connection refused on every attempt.
	ep, _ := NewEndpoint("http://127.0.0.1:1"+secretPath+"?token=s3cr3t", "")
	err := p.Post(context.Background(), ep, "application/json", nil)
	var se *SendError
	if !errors.As(err, &se) || se.Attempts != 4 || se.Status != 0 {
		t.Fatalf("err = %#v", err)
	}
	if got, want := err.Error(), "post to 127.0.0.1: connection refused or unreachable (after 4 attempts)"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestPostTimeout(t *testing.T) {
	t.Parallel()
	srv := httpfake.New(t).Expect(httpfake.Call{Method: "POST", Path: "/x", Reply: httpfake.Reply{Hang: 5 * time.Second}})
	p := Poster{Policy: Policy{Retries: -1, AttemptTimeout: 50 * time.Millisecond}}
	ep, _ := NewEndpoint(srv.URL()+"/x", "")
	err := p.Post(context.Background(), ep, "application/json", nil)
	if got, want := errString(err), "post to 127.0.0.1: timed out (after 1 attempts)"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestNewEndpoint(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://h/x", "not a url", "http:///path", "/relative"} {
		if _, err := NewEndpoint(u, ""); err == nil || strings.Contains(err.Error(), u) {
			t.Errorf("NewEndpoint(%q) = %v, want an error without the URL", u, err)
		}
	}
	ep, err := NewEndpoint("https://user:pw@am.example:9093/base/", "")
	if err != nil || ep.Host() != "am.example" || ep.WithPath("/api/v2/alerts").url != "https://user:pw@am.example:9093/base/api/v2/alerts" {
		t.Errorf("endpoint = %+v, %v", ep, err)
	}
}

func TestSecretResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "url")
	os.WriteFile(f, []byte("  https://hooks.example/s3cr3t\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	env := map[string]string{"HOOK": "https://e.example/x"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		s         Secret
		want, err string
	}{
		{Secret{File: f}, "https://hooks.example/s3cr3t", ""},
		{Secret{Env: "HOOK"}, "https://e.example/x", ""},
		{Secret{Env: "NOPE"}, "", "environment variable NOPE: is empty"},
		{Secret{File: empty}, "", empty + ": is empty"},
		{Secret{File: filepath.Join(dir, "missing")}, "", filepath.Join(dir, "missing") + ": no such file"},
		{Secret{}, "", "no file or environment variable given"},
	}
	for _, tt := range tests {
		got, err := tt.s.Resolve(getenv)
		if got != tt.want || errString(err) != tt.err {
			t.Errorf("Resolve(%+v) = %q, %q; want %q, %q", tt.s, got, errString(err), tt.want, tt.err)
		}
	}
}
