package command

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two configurations on one book that name no namespace would both own
// of:default:..., and each apply would cancel the other's orders ("not in
// the configuration"). Wherever the book can be shared (here: a url), a
// configuration must name its namespace; with one each, they coexist.
func TestTwoConfigurationsOnOneBookNeedTheirOwnNamespaces(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	write := func(name, exchange, order, price string) string {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf("exchange {\n  url = %q\n%s}\n\norder %q {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = %s\n}\n", e.url, exchange, order, price)
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	live := func() []string {
		var out []string
		for _, o := range e.sim.Orders() {
			if o.Live {
				out = append(out, o.ClientOrderID[:strings.LastIndexByte(o.ClientOrderID, ':')])
			}
		}
		return out
	}

	a := write("strategy-a", "", "a", "3000")
	b := write("strategy-b", "", "b", "2900")
	for _, dir := range []string{a, b} {
		r := e.run(context.Background(), "apply", "-auto-approve", dir)
		if r.code != exitError || !strings.Contains(r.stderr, "Namespace required") || !strings.Contains(r.stderr, "main.hcl:1") {
			t.Errorf("a configuration on a shared book without a namespace: want exit 1, Namespace required at main.hcl:1\n%s", r)
		}
	}
	if got := live(); len(got) != 0 {
		t.Fatalf("refused configurations placed orders: %v", got)
	}

	a = write("strategy-a", "  namespace = \"strat-a\"\n", "a", "3000")
	b = write("strategy-b", "  namespace = \"strat-b\"\n", "b", "2900")
	e.mustRun(exitOK, "apply", "-auto-approve", a)
	r := e.mustRun(exitOK, "apply", "-auto-approve", b)
	if strings.Contains(r.stdout, "cancel") && !strings.Contains(r.stdout, "0 to cancel") {
		t.Errorf("b's apply cancelled something:\n%s", r)
	}
	if got := strings.Join(live(), " "); !strings.Contains(got, "of:strat-a") || !strings.Contains(got, "of:strat-b") {
		t.Errorf("want one live order per namespace, got %s", got)
	}
	e.mustRun(exitOK, "plan", "-detailed-exitcode", a)
}

// GEMINI_API_URL shares a book as much as url does: a configuration it
// points elsewhere than the built-in local exchange names its namespace.
func TestGeminiAPIURLNeedsANamespace(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	order := "order \"a\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = 3000\n}\n"
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(order), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GEMINI_API_URL": e.url}
	r := e.runEnv(context.Background(), env, "plan", e.dir)
	if r.code != exitError || !strings.Contains(r.stderr, "namespace required: GEMINI_API_URL") {
		t.Errorf("want exit 1 and namespace required:\n%s", r)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte("exchange {\n  namespace = \"mine\"\n}\n\n"+order), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.runEnv(context.Background(), env, "plan", e.dir); r.code != exitOK || !strings.Contains(r.stdout, "namespace mine") {
		t.Errorf("with a namespace:\n%s", r)
	}
}
