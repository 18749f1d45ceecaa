package command

// The bad-input catalogue: hostile or mistaken inputs, each refused with a
// clear message and exit 1 before a single request reaches the exchange.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"orderform/gemini/sim"
)

// catalogueCase is one bad input. Files are the configuration (the text
// "EXCHANGE" is replaced by an exchange block aimed at the simulator, and
// "URL" by its URL); args the command line, where "DIR" is the
// configuration directory and "PLAN" a plan file setup made.
type catalogueCase struct {
	name  string
	files map[string]string
	args  []string // default: plan DIR
	env   map[string]string
	setup func(t *testing.T, h *relHarness) // runs after the files are written
	want  string                            // a regexp stderr must match
	// reads: the refusal needs the live book, so the exchange is read, but
	// nothing is sent to it.
	reads bool
}

// an order block with one attribute line replaced or added.
func catOrder(lines ...string) string {
	attrs := map[string]string{"symbol": `"btcusd"`, "side": `"buy"`, "amount": `"0.001"`, "price": `"60000"`}
	order := []string{"symbol", "side", "amount", "price"}
	var extra []string
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if _, ok := attrs[k]; ok {
			attrs[k] = strings.TrimSpace(v)
		} else {
			extra = append(extra, l)
		}
	}
	var b strings.Builder
	b.WriteString("EXCHANGE\norder \"bid\" {\n")
	for _, k := range order {
		if attrs[k] != "" {
			fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
		}
	}
	for _, l := range extra {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("}\n")
	return b.String()
}

func catOne(text string) map[string]string { return map[string]string{"main.hcl": text} }

func catalogue() []catalogueCase {
	longName := strings.Repeat("a", 10000)
	nested := strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)
	deepList := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	return []catalogueCase{
		// Numbers.
		{name: "huge amount literal", files: catOne(catOrder(`amount = 1e400`)), want: `(?i)amount is out of range`},
		{name: "huge amount string", files: catOne(catOrder(`amount = "1e400"`)), want: `(?i)amount`},
		{name: "amount with 80 digits", files: catOne(catOrder(`amount = "` + strings.Repeat("9", 80) + `"`)), want: `(?i)amount`},
		{name: "negative amount", files: catOne(catOrder(`amount = -1`)), want: `(?i)amount.*(positive|greater than zero)`},
		{name: "zero amount", files: catOne(catOrder(`amount = 0`)), want: `(?i)amount.*(positive|greater than zero)`},
		{name: "negative price", files: catOne(catOrder(`price = -60000`)), want: `(?i)price.*(positive|greater than zero)`},
		{name: "zero price", files: catOne(catOrder(`price = "0"`)), want: `(?i)price.*(positive|greater than zero)`},
		{name: "negative zero price", files: catOne(catOrder(`price = "-0"`)), want: `(?i)price`},
		{name: "NaN price", files: catOne(catOrder(`price = "NaN"`)), want: `(?i)price`},
		{name: "Inf price", files: catOne(catOrder(`price = "Inf"`)), want: `(?i)price`},
		{name: "infinity by division", files: catOne(catOrder(`price = 1/0`)), want: `(?i)(infinit|divi|zero)`},
		{name: "hex amount", files: catOne(catOrder(`amount = "0x10"`)), want: `(?i)amount`},
		{name: "comma decimal", files: catOne(catOrder(`amount = "0,5"`)), want: `(?i)amount`},
		{name: "empty amount", files: catOne(catOrder(`amount = ""`)), want: `(?i)amount`},
		{name: "price with spaces", files: catOne(catOrder(`price = " 60000 "`)), want: `(?i)price`},
		{name: "negative stop price", files: catOne(catOrder(`type = "stop-limit"`, `stop_price = -1`)), want: `(?i)stop`},
		{name: "options on a stop-limit order", files: catOne(catOrder(`type = "stop-limit"`, `stop_price = 59000`, `options = ["maker-or-cancel"]`)), args: []string{"validate", "DIR"}, want: `Options on a stop-limit order\s+on \S*main\.hcl:\d+:\d+:\n.*options = `},
		{name: "for_each over a sensitive value", files: catOne(catOrder(`for_each = var.keys`) + "variable \"keys\" {\n  default = [\"a\"]\n  type = set(string)\n  sensitive = true\n}\n"), args: []string{"validate", "DIR"}, want: `Invalid for_each argument(?s:.*)main\.hcl:\d+(?s:.*)cannot be used as for_each arguments`},
		{name: "count lowered under prevent_cancel", files: catOne(catOrder(`count = 1`, `lifecycle {`, `prevent_cancel = true`, `}`)), setup: catAppliedBefore(catOrder(`count = 2`, `lifecycle {`, `prevent_cancel = true`, `}`)), want: `Order is protected by prevent_cancel(?s:.*)of order\.bid\[1\], which the configuration no longer declares`, reads: true},
		{name: "huge count", files: catOne(catOrder(`count = 100000000`)), want: `(?i)count`},
		{name: "negative count", files: catOne(catOrder(`count = -1`)), want: `(?i)count`},
		{name: "fractional count", files: catOne(catOrder(`count = 1.5`)), want: `(?i)count`},
		{name: "reprice tolerance out of range", files: catOne(catOrder(`lifecycle {`, `reprice_tolerance = -0.5`, `}`)), want: `(?i)tolerance`},

		// Names and symbols.
		{name: "10000-character order name", files: catOne(strings.Replace(catOrder(), `"bid"`, `"`+longName+`"`, 1)), want: `Invalid order name(?s:.*)at most 64 characters`},
		{name: "10000-character namespace", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \""+longName+"\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "namespace of 13 characters", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"abcdefghijklm\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "namespace with bad characters", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"Grid:1\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "10000-character variable name", files: catOne(catOrder() + "variable \"" + longName + "\" {\n  default = 1\n}\n"), want: `Invalid variable name(?s:.*)at most 64 characters`},
		{name: "cyrillic look-alike symbol", files: catOne(catOrder(`symbol = "btсusd"`)), want: `only looks like a Latin letter\. Did you mean "btcusd"`},
		{name: "upper-case symbol with space", files: catOne(catOrder(`symbol = "BTC USD"`)), want: `(?i)symbol`},
		{name: "empty symbol", files: catOne(catOrder(`symbol = ""`)), want: `(?i)symbol`},
		{name: "bad side", files: catOne(catOrder(`side = "hold"`)), want: `(?i)side`},
		{name: "market order type", files: catOne(catOrder(`type = "market"`)), want: `(?i)type`},
		{name: "unknown option", files: catOne(catOrder(`options = ["all-or-nothing"]`)), want: `(?i)option`},
		{name: "unknown on_fill", files: catOne(catOrder(`lifecycle {`, `on_fill = "sometimes"`, `}`)), want: `(?i)on_fill`},

		// Structure.
		{name: "duplicate address", files: map[string]string{"a.hcl": catOrder(), "b.hcl": strings.Replace(catOrder(), "EXCHANGE", "", 1)}, want: `(?i)duplicate`},
		{name: "for_each over a list with duplicates", files: catOne(catOrder(`for_each = ["a", "a"]`)), want: `(?i)for_each`},
		{name: "cyclic locals", files: catOne(catOrder() + "locals {\n  a = local.b\n  b = local.a\n}\n"), want: `(?i)cycl`},
		{name: "self-referencing local", files: catOne(catOrder(`price = local.p`) + "locals {\n  p = local.p + 1\n}\n"), want: `(?i)(cycl|itself)`},
		{name: "deeply nested parentheses", files: catOne(catOrder(`price = ` + nested)), want: `Expression nested too deeply`},
		{name: "deeply nested list", files: catOne(catOrder(`options = ` + deepList)), want: `Expression nested too deeply`},
		{name: "cyclic moved blocks", files: catOne(catOrder() + "moved {\n  from = order.x\n  to = order.y\n}\nmoved {\n  from = order.y\n  to = order.x\n}\n"), want: `(?i)cycl`},
		{name: "moved from a declared order", files: catOne(catOrder() + "order \"ask\" {\n  symbol = \"btcusd\"\n  side = \"sell\"\n  amount = \"0.001\"\n  price = \"70000\"\n}\nmoved {\n  from = order.bid\n  to = order.ask\n}\n"), want: `(?i)still declared`},
		{name: "unknown block", files: catOne(catOrder() + "resource \"x\" \"y\" {}\n"), want: `(?i)(unsupported|unknown|block)`},
		{name: "unknown attribute", files: catOne(catOrder(`colour = "red"`)), want: `(?i)(unsupported|unknown).*(argument|attribute)`},
		{name: "unclosed brace", files: catOne(catOrder() + "order \"x\" {\n"), want: `(?i)(unclosed|brace|expected)`},
		{name: "invalid UTF-8", files: catOne(strings.Replace(catOrder(), `"bid"`, "\"b\xffid\"", 1)), want: `(?i)(utf-8|utf8|encoding|invalid)`},
		{name: "NUL byte", files: catOne(catOrder(`side = "bu` + "\x00" + `y"`)), want: `(?i)(invalid|side|character)`},
		{name: "50 MB configuration file", files: catOne(catOrder()), setup: func(t *testing.T, h *relHarness) {
			big := filepath.Join(h.dir, "big.hcl")
			f, err := os.Create(big)
			if err != nil {
				t.Fatal(err)
			}
			line := "# " + strings.Repeat("x", 1021) + "\n"
			for n := 0; n < 50<<10; n++ {
				f.WriteString(line)
			}
			f.Close()
		}, want: `file is too large`},
		{name: "variable validation fails", files: catOne(catOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n  default = -1\n  validation {\n    condition = var.size > 0\n    error_message = \"size must be positive.\"\n  }\n}\n"), want: `size must be positive`},

		// Connection.
		{name: "plain http to a remote host", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"http://203.0.113.7:8399\"\n}\n", 1)), want: `(?i)(http|tls|loopback)`},
		{name: "plain http to localhost look-alike", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"http://127.0.0.1.example.com\"\n}\n", 1)), want: `(?i)(http|tls|loopback)`},
		{name: "url with credentials", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"https://user:pw@api.gemini.com\"\n}\n", 1)), want: `(?i)(user|credential)`},
		{name: "GEMINI_API_URL plain http remote", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n environment = \"local\"\n namespace = \"cat\"\n}\n", 1)), env: map[string]string{"GEMINI_API_URL": "http://api.gemini.com"}, want: `(?i)(http|tls|loopback)`},
		{name: "production url under the local label", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n namespace = \"cat\"\n url = \"https://api.gemini.com\"\n}\n", 1)), want: `url at \S+main\.hcl:3 is https://api\.gemini\.com, which is Gemini's production exchange.*environment = "production"`},
		{name: "production url under the sandbox label", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n environment = \"sandbox\"\n namespace = \"cat\"\n url = \"https://api.gemini.com\"\n}\n", 1)), env: map[string]string{"GEMINI_API_KEY": "k", "GEMINI_API_SECRET": "s"}, want: `url at \S+main\.hcl:4 .*Gemini's production exchange`},
		{name: "remote https host under the local label", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n namespace = \"cat\"\n url = \"https://203.0.113.7\"\n}\n", 1)), want: `not on this machine`},
		{name: "GEMINI_API_URL production under the local label", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n environment = \"local\"\n namespace = \"cat\"\n}\n", 1)), env: map[string]string{"GEMINI_API_URL": "https://api.gemini.com"}, want: `GEMINI_API_URL is https://api\.gemini\.com.*environment = "production"`},
		{name: "unknown environment", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n environment = \"prod\"\n url = \"URL\"\n}\n", 1)), want: `(?i)environment`},
		{name: "production without keys", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n environment = \"production\"\n namespace = \"cat\"\n}\n", 1)), env: map[string]string{"GEMINI_API_KEY": "", "GEMINI_API_SECRET": ""}, want: `GEMINI_API_KEY`},
		{name: "credentials in configuration", files: catOne(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n api_secret = \"s\"\n}\n", 1)), want: `(?i)(secret|unsupported)`},

		// Command line.
		{name: "var without equals", files: catOne(catOrder()), args: []string{"plan", "-var", "size", "DIR"}, want: `(?i)name=value`},
		{name: "var with empty name", files: catOne(catOrder()), args: []string{"plan", "-var", "=1", "DIR"}, want: `(?i)(name|variable)`},
		{name: "var not declared", files: catOne(catOrder()), args: []string{"plan", "-var", "nope=1", "DIR"}, want: `(?i)(undeclared|not declared|no variable)`},
		{name: "var of the wrong type", files: catOne(catOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), args: []string{"plan", "-var", "size=abc", "DIR"}, want: `(?i)(number|size)`},
		{name: "var NaN for a number", files: catOne(catOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), args: []string{"plan", "-var", "size=NaN", "DIR"}, want: `(?i)(number|size)`},
		{name: "environment var of the wrong type", files: catOne(catOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), env: map[string]string{"ORDERFORM_VAR_size": "1e400"}, want: `(?i)(size|large)`},
		{name: "history start that is not a date", files: catOne(catOrder()), env: map[string]string{"ORDERFORM_HISTORY_SINCE": "last tuesday"}, want: `ORDERFORM_HISTORY_SINCE=.*want a day such as`},
		{name: "missing var file", files: catOne(catOrder()), args: []string{"plan", "-var-file", "nope.vars.hcl", "DIR"}, want: `(?i)nope\.vars\.hcl`},
		{name: "unknown flag", files: catOne(catOrder()), args: []string{"plan", "-frobnicate", "DIR"}, want: `flag provided but not defined: -frobnicate`},
		{name: "unknown command", args: []string{"plna"}, want: `unknown command "plna"`},
		{name: "two directories", files: catOne(catOrder()), args: []string{"plan", "DIR", "DIR"}, want: `too many arguments`},
		{name: "missing directory", args: []string{"plan", "/nonexistent/orderform"}, want: `(?i)(no such|not exist|nonexistent)`},
		{name: "target matching nothing", files: catOne(catOrder()), args: []string{"plan", "-target", "order.nope", "DIR"}, want: `matches no order`},
		{name: "apply -json without -auto-approve", files: catOne(catOrder()), args: []string{"apply", "-json", "DIR"}, want: `-json needs -auto-approve`},
		{name: "apply without a terminal", files: catOne(catOrder()), args: []string{"apply", "DIR"}, want: `no terminal`, reads: true}, // it plans first: with nothing to do it needs none
		{name: "negative plan expiry", files: catOne(catOrder()), args: []string{"plan", "-out", "DIR/p.plan", "-out-expiry", "-1m", "DIR"}, want: `(?i)expiry`},
		{name: "plan file in a missing directory", files: catOne(catOrder()), args: []string{"plan", "-out", "DIR/no/such/dir/p.plan", "DIR"}, want: `directory .* does not exist`},

		// Saved plans.
		{name: "truncated plan file", files: catOne(catOrder()), setup: catSavedPlan(func(b []byte) []byte { return b[:len(b)/2] }), args: []string{"apply", "PLAN"}, want: `(?i)truncated`},
		{name: "tampered plan file", files: catOne(catOrder()), setup: catSavedPlan(func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"60000"`, `"6000"`, 1))
		}), args: []string{"apply", "PLAN"}, want: `(?i)(changed|tamper|digest|checksum)`},
		{name: "plan file that is not JSON", files: catOne(catOrder()), setup: catSavedPlan(func([]byte) []byte { return []byte("hello\n") }), args: []string{"apply", "PLAN"}, want: `not an orderform plan file`},
		{name: "plan file that is a configuration", files: catOne(catOrder()), setup: catSavedPlan(func([]byte) []byte { return []byte(catOrder()) }), args: []string{"apply", "PLAN"}, want: `not an orderform plan file`},
		{name: "plan file of a future format", files: catOne(catOrder()), setup: catSavedPlan(func(b []byte) []byte {
			var m map[string]any
			if json.Unmarshal(b, &m) != nil {
				return b
			}
			m["format_version"] = "9.0"
			out, _ := json.Marshal(m)
			return out
		}), args: []string{"apply", "PLAN"}, want: `(?i)(version|changed)`},
		{name: "plan file from a different target", files: catOne(catOrder()), setup: catSavedPlanElsewhere, args: []string{"apply", "PLAN"}, want: `(?i)(target|GEMINI_API_URL)`},
		{name: "plan file with -var", files: catOne(catOrder()), setup: catSavedPlan(nil), args: []string{"apply", "-var", "a=1", "PLAN"}, want: `applied exactly as saved`},
		{name: "plan file edited with its checksum recomputed", files: catOne(catOrder()), setup: catSavedPlan(func(b []byte) []byte {
			return recomputeChecksum(b, `"amount": "0.001"`, `"amount": "1.5"`)
		}), args: []string{"apply", "PLAN"}, want: `signature does not match: the plan was changed after`},
		{name: "plan file whose guard was dropped", files: catOne(catOrder() + "guard {\n  max_order_notional = 100\n}\n"), setup: catSavedPlan(func(b []byte) []byte {
			return recomputeChecksum(b, `"max_order_notional": "100"`, `"max_order_notional": null`)
		}), args: []string{"apply", "PLAN"}, want: `signature does not match`},
		{name: "plan file applied with another API secret", files: catOne(catOrder()), setup: func(t *testing.T, h *relHarness) {
			catSavedPlan(nil)(t, h)
			h.env["GEMINI_API_SECRET"] = "another-secret-of-the-same-key"
		}, args: []string{"apply", "PLAN"}, want: `signature does not match`},
		{name: "plan file of the unsigned format 1.0", files: catOne(catOrder()), setup: catSavedPlan(func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"format_version": "2.0"`, `"format_version": "1.0"`, 1))
		}), args: []string{"apply", "PLAN"}, want: `unsupported plan file version "1.0"`},
		{name: "plan file whose configuration changed", files: catOne(catOrder()), setup: func(t *testing.T, h *relHarness) {
			catSavedPlan(nil)(t, h)
			if err := os.WriteFile(filepath.Join(h.dir, "extra.hcl"), []byte("# a new file\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, args: []string{"apply", "PLAN"}, want: `configuration in .* has changed since the plan was made.*-allow-config-change`},
		{name: "-allow-config-change with a directory", files: catOne(catOrder()), args: []string{"apply", "-allow-config-change", "-auto-approve", "DIR"}, want: `-allow-config-change applies to a saved plan file`},
	}
}

// recomputeChecksum replaces old with new in a saved plan's body and
// recomputes the checksum, as anyone without the API secret can.
func recomputeChecksum(data []byte, old, new string) []byte {
	var env struct {
		Checksum string          `json:"checksum"`
		Body     json.RawMessage `json:"body"`
	}
	if json.Unmarshal(data, &env) != nil || !strings.Contains(string(env.Body), old) {
		return nil // the case then fails: not a plan file
	}
	body := []byte(strings.Replace(string(env.Body), old, new, 1))
	out := strings.Replace(string(data), string(env.Body), string(body), 1)
	return []byte(strings.Replace(out, env.Checksum, planChecksum(body), 1))
}

// catSavedPlan makes a plan file with `plan -out` (its requests are then
// forgotten) and passes its bytes through damage.
func catSavedPlan(damage func([]byte) []byte) func(t *testing.T, h *relHarness) {
	return func(t *testing.T, h *relHarness) {
		p := filepath.Join(filepath.Dir(h.dir), "saved.plan")
		res := h.run(context.Background(), "plan", "-out", p, h.dir)
		if res.code != 0 {
			t.Fatalf("plan -out: %s", res)
		}
		if damage != nil {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		h.srv.ResetRequests()
	}
}

// catAppliedBefore applies an earlier configuration (its orders are then
// live and its requests forgotten), then puts the case's files back.
func catAppliedBefore(earlier string) func(t *testing.T, h *relHarness) {
	return func(t *testing.T, h *relHarness) {
		now := map[string]string{}
		entries, _ := os.ReadDir(h.dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(h.dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			now[e.Name()] = string(b)
		}
		h.write(catOne(strings.ReplaceAll(strings.Replace(earlier, "EXCHANGE", h.exchangeBlock("cat"), 1), "URL", h.url)))
		if res := h.run(context.Background(), "apply", "-auto-approve", h.dir); res.code != 0 {
			t.Fatalf("apply: %s", res)
		}
		h.write(now)
		h.srv.ResetRequests()
	}
}

// catSavedPlanElsewhere makes a plan file against another simulator, then
// points GEMINI_API_URL at this one: applying it must not quietly go to the
// other exchange, nor send anything to this one.
func catSavedPlanElsewhere(t *testing.T, h *relHarness) {
	other := newRelHarness(t, relOptions{key: h.env["GEMINI_API_KEY"], secret: h.env["GEMINI_API_SECRET"]})
	other.write(catOne(strings.ReplaceAll(strings.Replace(catOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"cat\"\n}\n", 1), "URL", other.url)))
	p := filepath.Join(filepath.Dir(h.dir), "saved.plan")
	if res := other.run(context.Background(), "plan", "-out", p, other.dir); res.code != 0 {
		t.Fatalf("plan -out: %s", res)
	}
	other.srv.ResetRequests()
	h.env["GEMINI_API_URL"] = h.url
	t.Cleanup(func() {
		if n := other.requestCount(); n != 0 {
			t.Errorf("the plan's own exchange got %d requests: %v", n, other.srv.Requests())
		}
	})
}

func TestBadInputCatalogue(t *testing.T) {
	t.Parallel()
	cases := catalogue()
	if len(cases) < 40 {
		t.Fatalf("the catalogue has %d cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newRelHarness(t, relOptions{sim: sim.Options{}})
			if c.files != nil {
				files := map[string]string{}
				for name, text := range c.files {
					text = strings.Replace(text, "EXCHANGE", h.exchangeBlock("cat"), 1)
					files[name] = strings.ReplaceAll(text, "URL", h.url)
				}
				h.write(files)
			}
			for k, v := range c.env {
				h.env[k] = v
			}
			if c.setup != nil {
				c.setup(t, h)
			}
			args := c.args
			if args == nil {
				args = []string{"plan", "DIR"}
			}
			args = append([]string(nil), args...)
			for i, a := range args {
				a = strings.ReplaceAll(a, "DIR", h.dir)
				args[i] = strings.ReplaceAll(a, "PLAN", filepath.Join(filepath.Dir(h.dir), "saved.plan"))
			}
			res := h.run(context.Background(), args...)
			t.Logf("stderr: %s", relClip(res.stderr, 600))
			if res.code != exitError {
				t.Errorf("exit %d, want 1\n%s", res.code, res)
			}
			if !regexp.MustCompile(c.want).MatchString(res.stderr) {
				t.Errorf("stderr does not match %q\n%s", c.want, relClip(res.String(), 3000))
			}
			if strings.Contains(res.stderr, "panic") || strings.Contains(res.stderr, "goroutine ") {
				t.Errorf("crashed:\n%s", relClip(res.String(), 3000))
			}
			if c.reads {
				for path := range h.srv.Requests() {
					if strings.HasPrefix(path, "/v1/order/new") || strings.HasPrefix(path, "/v1/order/cancel") {
						t.Errorf("the exchange got %s, want only reads: %v", path, h.srv.Requests())
					}
				}
			} else if n := h.requestCount(); n != 0 {
				t.Errorf("the exchange got %d requests, want none: %v", n, h.srv.Requests())
			}
		})
	}
}

func relClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d more bytes)", len(s)-n)
}
