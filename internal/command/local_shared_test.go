package command

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A `sim fill` made while an apply waits at its prompt survives the apply:
// the apply's local exchange reads the fill from the state file before its
// next request instead of writing its own, older book over it.
func TestLocalFillWhileApplyWaits(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ORDERFORM_CACHE_DIR": filepath.Join(dir, ".cache"), "NO_COLOR": "1", "ORDERFORM_INPUT": "1"}
	getenv := func(k string) string { return env[k] }
	cfg := `exchange {
  namespace = "shared"
}

order "a" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 1000
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	if code := run(context.Background(), []string{"apply", "-auto-approve", dir}, getenv, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("first apply: %d\n%s%s", code, out.String(), errb.String())
	}
	code, stdout, stderr := runSim(t, env, "orders", "-dir", dir)
	m := regexp.MustCompile(`(?m)^(\d+)\s`).FindStringSubmatch(stdout)
	if code != 0 || m == nil {
		t.Fatalf("sim orders: %d\n%s%s", code, stdout, stderr)
	}
	id := m[1]

	cfg += `
order "b" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 1001
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	stdin, answer := io.Pipe()
	var out2, errb2 syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"apply", dir}, getenv, stdin, &out2, &errb2)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out2.String(), "Only 'yes' will be accepted") {
		if time.Now().After(deadline) {
			t.Fatalf("apply did not ask:\n%s%s", out2.String(), errb2.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, stdout, stderr := runSim(t, env, "fill", "-dir", dir, id); code != 0 || !strings.Contains(stdout, "filled 0.01") {
		t.Fatalf("sim fill while apply waits: %d\n%s%s", code, stdout, stderr)
	}
	io.WriteString(answer, "yes\n")
	answer.Close()
	if code := <-done; code != 0 || !strings.Contains(out2.String(), "1 placed") {
		t.Fatalf("second apply: %d\n%s%s", code, out2.String(), errb2.String())
	}
	code, stdout, _ = runSim(t, env, "orders", "-all", "-dir", dir)
	line := regexp.MustCompile(`(?m)^` + id + `\s.*$`).FindString(stdout)
	if code != 0 || !strings.Contains(line, "filled") {
		t.Errorf("order %s after the apply: %q, want filled (the fill was lost)\n%s", id, line, stdout)
	}
	if n := len(regexp.MustCompile(`(?m)^\d+\s`).FindAllString(stdout, -1)); n != 2 {
		t.Errorf("%d orders in the book, want 2:\n%s", n, stdout)
	}
}
