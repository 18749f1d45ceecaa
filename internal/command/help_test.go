package command

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpEndsWithANewline: every command's -h, fmt's included, ends its
// last line (issue 15, case 13), and so does `orderform help`.
func TestHelpEndsWithANewline(t *testing.T) {
	names := []string{"help"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	for _, name := range names {
		var out bytes.Buffer
		args := []string{name, "-h"}
		if name == "help" {
			args = args[:1]
		}
		if code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &out); code != exitOK {
			t.Errorf("%s -h: exit %d", name, code)
		}
		if s := out.String(); !strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\n\n\n") {
			t.Errorf("%s -h does not end with one newline: %q", name, s[max(0, len(s)-40):])
		}
	}
}
