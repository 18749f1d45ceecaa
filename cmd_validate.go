package main

import "fmt"

// TODO: replaced when the command lands.
func cmdValidate(e *cliEnv, args []string) int {
	fmt.Fprintln(e.stderr, "orderform validate: not implemented yet")
	return exitError
}
