package main

import "fmt"

// TODO(integration): replaced when the command lands.
func cmdPlan(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform plan: not implemented yet")
	return exitError
}
