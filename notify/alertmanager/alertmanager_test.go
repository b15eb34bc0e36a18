package alertmanager

import (
	"context"
	"flag"
	"testing"

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
		if s.Refresh() != true {
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

func TestSendPath(t *testing.T) {
	t.Parallel()
	srv := httpfake.New(t).Expect(httpfake.Call{Method: "POST", Path: "/am/api/v2/alerts"})
	ep, err := notify.NewEndpoint(srv.URL()+"/am", "")
	if err != nil {
		t.Fatal(err)
	}
	s := New("am", ep, notify.Poster{})
	if err := s.Send(context.Background(), []byte("[]\n")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[0].Body; got != "[]\n" {
		t.Errorf("body = %q", got)
	}
}
