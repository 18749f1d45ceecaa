package exchange

import (
	"errors"
	"net"
	"net/url"
	"os"

	"orderform/plan"
)

// ReadError is a failure to read the exchange, before anything was
// changed, with where it was read from; internal/command/views explains it.
type ReadError struct {
	Err     error
	Target  plan.Target
	BaseURL string // where the requests went
}

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// ReadError is err, met reading c, as a value.
func (c *Conn) ReadError(err error) *ReadError {
	return &ReadError{Err: err, Target: c.Target, BaseURL: c.BaseURL}
}

// RootCause strips Go's wrapping of a network error down to what happened:
// "connection refused", "no such host", "i/o timeout".
func RootCause(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
