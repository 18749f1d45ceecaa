package simcli

import (
	"fmt"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange"
	"orderform/internal/exchange/cache"
)

// simPlace places a limit order through the simulator's signed API, the way
// a trader would on Gemini's web site: with no client order id (or the one
// given), so that orderform sees an order it does not manage.
func simPlace(e *simEnv, url, statePath, dir, clientOrderID string, pos []string) error {
	if len(pos) != 4 {
		return fmt.Errorf("want SYMBOL SIDE AMOUNT PRICE")
	}
	amount, err := decimal.NewFromString(pos[2])
	if err != nil {
		return fmt.Errorf("amount %q is not a decimal number", pos[2])
	}
	price, err := decimal.NewFromString(pos[3])
	if err != nil {
		return fmt.Errorf("price %q is not a decimal number", pos[3])
	}
	key, secret := sim.LocalKey, sim.LocalSecret
	noncePath := ""
	switch {
	case url != "" && (statePath != "" || dir != ""):
		return fmt.Errorf("give one of -url, -state and -dir")
	case url != "":
		if k, s := e.getenv("GEMINI_API_KEY"), e.getenv("GEMINI_API_SECRET"); k != "" && s != "" {
			key, secret = k, s
		}
		noncePath = exchange.NonceFile(cache.Root(e.getenv("ORDERFORM_CACHE_DIR")), "", key)
	default:
		path, err := simStatePath(statePath, dir)
		if err != nil {
			return err
		}
		if path == "" {
			path = exchange.LocalStatePath(".")
		}
		s, err := sim.New(sim.Options{StatePath: path})
		if err != nil {
			return err
		}
		u, stop, err := sim.Serve(e.ctx, s, "")
		if err != nil {
			return err
		}
		defer stop()
		url = u
		noncePath = exchange.NonceFile(cache.Root(e.getenv("ORDERFORM_CACHE_DIR")), path, key) // the book's sequence, shared with plan and apply
	}
	c, err := gemini.New(gemini.Config{BaseURL: url, APIKey: key, APISecret: secret, PrivateRate: -1, PublicRate: -1, NonceFile: noncePath})
	if err != nil {
		return err
	}
	o, err := c.NewOrder(e.ctx, gemini.NewOrder{
		ClientOrderID: clientOrderID, Symbol: pos[0], Side: pos[1], Type: gemini.TypeLimit, Amount: amount, Price: price,
	})
	if err != nil {
		return err
	}
	state := "live"
	switch {
	case o.IsCancelled:
		state = "cancelled at once (" + o.Reason + ")"
	case !o.IsLive:
		state = "filled"
	}
	fmt.Fprintf(e.stdout, "order %s%s: %s %s %s at %s, %s\n", o.OrderID, cidNote(sim.OrderView{ClientOrderID: o.ClientOrderID}), o.Side, o.OriginalAmount, o.Symbol, o.Price, state)
	return nil
}
