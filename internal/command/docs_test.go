package command

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// docCommands reads docs/commands.md: for each "## orderform NAME" section,
// the flags named in the first column of its tables.
func docCommands(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile("^## orderform ([a-z]+)$")
	row := regexp.MustCompile("^\\| `-([a-z][a-z0-9-]*)")
	docs := map[string][]string{}
	cmd := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := section.FindStringSubmatch(line); m != nil {
			cmd = m[1]
			docs[cmd] = []string{}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			cmd = ""
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil && cmd != "" {
			docs[cmd] = append(docs[cmd], m[1])
		}
	}
	return docs
}

// helpFlags runs `orderform NAME -h` and returns the flags its usage names:
// the "  -flag" lines of a flag set's defaults, or, for a hand-written usage
// without a Flags section (sim), every -flag it mentions.
func helpFlags(t *testing.T, name string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{name, "-h"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("orderform %s -h: exit %d\n%s%s", name, code, stdout.String(), stderr.String())
	}
	out := stdout.String() + stderr.String()
	re := regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)
	if !strings.Contains(out, "\nFlags:\n") {
		re = regexp.MustCompile(`(?:^|[\s\[])-([a-z][a-z0-9-]*)`)
	}
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestDocsCommandsMatchBinary: every command of the binary has a section in
// docs/commands.md and a line in `orderform help`, and every flag a
// command's -h shows is documented, and the reverse.
func TestDocsCommandsMatchBinary(t *testing.T) {
	docs := docCommands(t)
	var help bytes.Buffer
	run(context.Background(), []string{"help"}, func(string) string { return "" }, strings.NewReader(""), &help, &help)
	binary := map[string]bool{}
	for _, c := range commands() {
		binary[c.name] = true
		if !regexp.MustCompile(`(?m)^  ` + c.name + ` `).MatchString(help.String()) {
			t.Errorf("orderform help does not list %s:\n%s", c.name, help.String())
		}
		if _, ok := docs[c.name]; !ok {
			t.Errorf("../../docs/commands.md has no section \"## orderform %s\"", c.name)
		}
	}
	for name := range docs {
		if !binary[name] {
			t.Errorf("../../docs/commands.md documents %q, which is not a command of the binary", name)
		}
	}
	for _, c := range commands() {
		if c.name == "version" {
			continue // prints the version whatever its arguments
		}
		t.Run(c.name, func(t *testing.T) {
			inHelp := map[string]bool{}
			for _, f := range helpFlags(t, c.name) {
				inHelp[f] = true
			}
			inDocs := map[string]bool{}
			for _, f := range docs[c.name] {
				inDocs[f] = true
			}
			for _, f := range sortedKeys(inHelp) {
				if !inDocs[f] {
					t.Errorf("orderform %s -h shows -%s, which docs/commands.md does not document", c.name, f)
				}
			}
			for _, f := range sortedKeys(inDocs) {
				if !inHelp[f] {
					t.Errorf("../../docs/commands.md documents -%s for %s, which orderform %s -h does not show", f, c.name, c.name)
				}
			}
		})
	}
}

// TestDocsFlagsAreReal: every flag documented for a command is accepted by
// it (catches a -h text that mentions a flag the command does not have).
func TestDocsFlagsAreReal(t *testing.T) {
	for name, flags := range docCommands(t) {
		if name == "sim" || name == "version" {
			continue // sim's flags differ per subcommand; see TestDocsCommandsMatchBinary
		}
		for _, f := range flags {
			var stdout, stderr bytes.Buffer
			run(context.Background(), []string{name, "-" + f + "=x", "-h"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			if strings.Contains(stderr.String(), "flag provided but not defined") {
				t.Errorf("../../docs/commands.md documents -%s for %s, but orderform %s does not accept it", f, name, name)
			}
		}
	}
}

// TestDocsLanguageExample validates, formats and plans the complete example
// of docs/language.md, and validates every variable block shown there, on
// the local exchange.
func TestDocsLanguageExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, after, ok := strings.Cut(doc, "## A complete example\n\n```hcl\n")
	if !ok {
		t.Fatal("../../docs/language.md has no \"## A complete example\" with an hcl block")
	}
	example, _, _ := strings.Cut(after, "```\n")
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/main.hcl", []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	env := exEnv(t)
	exRun(t, env, exitOK, "validate", "-no-color", dir)
	exRun(t, env, exitOK, "fmt", "-check", dir)
	p := exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", dir)
	mustContain(t, "plan of the language example", p.stdout, `order.btc_bid["l1"] will be placed`, "order.eth_stop will be placed", "Plan: 4 to place")

	// The variable block of the "variable" section, with the order that uses it.
	_, after, _ = strings.Cut(doc, "## variable\n\n```hcl\n")
	variable, _, _ := strings.Cut(after, "```\n")
	dir = t.TempDir()
	cfg := variable + `
order "bid" {
  for_each = var.levels
  symbol   = "btcusd"
  side     = "buy"
  amount   = 0.001
  price    = 60000 * each.value
}
`
	if err := os.WriteFile(dir+"/main.hcl", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	exRun(t, env, exitOK, "validate", "-no-color", dir)
	r := exRun(t, env, exitError, "validate", "-no-color", "-var", "levels={ l1 = 1.5 }", dir)
	mustContain(t, "validation", r.stderr, "Every level is a fraction between 0 and 1.")
}
