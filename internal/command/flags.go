package command

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"orderform/spec"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// varFlags collects -var and -var-file in command-line order, as Terraform
// does: later wins.
type varFlags struct{ args []spec.VarArg }

func (v *varFlags) register(fs *flag.FlagSet) {
	fs.Func("var", "set a variable to a value: `NAME=VALUE` (repeatable; later wins)", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want name=value, got %q", s)
		}
		v.args = append(v.args, spec.VarArg{Value: s})
		return nil
	})
	fs.Func("var-file", "read variable values from `FILE` (repeatable; later wins)", func(s string) error {
		v.args = append(v.args, spec.VarArg{File: true, Value: s})
		return nil
	})
}

// selection is -target and -replace, as plan and apply take them.
type selection struct{ targets, replaces stringList }

func (s *selection) register(fs *flag.FlagSet) {
	fs.Var(&s.targets, "target", "limit the plan to `ADDR` (repeatable)")
	fs.Var(&s.replaces, "replace", "cancel and place `ADDR` again although nothing changed (repeatable)")
}

// newFlagSet makes a flag set whose usage names the command and its
// arguments and writes to w.
func newFlagSet(name, argsUsage, summary string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: orderform %s [flags] %s\n\n%s\n\nFlags:\n", name, argsUsage, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, returning the exit code to use when parsing
// stopped (help or a bad flag) and whether to go on. Flags may follow the
// positional argument, as in `orderform plan DIR -json`.
func parseFlags(fs *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, exitOK, false
			}
			return nil, exitError, false
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return positional, exitOK, true
}

// dirArg is the single directory argument, "." by default.
func dirArg(cmd string, rest []string) (string, error) {
	switch len(rest) {
	case 0:
		return ".", nil
	case 1:
		if err := notAConfigFile(cmd, rest[0]); err != nil {
			return "", err
		}
		return rest[0], nil
	}
	return "", &commandError{cmd, fmt.Errorf("too many arguments %q: want at most one directory", rest)}
}

// notAConfigFile refuses a configuration file given where a directory is
// wanted (fmt takes files), naming the command to run instead: orderform
// reads every *.hcl file of a directory as one configuration.
func notAConfigFile(cmd, arg string) error {
	if cmd == "fmt" || !strings.HasSuffix(arg, ".hcl") {
		return nil
	}
	if st, err := os.Stat(arg); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is a file, and orderform %s takes the directory that holds the configuration: it reads all the *.hcl files there as one. Run `orderform %s %s`", arg, cmd, cmd, filepath.Dir(arg))
}
