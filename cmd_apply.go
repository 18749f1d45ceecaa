package main

import "fmt"

// TODO(integration): replaced when the command lands.
func cmdApply(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform apply: not implemented yet")
	return exitError
}
