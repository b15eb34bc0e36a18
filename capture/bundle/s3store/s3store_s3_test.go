//go:build s3

package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle/s3store"
	"github.com/ksnap/ksnap/e2e/s3test"
)

var srv s3test.Server

func TestMain(m *testing.M) { os.Exit(s3test.Main(m, &srv)) }

func open(t *testing.T, prefix, endpoint string) *s3store.Store {
	t.Helper()
	loc, err := s3store.ParseURL("s3://" + srv.Bucket + "/" + prefix)
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3store.Open(loc, s3store.Options{Endpoint: endpoint, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fixtures(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("../../../fixtures/realdata/*.tar.zst")
	if err != nil || len(names) < 3 {
		t.Fatalf("fixtures: %v %v", names, err)
	}
	return names[:3]
}

var at = time.Date(2026, 11, 1, 23, 59, 0, 0, time.UTC)

func TestUploadListGetMirror(t *testing.T) {
	ctx := context.Background()
	s := open(t, "t1/", srv.Endpoint)
	var keys []string
	for _, p := range fixtures(t) {
		r, err := s.Upload(ctx, p, "prod-eu", at)
		if err != nil {
			t.Fatal(err)
		}
		if want := "t1/prod-eu/2026/11/01/" + filepath.Base(p); r.Key != want || r.Existed {
			t.Fatalf("Upload = %+v, want key %s, new", r, want)
		}
		// A retried upload sends nothing and succeeds.
		again, err := s.Upload(ctx, p, "prod-eu", at)
		if err != nil || !again.Existed || again.SHA256 != r.SHA256 {
			t.Fatalf("second Upload = %+v, %v", again, err)
		}
		data, err := s.Get(ctx, r.Key)
		want, _ := os.ReadFile(p)
		if err != nil || !bytes.Equal(data, want) {
			t.Fatalf("Get %s: %v (%d bytes, want %d)", r.Key, err, len(data), len(want))
		}
		keys = append(keys, r.Key)
	}
	objs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	if !reflect.DeepEqual(got, keys) {
		t.Errorf("List = %v, want %v", got, keys)
	}
	dir := t.TempDir()
	n, err := s.Mirror(ctx, dir)
	if err != nil || n != 3 {
		t.Fatalf("Mirror = %d, %v", n, err)
	}
	if n, err := s.Mirror(ctx, dir); err != nil || n != 0 {
		t.Fatalf("second Mirror = %d, %v; want nothing downloaded", n, err)
	}
	for _, p := range fixtures(t) {
		a, _ := os.ReadFile(p)
		b, _ := os.ReadFile(filepath.Join(dir, filepath.Base(p)))
		if !bytes.Equal(a, b) {
			t.Errorf("mirrored %s differs", filepath.Base(p))
		}
	}
	// Other bytes under an existing key are refused, never overwritten.
	other := filepath.Join(t.TempDir(), filepath.Base(fixtures(t)[0]))
	os.WriteFile(other, []byte("not the same bundle"), 0o644)
	if _, err := s.Upload(ctx, other, "prod-eu", at); !errors.Is(err, s3store.ErrConflict) {
		t.Errorf("conflicting Upload = %v, want ErrConflict", err)
	}
}

// TestOutageSpools: with the store unreachable the bundle goes to the
// spool, and the next run's Flush sends it: nothing is lost.
func TestOutageSpools(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := fixtures(t)[1]
	spool := s3store.Spool{Dir: filepath.Join(t.TempDir(), ".spool")}
	down := open(t, "t2/", "http://127.0.0.1:1")
	if _, err := spool.Put(ctx, down, p, "prod-us", at); !errors.Is(err, s3store.ErrSpooled) {
		t.Fatalf("Put while down = %v, want ErrSpooled", err)
	}
	if _, err := os.Stat(filepath.Join(spool.Dir, "prod-us/2026/11/01", filepath.Base(p))); err != nil {
		t.Fatalf("not spooled: %v", err)
	}
	up := open(t, "t2/", srv.Endpoint)
	sent, err := spool.Flush(ctx, up)
	if err != nil || len(sent) != 1 {
		t.Fatalf("Flush = %+v, %v", sent, err)
	}
	// The key's date comes from the bundle's file name.
	objs, err := up.List(ctx)
	if err != nil || len(objs) != 1 || objs[0].Key != sent[0].Key {
		t.Fatalf("List after flush = %+v, %v", objs, err)
	}
	left, _ := os.ReadDir(filepath.Join(spool.Dir, "prod-us/2026/11/01"))
	if len(left) != 0 {
		t.Errorf("spool not emptied: %v", left)
	}
}

// Credentials from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
// AWS_PROFILE) when the environment has no keys; wrong keys are refused
// with the server's code and no secret in the message.
func TestCredentialsFile(t *testing.T) {
	ctx := context.Background()
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	file := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(file, []byte("[default]\naws_access_key_id = nope\naws_secret_access_key = nope-nope\n\n[ksnap]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+"\n"), 0o600)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	t.Setenv("AWS_PROFILE", "ksnap")
	if _, err := open(t, "t3/", srv.Endpoint).List(ctx); err != nil {
		t.Fatalf("List with the profile's keys: %v", err)
	}
	t.Setenv("AWS_PROFILE", "default")
	_, err := open(t, "t3/", srv.Endpoint).List(ctx)
	if err == nil || strings.Contains(err.Error(), "nope-nope") {
		t.Fatalf("List with wrong keys = %v", err)
	}
	t.Log(err)
}
