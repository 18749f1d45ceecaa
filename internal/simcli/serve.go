package simcli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"orderform/gemini/sim"
)

const simDefaultAddr = "127.0.0.1:8399"

func simServe(e *simEnv, args []string) int {
	fs := simFlagSet(e, "")
	addr := fs.String("addr", simDefaultAddr, "listen address")
	listenAny := fs.Bool("listen-any", false, "allow a non-loopback listen address (the admin API has no authentication)")
	statePath := fs.String("state", "", "persist the exchange in this `file` (default: memory only)")
	dir := fs.String("dir", "", "persist in DIR/.orderform/local.json, the local environment of the configuration in `DIR`")
	key := fs.String("key", "", "API key to accept (default $GEMINI_API_KEY, else generated)")
	secret := fs.String("secret", "", "API secret of -key (default $GEMINI_API_SECRET, else generated)")
	roles := fs.String("roles", "trader", "roles of the key: comma-separated trader, fundmanager, auditor")
	timeNonce := fs.Bool("time-nonce", false, "the key uses time-based nonces (seconds, within the nonce window)")
	clockOffset := fs.Duration("clock-offset", 0, "run the exchange's clock this far ahead (negative: behind) of the machine's, e.g. 15m")
	nonceWindow := fs.Duration("nonce-window", sim.DefaultNonceWindow, "how far a time-based nonce may be from the exchange's clock")
	rateLimit := fs.Bool("rate-limit", false, "enforce Gemini's rate limits (600/min private, 120/min public)")
	makerFee := fs.Int64("maker-fee-bps", sim.DefaultMakerFeeBps, "maker fee in basis points (0: none)")
	takerFee := fs.Int64("taker-fee-bps", sim.DefaultTakerFeeBps, "taker fee in basis points (0: none)")
	walkEvery := fs.Duration("walk", 0, "move the market on its own: a random step of every symbol this often, e.g. 2s")
	walkSeed := fs.Uint64("walk-seed", 1, "seed of -walk's random walk (the same seed walks the same way)")
	walkBps := fs.Int64("walk-bps", sim.DefaultWalkStepBps, "-walk's largest step, in basis points of the bid")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "orderform sim: unexpected argument %q\n\n%s", fs.Arg(0), simUsage)
		return exitError
	}
	if !sim.IsLoopback(*addr) && !*listenAny {
		fmt.Fprintf(e.stderr, "orderform sim: refusing to listen on %s, which is not a loopback address: the simulator's admin API has no authentication. Pass -listen-any to do it anyway.\n", *addr)
		return exitError
	}
	path, err := simStatePath(*statePath, *dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	cred, ok := serveKey(e, *key, *secret)
	if !ok {
		return exitError
	}
	*key, *secret = cred.key, cred.secret
	keys := []sim.Key{{Key: *key, Secret: *secret, Roles: splitList(*roles), TimeNonce: *timeNonce}}
	if *key != sim.LocalKey {
		keys = append(keys, sim.Key{Key: sim.LocalKey, Secret: sim.LocalSecret, Roles: []string{sim.RoleTrader}})
	}
	srv, err := sim.New(sim.Options{
		Keys: keys, StatePath: path, RateLimit: *rateLimit,
		MakerFeeBps: feeFlag(*makerFee), TakerFeeBps: feeFlag(*takerFee),
		ClockOffset: *clockOffset, NonceWindow: *nonceWindow,
	})
	if err == nil && *walkEvery > 0 {
		err = srv.StartWalk(sim.Walk{Seed: *walkSeed, Interval: *walkEvery, MaxStepBps: *walkBps})
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	url, stop, err := sim.Serve(e.ctx, srv, *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	w := e.stdout
	printBanner(w, srv, url, path, *clockOffset, *walkEvery > 0, cred)
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
	<-e.ctx.Done()
	if err := stop(); err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: stopping: %v\n", err)
		return exitError
	}
	fmt.Fprintln(w, "Simulator stopped.")
	return exitOK
}

// credential is the key the simulator accepts and where its secret came from.
type credential struct {
	key, secret, secretSource string
	generated                 bool
}

// serveKey is the key of sim's flags, else the environment's, else a
// generated one.
func serveKey(e *simEnv, key, secret string) (credential, bool) {
	c := credential{key: key, secret: secret, secretSource: "flag -secret"}
	if c.key == "" {
		c.key = e.getenv("GEMINI_API_KEY")
	}
	if c.secret == "" {
		c.secret, c.secretSource = e.getenv("GEMINI_API_SECRET"), "$GEMINI_API_SECRET"
	}
	switch {
	case c.key == "" && c.secret == "":
		c.key, c.secret, c.generated = "account-"+randomHex(10), randomHex(16), true
	case c.key == "" || c.secret == "":
		fmt.Fprintln(e.stderr, "orderform sim: give both an API key and its secret (flags -key/-secret or GEMINI_API_KEY/GEMINI_API_SECRET), or neither to have them generated")
		return c, false
	}
	return c, true
}

// printBanner says where the simulator listens, where its book is and how
// to reach it.
func printBanner(w io.Writer, srv *sim.Server, url, path string, clockOffset time.Duration, walk bool, cred credential) {
	fmt.Fprintf(w, "Simulated Gemini exchange at %s\n", url)
	if path == "" {
		fmt.Fprintln(w, "  state:      in memory (lost when it stops; -state FILE keeps it)")
	} else {
		fmt.Fprintf(w, "  state:      %s\n", path)
	}
	if clockOffset != 0 {
		fmt.Fprintf(w, "  clock:      %s from this machine's\n", clockOffset)
	}
	if walk {
		fmt.Fprintf(w, "  market:     a random walk, %s\n", srv.WalkStatus().String())
	}
	fmt.Fprintf(w, "  API key:    %s\n", cred.key)
	if cred.generated {
		fmt.Fprintf(w, "  API secret: %s\n", cred.secret)
	} else {
		fmt.Fprintf(w, "  API secret: (from %s)\n", cred.secretSource)
	}
	if cred.key != sim.LocalKey {
		fmt.Fprintf(w, "  also accepts the built-in local key %s\n", sim.LocalKey)
	}
	fmt.Fprintf(w, "  admin API:  %s/admin/ (orderform sim price|fund|fill|fault -url %s ...)\n", url, url)
	if cred.generated {
		fmt.Fprintf(w, "\nexport GEMINI_API_URL=%s GEMINI_API_KEY=%s GEMINI_API_SECRET=%s\n", url, cred.key, cred.secret)
	}
}

// feeFlag maps the flag's 0 (no fee) to the Options' negative (no fee).
func feeFlag(bps int64) int64 {
	if bps == 0 {
		return -1
	}
	return bps
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
