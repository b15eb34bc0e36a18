// Package httpfake is a strict HTTP fake for tests, in the style of
// capture/kubectl/kubectltest: a test declares the calls it expects, in
// order, each with its answer; the server fails the test on an unexpected
// call (wrong method, path, or one too many) and, at cleanup, on any
// expected call never made. It records each request's body for whole-value
// comparison. Test code only; it listens on 127.0.0.1.
package httpfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is the answer to one expected call.
type Reply struct {
	Status int
	Body   string
	Header map[string]string
	// Hang makes the handler wait this long before answering (to test
	// timeouts); the wait ends early when the client goes away.
	Hang time.Duration
	// Close drops the connection without answering (a network error).
	Close bool
}

// Call is one expected request.
type Call struct {
	Method string
	Path   string
	Reply  Reply
}

// Request is a request the fake received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// Server is a strict fake HTTP server.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	expected []Call
	next     int
	got      []Request
}

// New starts a fake on 127.0.0.1 that verifies itself when t ends.
func New(t testing.TB) *Server {
	s := &Server{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.verify()
	})
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Expect appends expected calls, answered in order.
func (s *Server) Expect(calls ...Call) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected = append(s.expected, calls...)
	return s
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.got...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, Request{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
	if s.next >= len(s.expected) {
		s.mu.Unlock()
		s.t.Errorf("httpfake: unexpected call %s %s (all %d expected calls were made)", r.Method, r.URL.RequestURI(), s.next)
		http.Error(w, "unexpected call", http.StatusTeapot)
		return
	}
	c := s.expected[s.next]
	s.next++
	s.mu.Unlock()
	if c.Method != r.Method || c.Path != r.URL.RequestURI() {
		s.t.Errorf("httpfake: call %d: got %s %s, want %s %s", s.next, r.Method, r.URL.RequestURI(), c.Method, c.Path)
		http.Error(w, "unexpected call", http.StatusTeapot)
		return
	}
	if c.Reply.Hang > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(c.Reply.Hang):
		}
	}
	if c.Reply.Close {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	for k, v := range c.Reply.Header {
		w.Header().Set(k, v)
	}
	status := c.Reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, c.Reply.Body)
}

func (s *Server) verify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next < len(s.expected) {
		var missing []string
		for _, c := range s.expected[s.next:] {
			missing = append(missing, c.Method+" "+c.Path)
		}
		s.t.Errorf("httpfake: %d expected calls never made: %s", len(missing), strings.Join(missing, ", "))
	}
}
