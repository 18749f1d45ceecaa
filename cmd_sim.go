package main

import "fmt"

// TODO: replaced when the command lands.
func cmdSim(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform sim: not implemented yet")
	return exitError
}
