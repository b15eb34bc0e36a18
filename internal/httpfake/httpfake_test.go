package httpfake

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recTB records the errors and cleanups of a Server under test.
type recTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recTB) Errorf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recTB) Helper()          {}
func (r *recTB) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.errs
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		calls []Call
		do    []string // paths posted
		want  []string // errors reported
	}{
		{"all made", []Call{{Method: "POST", Path: "/a", Reply: Reply{Status: 202}}}, []string{"/a"}, nil},
		{"missing call", []Call{{Method: "POST", Path: "/a"}, {Method: "POST", Path: "/b"}}, []string{"/a"},
			[]string{"httpfake: 1 expected calls never made: POST /b"}},
		{"unexpected call", nil, []string{"/x"}, []string{"httpfake: unexpected call POST /x (all 0 expected calls were made)"}},
		{"wrong path", []Call{{Method: "POST", Path: "/a"}}, []string{"/b"}, []string{"httpfake: call 1: got POST /b, want POST /a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := &recTB{TB: t}
			s := New(tb).Expect(tt.calls...)
			for _, p := range tt.do {
				post(t, s.URL()+p)
			}
			if got := len(s.Requests()); got != len(tt.do) {
				t.Errorf("recorded %d requests, want %d", got, len(tt.do))
			}
			got := tb.finish()
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
