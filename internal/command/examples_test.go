package command

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exResult is what one orderform command line did.
type exResult struct {
	code           int
	stdout, stderr string
}

// exEnv is the environment examples run in: no credentials and no URL from
// the machine running the tests, a private cache, no color.
func exEnv(t *testing.T, extra ...string) func(string) string {
	t.Helper()
	env := map[string]string{
		"ORDERFORM_CACHE_DIR": t.TempDir(),
		"NO_COLOR":            "1",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return func(k string) string { return env[k] }
}

// exRun runs one orderform command line in process and checks its exit
// code.
func exRun(t *testing.T, getenv func(string) string, want int, args ...string) exResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, getenv, strings.NewReader(""), &stdout, &stderr)
	r := exResult{code, stdout.String(), stderr.String()}
	if code != want {
		t.Fatalf("orderform %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, r.stdout, r.stderr)
	}
	return r
}

// exCopy copies an example's files (not its local exchange, which the
// README's set-up commands leave in examples/quickstart/.orderform) to a
// temporary directory, so that tests never read or write the examples' books.
func exCopy(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(dir))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// exampleDirs lists the directories of examples/ that hold a configuration.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, d := range all {
		if hcl, _ := filepath.Glob(filepath.Join(d, "*.hcl")); len(hcl) > 0 {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) < 5 {
		t.Fatalf("found %d example configurations in examples/, want at least 5: %q", len(dirs), dirs)
	}
	return dirs
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

// TestExamples is the promise that examples cannot rot: every example
// directory validates, is formatted, plans changes, applies against the
// local simulator, and then plans "No changes". Every README in examples/
// and every variable file must belong to a configuration that passes.
func TestExamples(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Errorf("%s has no README.md", dir)
			}
			tmp := exCopy(t, dir)
			env := exEnv(t)
			exRun(t, env, exitOK, "validate", "-no-color", tmp)
			// Every variable file validates too: it is what a trader will pass.
			varFiles, _ := filepath.Glob(filepath.Join(tmp, "*.vars.hcl"))
			for _, vf := range varFiles {
				if !strings.HasSuffix(vf, ".auto.vars.hcl") {
					exRun(t, env, exitOK, "validate", "-no-color", "-var-file", vf, tmp)
				}
			}
			exRun(t, env, exitOK, "fmt", "-check", tmp)
			p := exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", tmp)
			mustContain(t, "first plan", p.stdout, "will be placed", "to place")
			a := exRun(t, env, exitOK, "apply", "-auto-approve", "-no-color", tmp)
			mustContain(t, "apply", a.stdout, "Apply complete!")
			p = exRun(t, env, exitOK, "plan", "-detailed-exitcode", "-no-color", tmp)
			mustContain(t, "plan after apply", p.stdout, "No changes.")
		})
	}
}

// TestExampleLadderRepriceTolerance shows the ladder's reprice_tolerance at
// work: a small move of the market keeps every level, a large one moves them
// all.
func TestExampleLadderRepriceTolerance(t *testing.T) {
	tmp := exCopy(t, "../../examples/ladder")
	env := exEnv(t)
	p := exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan", p.stdout, `order.eth_bid["l1"] will be placed`, `order.eth_bid["l5"] will be placed`, "Plan: 5 to place")
	exRun(t, env, exitOK, "apply", "-auto-approve", "-no-color", tmp)

	exRun(t, env, exitOK, "sim", "price", "-dir", tmp, "ethusd", "3210", "3210.5") // +0.3%
	p = exRun(t, env, exitOK, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan after a 0.3% move", p.stdout, "No changes.")

	exRun(t, env, exitOK, "sim", "price", "-dir", tmp, "ethusd", "3300", "3300.5") // +3%
	p = exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan after a 3% move", p.stdout, `order.eth_bid["l1"] must be replaced`, "Plan: 0 to place, 5 to replace, 0 to cancel.")
}

// TestExampleStopLossTriggers moves the market through the stop: the stop
// fills and the next plan shows a fill note, not a new order.
func TestExampleStopLossTriggers(t *testing.T) {
	tmp := exCopy(t, "../../examples/stop-loss")
	env := exEnv(t)
	p := exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan", p.stdout, `type            = "stop-limit"`, "stop_price      = 2900", "price           = 2885.5", "amount          = 5")
	exRun(t, env, exitOK, "apply", "-auto-approve", "-no-color", tmp)
	exRun(t, env, exitOK, "sim", "price", "-dir", tmp, "ethusd", "2895", "2895.5")
	p = exRun(t, env, exitOK, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan after the stop triggered", p.stdout, "order.eth_stop: the last order", "filled", "No changes.")
}

// TestExampleEnvironments checks the variable files: production's values
// dry-run on the local exchange, and the sandbox without keys stops before
// touching the network, saying what to set.
func TestExampleEnvironments(t *testing.T) {
	tmp := exCopy(t, "../../examples/environments")
	env := exEnv(t)
	p := exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color",
		"-var-file", filepath.Join(tmp, "production.vars.hcl"), "-var", "environment=local", tmp)
	mustContain(t, "production values on the local exchange", p.stdout, "amount          = 0.002", "Plan: 2 to place")

	r := exRun(t, env, exitError, "plan", "-no-color", "-var-file", filepath.Join(tmp, "sandbox.vars.hcl"), tmp)
	mustContain(t, "sandbox without keys", r.stderr, "sandbox", "GEMINI_API_KEY", "GEMINI_API_SECRET")

	r = exRun(t, env, exitError, "validate", "-no-color", "-var", "environment=prod", tmp)
	mustContain(t, "a misspelt environment", r.stderr, `environment must be "local", "sandbox" or "production".`)
}

// TestExampleGuardsRefuseFatFinger types the fat-fingered values of the
// guards example's README: each plan is refused with exit 1 by the guard
// named, and nothing is placed; the defaults apply cleanly.
func TestExampleGuardsRefuseFatFinger(t *testing.T) {
	tmp := exCopy(t, "../../examples/guards")
	env := exEnv(t)
	for _, tc := range []struct {
		variable, guard string
	}{
		{"size=0.5", "max_order_notional"},
		{"price=6400", "max_price_deviation"},
		{"price=64500", "allow_crossing"},
	} {
		t.Run(tc.variable, func(t *testing.T) {
			r := exRun(t, env, exitError, "plan", "-detailed-exitcode", "-no-color", "-var", tc.variable, tmp)
			mustContain(t, "stderr", r.stderr, "Refused by guard "+tc.guard, "order.btc_bid", "main.hcl", "cannot be applied")
			// apply refuses the same plan, even with -auto-approve.
			r = exRun(t, env, exitError, "apply", "-auto-approve", "-no-color", "-var", tc.variable, tmp)
			mustContain(t, "apply stderr", r.stderr, "Refused by guard "+tc.guard)
		})
	}
	r := exRun(t, env, exitOK, "show", "-no-color", tmp)
	if strings.Contains(r.stdout, "order.btc_bid") {
		t.Fatalf("a refused plan placed an order:\n%s", r.stdout)
	}
	exRun(t, env, exitOK, "apply", "-auto-approve", "-no-color", tmp)
	p := exRun(t, env, exitOK, "plan", "-detailed-exitcode", "-no-color", tmp)
	mustContain(t, "plan after apply", p.stdout, "No changes.")
}

// yamlKeys is a small structural reading of a YAML file, enough to check a
// CI recipe's shape without a YAML library: it returns every mapping key's
// dotted path (list items are "[]"), and reports tabs in indentation,
// unbalanced flow brackets and lines that are neither a key, a list item, a
// comment nor part of a block scalar.
func yamlKeys(t *testing.T, name string, src string) map[string]bool {
	t.Helper()
	type level struct {
		indent int
		key    string
	}
	keys := map[string]bool{}
	var stack []level
	block := -1 // indent of the key that opened a block scalar, or -1
	for n, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if block >= 0 {
			if indent > block {
				continue
			}
			block = -1
		}
		if strings.HasPrefix(trimmed, "\t") {
			t.Errorf("%s:%d: tab in indentation", name, n+1)
		}
		pop := func(i int) {
			for len(stack) > 0 && stack[len(stack)-1].indent >= i {
				stack = stack[:len(stack)-1]
			}
		}
		for strings.HasPrefix(trimmed, "- ") || trimmed == "-" {
			pop(indent)
			stack = append(stack, level{indent, "[]"})
			trimmed = strings.TrimPrefix(strings.TrimPrefix(trimmed, "-"), " ")
			indent += 2
		}
		if strings.Count(trimmed, "[") != strings.Count(trimmed, "]") || strings.Count(trimmed, "{") != strings.Count(trimmed, "}") {
			if !strings.Contains(trimmed, "${{") {
				t.Errorf("%s:%d: unbalanced brackets: %s", name, n+1, line)
			}
		}
		key, value, isKey := strings.Cut(trimmed, ":")
		if !isKey || strings.ContainsAny(key, " \"'$[{") || (value != "" && value[0] != ' ') {
			if len(stack) > 0 && stack[len(stack)-1].key == "[]" {
				continue // a scalar list item
			}
			t.Errorf("%s:%d: neither a key nor a list item: %s", name, n+1, line)
			continue
		}
		pop(indent)
		stack = append(stack, level{indent, key})
		path := make([]string, len(stack))
		for i, l := range stack {
			path[i] = l.key
		}
		keys[strings.Join(path, ".")] = true
		if v := strings.TrimSpace(value); strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
			block = indent
		}
	}
	return keys
}

// shellWords splits an orderform command line of a CI recipe into its
// arguments, up to the first redirection or shell operator, expanding
// "$ORDERFORM_DIR".
func shellWords(line, dir string) []string {
	var words []string
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, ">") || strings.HasPrefix(f, "2>") || f == "|" || f == "||" || f == "&&" || f == ";" {
			break
		}
		f = strings.Trim(f, `"'`)
		f = strings.ReplaceAll(f, "${ORDERFORM_DIR}", dir)
		f = strings.ReplaceAll(f, "$ORDERFORM_DIR", dir)
		words = append(words, f)
	}
	return words
}

// TestCIRecipes keeps examples/ci honest: both files are well-formed YAML of
// the right shape, and their orderform command lines, run in order against a
// copy of the quickstart on the local simulator, do what the recipe expects
// (the pull-request plan shows changes, apply converges, the check after
// apply finds none).
func TestCIRecipes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file     string
		wantKeys []string
		wantText []string
	}{
		{
			file: "../../examples/ci/github-actions.yml",
			wantKeys: []string{"on.pull_request", "on.push.branches", "jobs.plan.steps", "jobs.plan.permissions.pull-requests",
				"jobs.apply.concurrency.group", "jobs.apply.concurrency.cancel-in-progress", "jobs.apply.steps.[].env.GEMINI_API_KEY"},
			wantText: []string{"${{ secrets.GEMINI_API_KEY }}", "${{ secrets.GEMINI_API_SECRET }}", "cancel-in-progress: false", "gh pr comment",
				"environment: production-plan", "Auditor"},
		},
		{
			file:     "../../examples/ci/gitlab-ci.yml",
			wantKeys: []string{"stages", "check.script", "plan.rules", "plan.artifacts", "apply.rules", "apply.resource_group", "apply.script"},
			wantText: []string{"merge_request_event", "$CI_DEFAULT_BRANCH", "merge_requests/$CI_MERGE_REQUEST_IID/notes",
				"GEMINI_API_KEY: $ORDERFORM_PLAN_API_KEY", "Auditor"},
		},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			b, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			src := string(b)
			keys := yamlKeys(t, tc.file, src)
			for _, k := range tc.wantKeys {
				if !keys[k] {
					t.Errorf("%s has no key %s", tc.file, k)
				}
			}
			mustContain(t, tc.file, src, tc.wantText...)
			yamlParse(t, tc.file)

			tmp := exCopy(t, "../../examples/quickstart")
			env := exEnv(t)
			var ran []string
			applied := false
			for _, line := range strings.Split(src, "\n") {
				line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
				if !strings.HasPrefix(line, "orderform ") {
					continue
				}
				args := shellWords(line, tmp)[1:]
				ran = append(ran, args[0])
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), args, env, strings.NewReader(""), &stdout, &stderr)
				ok := code == exitOK
				switch {
				case args[0] == "plan" && !applied:
					ok = code == exitChanges // the pull request's plan: changes to review
				case args[0] == "apply":
					applied = true
				}
				if !ok {
					t.Fatalf("%s: %s: exit %d\nstdout:\n%s\nstderr:\n%s", tc.file, line, code, stdout.String(), stderr.String())
				}
			}
			got := strings.Join(ran, " ")
			for _, want := range []string{"validate", "fmt", "plan", "apply", "plan"} {
				if !strings.Contains(got, want) {
					t.Errorf("%s runs %q, want validate, fmt, plan, apply and a plan after apply", tc.file, got)
				}
			}
			if !applied {
				t.Errorf("%s never runs orderform apply", tc.file)
			}
		})
	}
}

// yamlParse parses the file with a real YAML parser when python3 with PyYAML
// is installed (.ci/run does not require it; the structural check above
// always runs).
func yamlParse(t *testing.T, file string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Logf("python3 not found: %s checked structurally only", file)
		return
	}
	if exec.Command(py, "-c", "import yaml").Run() != nil {
		t.Logf("python3 has no yaml module: %s checked structurally only", file)
		return
	}
	out, err := exec.Command(py, "-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))", file).CombinedOutput()
	if err != nil {
		t.Errorf("%s is not valid YAML: %v\n%s", file, err, out)
	}
}
