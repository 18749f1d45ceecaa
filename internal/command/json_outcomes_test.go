package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"orderform/internal/jsondoc"
)

// jsonDoc is docs/json-format.md's shapes.
func jsonShapes(t *testing.T) jsondoc.Doc {
	t.Helper()
	md, err := os.ReadFile("../../docs/json-format.md")
	if err != nil {
		t.Fatal(err)
	}
	d, err := jsondoc.Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestJSONOutcomes: every outcome of every command that takes -json —
// success, a configuration error, an exchange that cannot be read, a
// refusal, an interrupt — prints one documented JSON document, or for
// apply and destroy a documented stream of JSON lines, on stdout and
// nothing else there (issue 15, cases 1 and 2).
func TestJSONOutcomes(t *testing.T) {
	shapes := jsonShapes(t)
	good := filepath.Join(t.TempDir(), "good")
	bad := filepath.Join(t.TempDir(), "bad")
	unreachable := filepath.Join(t.TempDir(), "unreachable")
	order := `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 1000
}
`
	for dir, src := range map[string]string{
		good:        "exchange {\n  namespace = \"good\"\n}\n" + order,
		bad:         "order \"x\" {\n  symbol = 1\n}\n",
		unreachable: "exchange {\n  url       = \"http://127.0.0.1:1\"\n  namespace = \"far\"\n}\n" + order,
	} {
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	planFile := filepath.Join(t.TempDir(), "good.plan")
	brokenPlan := filepath.Join(t.TempDir(), "broken.plan")
	os.WriteFile(brokenPlan, []byte("hello\n"), 0o644)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	type outcome struct {
		name   string
		ctx    context.Context
		args   []string
		code   int
		shape  string // a document's shape, or "stream apply"
		stderr string // a word stderr must hold, for people
	}
	steps := []outcome{
		{"validate ok", nil, []string{"validate", "-json", good}, exitOK, "validate", ""},
		{"validate config error", nil, []string{"validate", "-json", bad}, exitError, "validate", ""},
		{"validate missing dir", nil, []string{"validate", "-json", good + "x"}, exitError, "validate", ""},
		{"version", nil, []string{"version", "-json"}, exitOK, "version", ""},

		{"plan ok", nil, []string{"plan", "-json", "-out", planFile, good}, exitOK, "plan", ""},
		{"plan config error", nil, []string{"plan", "-json", bad}, exitError, "plan", "Invalid"},
		{"plan missing dir", nil, []string{"plan", "-json", good + "x"}, exitError, "plan", "Cannot read"},
		{"plan exchange error", nil, []string{"plan", "-json", unreachable}, exitError, "plan", "reach"},
		{"plan refusal", nil, []string{"plan", "-json", "-target", "order.nope", good}, exitError, "plan", ""},
		{"plan interrupted", cancelled, []string{"plan", "-json", good}, exitError, "plan", ""},
		{"show plan file", nil, []string{"show", "-json", planFile}, exitOK, "plan", ""},

		{"apply refusal", nil, []string{"apply", "-json", good}, exitError, "stream apply", "auto-approve"},
		{"apply config error", nil, []string{"apply", "-json", "-auto-approve", bad}, exitError, "stream apply", "Invalid"},
		{"apply exchange error", nil, []string{"apply", "-json", "-auto-approve", unreachable}, exitError, "stream apply", "reach"},
		{"apply interrupted", cancelled, []string{"apply", "-json", "-auto-approve", good}, exitError, "stream apply", ""},
		{"apply ok", nil, []string{"apply", "-json", "-auto-approve", good}, exitOK, "stream apply", ""},
		{"apply no changes", nil, []string{"apply", "-json", "-auto-approve", good}, exitOK, "stream apply", ""},
		{"apply stale plan file", nil, []string{"apply", "-json", planFile}, exitError, "stream apply", ""},

		{"show ok", nil, []string{"show", "-json", good}, exitOK, "show", ""},
		{"show config error", nil, []string{"show", "-json", bad}, exitError, "show", ""},
		{"show exchange error", nil, []string{"show", "-json", unreachable}, exitError, "show", ""},
		{"show a file that is not a plan", nil, []string{"show", "-json", brokenPlan}, exitError, "plan", "not an orderform plan file"},
		{"show a configuration file", nil, []string{"show", "-json", filepath.Join(good, "main.hcl")}, exitError, "show", "is a file"},

		{"destroy refusal", nil, []string{"destroy", "-json", good}, exitError, "stream apply", "auto-approve"},
		{"destroy ok", nil, []string{"destroy", "-json", "-auto-approve", good}, exitOK, "stream apply", ""},
		{"apply -destroy, nothing left", nil, []string{"apply", "-destroy", "-json", "-auto-approve", good}, exitOK, "stream apply", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			ctx := s.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, s.args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			if code != s.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, s.code, stdout.String(), stderr.String())
			}
			var errs []error
			if stream, ok := strings.CutPrefix(s.shape, "stream "); ok {
				errs = shapes.CheckStream(stream, stdout.Bytes())
				lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
				if !strings.HasPrefix(lines[0], `{"type":"version"`) || !strings.HasPrefix(lines[len(lines)-1], `{"type":"summary"`) {
					t.Errorf("stream does not start with version and end with summary:\n%s", stdout.String())
				}
			} else {
				errs = shapes.CheckDocument(s.shape, stdout.Bytes())
			}
			for _, err := range errs {
				t.Errorf("%s: %v", s.shape, err)
			}
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			if s.stderr != "" && !strings.Contains(stderr.String(), s.stderr) {
				t.Errorf("stderr does not say %q:\n%s", s.stderr, stderr.String())
			}
		})
	}
}

// cancelOn is a writer that cancels a context once what was written holds
// marker.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.marker) {
		c.cancel()
	}
	return len(p), nil
}

// TestWatchJSONOutcomes: watch -json's events, for a cycle that places, a
// configuration that fails, and a stop, each of a documented shape.
func TestWatchJSONOutcomes(t *testing.T) {
	shapes := jsonShapes(t)
	good := t.TempDir()
	bad := t.TempDir()
	os.WriteFile(filepath.Join(good, "main.hcl"), []byte("exchange {\n  namespace = \"w\"\n}\norder \"bid\" {\n  symbol = \"btcusd\"\n  side   = \"buy\"\n  amount = \"0.001\"\n  price  = 1000\n}\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "main.hcl"), []byte("order \"x\" {\n  symbol = 1\n}\n"), 0o644)
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"a cycle that places", good, `"type":"action"`},
		{"a configuration error", bad, `"outcome":"config_error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &cancelOn{marker: `"type":"cycle"`, cancel: cancel}
			var stderr bytes.Buffer
			run(ctx, []string{"watch", "-json", "-interval", "1h", "-probe", "0", tc.dir}, func(string) string { return "" }, strings.NewReader(""), out, &stderr)
			out.mu.Lock()
			data := out.buf.Bytes()
			out.mu.Unlock()
			for _, err := range shapes.CheckStream("watch", data) {
				t.Errorf("watch: %v", err)
			}
			for _, want := range []string{`"type":"start"`, tc.want, `"type":"stop"`} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("no %s in\n%s\nstderr:\n%s", want, data, stderr.String())
				}
			}
		})
	}
}
