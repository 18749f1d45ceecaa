package command

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"orderform/internal/atomicfile"
	"orderform/spec"
)

// cmdFmt rewrites configuration files (*.hcl, variables files included) in
// canonical format. With -check nothing is written and the exit code is 3
// when a file would change, for CI; -diff shows each change as a unified
// diff. A file with syntax errors is reported and left alone.
func cmdFmt(e *cliEnv, args []string) int {
	fs := newFlagSet("fmt", "[DIR | FILE]", "Rewrite the *.hcl files of DIR (default \".\"), or FILE, in canonical format.", e.stderr)
	check := fs.Bool("check", false, "write nothing; list the files that would change and exit 3 if any")
	diff := fs.Bool("diff", false, "show the changes as a unified diff")
	noColor := fs.Bool("no-color", false, "disable color")
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	target, ok := oneDir(e, "fmt", rest)
	if !ok {
		return exitError
	}
	paths, err := fmtTargets(target)
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform fmt: %v\n", err)
		return exitError
	}
	failed, changed := false, false
	files := map[string]*hcl.File{}
	var diags hcl.Diagnostics
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(e.stderr, "orderform fmt: %v\n", err)
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
				fmt.Fprintf(e.stderr, "orderform fmt: %v\n", err)
				failed = true
			}
		}
	}
	printDiagnostics(e.stderr, files, diags, useColor(e, *noColor, e.stderr))
	switch {
	case failed:
		return exitError
	case *check && changed:
		return exitFmt
	}
	return exitOK
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

// unifiedDiff is a unified diff of a and b by lines, with three lines of
// context, as `diff -u` prints it.
func unifiedDiff(name, a, b string) string {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", name, name)
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before the change to context lines
		// after the last change that is within 2*context of the next.
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffOp is one line of a diff: ' ' kept, '-' removed, '+' added; a and b
// are the line's (or the next line's) 0-based index in each side.
type diffOp struct {
	kind byte
	text string
	a, b int
}

// diffLines computes a shortest edit script with a longest common
// subsequence table over the lines between the common prefix and suffix.
// Formatting changes are small, so the table is small; a pathological
// input falls back to replacing the middle wholesale.
func diffLines(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	var ops []diffOp
	for i := 0; i < pre; i++ {
		ops = append(ops, diffOp{' ', a[i], i, i})
	}
	n, m := len(am), len(bm)
	if n*m > 16<<20 {
		for i, s := range am {
			ops = append(ops, diffOp{'-', s, pre + i, pre})
		}
		for j, s := range bm {
			ops = append(ops, diffOp{'+', s, pre + n, pre + j})
		}
	} else {
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n || j < m {
			switch {
			case i < n && j < m && am[i] == bm[j]:
				ops = append(ops, diffOp{' ', am[i], pre + i, pre + j})
				i++
				j++
			case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, diffOp{'-', am[i], pre + i, pre + j})
				i++
			default:
				ops = append(ops, diffOp{'+', bm[j], pre + i, pre + j})
				j++
			}
		}
	}
	for k := 0; k < suf; k++ {
		ia, ib := len(a)-suf+k, len(b)-suf+k
		ops = append(ops, diffOp{' ', a[ia], ia, ib})
	}
	return ops
}
