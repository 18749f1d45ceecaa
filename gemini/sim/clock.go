package sim

import (
	"fmt"
	"time"
)

// DefaultNonceWindow is how far a time-based nonce may stray from the
// exchange's clock, either way: Gemini's ±30 seconds.
const DefaultNonceWindow = 30 * time.Second

// clock is the exchange's time: the Now clock moved by the clock offset.
// Everything the simulator stamps or checks uses it: order and trade
// timestamps, the HTTP Date header, ticker volume timestamps, history
// filters and the time-based nonce window.
func (s *Server) clock() time.Time {
	return s.now().Add(time.Duration(s.clockOffset.Load()))
}

// Now is the exchange's current time (Options.Now moved by the clock offset).
func (s *Server) Now() time.Time { return s.clock() }

// SetClockOffset makes the exchange's clock run d ahead of (d > 0) or behind
// (d < 0) the Now clock, as an exchange whose clock disagrees with the
// client's. It acts at once, on every request that follows.
func (s *Server) SetClockOffset(d time.Duration) { s.clockOffset.Store(int64(d)) }

// ClockOffset returns the offset set by SetClockOffset or Options.ClockOffset.
func (s *Server) ClockOffset() time.Duration { return time.Duration(s.clockOffset.Load()) }

// SetNonceWindow sets how far a time-based nonce may be from the exchange's
// clock, either way; 0 means DefaultNonceWindow. Negative is an error.
func (s *Server) SetNonceWindow(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("nonce window %s is negative", d)
	}
	if d == 0 {
		d = DefaultNonceWindow
	}
	s.nonceWindow.Store(int64(d))
	return nil
}

// NonceWindow returns the time-based nonce window.
func (s *Server) NonceWindow() time.Duration { return time.Duration(s.nonceWindow.Load()) }
