package main

import (
	"context"
	"io"
	"os"
	"os/signal"
)

type cliEnv struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const (
	exitOK    = 0
	exitError = 1
)

func localStatePath(dir string) string { return dir + "/.orderform/local.json" }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, os.Kill)
	defer stop()
	if len(os.Args) < 2 || os.Args[1] != "sim" {
		os.Exit(2)
	}
	os.Exit(cmdSim(&cliEnv{ctx, os.Getenv, os.Stdin, os.Stdout, os.Stderr}, os.Args[2:]))
}
