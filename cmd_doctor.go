package main

import "fmt"

// TODO(integration): replaced when the command lands.
func cmdDoctor(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform doctor: not implemented yet")
	return exitError
}
