package command

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"orderform/internal/command/views"
	"orderform/plan"
)

// interactive reports whether the user can answer a prompt: stdin is a
// terminal, or ORDERFORM_INPUT=1 says answers come on stdin anyway (for
// scripted terminals and tests).
func interactive(e *cliEnv) bool {
	if v := e.getenv("ORDERFORM_INPUT"); v == "1" || strings.EqualFold(v, "true") {
		return true
	}
	f, ok := e.stdin.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// confirm asks the question and accepts only "yes".
func confirm(e *cliEnv, title, detail string, t plan.Target, useColor bool) bool {
	w := e.stdout
	views.Question(w, title, detail, t, useColor)
	type reply struct {
		line string
		err  error
	}
	got := make(chan reply, 1)
	go func() {
		line, err := readLine(e.stdin)
		got <- reply{line, err}
	}()
	select {
	case r := <-got:
		fmt.Fprintln(w)
		return r.err == nil && strings.TrimSpace(r.line) == "yes"
	case <-e.ctx.Done(): // Ctrl-C at the prompt is a "no"
		fmt.Fprintln(w)
		return false
	}
}

func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err == io.EOF && line != "" {
		return line, nil
	}
	return line, err
}
