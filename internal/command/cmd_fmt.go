package command

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/diff"

	"orderform/internal/atomicfile"
	"orderform/internal/command/views"
	"orderform/spec"
)

// cmdFmt rewrites configuration files (*.hcl, variables files included) in
// canonical format. With -check nothing is written and the exit code is 3
// when a file would change, for CI; -diff shows each change as a unified
// diff. A file with syntax errors is reported and left alone.
func cmdFmt(e *cliEnv, args []string) error {
	fs := newFlagSet("fmt", "[DIR | FILE]", "Rewrite the *.hcl files of DIR (default \".\"), or FILE, in canonical format.", e.stderr)
	check := fs.Bool("check", false, "write nothing; list the files that would change and exit 3 if any")
	diff := fs.Bool("diff", false, "show the changes as a unified diff")
	noColor := fs.Bool("no-color", false, "disable color")
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	target, err := dirArg("fmt", rest)
	if err != nil {
		return err
	}
	paths, err := fmtTargets(target)
	if err != nil {
		return &commandError{"fmt", err}
	}
	failed, changed := false, false
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			reportError(e, &commandError{"fmt", err})
			failed = true
			continue
		}
		f, d := spec.CheckSyntax(path, src)
		files[path] = f
		if d.HasErrors() {
			diags = append(diags, d...)
			failed = true
			continue
		}
		out := spec.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		changed = true
		fmt.Fprintln(e.stdout, path)
		if *diff {
			fmt.Fprint(e.stdout, unifiedDiff(path, string(src), string(out)))
		}
		if !*check {
			if err := rewriteFile(path, out); err != nil {
				reportError(e, &commandError{"fmt", err})
				failed = true
			}
		}
	}
	views.Diagnostics(e.stderr, files, diags, useColor(e, *noColor, e.stderr))
	switch {
	case failed:
		return errReported
	case *check && changed:
		return exitCodeError(exitFmt)
	}
	return nil
}

// fmtTargets is the file itself, or the *.hcl files of a directory.
func fmtTargets(target string) ([]string, error) {
	st, err := os.Stat(target)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{target}, nil
	}
	entries, err := os.ReadDir(target)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") && !strings.HasPrefix(e.Name(), ".") {
			paths = append(paths, filepath.Join(target, e.Name()))
		}
	}
	sort.Strings(paths)
	return paths, nil
}

// rewriteFile replaces path with data, keeping its mode: a crash
// leaves the old file or the new one, never half of each. A symbolic link
// is written through: its target is replaced and the link stays a link, so
// a file shared by several configurations (a guards file) is formatted,
// not forked into a copy.
func rewriteFile(path string, data []byte) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(real, data, st.Mode().Perm())
}

// unifiedDiff is a unified diff of a and b (rogpeppe/go-internal/diff),
// headed by the file's name on its --- and +++ lines.
func unifiedDiff(name, a, b string) string {
	d := string(diff.Diff(name, []byte(a), name, []byte(b)))
	_, rest, _ := strings.Cut(d, "\n") // its "diff NAME NAME" line
	return rest
}
