package command

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"orderform/internal/command/views"
)

// TestReportError: the one place an error becomes an exit code prints it
// once, in the shape its type asks for, and a -json command's recorder
// keeps a runtime error for its outcome.
func TestReportError(t *testing.T) {
	diag := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid amount", Detail: "must be positive"}
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"nil", nil, exitOK, ""},
		{"already reported", errReported, exitError, ""},
		{"declined", errDeclined, exitError, ""},
		{"detailed exit code", exitCodeError(exitChanges), exitChanges, ""},
		{"fmt -check", exitCodeError(exitFmt), exitFmt, ""},
		{"wrapped exit code", fmt.Errorf("x: %w", exitCodeError(exitChanges)), exitChanges, ""},
		{"runtime error", errors.New("-interval must be at least 10ms."), exitError, "Error: -interval must be at least 10ms.\n"},
		{"command error", &commandError{"fmt", errors.New("open x: no such file")}, exitError, "orderform fmt: open x: no such file\n"},
		{"diagnostics", &diagsError{diags: hcl.Diagnostics{diag}}, exitError, "\nError: Invalid amount\n\nmust be positive\n"},
	}
	var b strings.Builder
	tests = append(tests, struct {
		name   string
		err    error
		code   int
		stderr string
	}{"usage", &usageError{"version takes no arguments, got \"x\".", func() { b.WriteString("Usage: orderform version\n") }}, exitError,
		"Error: version takes no arguments, got \"x\".\n\nUsage: orderform version\n"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.Reset()
			e := &cliEnv{stderr: &b}
			if code := reportError(e, tc.err); code != tc.code {
				t.Errorf("code %d, want %d", code, tc.code)
			}
			if b.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", b.String(), tc.stderr)
			}
		})
	}

	b.Reset()
	e := &cliEnv{stderr: &b}
	rec := e.recordErrors()
	reportError(e, errors.New("save the plan: disk full"))
	if len(rec.Diags) != 1 || rec.Diags[0].Summary != "Save the plan" || b.String() != "Error: save the plan: disk full\n" {
		t.Errorf("recorded %v, printed %q", rec.Diags, b.String())
	}
	rec = views.NewRecorder(&b)
	e.stderr = rec
	reportError(e, &diagsError{diags: hcl.Diagnostics{diag}})
	if len(rec.Diags) != 1 || rec.Diags[0] != diag {
		t.Errorf("diagnostics recorded as %v", rec.Diags)
	}
}
