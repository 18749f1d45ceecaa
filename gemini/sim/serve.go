package sim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Serve listens on addr ("" = 127.0.0.1:0, an ephemeral loopback port) and
// serves s until stop is called or ctx is done. It returns the base URL,
// e.g. "http://127.0.0.1:8399". Serve does not judge addr; callers that take
// it from users should refuse non-loopback addresses (see IsLoopback).
func Serve(ctx context.Context, s *Server, addr string) (url string, stop func() error, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	// Shutdown waits five seconds for connections that were opened but
	// never carried a request (Go's transport opens such spares), so stop
	// closes those itself: nothing had been asked on them.
	var connMu sync.Mutex
	fresh := map[net.Conn]bool{}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: func(c net.Conn, st http.ConnState) {
		connMu.Lock()
		defer connMu.Unlock()
		if st == http.StateNew {
			fresh[c] = true
		} else {
			delete(fresh, c)
		}
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			// Requests the exchange has taken are processed before it stops.
			s.StopWalk()
			s.Release()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.SetKeepAlivesEnabled(false)
			connMu.Lock()
			for c := range fresh {
				c.Close()
			}
			connMu.Unlock()
			if err := srv.Shutdown(sctx); err != nil {
				srv.Close()
				if !errors.Is(err, context.DeadlineExceeded) {
					stopErr = err
				}
			}
			<-done
		})
		return stopErr
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()
	return "http://" + ln.Addr().String(), stop, nil
}

// IsLoopback reports whether a listen address (host:port) is on the
// loopback interface. An empty host (all interfaces) is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
