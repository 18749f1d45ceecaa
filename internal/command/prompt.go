package command

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"orderform/internal/command/views"
	"orderform/internal/exchange"
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
	p := views.NewPalette(useColor)
	bold, where := p.Bold, p.Bold
	if exchange.IsProductionTarget(t.Environment, t.BaseURL) {
		where = p.Danger
	}
	fmt.Fprintln(w)
	bold.Fprintln(w, title)
	fmt.Fprintf(w, "  %s\n", detail)
	fmt.Fprint(w, "  Exchange: ")
	where.Fprint(w, exchange.DescribeTarget(t))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  Only 'yes' will be accepted to approve.")
	fmt.Fprintln(w)
	bold.Fprint(w, "  Enter a value: ")
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
