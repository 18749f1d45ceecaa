package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange/cache"
	"orderform/plan"
	"orderform/spec"
)

// Conn is an open line to the exchange a configuration targets.
type Conn struct {
	Target  plan.Target
	Client  *gemini.Client
	BaseURL string // where requests go (for local, the in-process simulator)
	// HistorySince is where history walks start (Unix ms; 0 = the
	// account's beginning), from ORDERFORM_HISTORY_SINCE.
	HistorySince int64
	Debug        io.Writer
	CacheDir     string // the caches of this exchange and key (cache.Dir); "" = no cache
	// PlanKey signs and verifies saved plans: derived from the API secret
	// (plan.SigningKey), never written.
	PlanKey []byte
	Close   func() error
}

// Settings are the inputs of a connection that come from outside the
// configuration: the process's environment, read once by the command.
type Settings struct {
	URL         string // GEMINI_API_URL: overrides the environment's endpoint
	Key, Secret string // GEMINI_API_KEY, GEMINI_API_SECRET
	// Misnamed maps look-alike variables that are set (KeyLookalikes) to
	// the variable each stands for, so that a missing key's error can name
	// them.
	Misnamed     map[string]string
	HistorySince string // ORDERFORM_HISTORY_SINCE
	// CacheRoot holds the caches and nonce files of the remote exchanges
	// (cache.Root); "" = none.
	CacheRoot string
	// PrivateRate and PublicRate pace requests (per second); 0 = the
	// environment's default.
	PrivateRate, PublicRate float64
	Debug                   io.Writer // request log (ORDERFORM_LOG=debug); nil = none
}

// LocalStatePath is where the built-in local exchange keeps its book.
func LocalStatePath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(dir, ".orderform", "local.json")
}

// endpoint says which exchange to open.
type endpoint struct {
	environment, url, account, namespace, nonce string
	localState                                  string // local without url: the simulator's state file
	urlFrom                                     string // where url came from, for errors: "the url at main.hcl:3", "GEMINI_API_URL"
}

// Connect opens the exchange named by the configuration's exchange block,
// GEMINI_API_URL and the credentials in the environment.
func Connect(ctx context.Context, st Settings, cfg *spec.Config) (*Conn, error) {
	ex := cfg.Exchange
	ep := endpoint{environment: ex.Environment, url: ex.URL, account: ex.Account, namespace: ex.Namespace, nonce: ex.Nonce}
	if ep.url != "" {
		r := ex.URLRange
		ep.urlFrom = fmt.Sprintf("the url at %s:%d", r.Filename, r.Start.Line)
	} else {
		ep.url = st.URL
		ep.urlFrom = "GEMINI_API_URL"
		if ep.url != "" && !ex.NamespaceSet {
			where := "add an exchange block with it"
			if ex.Range.Filename != "" {
				where = fmt.Sprintf("the exchange block is at %s:%d", ex.Range.Filename, ex.Range.Start.Line)
			}
			return nil, fmt.Errorf("namespace required: GEMINI_API_URL points at a shared book (%s). %s (%s)",
				ep.url, spec.NamespaceRequiredDetail(fmt.Sprintf("%q", ep.url), cfg.Dir), where)
		}
	}
	if ep.environment == "local" && ep.url == "" {
		ep.localState = LocalStatePath(cfg.Dir)
	}
	return open(ctx, st, ep)
}

// ConnectSaved opens the exchange a saved plan was computed against.
func ConnectSaved(ctx context.Context, st Settings, t plan.Target) (*Conn, error) {
	ep := endpoint{environment: t.Environment, url: t.BaseURL, account: t.Account, namespace: t.Namespace, nonce: t.Nonce, urlFrom: "the saved plan's base_url"}
	// A saved plan goes to the exchange it was made against and nowhere
	// else; when the environment names another one, or the local book it
	// was made from is not here, it is refused before any request.
	if u := st.URL; u != "" && strings.TrimRight(u, "/") != strings.TrimRight(t.BaseURL, "/") {
		return nil, fmt.Errorf("the plan is for another target: it was made against %s, but GEMINI_API_URL is %s; make the plan again against this exchange", t.BaseURL, u)
	}
	if path, ok := strings.CutPrefix(t.BaseURL, "local:"); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("the plan is for another target: it was made against the local exchange whose book is in %s, which is not here (%v); make the plan again", path, err)
		}
		ep.url, ep.localState = "", path
	}
	return open(ctx, st, ep)
}

// open connects to an endpoint. The local environment without a URL starts
// an in-process simulator on loopback whose book lives in a state file; it
// goes through the same HTTP client, signing and nonces as the real
// exchanges.
func open(ctx context.Context, st Settings, ep endpoint) (*Conn, error) {
	since, err := historySince(st.HistorySince)
	if err != nil {
		return nil, err
	}
	conn := &Conn{Close: func() error { return nil }, HistorySince: since}
	r, err := resolve(ctx, st, ep, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	gc := gemini.Config{
		BaseURL: r.url, APIKey: r.key, APISecret: r.secret,
		Account:     ep.account,
		NonceMode:   gemini.NonceIncreasing,
		NonceFile:   NonceFile(st.CacheRoot, ep.localState, r.key),
		Debug:       st.Debug,
		PrivateRate: r.rate, PublicRate: r.rate,
	}
	target := plan.Target{Environment: ep.environment, BaseURL: r.baseURL, Account: ep.account, Namespace: ep.namespace, KeyID: KeyID(r.key)}
	if ep.nonce == "time" {
		gc.NonceMode, target.Nonce = gemini.NonceTime, "time"
	}
	if st.PrivateRate > 0 {
		gc.PrivateRate = st.PrivateRate
	}
	if st.PublicRate > 0 {
		gc.PublicRate = st.PublicRate
	}
	c, err := gemini.New(gc)
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.Client, conn.Target, conn.Debug, conn.BaseURL = c, target, gc.Debug, r.url
	conn.PlanKey = plan.SigningKey(r.secret)
	conn.CacheDir = cache.Dir(st.CacheRoot, target, r.key)
	return conn, nil
}

// resolved is where an endpoint's requests go and with which key.
type resolved struct {
	url, baseURL string  // where requests go; the target's base URL ("local:PATH" for a local book)
	key, secret  string  // the credentials
	rate         float64 // requests per second, private and public; 0 = Gemini's pace
}

// resolve finds an endpoint's URL and key: for the local environment
// without a URL an in-process simulator on loopback whose book lives in a
// state file (conn.Close stops it), going through the same HTTP client,
// signing and nonces as the real exchanges.
func resolve(ctx context.Context, st Settings, ep endpoint, conn *Conn) (resolved, error) {
	r := resolved{url: ep.url, key: st.Key, secret: st.Secret}
	switch ep.environment {
	case "local":
		if r.key == "" || r.secret == "" {
			r.key, r.secret = sim.LocalKey, sim.LocalSecret
		}
		// The simulator is cheap: pace it far above Gemini's limits so that
		// local runs are quick. ORDERFORM_RATE_* still override.
		r.rate = 200
		if ep.localState == "" {
			if r.url == "" {
				return r, fmt.Errorf("local exchange: no state file and no url")
			}
			r.baseURL = r.url
			break
		}
		u, err := serveLocal(ctx, ep.localState, conn)
		if err != nil {
			return r, fmt.Errorf("local exchange: %w", err)
		}
		r.url, r.baseURL = u, "local:"+ep.localState
		r.key, r.secret = sim.LocalKey, sim.LocalSecret
	case "sandbox", "production":
		if r.url == "" {
			u, err := gemini.BaseURLFor(ep.environment)
			if err != nil {
				return r, err
			}
			r.url = u
		}
		if r.key == "" || r.secret == "" {
			return r, missingKeyError(ep.environment, st)
		}
		r.baseURL = r.url
	default:
		return r, fmt.Errorf("unknown environment %q: use \"local\", \"sandbox\" or \"production\"", ep.environment)
	}
	if err := gemini.CheckURL(r.url); err != nil {
		return r, err
	}
	if ep.localState == "" {
		if err := checkHost(ep.environment, r.url, ep.urlFrom); err != nil {
			return r, err
		}
	}
	return r, nil
}

// serveLocal serves the local book in path on loopback until conn.Close.
func serveLocal(ctx context.Context, path string, conn *Conn) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	s, err := sim.New(sim.Options{
		Keys:      []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret, Roles: []string{"trader"}}},
		StatePath: path,
	})
	if err != nil {
		return "", err
	}
	u, stop, err := sim.Serve(context.WithoutCancel(ctx), s, "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	conn.Close = stop
	return u, nil
}

// NonceFile is where the last nonce of key is kept, so that every orderform
// process using the key continues one sequence (gemini.Config.NonceFile):
// for the built-in local exchange beside its book (localState), which has
// its own nonces; otherwise in the cache root, one file per key whatever
// the account or namespace (Gemini counts nonces per key), named by a hash
// of the key, never the key or the secret. "" when there is no cache
// directory: the sequence then lives in the process only.
func NonceFile(cacheRoot, localState, key string) string {
	name := "nonce-" + strings.TrimPrefix(KeyID(key), "sha256:")
	if localState != "" {
		return filepath.Join(filepath.Dir(localState), name)
	}
	if cacheRoot != "" {
		return filepath.Join(cacheRoot, name)
	}
	return ""
}

// historySince parses ORDERFORM_HISTORY_SINCE: a day (2026-01-31, UTC) or
// an RFC 3339 time. No order a configuration placed is older than its first
// apply, so history before it need not be read.
func historySince(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, fmt.Errorf("ORDERFORM_HISTORY_SINCE=%q: want a day such as 2026-01-31 or an RFC 3339 time such as 2026-01-31T12:00:00Z", v)
}

// KeyID names an API key in saved plans without revealing it: the first 12
// hex characters of its SHA-256. The key is an identifier, not the secret,
// but there is no reason to write it down either.
func KeyID(key string) string {
	h := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(h[:6])
}

// ClockWarning is a warning when this machine's clock is certainly more
// than gemini.SkewWarning off the exchange's, as learned from its answers.
// orderform compares exchange timestamps, and makes time-based nonces, on
// the exchange's clock, so the plan stays right; but such a skew usually
// means NTP is not running, and other programs on this machine suffer.
func ClockWarning(c *gemini.Client) *hcl.Diagnostic {
	if c == nil {
		return nil
	}
	d, skewed := c.ClockSkewed()
	if !skewed {
		return nil
	}
	way := "behind"
	if d < 0 {
		way = "ahead of"
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  fmt.Sprintf("This machine's clock is %s %s the exchange's", d.Abs().Round(time.Second), way),
		Detail: "orderform judges order times on the exchange's clock, so this plan is not affected; " +
			"but such a skew usually means NTP is not running, and time-based nonces are refused " +
			"until a run has learned the exchange's clock. Enable NTP (timedatectl set-ntp true) and see orderform doctor.",
	}
}

// DescribeTarget names environment, account and namespace for people.
func DescribeTarget(t plan.Target) string {
	s := t.Environment
	if t.BaseURL != "" && !strings.HasPrefix(t.BaseURL, "local:") {
		s += " (" + t.BaseURL + ")" // the host actually used, whatever the label
	}
	if t.Account != "" {
		s += ", account " + t.Account
	}
	return s + ", namespace " + t.Namespace
}
