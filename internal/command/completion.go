package command

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"orderform/spec"
)

// Shell completion: `orderform completion SHELL` prints a script that asks
// `orderform __complete WORDS...` for the candidates of the word being
// typed (the last of WORDS): commands, a command's flags, and after -target
// and -replace the order addresses of the directory on the command line
// (read without the network). A line "::files" asks the shell for file
// names instead.

// completionShells are the shells `orderform completion` writes scripts for.
var completionShells = []string{"bash", "zsh", "fish"}

func cmdCompletion(e *cliEnv, args []string) error {
	fs := newFlagSet("completion", "bash|zsh|fish", "Print a shell completion script: commands, flags, and order addresses from the directory.\nbash: source <(orderform completion bash)   zsh: source <(orderform completion zsh)\nfish: orderform completion fish | source", e.stderr)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	if len(rest) != 1 || !slices.Contains(completionShells, rest[0]) {
		return &usageError{fmt.Sprintf("completion takes one shell: %s.", strings.Join(completionShells, ", ")), fs.Usage}
	}
	io.WriteString(e.stdout, completionScript(rest[0]))
	return nil
}

func completionScript(shell string) string {
	switch shell {
	case "bash":
		return `# orderform completion for bash: source <(orderform completion bash)
_orderform() {
	local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n' out
	out=$(orderform __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	COMPREPLY=()
	if [[ $'\n'$out$'\n' == *$'\n::files\n'* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
	out=$(printf '%s\n' "$out" | grep -v '^::files$')
	COMPREPLY+=($(compgen -W "$out" -- "$cur"))
}
complete -o filenames -F _orderform orderform
`
	case "zsh":
		return `#compdef orderform
# orderform completion for zsh: source <(orderform completion zsh)
_orderform() {
	local -a cands
	local line
	cands=()
	for line in "${(@f)$(orderform __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}"; do
		if [[ $line == ::files ]]; then
			_files
		elif [[ -n $line ]]; then
			cands+=("$line")
		fi
	done
	(( ${#cands} )) && compadd -Q -- "${cands[@]}"
}
compdef _orderform orderform
`
	case "fish":
		return `# orderform completion for fish: orderform completion fish | source
function __orderform_complete
	set -l words (commandline -opc) (commandline -ct)
	for line in (orderform __complete $words[2..-1] 2>/dev/null)
		if test "$line" = "::files"
			__fish_complete_path (commandline -ct)
		else
			echo $line
		end
	end
end
complete -c orderform -f -a '(__orderform_complete)'
`
	}
	return ""
}

// cmdComplete answers a completion script: the candidates for the last of
// args, one per line.
func cmdComplete(e *cliEnv, args []string) error {
	for _, c := range complete(e, args) {
		fmt.Fprintln(e.stdout, c)
	}
	return nil
}

// complete returns the candidates for the last word of args, the words
// after "orderform".
func complete(e *cliEnv, args []string) []string {
	if len(args) == 0 {
		args = []string{""}
	}
	cur := args[len(args)-1]
	if len(args) == 1 {
		var names []string
		for _, c := range commands() {
			names = append(names, c.name)
		}
		return prefixed(append(names, "help"), cur)
	}
	name, words := args[0], args[1:len(args)-1]
	switch name {
	case "help":
		return complete(e, []string{cur})
	case "completion":
		if len(words) == 0 {
			return prefixed(completionShells, cur)
		}
		return nil
	}
	flags := commandFlags(name)
	if len(words) > 0 {
		prev := strings.TrimLeft(words[len(words)-1], "-")
		if v, ok := flags[prev]; ok && v != "" && !strings.Contains(words[len(words)-1], "=") {
			if v == "ADDR" {
				return prefixed(addressesIn(e, dirOf(words, flags)), cur)
			}
			return []string{"::files"}
		}
	}
	if f, v, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(f, "-") && flags[strings.TrimLeft(f, "-")] == "ADDR" {
		var out []string
		for _, a := range prefixed(addressesIn(e, dirOf(words, flags)), v) {
			out = append(out, f+"="+a)
		}
		return out
	}
	if strings.HasPrefix(cur, "-") {
		var out []string
		for f := range flags {
			out = append(out, "-"+f)
		}
		slices.Sort(out)
		return prefixed(out, cur)
	}
	return []string{"::files"}
}

func prefixed(words []string, prefix string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

// flagLine is a flag in a flag set's defaults: "  -name" or "  -name VALUE".
var flagLine = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)(?: ([A-Za-z_'=]+))?$`)

// commandFlags returns the flags of command name, from its -h, each with
// the name of its value ("" for a switch).
func commandFlags(name string) map[string]string {
	var out bytes.Buffer
	run(context.Background(), []string{name, "-h"}, func(string) string { return "" }, strings.NewReader(""), &out, &out)
	flags := map[string]string{}
	for _, m := range flagLine.FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = m[2]
	}
	return flags
}

// dirOf returns the directory among words (the first argument that is not
// a flag or a flag's value), "." by default.
func dirOf(words []string, flags map[string]string) string {
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "-") {
			if v := flags[strings.TrimLeft(w, "-")]; v != "" && !strings.Contains(w, "=") {
				i++
			}
			continue
		}
		return w
	}
	return "."
}

// addressesIn returns the order addresses of the configuration in dir, and
// the block addresses of those with count or for_each, as -target takes
// them. Nothing when the configuration does not load.
func addressesIn(e *cliEnv, dir string) []string {
	cfg, diags := spec.Load(dir, spec.Options{Getenv: e.getenv})
	if cfg == nil || diags.HasErrors() {
		return nil
	}
	orders, _ := cfg.Orders(nil)
	seen := map[string]bool{}
	var out []string
	for _, o := range orders {
		if i := strings.IndexByte(o.Address, '['); i > 0 && !seen[o.Address[:i]] {
			seen[o.Address[:i]] = true
			out = append(out, o.Address[:i])
		}
		out = append(out, o.Address)
	}
	return out
}
