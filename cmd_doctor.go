package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fatih/color"

	"orderform/gemini"
	"orderform/spec"
)

// doctor checks what traders get wrong when going live, one line per check
// with what to do about a failure.
type doctor struct {
	w                 io.Writer
	ok, warn, bad     *color.Color
	failed, warnCount int
}

func (d *doctor) pass(format string, a ...any) {
	d.ok.Fprint(d.w, "  ✓ ")
	fmt.Fprintf(d.w, format+"\n", a...)
}

func (d *doctor) warning(what, todo string) {
	d.warnCount++
	d.warn.Fprint(d.w, "  ! ")
	fmt.Fprintf(d.w, "%s\n      %s\n", what, todo)
}

func (d *doctor) fail(what, todo string) {
	d.failed++
	d.bad.Fprint(d.w, "  ✗ ")
	fmt.Fprintf(d.w, "%s\n      %s\n", what, todo)
}

func cmdDoctor(e *cliEnv, args []string) int {
	fs := newFlagSet("doctor", "[DIR]", "Check connectivity, the API key, its roles, the nonce mode, the clock and the configuration's symbols.", e.stderr)
	var vf varFlags
	noColor := fs.Bool("no-color", false, "disable color")
	vf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	dir, ok := oneDir(e, "doctor", rest)
	if !ok {
		return exitError
	}
	useCol := useColor(e, *noColor, e.stdout)
	d := &doctor{w: e.stdout, ok: color.New(color.FgGreen), warn: color.New(color.FgYellow, color.Bold), bad: color.New(color.FgRed, color.Bold)}
	for _, c := range []*color.Color{d.ok, d.warn, d.bad} {
		if useCol {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}

	cfg, diags := spec.Load(dir, spec.Options{Getenv: e.getenv, Vars: vf.args})
	if diags.HasErrors() {
		printDiagnostics(e.stderr, configFiles(cfg), diags, useColor(e, *noColor, e.stderr))
		d.fail("the configuration in "+dir+" has errors", "fix them (orderform validate "+dir+") and run doctor again")
		return exitError
	}
	conn, err := connect(e.ctx, e, cfg)
	if err != nil {
		d.fail(err.Error(), "set the environment variables named above, or use environment = \"local\"")
		return exitError
	}
	defer conn.close()
	fmt.Fprintf(e.stdout, "Checking %s\n\n", describeTarget(conn.target))
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()

	// 1. Reachable, and the clock.
	base := conn.baseURL
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/symbols", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.fail("the exchange is not reachable at "+base+": "+err.Error(), "check the network, a proxy, or the url / GEMINI_API_URL setting")
		return exitError
	}
	resp.Body.Close()
	rtt := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		d.fail(fmt.Sprintf("the exchange answered %s for its symbol list", resp.Status), "Gemini may be in maintenance; see https://status.gemini.com and try again later")
	} else {
		d.pass("exchange reachable at %s (%d ms)", base, rtt.Milliseconds())
	}
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		skew := time.Until(t.Add(rtt / 2)).Round(time.Second)
		if skew < 0 {
			skew = -skew
		}
		switch {
		case skew > 30*time.Second:
			d.fail(fmt.Sprintf("the clock is %s off the exchange's", skew), "time-based nonces must be within 30 s of the exchange's clock: enable NTP (timedatectl set-ntp true)")
		case skew > 5*time.Second:
			d.warning(fmt.Sprintf("the clock is %s off the exchange's", skew), "enable NTP; time-based nonces fail beyond 30 s")
		default:
			d.pass("clock within %s of the exchange's", max(skew, time.Second))
		}
	} else {
		d.warning("the exchange sent no Date header, so the clock could not be compared", "make sure NTP keeps this machine's clock right")
	}

	// 2. The key authenticates, its roles, and the nonce mode.
	roles, err := conn.client.Roles(ctx)
	switch {
	case err != nil && gemini.IsNonce(err):
		if cfg.Exchange.Nonce == "time" {
			d.fail("the exchange refused the nonce: "+err.Error(), "this key seems to use increasing nonces: remove nonce = \"time\" from the exchange block")
		} else {
			d.fail("the exchange refused the nonce: "+err.Error(), "if the key was created with \"Uses a time based nonce\", set nonce = \"time\" in the exchange block; otherwise the key's nonce is ahead of this clock: create a new key")
		}
		return finishDoctor(d)
	case err != nil && gemini.IsAuth(err):
		d.fail("the API key does not authenticate: "+err.Error(), "check GEMINI_API_KEY and GEMINI_API_SECRET (no spaces or quotes) and that the key belongs to "+conn.target.Environment)
		return finishDoctor(d)
	case err != nil:
		d.fail("could not read the key's roles: "+err.Error(), "try again; if it persists, run with ORDERFORM_LOG=debug")
		return finishDoctor(d)
	}
	d.pass("the API key authenticates")
	if roles.IsTrader {
		d.pass("the key has the Trader role")
	} else {
		d.fail("the key lacks the Trader role: orderform cannot place or cancel orders", "create a key with the Trader role only")
	}
	if roles.IsFundManager {
		d.warning("THE KEY HAS THE FUND MANAGER ROLE: it can withdraw funds", "orderform never needs it; create a Trader-only key so a leaked key cannot move money out")
	}
	if roles.IsAuditor {
		d.warning("the key is an Auditor key (read only)", "plan works, apply cannot; create a Trader key")
	}
	// Two private calls in a row catch a time-based key fed increasing
	// nonces (and the reverse shows up as InvalidNonce above).
	if _, err := conn.client.Roles(ctx); err != nil && gemini.IsNonce(err) {
		d.fail("a second request in the same second was refused for its nonce", "the key uses a time-based nonce but two requests a second need increasing nonces: create a key without \"Uses a time based nonce\" and remove nonce = \"time\"")
	} else if err == nil {
		d.pass("nonce mode %q accepted", nonceName(cfg.Exchange.Nonce))
	}

	// 3. The configuration's symbols are open.
	for _, sym := range cfg.Symbols() {
		det, err := conn.client.SymbolDetails(ctx, sym)
		switch {
		case err != nil && isUnknownSymbol(err):
			d.fail("symbol "+sym+" is not listed by the exchange", "check the spelling: lower case, base then quote, as in \"btcusd\"")
		case err != nil:
			d.fail("could not read symbol "+sym+": "+err.Error(), "try again later")
		case det.Status != "open":
			d.warning(fmt.Sprintf("symbol %s is %s", sym, det.Status), "orders on it may be refused until it opens")
		default:
			d.pass("symbol %s is open (price step %s, amount step %s, minimum %s)", sym, det.PriceIncrement, det.AmountIncrement, det.MinOrderSize)
		}
	}
	return finishDoctor(d)
}

func nonceName(n string) string {
	if n == "" {
		return "increasing"
	}
	return n
}

func finishDoctor(d *doctor) int {
	fmt.Fprintln(d.w)
	if d.failed > 0 {
		fmt.Fprintf(d.w, "%d check(s) failed, %d warning(s).\n", d.failed, d.warnCount)
		return exitError
	}
	fmt.Fprintf(d.w, "All checks passed (%d warning(s)).\n", d.warnCount)
	return exitOK
}
