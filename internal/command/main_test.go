package command

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"orderform": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the end-to-end command-line scripts in testdata/script
// against the built-in local exchange (an in-process simulator on loopback).
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(repo, "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("ORDERFORM_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("NO_COLOR", "1")
			env.Setenv("REPO", repo)
			return nil
		},
	})
}
