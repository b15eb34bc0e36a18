package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ShutdownTimeout bounds how long Listen waits for requests in flight
// after ctx is cancelled.
const ShutdownTimeout = 5 * time.Second

// Listen serves h on 127.0.0.1:port (port 0: a free port chosen by the
// system) until ctx is cancelled, then shuts the server down cleanly
// (http.Server.Shutdown) and returns nil. ready is called once with the
// server's URL ("http://127.0.0.1:PORT") when it accepts connections; an
// error from ready stops the server and is returned.
func Listen(ctx context.Context, h http.Handler, port int, ready func(url string) error) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("port %d: must be 0 (any free port) to 65535", port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	var readyErr error
	if readyErr = ready(url); readyErr == nil {
		select {
		case <-ctx.Done():
		case err := <-done:
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if readyErr != nil {
		return readyErr
	}
	return err
}
