package command

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// The host decides, not the label (issue 13, case 9): a url or
// GEMINI_API_URL that reaches Gemini's production exchange, or any host off
// this machine, is refused unless the exchange block says production; the
// refusal names where the URL came from and comes before any request (these
// hosts are not reachable from the tests: a request would fail differently).
func TestHostDecidesNotTheLabel(t *testing.T) {
	cases := []struct {
		name, block string
		env         map[string]string
		want        string
	}{
		{name: "production url, no environment", block: "exchange {\n  namespace = \"h\"\n  url = \"https://api.gemini.com\"\n}\n",
			want: `the url at \S+main\.hcl:3 is https://api\.gemini\.com, which is Gemini's production exchange.*environment = "local".*set environment = "production"`},
		{name: "production url, local", block: "exchange {\n  namespace = \"h\"\n  environment = \"local\"\n  url = \"https://api.gemini.com/\"\n}\n",
			want: `the url at \S+main\.hcl:4 is https://api\.gemini\.com, which is Gemini's production exchange`},
		{name: "production url, sandbox", block: "exchange {\n  namespace = \"h\"\n  environment = \"sandbox\"\n  url = \"https://API.Gemini.com.\"\n}\n",
			want: `the url at \S+main\.hcl:4 .*Gemini's production exchange.*environment = "sandbox"`},
		{name: "remote host, local", block: "exchange {\n  namespace = \"h\"\n  url = \"https://203.0.113.7:8443\"\n}\n",
			want: `the url at \S+main\.hcl:3 is https://203\.0\.113\.7:8443, which is not on this machine`},
		{name: "remote host, sandbox", block: "exchange {\n  namespace = \"h\"\n  environment = \"sandbox\"\n  url = \"https://gemini.example.com\"\n}\n",
			want: `not on this machine.*set environment = "production"`},
		{name: "sandbox url, local", block: "exchange {\n  namespace = \"h\"\n  url = \"https://api.sandbox.gemini.com\"\n}\n",
			want: `is https://api\.sandbox\.gemini\.com, which is Gemini's sandbox.*set environment = "sandbox"`},
		{name: "GEMINI_API_URL production, local", block: "exchange {\n  namespace = \"h\"\n  environment = \"local\"\n}\n",
			env:  map[string]string{"GEMINI_API_URL": "https://api.gemini.com"},
			want: `GEMINI_API_URL is https://api\.gemini\.com, which is Gemini's production exchange.*environment = "local"`},
		{name: "GEMINI_API_URL production, sandbox", block: "exchange {\n  namespace = \"h\"\n  environment = \"sandbox\"\n}\n",
			env:  map[string]string{"GEMINI_API_URL": "https://api.gemini.com"},
			want: `GEMINI_API_URL is https://api\.gemini\.com, which is Gemini's production exchange.*environment = "sandbox"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newRelHarness(t, relOptions{})
			h.write(catOne(strings.Replace(catOrder(), "EXCHANGE", c.block, 1)))
			for k, v := range c.env {
				h.env[k] = v
			}
			for _, cmd := range [][]string{{"plan", h.dir}, {"apply", "-auto-approve", h.dir}, {"destroy", "-auto-approve", h.dir}, {"show", h.dir}, {"doctor", h.dir}} {
				res := h.run(context.Background(), cmd...)
				if res.code != exitError {
					t.Errorf("%s: exit %d, want 1\n%s", cmd[0], res.code, res)
				}
				if !regexp.MustCompile(c.want).MatchString(res.stderr + res.stdout) {
					t.Errorf("%s: output does not match %q\n%s", cmd[0], c.want, res)
				}
				if strings.Contains(res.stderr+res.stdout, "no such host") || strings.Contains(res.stderr+res.stdout, "dial") {
					t.Errorf("%s: a request was attempted\n%s", cmd[0], res)
				}
			}
		})
	}
}
