// Command orderform is "Terraform for exchange orders": it reconciles the open
// orders declared in HCL files with the live orders on the Gemini exchange.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"orderform/internal/command"
)

func main() {
	ctx, stop := interruptContext()
	defer stop()
	os.Exit(command.Run(ctx, os.Args[1:], command.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}

// interruptContext returns a context cancelled by the first Ctrl-C (stop
// starting new work, settle what is in flight, report). A second Ctrl-C exits
// at once.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nInterrupt received. Stopping new requests and settling those in flight; press Ctrl-C again to exit now.")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "\nSecond interrupt: exiting now. Run `orderform plan` to see the state of the book.")
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
