package main

import "fmt"

// TODO(integration): replaced when the command lands.
func cmdDestroy(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform destroy: not implemented yet")
	return exitError
}
