package s3store

import (
	"errors"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Location
		wantErr bool
	}{
		{in: "s3://ksnap", want: Location{Bucket: "ksnap"}},
		{in: "s3://ksnap/", want: Location{Bucket: "ksnap"}},
		{in: "s3://ksnap/fleet/bundles/", want: Location{Bucket: "ksnap", Prefix: "fleet/bundles/"}},
		{in: "s3://ksnap//fleet", want: Location{Bucket: "ksnap", Prefix: "fleet/"}},
		{in: "s3://", wantErr: true},
		{in: "s3://key:secret@bucket/x", wantErr: true},
		{in: "s3://b/../x", wantErr: true},
		{in: "/var/lib/ksnap", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadURL) {
			t.Errorf("ParseURL(%q) error %v is not ErrBadURL", tt.in, err)
		}
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	s, err := Open(Location{Bucket: "b", Prefix: "fleet/"}, Options{Endpoint: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 23, 30, 0, 0, time.FixedZone("x", -3600)) // 2026-01-03 UTC
	tests := []struct{ cluster, file, want string }{
		{"prod-eu", "/var/b/20260103T003000Z-batch-1a2b3c4d.tar.zst", "fleet/prod-eu/2026/01/03/20260103T003000Z-batch-1a2b3c4d.tar.zst"},
		{"", "x.tar.zst", "fleet/_/2026/01/03/x.tar.zst"},
	}
	for _, tt := range tests {
		if got := s.Key(tt.cluster, at, tt.file); got != tt.want {
			t.Errorf("Key(%q, %q) = %q, want %q", tt.cluster, tt.file, got, tt.want)
		}
	}
	if got := s.String(); got != "s3://b/fleet/ (at 127.0.0.1:9)" {
		t.Errorf("String = %q", got)
	}
}
