package views

import (
	"fmt"
	"io"
	"time"

	"orderform/internal/exchange"
	"orderform/plan"
)

// PlanErrors ends `plan` when the plan has errors.
func PlanErrors(w io.Writer) {
	fmt.Fprintln(w, "The plan has errors and cannot be applied; fix them and plan again.")
}

// PlanErrorsNothingChanged ends apply or destroy (the operation) when the
// plan has errors.
func PlanErrorsNothingChanged(w io.Writer, operation string) {
	fmt.Fprintf(w, "The plan has errors; nothing was changed. Fix them and run %s again.\n", operation)
}

// Declined is the answer to a prompt answered no; verb is "Apply" or
// "Destroy".
func Declined(w io.Writer, verb string) {
	fmt.Fprintf(w, "%s cancelled. Nothing was changed.\n", verb)
}

// PlanSaved tells where `plan -out` saved the plan and how to apply it.
func PlanSaved(w io.Writer, path string, expiry time.Duration) {
	fmt.Fprintf(w, "\nSaved the plan to %s (valid for %s). To carry it out exactly, run:\n    orderform apply %s\n", path, expiry.String(), path)
}

// SavedPlanHeader opens `show PLANFILE`: the file, its target, when it
// was made and when it expires (expired when now is past it).
func SavedPlanHeader(w io.Writer, path string, s *plan.Saved, now time.Time) {
	fmt.Fprintf(w, "Saved plan %s\n  for:     %s\n  created: %s\n  expires: %s", path, exchange.DescribeTarget(s.Target), s.CreatedAt.Local().Format(time.RFC3339), s.ExpiresAt.Local().Format(time.RFC3339))
	if now.After(s.ExpiresAt) {
		fmt.Fprint(w, " (expired: plan again)")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
}
