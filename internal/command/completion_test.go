package command

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestComplete: commands, a command's flags, order addresses from the
// directory after -target and -replace, and files elsewhere (issue 15,
// case 10).
func TestComplete(t *testing.T) {
	dir := t.TempDir()
	src := `
order "bid" {
  for_each = toset(["l1", "l2"])
  symbol   = "btcusd"
  side     = "buy"
  amount   = "0.001"
  price    = 100
}
order "grid" {
  count  = 11
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 100 + count.index
}
order "ask" {
  symbol = "btcusd"
  side   = "sell"
  amount = "0.001"
  price  = 200
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &cliEnv{ctx: context.Background(), getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"pl"}, []string{"plan"}},
		{[]string{"c"}, []string{"completion"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}},
		{[]string{"plan", "-de"}, []string{"-destroy", "-detailed-exitcode"}},
		{[]string{"apply", "-a"}, []string{"-allow-config-change", "-auto-approve"}},
		{[]string{"plan", dir, "-target", "order.b"}, []string{"order.bid", `order.bid["l1"]`, `order.bid["l2"]`}},
		{[]string{"apply", "-replace", "order.grid[1"}, nil}, // no directory given: "." has no configuration
		{[]string{"plan", "-json", dir, "-replace", "order.grid[1"}, []string{"order.grid[1]", "order.grid[10]"}},
		{[]string{"plan", dir, "-target=order.a"}, []string{"-target=order.ask"}},
		{[]string{"plan", "-var-file", ""}, []string{"::files"}},
		{[]string{"plan", ""}, []string{"::files"}},
	} {
		got := complete(e, tc.args)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("complete %q (-want +got):\n%s", tc.args, d)
		}
	}
}

// TestCompletionScripts: each shell's script is what `orderform completion
// SHELL` prints and, where the shell is installed, parses.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range completionShells {
		var out, errb strings.Builder
		if code := run(context.Background(), []string{"completion", sh}, func(string) string { return "" }, strings.NewReader(""), &out, &errb); code != exitOK {
			t.Fatalf("completion %s: exit %d: %s", sh, code, errb.String())
		}
		if !strings.Contains(out.String(), "orderform __complete") {
			t.Errorf("%s script does not ask orderform __complete:\n%s", sh, out.String())
		}
		if path, err := exec.LookPath(sh); err == nil {
			f := filepath.Join(t.TempDir(), "c."+sh)
			os.WriteFile(f, []byte(out.String()), 0o644)
			if b, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, b)
			}
		}
	}
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"completion", "tcsh"}, func(string) string { return "" }, strings.NewReader(""), &out, &errb); code != exitError || !strings.Contains(errb.String(), "bash, zsh, fish") {
		t.Errorf("completion tcsh: exit %d, %s", code, errb.String())
	}
}
