package command

import (
	"time"

	"orderform/internal/command/views"
	"orderform/internal/exchange"
)

// requireTrader checks the key before a saved plan is applied: it refuses
// a key that cannot trade, before anything is sent, and warns about one
// that can withdraw.
func requireTrader(e *cliEnv, conn *exchange.Conn, color bool) error {
	r, err := exchange.KeyRoles(e.ctx, conn, time.Now())
	if err == nil {
		err = exchange.CheckKey(r, true)
	}
	if err != nil {
		return &readFailure{conn.ReadError(err), "DIR"}
	}
	views.Diagnostics(e.stderr, nil, exchange.KeyWarnings(r), color)
	return nil
}
