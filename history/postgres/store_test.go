package postgres_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history/postgres"
)

// A server that accepts the TCP connection and never answers: the connect
// timeout is a connection error (a record is spooled, not lost), named by
// host and database only.
func TestConnectTimeoutIsConnectError(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u := "postgres://alice:s3cret@" + l.Addr().String() + "/fleet?sslmode=disable"
	_, err = postgres.Open(context.Background(), u, postgres.Options{ConnectTimeout: 200 * time.Millisecond})
	if !errors.Is(err, postgres.ErrConnect) {
		t.Fatalf("Open = %v, want ErrConnect", err)
	}
	msg := err.Error()
	t.Log(msg)
	if !strings.HasPrefix(msg, "postgres://"+l.Addr().String()+"/fleet: cannot connect: ") || strings.Contains(msg, "alice") || strings.Contains(msg, "s3cret") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q", msg)
	}
}

func TestCancelledConnectIsCancelled(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = postgres.Open(ctx, "postgres://"+l.Addr().String()+"/x?sslmode=disable", postgres.Options{})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, postgres.ErrConnect) {
		t.Fatalf("Open with a cancelled context = %v", err)
	}
}
