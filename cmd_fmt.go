package main

import "fmt"

// TODO: replaced when the command lands.
func cmdFmt(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform fmt: not implemented yet")
	return exitError
}
