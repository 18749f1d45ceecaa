package command

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"orderform/gemini"
	"orderform/internal/command/views"
	"orderform/internal/exchange"
	"orderform/spec"
)

// doctor checks what traders get wrong when going live, one line per check
// with what to do about a failure (views.Checklist).
type doctor struct{ *views.Checklist }

func cmdDoctor(e *cliEnv, args []string) error {
	fs := newFlagSet("doctor", "[DIR]", "Check connectivity, the API key, its roles, the nonce mode, the clock and the configuration's symbols.", e.stderr)
	var vf varFlags
	noColor := fs.Bool("no-color", false, "disable color")
	vf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	dir, err := dirArg("doctor", rest)
	if err != nil {
		return err
	}
	useCol := useColor(e, *noColor, e.stdout)
	d := &doctor{views.NewChecklist(e.stdout, useCol)}

	cfg, diags := spec.Load(dir, spec.Options{Getenv: e.getenv, Vars: vf.args})
	if diags.HasErrors() {
		views.Diagnostics(e.stderr, configFiles(cfg), diags, useColor(e, *noColor, e.stderr))
		d.Fail("the configuration in "+dir+" has errors", "fix them (orderform validate "+dir+") and run doctor again")
		return errReported
	}
	conn, err := exchange.Connect(e.ctx, e.settings(), cfg)
	if err != nil {
		d.Fail(err.Error(), connectTodo(e, cfg, dir))
		return finishDoctor(d)
	}
	defer conn.Close()
	fmt.Fprintf(e.stdout, "Checking %s\n\n", exchange.DescribeTarget(conn.Target))
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	if !d.reachable(ctx, conn.BaseURL) {
		return finishDoctor(d)
	}
	if !d.key(ctx, e, cfg, conn) {
		return finishDoctor(d)
	}
	d.symbols(ctx, cfg, conn)
	return finishDoctor(d)
}

// connectTodo says what to do when the exchange cannot even be opened.
func connectTodo(e *cliEnv, cfg *spec.Config, dir string) string {
	env := cfg.Exchange.Environment
	if (env == "sandbox" || env == "production") && (e.getenv("GEMINI_API_KEY") == "" || e.getenv("GEMINI_API_SECRET") == "") {
		return "export GEMINI_API_KEY and GEMINI_API_SECRET (a Trader key created on the " + env + " site), or set environment = \"local\" in the exchange block in " + dir
	}
	return "fix the exchange block in " + dir + " (environment, url) or GEMINI_API_URL, then run doctor again"
}

// reachable checks that the exchange answers its public symbol list, and
// compares this machine's clock with the answer's Date header.
func (d *doctor) reachable(ctx context.Context, base string) bool {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/symbols", nil)
	if err != nil {
		d.Fail("the exchange URL "+base+" is not usable: "+err.Error(), "fix url in the exchange block or GEMINI_API_URL")
		return false
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		d.Fail("the exchange is not reachable at "+base+": "+err.Error(), "check the network, a proxy or firewall, and url / GEMINI_API_URL; https://status.gemini.com shows outages")
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	rtt := time.Since(start)
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable:
		d.Fail(fmt.Sprintf("the exchange at %s answered %s: it is down, most likely for maintenance", base, resp.Status), "see https://status.gemini.com and run doctor again when it is back; orderform changes nothing meanwhile")
		return false
	case resp.StatusCode != http.StatusOK:
		d.Fail(fmt.Sprintf("the exchange at %s answered %s for its symbol list", base, resp.Status), "check url / GEMINI_API_URL points at a Gemini API (https://api.gemini.com or https://api.sandbox.gemini.com); see https://status.gemini.com")
		return false
	}
	d.Pass("exchange reachable at %s (%d ms)", base, rtt.Milliseconds())

	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		d.Warning("the exchange sent no Date header, so the clock could not be compared", "make sure NTP keeps this machine's clock right")
		return true
	}
	skew := time.Until(t.Add(rtt / 2)).Round(time.Second)
	if skew < 0 {
		skew = -skew
	}
	switch {
	case skew > 30*time.Second:
		d.Fail(fmt.Sprintf("this machine's clock is %s off the exchange's", skew), "time-based nonces must be within 30 s of the exchange's clock: enable NTP (timedatectl set-ntp true)")
	case skew > 5*time.Second:
		d.Warning(fmt.Sprintf("this machine's clock is %s off the exchange's", skew), "enable NTP (timedatectl set-ntp true); time-based nonces fail beyond 30 s")
	default:
		d.Pass("clock within %s of the exchange's", max(skew, time.Second))
	}
	return true
}

// key checks that the key authenticates, its roles, and the nonce mode. It
// returns false when later checks cannot run.
func (d *doctor) key(ctx context.Context, e *cliEnv, cfg *spec.Config, conn *exchange.Conn) bool {
	env := conn.Target.Environment
	if strings.HasPrefix(e.getenv("GEMINI_API_KEY"), "master-") && cfg.Exchange.Account == "" && env != "local" {
		d.Fail("GEMINI_API_KEY is a master key, and the exchange block names no account", "set account = \"primary\" (or the sub-account to trade in) in the exchange block, or use an account key")
		return false
	}
	roles, err := conn.Client.Roles(ctx)
	if err != nil {
		d.keyError(err, cfg, env)
		return false
	}
	d.Pass("the API key authenticates")
	switch {
	case roles.IsTrader:
		d.Pass("the key has the Trader role")
	case roles.IsAuditor:
		d.Warning("the key is read-only (Auditor role): plan and show work with it, apply and destroy refuse it",
			"use it where orderform only plans (pull requests, see examples/ci) and a Trader key (no other role) where it applies")
	default:
		d.Fail("the key has neither the Trader nor the Auditor role: orderform can neither read the book nor place or cancel orders", "create a key with the Trader role only")
	}
	if roles.IsFundManager {
		d.Warning("THE KEY HAS THE FUND MANAGER ROLE: IT CAN WITHDRAW FUNDS", "orderform never needs it: create a key with the Trader role only, so that a leaked key cannot move money out")
	}
	// A second private call: its nonce must be accepted too. It fails when
	// another program uses the same key at the same time.
	switch _, err := conn.Client.Roles(ctx); {
	case err == nil:
		d.Pass("nonce mode %q accepted", cfg.Exchange.Nonce)
	case gemini.IsNonce(err):
		d.Fail("a second request was refused for its nonce: "+err.Error(), "another program seems to use this key at the same time: give each program (and each configuration run in parallel) its own key")
	default:
		d.Fail("a second request failed: "+err.Error(), "run doctor again; if it persists, run it with ORDERFORM_LOG=debug")
	}
	if env != "local" {
		d.Note("whether the key \"Requires Heartbeat\" cannot be read from the API: with it, Gemini cancels orderform's orders 30 s after it exits; the key must be created without it")
	}
	return true
}

// keyError explains why the first private request failed.
func (d *doctor) keyError(err error, cfg *spec.Config, env string) {
	switch {
	case gemini.IsNonce(err) && cfg.Exchange.Nonce == "time":
		d.Fail("the exchange refused the nonce: "+err.Error(), "this key seems to use increasing nonces: remove nonce = \"time\" from the exchange block (and check the clock)")
	case gemini.IsNonce(err):
		d.Fail("the exchange refused the nonce: "+err.Error(), "if the key was created with \"Uses a time based nonce\", set nonce = \"time\" in the exchange block; if not, another program has used this key with larger nonces: create a new key for orderform")
	case gemini.IsBadSecret(err):
		d.Fail("the API secret is wrong: "+err.Error(), "set GEMINI_API_SECRET to the secret shown when the key was created, with no spaces or quotes; Gemini shows it only once, so if it is lost create a new key")
	case gemini.IsUnknownKey(err):
		d.Fail("the exchange does not know the API key: "+err.Error(), "check GEMINI_API_KEY, and that the key was created on the "+env+" site: sandbox and production keys are separate")
	case gemini.IsAccountMismatch(err):
		d.Fail("the account setting does not suit the key: "+err.Error(), "a master key (master-...) needs account = \"<sub-account>\" in the exchange block; an account key (account-...) needs none")
	case gemini.IsAddressForbidden(err):
		d.Fail("the key does not allow this machine's IP address: "+err.Error(), "add this machine's address to the key's IP allow list in the exchange's API settings, or create a key without one")
	case gemini.IsTermsRequired(err):
		d.Fail("the account has not accepted Gemini's updated terms: "+err.Error(), "sign in to Gemini's web site ("+termsSite(env)+") with this account and accept the terms; the API refuses it until then")
	case gemini.IsAuth(err):
		d.Fail("the API key was refused: "+err.Error(), "check GEMINI_API_KEY and GEMINI_API_SECRET and that the key belongs to "+env+"; create a Trader-only key if in doubt")
	case gemini.IsMaintenance(err):
		d.Fail("the exchange is down for maintenance: "+err.Error(), "see https://status.gemini.com and run doctor again when it is back")
	case gemini.IsRateLimited(err):
		d.Fail("the exchange is rate limiting this key: "+err.Error(), "wait a minute (another program may be using the key) and run doctor again")
	default:
		d.Fail("could not read the key's roles: "+err.Error(), "run doctor again; if it persists, run it with ORDERFORM_LOG=debug")
	}
}

// symbols checks that the configuration's symbols are listed and open.
func (d *doctor) symbols(ctx context.Context, cfg *spec.Config, conn *exchange.Conn) {
	for _, sym := range cfg.Symbols() {
		det, err := conn.Client.SymbolDetails(ctx, sym)
		switch {
		case err != nil && gemini.IsUnknownSymbol(err):
			d.Fail("symbol "+sym+" is not listed by the exchange", "check the spelling (lower case, base then quote, as in \"btcusd\"); the sandbox lists fewer symbols than production")
		case err != nil:
			d.Fail("could not read symbol "+sym+": "+err.Error(), "run doctor again later")
		case det.Status != "open":
			d.Warning(fmt.Sprintf("symbol %s is %s, not open", sym, det.Status), "orders on it will be refused until it opens")
		default:
			d.Pass("symbol %s is open (price step %s, amount step %s, minimum %s)", sym, det.PriceIncrement, det.AmountIncrement, det.MinOrderSize)
		}
	}
}

func finishDoctor(d *doctor) error {
	if !d.Finish() {
		return errReported
	}
	return nil
}

// termsSite is where an account of env accepts Gemini's terms.
func termsSite(env string) string {
	if env == "sandbox" {
		return "https://exchange.sandbox.gemini.com"
	}
	return "https://exchange.gemini.com"
}
