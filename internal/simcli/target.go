package simcli

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
	"orderform/internal/exchange"
)

func simStatePath(state, dir string) (string, error) {
	switch {
	case state != "" && dir != "":
		return "", errors.New("give -state or -dir, not both")
	case dir != "":
		return exchange.LocalStatePath(dir), nil
	}
	return state, nil
}

// simTarget is where admin subcommands act: a running server or a state file.
type simTarget interface {
	setMarket(ctx context.Context, symbol string, bid, ask decimal.Decimal) error
	fund(ctx context.Context, currency string, amount decimal.Decimal) error
	fill(ctx context.Context, orderID string, amount decimal.Decimal) error
	orders(ctx context.Context) ([]sim.OrderView, error)
	balances(ctx context.Context) ([]sim.BalanceView, error)
	markets(ctx context.Context) ([]sim.MarketView, error)
}

type remoteTarget struct{ c *sim.AdminClient }

func (t remoteTarget) setMarket(ctx context.Context, s string, b, a decimal.Decimal) error {
	_, err := t.c.SetMarket(ctx, s, b, a)
	return err
}

func (t remoteTarget) fund(ctx context.Context, c string, a decimal.Decimal) error {
	_, err := t.c.Fund(ctx, c, a)
	return err
}

func (t remoteTarget) fill(ctx context.Context, id string, a decimal.Decimal) error {
	_, err := t.c.Fill(ctx, id, a)
	return err
}

func (t remoteTarget) orders(ctx context.Context) ([]sim.OrderView, error) { return t.c.Orders(ctx) }

func (t remoteTarget) balances(ctx context.Context) ([]sim.BalanceView, error) {
	return t.c.Balances(ctx)
}

func (t remoteTarget) markets(ctx context.Context) ([]sim.MarketView, error) { return t.c.Markets(ctx) }

type fileTarget struct{ s *sim.Server }

func (t fileTarget) setMarket(_ context.Context, s string, b, a decimal.Decimal) error {
	return t.s.SetMarket(s, b, a)
}

func (t fileTarget) fund(_ context.Context, c string, a decimal.Decimal) error { return t.s.Fund(c, a) }

func (t fileTarget) fill(_ context.Context, id string, a decimal.Decimal) error {
	return t.s.Fill(id, a)
}

func (t fileTarget) orders(context.Context) ([]sim.OrderView, error) { return t.s.Orders(), nil }

func (t fileTarget) balances(context.Context) ([]sim.BalanceView, error) {
	m := t.s.Balances()
	out := make([]sim.BalanceView, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

func (t fileTarget) markets(context.Context) ([]sim.MarketView, error) { return t.s.Markets(), nil }

// target is the simulator the flags name: a running one (-url) or a state
// file (-state, -dir, else ./.orderform/local.json).
func (f *adminFlags) target() (simTarget, error) {
	switch {
	case *f.url != "" && (*f.statePath != "" || *f.dir != ""):
		return nil, fmt.Errorf("give one of -url, -state and -dir")
	case *f.url != "":
		return remoteTarget{&sim.AdminClient{URL: *f.url}}, nil
	}
	path, err := simStatePath(*f.statePath, *f.dir)
	if err != nil {
		return nil, err
	}
	if path == "" {
		path = exchange.LocalStatePath(".")
	}
	s, err := sim.New(sim.Options{StatePath: path})
	if err != nil {
		return nil, err
	}
	return fileTarget{s}, nil
}
