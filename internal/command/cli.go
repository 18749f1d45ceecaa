package command

import (
	"context"
	"fmt"
	"io"

	"orderform/internal/command/views"
	"orderform/internal/simcli"
)

// version, when set at build time with
// -ldflags "-X orderform/internal/command.version=...", overrides the module
// version of the build information.
var version = ""

// cliEnv is everything a command touches outside the process. Tests supply
// their own.
type cliEnv struct {
	ctx    context.Context // cancelled by the first interrupt
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// stream, set by apply -json and destroy -json, is the JSON stream
	// on stdout.
	stream *views.Stream
	// docWritten is set once a -json command has written its document.
	docWritten bool
}

// exit codes
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan -detailed-exitcode: there are changes
	exitFmt     = 3 // fmt -check: a file would change
)

type command struct {
	name    string
	summary string
	run     func(e *cliEnv, args []string) error
}

func commands() []command {
	return []command{
		{"plan", "Show the cancels and placements that would make the book match the configuration", cmdPlan},
		{"apply", "Carry out a plan: cancel and place orders", cmdApply},
		{"destroy", "Cancel every order of the configuration's namespace", cmdDestroy},
		{"validate", "Check the configuration without touching the network", cmdValidate},
		{"fmt", "Rewrite configuration files in canonical format", cmdFmt},
		{"show", "Show live orders and balances, or a saved plan", cmdShow},
		{"sim", "Run the Gemini-compatible simulator, or move its market", cmdSim},
		{"watch", "Keep the book matching the configuration: plan and apply continuously, within churn limits", cmdWatch},
		{"doctor", "Check connectivity, the API key and its roles, nonce mode, clock and symbols", cmdDoctor},
		{"version", "Print the version, the commit it was built from and the Go version", cmdVersion},
		{"completion", "Print a shell completion script (bash, zsh or fish)", cmdCompletion},
	}
}

// Env is what the process gives a command: its environment variables and
// standard streams.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run runs the orderform command line args (without the program name) and
// returns the process's exit code. ctx is cancelled by the first interrupt.
func Run(ctx context.Context, args []string, env Env) int {
	return run(ctx, args, env.Getenv, env.Stdin, env.Stdout, env.Stderr)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &cliEnv{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitError
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, getenv, stdin, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	case "-version", "--version", "-v":
		name = "version"
	case "__complete": // asked by the completion scripts; not listed
		return reportError(e, cmdComplete(e, args[1:]))
	}
	for _, c := range commands() {
		if c.name == name {
			return reportError(e, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "orderform: unknown command %q\n\n", name)
	usage(stderr)
	return exitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: orderform <command> [flags] [DIR | PLANFILE]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'orderform <command> -h' for a command's flags.")
}

func cmdVersion(e *cliEnv, args []string) error {
	fs := newFlagSet("version", "", "Print orderform's version, the VCS revision and time it was built from, and the Go version.", e.stderr)
	jsonOut := fs.Bool("json", false, "print one JSON document (docs/json-format.md)")
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("version takes no arguments, got %q.", rest[0]), fs.Usage}
	}
	v := buildVersion(readBuildInfo(), version)
	if *jsonOut {
		views.WriteJSON(e.stdout, v)
		return nil
	}
	fmt.Fprintln(e.stdout, v.line())
	return nil
}

func cmdSim(e *cliEnv, args []string) error {
	return exitWith(simcli.Run(e.ctx, args, e.getenv, e.stdout, e.stderr))
}
