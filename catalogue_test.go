package main

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
	setup func(t *testing.T, h *harness) // runs after the files are written
	want  string                         // a regexp stderr must match
}

// an order block with one attribute line replaced or added.
func badOrder(lines ...string) string {
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

func one(text string) map[string]string { return map[string]string{"main.hcl": text} }

func catalogue() []catalogueCase {
	longName := strings.Repeat("a", 10000)
	nested := strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)
	deepList := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	return []catalogueCase{
		// Numbers.
		{name: "huge amount literal", files: one(badOrder(`amount = 1e400`)), want: `too large`},
		{name: "huge amount string", files: one(badOrder(`amount = "1e400"`)), want: `(?i)amount`},
		{name: "amount with 80 digits", files: one(badOrder(`amount = "` + strings.Repeat("9", 80) + `"`)), want: `(?i)amount`},
		{name: "negative amount", files: one(badOrder(`amount = -1`)), want: `(?i)amount.*(positive|greater than zero)`},
		{name: "zero amount", files: one(badOrder(`amount = 0`)), want: `(?i)amount.*(positive|greater than zero)`},
		{name: "negative price", files: one(badOrder(`price = -60000`)), want: `(?i)price.*(positive|greater than zero)`},
		{name: "zero price", files: one(badOrder(`price = "0"`)), want: `(?i)price.*(positive|greater than zero)`},
		{name: "negative zero price", files: one(badOrder(`price = "-0"`)), want: `(?i)price`},
		{name: "NaN price", files: one(badOrder(`price = "NaN"`)), want: `(?i)price`},
		{name: "Inf price", files: one(badOrder(`price = "Inf"`)), want: `(?i)price`},
		{name: "infinity by division", files: one(badOrder(`price = 1/0`)), want: `(?i)(infinit|divi|zero)`},
		{name: "hex amount", files: one(badOrder(`amount = "0x10"`)), want: `(?i)amount`},
		{name: "comma decimal", files: one(badOrder(`amount = "0,5"`)), want: `(?i)amount`},
		{name: "empty amount", files: one(badOrder(`amount = ""`)), want: `(?i)amount`},
		{name: "price with spaces", files: one(badOrder(`price = " 60000 "`)), want: `(?i)price`},
		{name: "negative stop price", files: one(badOrder(`type = "stop-limit"`, `stop_price = -1`)), want: `(?i)stop`},
		{name: "huge count", files: one(badOrder(`count = 100000000`)), want: `(?i)count`},
		{name: "negative count", files: one(badOrder(`count = -1`)), want: `(?i)count`},
		{name: "fractional count", files: one(badOrder(`count = 1.5`)), want: `(?i)count`},
		{name: "reprice tolerance out of range", files: one(badOrder(`lifecycle {`, `reprice_tolerance = -0.5`, `}`)), want: `(?i)tolerance`},

		// Names and symbols.
		{name: "10000-character order name", files: one(strings.Replace(badOrder(), `"bid"`, `"`+longName+`"`, 1)), want: `(?i)name`},
		{name: "10000-character namespace", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \""+longName+"\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "namespace of 13 characters", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"abcdefghijklm\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "namespace with bad characters", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"Grid:1\"\n}\n", 1)), want: `(?i)namespace`},
		{name: "10000-character variable name", files: one(badOrder() + "variable \"" + longName + "\" {\n  default = 1\n}\n"), want: `(?i)name`},
		{name: "cyrillic look-alike symbol", files: one(badOrder(`symbol = "btсusd"`)), want: `(?i)symbol`},
		{name: "upper-case symbol with space", files: one(badOrder(`symbol = "BTC USD"`)), want: `(?i)symbol`},
		{name: "empty symbol", files: one(badOrder(`symbol = ""`)), want: `(?i)symbol`},
		{name: "bad side", files: one(badOrder(`side = "hold"`)), want: `(?i)side`},
		{name: "market order type", files: one(badOrder(`type = "market"`)), want: `(?i)type`},
		{name: "unknown option", files: one(badOrder(`options = ["all-or-nothing"]`)), want: `(?i)option`},
		{name: "unknown on_fill", files: one(badOrder(`lifecycle {`, `on_fill = "sometimes"`, `}`)), want: `(?i)on_fill`},

		// Structure.
		{name: "duplicate address", files: map[string]string{"a.hcl": badOrder(), "b.hcl": strings.Replace(badOrder(), "EXCHANGE", "", 1)}, want: `(?i)duplicate`},
		{name: "duplicate for_each key after conversion", files: one(badOrder(`for_each = { "1" = 1, 1 = 2 }`)), want: `(?i)(duplicate|key)`},
		{name: "cyclic locals", files: one(badOrder() + "locals {\n  a = local.b\n  b = local.a\n}\n"), want: `(?i)cycl`},
		{name: "self-referencing local", files: one(badOrder(`price = local.p`) + "locals {\n  p = local.p + 1\n}\n"), want: `(?i)(cycl|itself)`},
		{name: "deeply nested parentheses", files: one(badOrder(`price = ` + nested)), want: `(?i)(nest|deep|price)`},
		{name: "deeply nested list", files: one(badOrder(`options = ` + deepList)), want: `(?i)(nest|deep|option)`},
		{name: "cyclic moved blocks", files: one(badOrder() + "moved {\n  from = order.x\n  to = order.y\n}\nmoved {\n  from = order.y\n  to = order.x\n}\n"), want: `(?i)cycl`},
		{name: "moved from a declared order", files: one(badOrder() + "order \"ask\" {\n  symbol = \"btcusd\"\n  side = \"sell\"\n  amount = \"0.001\"\n  price = \"70000\"\n}\nmoved {\n  from = order.bid\n  to = order.ask\n}\n"), want: `(?i)still declared`},
		{name: "unknown block", files: one(badOrder() + "resource \"x\" \"y\" {}\n"), want: `(?i)(unsupported|unknown|block)`},
		{name: "unknown attribute", files: one(badOrder(`colour = "red"`)), want: `(?i)(unsupported|unknown).*(argument|attribute)`},
		{name: "unclosed brace", files: one(badOrder() + "order \"x\" {\n"), want: `(?i)(unclosed|brace|expected)`},
		{name: "invalid UTF-8", files: one(badOrder() + "# \xff\xfe\n"), want: `(?i)(utf-8|utf8|encoding|invalid)`},
		{name: "NUL byte", files: one(badOrder(`side = "bu` + "\x00" + `y"`)), want: `(?i)(invalid|side|character)`},
		{name: "50 MB configuration file", files: one(badOrder()), setup: func(t *testing.T, h *harness) {
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
		}, want: `(?i)(too large|larger|size)`},
		{name: "variable validation fails", files: one(badOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n  default = -1\n  validation {\n    condition = var.size > 0\n    error_message = \"size must be positive.\"\n  }\n}\n"), want: `size must be positive`},

		// Connection.
		{name: "plain http to a remote host", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"http://203.0.113.7:8399\"\n}\n", 1)), want: `(?i)(http|tls|loopback)`},
		{name: "plain http to localhost look-alike", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"http://127.0.0.1.example.com\"\n}\n", 1)), want: `(?i)(http|tls|loopback)`},
		{name: "url with credentials", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"https://user:pw@api.gemini.com\"\n}\n", 1)), want: `(?i)(user|credential)`},
		{name: "GEMINI_API_URL plain http remote", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n environment = \"local\"\n}\n", 1)), env: map[string]string{"GEMINI_API_URL": "http://api.gemini.com"}, want: `(?i)(http|tls|loopback)`},
		{name: "unknown environment", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n environment = \"prod\"\n url = \"URL\"\n}\n", 1)), want: `(?i)environment`},
		{name: "production without keys", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n environment = \"production\"\n}\n", 1)), env: map[string]string{"GEMINI_API_KEY": "", "GEMINI_API_SECRET": ""}, want: `GEMINI_API_KEY`},
		{name: "credentials in configuration", files: one(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n api_secret = \"s\"\n}\n", 1)), want: `(?i)(secret|unsupported)`},

		// Command line.
		{name: "var without equals", files: one(badOrder()), args: []string{"plan", "-var", "size", "DIR"}, want: `(?i)name=value`},
		{name: "var with empty name", files: one(badOrder()), args: []string{"plan", "-var", "=1", "DIR"}, want: `(?i)(name|variable)`},
		{name: "var not declared", files: one(badOrder()), args: []string{"plan", "-var", "nope=1", "DIR"}, want: `(?i)(undeclared|not declared|no variable)`},
		{name: "var of the wrong type", files: one(badOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), args: []string{"plan", "-var", "size=abc", "DIR"}, want: `(?i)(number|size)`},
		{name: "var NaN for a number", files: one(badOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), args: []string{"plan", "-var", "size=NaN", "DIR"}, want: `(?i)(number|size)`},
		{name: "environment var of the wrong type", files: one(badOrder(`amount = var.size`) + "variable \"size\" {\n  type = number\n}\n"), env: map[string]string{"ORDERFORM_VAR_size": "1e400"}, want: `(?i)(size|large)`},
		{name: "missing var file", files: one(badOrder()), args: []string{"plan", "-var-file", "nope.vars.hcl", "DIR"}, want: `(?i)nope\.vars\.hcl`},
		{name: "unknown flag", files: one(badOrder()), args: []string{"plan", "-frobnicate", "DIR"}, want: `flag provided but not defined: -frobnicate`},
		{name: "unknown command", args: []string{"plna"}, want: `unknown command "plna"`},
		{name: "two directories", files: one(badOrder()), args: []string{"plan", "DIR", "DIR"}, want: `too many arguments`},
		{name: "missing directory", args: []string{"plan", "/nonexistent/orderform"}, want: `(?i)(no such|not exist|nonexistent)`},
		{name: "target matching nothing", files: one(badOrder()), args: []string{"plan", "-target", "order.nope", "DIR"}, want: `matches no order`},
		{name: "apply -json without -auto-approve", files: one(badOrder()), args: []string{"apply", "-json", "DIR"}, want: `-json needs -auto-approve`},
		{name: "apply without a terminal", files: one(badOrder()), args: []string{"apply", "DIR"}, want: `no terminal`},
		{name: "negative plan expiry", files: one(badOrder()), args: []string{"plan", "-out", "DIR/p.plan", "-out-expiry", "-1m", "DIR"}, want: `(?i)expiry`},

		// Saved plans.
		{name: "truncated plan file", files: one(badOrder()), setup: savedPlan(func(b []byte) []byte { return b[:len(b)/2] }), args: []string{"apply", "PLAN"}, want: `(?i)truncated`},
		{name: "tampered plan file", files: one(badOrder()), setup: savedPlan(func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"60000"`, `"6000"`, 1))
		}), args: []string{"apply", "PLAN"}, want: `(?i)(changed|tamper|digest|checksum)`},
		{name: "plan file that is not JSON", files: one(badOrder()), setup: savedPlan(func([]byte) []byte { return []byte("hello\n") }), args: []string{"apply", "PLAN"}, want: `(?i)not a (saved )?plan`},
		{name: "plan file that is a configuration", files: one(badOrder()), setup: savedPlan(func([]byte) []byte { return []byte(badOrder()) }), args: []string{"apply", "PLAN"}, want: `(?i)not a (saved )?plan`},
		{name: "plan file of a future format", files: one(badOrder()), setup: savedPlan(func(b []byte) []byte {
			var m map[string]any
			if json.Unmarshal(b, &m) != nil {
				return b
			}
			m["format_version"] = "9.0"
			out, _ := json.Marshal(m)
			return out
		}), args: []string{"apply", "PLAN"}, want: `(?i)(version|changed)`},
		{name: "plan file from a different target", files: one(badOrder()), setup: savedPlanElsewhere, args: []string{"apply", "PLAN"}, want: `(?i)(target|GEMINI_API_URL)`},
		{name: "plan file with -var", files: one(badOrder()), setup: savedPlan(nil), args: []string{"apply", "-var", "a=1", "PLAN"}, want: `applied exactly as saved`},
	}
}

// savedPlan makes a plan file with `plan -out` (its requests are then
// forgotten) and passes its bytes through damage.
func savedPlan(damage func([]byte) []byte) func(t *testing.T, h *harness) {
	return func(t *testing.T, h *harness) {
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

// savedPlanElsewhere makes a plan file against another simulator, then
// points GEMINI_API_URL at this one: applying it must not quietly go to the
// other exchange, nor send anything to this one.
func savedPlanElsewhere(t *testing.T, h *harness) {
	other := newHarness(t, harnessOptions{key: h.env["GEMINI_API_KEY"], secret: h.env["GEMINI_API_SECRET"]})
	other.write(one(strings.ReplaceAll(strings.Replace(badOrder(), "EXCHANGE", "exchange {\n url = \"URL\"\n namespace = \"cat\"\n}\n", 1), "URL", other.url)))
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
	cases := catalogue()
	if len(cases) < 40 {
		t.Fatalf("the catalogue has %d cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{sim: sim.Options{}})
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
			if res.code != exitError {
				t.Errorf("exit %d, want 1\n%s", res.code, res)
			}
			if !regexp.MustCompile(c.want).MatchString(res.stderr) {
				t.Errorf("stderr does not match %q\n%s", c.want, clip(res.String(), 3000))
			}
			if strings.Contains(res.stderr, "panic") || strings.Contains(res.stderr, "goroutine ") {
				t.Errorf("crashed:\n%s", clip(res.String(), 3000))
			}
			if n := h.requestCount(); n != 0 {
				t.Errorf("the exchange got %d requests, want none: %v", n, h.srv.Requests())
			}
		})
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d more bytes)", len(s)-n)
}
