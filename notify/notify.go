// Package notify owns what every HTTP sink shares: secrets read from a
// file or an environment variable (never argv), the POST with up to 3
// jittered retries inside a 30 s window on 5xx, 429 (honouring
// Retry-After) and network errors only, and errors that name only the
// receiver's host, never its URL path, query or token.
//
// The sinks are its subpackages (alertmanager, webhook, slack), each an
// alert.Sink. It never prints, never reads the wall clock except to wait
// (through an injectable Sleep) and never imports cobra.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Secret names where a secret value is kept: a file or an environment
// variable, exactly one.
type Secret struct {
	File string
	Env  string
}

// ErrNoSecret is returned (wrapped) when the file or variable is empty.
var ErrNoSecret = errors.New("is empty")

// Resolve reads the secret, trimming surrounding white space. Errors name
// the file or variable, never the value.
func (s Secret) Resolve(getenv func(string) string) (string, error) {
	switch {
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("%s: no such file", s.File)
			}
			return "", fmt.Errorf("%s: cannot read it", s.File)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: %w", s.File, ErrNoSecret)
		}
		return v, nil
	case s.Env != "":
		v := strings.TrimSpace(getenv(s.Env))
		if v == "" {
			return "", fmt.Errorf("environment variable %s: %w", s.Env, ErrNoSecret)
		}
		return v, nil
	}
	return "", errors.New("no file or environment variable given")
}

// Endpoint is where a sink posts. URL and Token are secret: only Host is
// ever shown.
type Endpoint struct {
	url   string
	host  string
	token string
}

// NewEndpoint checks rawURL (http or https, with a host) and returns the
// endpoint; token, when not empty, is sent as a bearer token. The error
// never contains rawURL.
func NewEndpoint(rawURL, token string) (Endpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Endpoint{}, errors.New("the URL is not an http or https URL with a host")
	}
	return Endpoint{url: rawURL, host: u.Hostname(), token: token}, nil
}

// Host returns the endpoint's host name (no port, path or credentials).
func (e Endpoint) Host() string { return e.host }

// WithPath returns the endpoint with p appended to its URL path (for
// Alertmanager's /api/v2/alerts under a base URL).
func (e Endpoint) WithPath(p string) Endpoint {
	u, err := url.Parse(e.url)
	if err != nil {
		return e
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + p
	e.url = u.String()
	return e
}

// Policy is the retry policy of a Poster.
type Policy struct {
	// Retries is the number of retries after the first attempt (default 3).
	Retries int
	// Window bounds the time spent retrying one message (default 30 s): a
	// wait that would end after it is not started.
	Window time.Duration
	// Base is the first backoff (default 1 s), doubled per retry and
	// multiplied by 0.5 + Jitter().
	Base time.Duration
	// Jitter returns a number in [0, 1); inject a fixed source in tests.
	Jitter func() float64
	// Sleep waits d or until ctx ends; default a timer. Tests inject one
	// that records the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// AttemptTimeout bounds one request (default 10 s).
	AttemptTimeout time.Duration
}

func (p *Policy) defaults() Policy {
	q := *p
	if q.Retries == 0 {
		q.Retries = 3
	}
	if q.Retries < 0 {
		q.Retries = 0
	}
	if q.Window == 0 {
		q.Window = 30 * time.Second
	}
	if q.Base == 0 {
		q.Base = time.Second
	}
	if q.Jitter == nil {
		q.Jitter = func() float64 { return 0.5 }
	}
	if q.Sleep == nil {
		q.Sleep = sleep
	}
	if q.AttemptTimeout == 0 {
		q.AttemptTimeout = 10 * time.Second
	}
	return q
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Poster posts bodies to an endpoint under a retry policy.
type Poster struct {
	Client *http.Client
	Policy Policy
	// Accept judges a 2xx answer (Slack answers "ok"); nil accepts any 2xx.
	Accept func(status int, body []byte) error
}

// SendError is a failed delivery after all attempts. Its message names the
// host, the attempts and the last status or network error class, never the
// URL.
type SendError struct {
	Host     string
	Attempts int
	// Status is the last HTTP status, 0 for a network error.
	Status int
	// Reason is the last failure in words that hold no secret.
	Reason    string
	Retryable bool
}

func (e *SendError) Error() string {
	return fmt.Sprintf("post to %s: %s (after %d attempts)", e.Host, e.Reason, e.Attempts)
}

// Post sends body as contentType with POST, retrying per the policy.
func (p *Poster) Post(ctx context.Context, ep Endpoint, contentType string, body []byte) error {
	pol := p.Policy.defaults()
	client := p.Client
	if client == nil {
		client = &http.Client{}
	}
	var waited time.Duration // time spent waiting so far
	for attempt := 1; ; attempt++ {
		status, reason, retryable, after := p.once(ctx, client, pol, ep, contentType, body)
		if reason == "" {
			return nil
		}
		e := &SendError{Host: ep.host, Attempts: attempt, Status: status, Reason: reason, Retryable: retryable}
		if !retryable || attempt > pol.Retries || ctx.Err() != nil {
			return e
		}
		wait := time.Duration(float64(pol.Base<<(attempt-1)) * (0.5 + pol.Jitter()))
		if after > 0 {
			wait = after
		}
		if waited+wait > pol.Window {
			e.Reason += "; next retry would pass the retry window"
			return e
		}
		waited += wait
		if err := pol.Sleep(ctx, wait); err != nil {
			return e
		}
	}
}

// once makes one attempt: reason is "" on success.
func (p *Poster) once(ctx context.Context, client *http.Client, pol Policy, ep Endpoint, contentType string, body []byte) (status int, reason string, retryable bool, retryAfter time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, pol.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return 0, "cannot build the request", false, 0
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "ksnap-alert")
	if ep.token != "" {
		req.Header.Set("Authorization", "Bearer "+ep.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, netReason(err), true, 0
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return resp.StatusCode, "HTTP 429", true, parseRetryAfter(resp.Header.Get("Retry-After"))
	case resp.StatusCode >= 500:
		return resp.StatusCode, "HTTP " + strconv.Itoa(resp.StatusCode), true, 0
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return resp.StatusCode, "HTTP " + strconv.Itoa(resp.StatusCode), false, 0
	}
	if p.Accept != nil {
		if err := p.Accept(resp.StatusCode, rb); err != nil {
			return resp.StatusCode, err.Error(), false, 0
		}
	}
	return resp.StatusCode, "", false, 0
}

// netReason describes a transport error without its URL (a *url.Error
// quotes the whole URL, secret path and query included).
func netReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve the host"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		if op.Op == "dial" {
			return "connection refused or unreachable"
		}
		return "network error (" + op.Op + ")"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "connection closed by the receiver"
	}
	return "network error"
}

// parseRetryAfter reads delay-seconds (an HTTP date is not honoured: it
// would need the wall clock; the backoff applies instead).
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// Base is what every sink embeds: its name, endpoint and poster. It
// implements the Name, Host and Send parts of alert.Sink.
type Base struct {
	SinkName string
	Endpoint Endpoint
	Poster   Poster
}

// Name returns the sink's name.
func (b *Base) Name() string { return b.SinkName }

// Host returns the receiver's host.
func (b *Base) Host() string { return b.Endpoint.Host() }

// Send posts a JSON body with the poster's retries.
func (b *Base) Send(ctx context.Context, body []byte) error {
	return b.Poster.Post(ctx, b.Endpoint, "application/json", body)
}
