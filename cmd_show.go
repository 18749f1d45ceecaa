package main

import "fmt"

// TODO(integration): replaced when the command lands.
func cmdShow(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform show: not implemented yet")
	return exitError
}
