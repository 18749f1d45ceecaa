// Package simcli is `orderform sim`: serve the Gemini-compatible simulator,
// move its market, fund and fill, place by hand, and show its book.
package simcli

import (
	"context"
	"io"
)

// simEnv is what the sim command touches outside the process.
type simEnv struct {
	ctx    context.Context
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

const (
	exitOK    = 0
	exitError = 1
)

// Run runs `orderform sim` with args (after "sim") and returns the exit
// code: 0, or 1 with the error on stderr.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return run(&simEnv{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr}, args)
}
