package command

import (
	"errors"
	"fmt"

	"orderform/internal/command/views"
	"orderform/internal/exchange"
)

// exitCodeError ends a command with an exit code and nothing more to
// print: what went wrong has been reported already (diagnostics, a doctor
// check, a JSON document), or the code is an answer rather than a failure
// (plan -detailed-exitcode, fmt -check, a declined apply).
type exitCodeError int

func (c exitCodeError) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// errReported is a failure the command has already reported: exit 1,
// print nothing more.
var errReported error = exitCodeError(exitError)

// errDeclined ends an apply or destroy whose prompt was answered no: exit
// 1, the refusal already printed.
var errDeclined error = exitCodeError(exitError)

// exitWith is the error that ends a command with code: nil for exitOK.
func exitWith(code int) error {
	if code == exitOK {
		return nil
	}
	return exitCodeError(code)
}

// commandError is a failure of the command itself rather than of the
// configuration or the exchange (a file it cannot read), printed as
// "orderform CMD: …".
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string { return "orderform " + e.cmd + ": " + e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// usageError is a command line the command cannot run: the error, then
// the command's usage.
type usageError struct {
	msg   string
	usage func()
}

func (e *usageError) Error() string { return e.msg }

// readFailure is a failure to read the exchange, explained with what to
// do about it (views.ReadError); dir is the configuration's directory, for
// the commands it suggests.
type readFailure struct {
	re  *exchange.ReadError
	dir string
}

func (f *readFailure) Error() string { return f.re.Error() }
func (f *readFailure) Unwrap() error { return f.re }

// reportError prints err once and returns the process's exit code: the
// one place an error becomes an exit code. An exitCodeError prints
// nothing; a commandError prints as itself; a usageError with the usage
// after it; diagnostics print as
// diagnostics and a read error with its explanation; any other error is a
// runtime error, "Error: …" (which a -json command's views.Recorder keeps for its
// JSON outcome).
func reportError(e *cliEnv, err error) int {
	if err == nil {
		return exitOK
	}
	var code exitCodeError
	if errors.As(err, &code) {
		return int(code)
	}
	var (
		ce *commandError
		de *diagsError
		rf *readFailure
		ue *usageError
	)
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "Error: %s\n\n", ue.msg)
		ue.usage()
		return exitError
	case errors.As(err, &de):
		views.Diagnostics(e.stderr, de.files, de.diags, de.color)
		return exitError
	case errors.As(err, &rf):
		views.ReadError(e.stderr, rf.re, rf.dir)
		return exitError
	case errors.As(err, &ce):
		fmt.Fprintln(e.stderr, ce.Error())
		return exitError
	}
	fmt.Fprintf(e.stderr, "Error: %v\n", err)
	return exitError
}
