package simcli

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
)

const simUsage = `Usage:
  orderform sim [-addr 127.0.0.1:8399] [-listen-any] [-state FILE | -dir DIR]
                [-key K -secret S] [-roles trader] [-time-nonce] [-rate-limit]
                [-maker-fee-bps N] [-taker-fee-bps N]
                [-clock-offset D] [-nonce-window D] [-walk D [-walk-seed N] [-walk-bps N]]
      Serve a simulated Gemini exchange until Ctrl-C; -walk moves its market on its own.

  orderform sim price    [TARGET] SYMBOL BID ASK   move a market (fills what it crosses)
  orderform sim fund     [TARGET] CURRENCY AMOUNT  add (negative: remove) balance
  orderform sim fill     [TARGET] ORDER_ID [AMOUNT] fill an order (all that remains by default)
  orderform sim order    [TARGET] [-client-order-id ID] SYMBOL SIDE AMOUNT PRICE
                                                   place a limit order by hand, as from
                                                   Gemini's web site (orderform leaves it alone)
  orderform sim orders   [TARGET] [-all]           list live (or all) orders
  orderform sim balances [TARGET]                  list balances
  orderform sim markets  [TARGET]                  list markets
  orderform sim fault    -url URL [-path P] [-count N] [-status S] [-reason R] [-retry-after N] [-latency D] KIND
  orderform sim fault    -url URL clear|release
      KIND is status, latency, drop, lose-response or slow-commit (the exchange
      takes the request and processes it only after -latency, or with no
      -latency when released, even if the client has given up meanwhile);
      release processes every held request now.
  orderform sim clock    -url URL [-nonce-window D] [OFFSET]
      show or set the exchange's clock: OFFSET (e.g. 15m, -90s, 0) runs it ahead
      or behind the machine's; -nonce-window sets the time-based nonce window.

TARGET is one of
  -url URL     a running 'orderform sim' (its admin API)
  -state FILE  a simulator state file
  -dir DIR     the local environment of the configuration in DIR (DIR/.orderform/local.json)
and defaults to -dir . (the local environment of the configuration here).
A state file may be used by several processes at once (a server, applies, these
subcommands): each request reads the others' changes under the file's lock.
Do not edit it by hand while they run.
`

func run(e *simEnv, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "price", "fund", "fill", "order", "orders", "balances", "markets", "fault", "clock":
			return simAdmin(e, args[0], args[1:])
		case "help":
			fmt.Fprint(e.stdout, simUsage)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "orderform sim: unknown subcommand %q\n\n%s", args[0], simUsage)
		return exitError
	}
	return simServe(e, args)
}

func simFlagSet(e *simEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("orderform sim "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, simUsage) }
	return fs
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitError
}

var negativeNumber = regexp.MustCompile(`^-[0-9.]`)

// parseInterspersed parses flags wherever they stand among the positional
// arguments, taking negative numbers as positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if negativeNumber.MatchString(args[0]) {
			pos, args = append(pos, args[0]), args[1:]
			continue
		}
		// Flags run up to the next negative number (fs.Parse would take
		// it for a flag).
		end := len(args)
		for i, a := range args {
			if negativeNumber.MatchString(a) {
				end = i
				break
			}
		}
		if err := fs.Parse(args[:end]); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
		args = append(append([]string(nil), rest...), args[end:]...)
	}
	return pos, nil
}
