package apply

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"

	"orderform/plan"
)

// Status is how an action ended.
type Status string

// The statuses of a Result.
const (
	StatusPlaced              Status = "placed"
	StatusReplaced            Status = "replaced"
	StatusCancelled           Status = "cancelled"
	StatusAdopted             Status = "adopted" // placed although the answer was lost; found by lookup
	StatusFailed              Status = "failed"
	StatusSkipped             Status = "skipped"
	StatusUnknown             Status = "unknown" // an ambiguous failure that lookups could not resolve
	StatusDuplicateCancelled  Status = "duplicate-cancelled"
	StatusVerified            Status = "verified"       // only the outcome of the verify step's Complete event
	StatusConcurrent          Status = "concurrent"     // verification found an order at an address of this run that another run placed
	StatusDuplicateLeft       Status = "duplicate-left" // verification found duplicates it may not cancel (outside the run, prevent_cancel)
	StatusChecked             Status = "checked"        // only the outcome of the send-time check's Complete event
	statusNone                Status = ""               // no-op and filled actions: not reported
	statusPending             Status = "pending"
	statusCancelledForReplace Status = "cancelled-for-replace" // internal: first half of a replace done
)

// Result is what happened to one action of the plan, or to one duplicate
// found by verification.
type Result struct {
	Address       string    `json:"address,omitempty"`
	ClientOrderID string    `json:"client_order_id,omitempty"`
	Kind          plan.Kind `json:"kind,omitempty"` // the plan action; empty for a duplicate found by verification
	Status        Status    `json:"status"`
	// OrderID is the order placed or adopted, or the order cancelled by a
	// plain cancel.
	OrderID string `json:"order_id,omitempty"`
	// CancelledOrderID is the old order of a replace, once it is cancelled.
	CancelledOrderID string `json:"cancelled_order_id,omitempty"`
	// Reason says why an action failed, was skipped or is unknown.
	Reason string `json:"reason,omitempty"`
	// Next says what the user should do about it.
	Next string `json:"next,omitempty"`
	// Note is worth knowing even on success ("filled before it could be
	// cancelled", "filled at once").
	Note    string          `json:"note,omitempty"`
	Order   *plan.LiveOrder `json:"-"` // the exchange's last word on the order, when there is one
	Err     error           `json:"-"`
	Elapsed time.Duration   `json:"-"`

	sent bool // a placement was sent; if it did not succeed, verification may find that it landed
}

// Report is the outcome of Apply. Each list is in plan order.
type Report struct {
	Placed              []Result `json:"placed"`
	Replaced            []Result `json:"replaced"`
	Cancelled           []Result `json:"cancelled"`
	Adopted             []Result `json:"adopted"`
	Failed              []Result `json:"failed"`
	Skipped             []Result `json:"skipped"`
	Unknown             []Result `json:"unknown"`
	DuplicatesCancelled []Result `json:"duplicates_cancelled"`
	// Concurrent lists the addresses of this run where verification found
	// a live order another run placed at the same time; they fail the run.
	Concurrent []Result `json:"concurrent"`
	// DuplicatesLeft lists addresses with more than one live order that
	// verification may not touch: outside this run, or prevent_cancel.
	// They are warnings.
	DuplicatesLeft []Result `json:"duplicates_left"`
	// Interrupted is set when ctx was cancelled before the work was done.
	Interrupted bool `json:"interrupted"`
	// Verified is set when the read of active orders after the work
	// succeeded. VerifyErr says why it did not; it is skipped after an
	// interrupt.
	Verified  bool  `json:"verified"`
	VerifyErr error `json:"-"`
	// Verb names the run in Render's headline: "Apply" (the default) or
	// "Destroy".
	Verb string `json:"-"`
}

// MarshalJSON adds "ok", "summary" and "verify_error" to the lists, for the
// last line of `apply -json`.
func (r *Report) MarshalJSON() ([]byte, error) {
	type lists Report // without this method
	c := *r
	for _, l := range []*[]Result{&c.Placed, &c.Replaced, &c.Cancelled, &c.Adopted, &c.Failed, &c.Skipped, &c.Unknown, &c.DuplicatesCancelled, &c.Concurrent, &c.DuplicatesLeft} {
		if *l == nil {
			*l = []Result{}
		}
	}
	v := struct {
		OK      bool   `json:"ok"`
		Summary string `json:"summary"`
		*lists
		VerifyError string `json:"verify_error,omitempty"`
	}{OK: r.OK(), Summary: r.Summary(), lists: (*lists)(&c)}
	if r.VerifyErr != nil {
		v.VerifyError = r.VerifyErr.Error()
	}
	return json.Marshal(v)
}

// OK reports whether every action of the plan was carried out: nothing
// failed, was skipped, is unknown, no other run placed at this run's
// addresses meanwhile, and the run was not interrupted. A verification that
// could not run, and duplicates it left alone, do not make a report fail;
// Render warns about them.
func (r *Report) OK() bool {
	return !r.Interrupted && len(r.Failed) == 0 && len(r.Skipped) == 0 && len(r.Unknown) == 0 && len(r.Concurrent) == 0
}

// Changes is the number of orders placed, replaced, cancelled or adopted.
func (r *Report) Changes() int {
	return len(r.Placed) + len(r.Replaced) + len(r.Cancelled) + len(r.Adopted) + len(r.DuplicatesCancelled)
}

func (r *Report) add(res Result) {
	if half, ok := cancelHalf(res); ok {
		r.Cancelled = append(r.Cancelled, half)
	}
	switch res.Status {
	case StatusPlaced:
		r.Placed = append(r.Placed, res)
	case StatusReplaced:
		r.Replaced = append(r.Replaced, res)
	case StatusCancelled:
		r.Cancelled = append(r.Cancelled, res)
	case StatusAdopted:
		r.Adopted = append(r.Adopted, res)
	case StatusFailed:
		r.Failed = append(r.Failed, res)
	case StatusSkipped:
		r.Skipped = append(r.Skipped, res)
	case StatusUnknown:
		r.Unknown = append(r.Unknown, res)
	case StatusDuplicateCancelled:
		r.DuplicatesCancelled = append(r.DuplicatesCancelled, res)
	case StatusConcurrent:
		r.Concurrent = append(r.Concurrent, res)
	case StatusDuplicateLeft:
		r.DuplicatesLeft = append(r.DuplicatesLeft, res)
	}
}

// cancelHalf is the cancel that a replace did carry out when its
// placement then failed, was skipped or is unknown: the old order is gone,
// and the report counts it among the cancelled, so that the summary never
// says "0 cancelled" after a cancel.
func cancelHalf(res Result) (Result, bool) {
	if res.Kind != plan.Replace || res.CancelledOrderID == "" {
		return Result{}, false
	}
	switch res.Status {
	case StatusFailed, StatusSkipped, StatusUnknown:
	default:
		return Result{}, false
	}
	return Result{
		Address: res.Address, ClientOrderID: res.ClientOrderID, Kind: plan.Replace, Status: StatusCancelled,
		OrderID: res.CancelledOrderID, CancelledOrderID: res.CancelledOrderID,
		Note: fmt.Sprintf("the old order %s was cancelled, but its replacement was %s (see below)", res.CancelledOrderID, notPlacedAs(res.Status)),
	}, true
}

func notPlacedAs(s Status) string {
	switch s {
	case StatusUnknown:
		return "perhaps not placed"
	case StatusSkipped:
		return "not placed (skipped)"
	}
	return "not placed"
}

// Summary is the one-line count: "2 placed, 1 replaced, 3 cancelled".
func (r *Report) Summary() string {
	parts := []string{
		fmt.Sprintf("%d placed", len(r.Placed)),
		fmt.Sprintf("%d replaced", len(r.Replaced)),
		fmt.Sprintf("%d cancelled", len(r.Cancelled)),
	}
	extra := []struct {
		n    int
		word string
	}{
		{len(r.Adopted), "adopted"},
		{len(r.DuplicatesCancelled), map[bool]string{true: "duplicate cancelled", false: "duplicates cancelled"}[len(r.DuplicatesCancelled) == 1]},
		{len(r.Concurrent), "concurrent"},
		{len(r.Failed), "failed"},
		{len(r.Skipped), "skipped"},
		{len(r.Unknown), "unknown"},
	}
	for _, e := range extra {
		if e.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", e.n, e.word))
		}
	}
	return strings.Join(parts, ", ")
}

// Render writes the report for people:
//
//	Apply complete! Resources: 2 placed, 1 replaced, 3 cancelled.
//
// or "Apply failed!" (or "Apply interrupted!") with a line per address that
// did not go as planned, its reason, and what to do next.
func (r *Report) Render(w io.Writer, useColor bool) {
	paint := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	green, red, yellow, bold := paint(color.FgGreen, color.Bold), paint(color.FgRed, color.Bold), paint(color.FgYellow), paint(color.Bold)

	for _, res := range r.all() {
		if res.Note != "" && res.Status != StatusFailed && res.Status != StatusSkipped && res.Status != StatusUnknown {
			fmt.Fprintf(w, "Note: %s: %s.\n", res.label(), res.Note)
		}
	}
	for _, res := range r.DuplicatesLeft {
		yellow.Fprintf(w, "Warning: %s: %s.\n", res.label(), res.Reason)
		fmt.Fprintf(w, "      %s\n", res.Next)
	}
	if r.VerifyErr != nil {
		yellow.Fprintf(w, "Warning: could not verify the book after applying: %v. Run `orderform plan` to check for duplicates.\n", r.VerifyErr)
	}
	verb := r.Verb
	if verb == "" {
		verb = "Apply"
	}
	if r.OK() {
		green.Fprintf(w, "%s complete! Resources: %s.\n", verb, r.Summary())
		return
	}
	head := verb + " failed!"
	if r.Interrupted {
		head = verb + " interrupted!"
	}
	red.Fprintf(w, "%s Resources: %s.\n", head, r.Summary())
	groups := []struct {
		title string
		c     *color.Color
		list  []Result
	}{
		{"Placed by another run at the same time", red, r.Concurrent},
		{"Failed", red, r.Failed},
		{"Unknown", yellow, r.Unknown},
		{"Skipped", yellow, r.Skipped},
	}
	for _, g := range groups {
		if len(g.list) == 0 {
			continue
		}
		fmt.Fprintln(w)
		bold.Fprintf(w, "%s:\n", g.title)
		for _, h := range byHint(g.list) {
			h.render(w, g.c)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.closing())
}

// closing is the last line of a report that is not OK: what to do next.
func (r *Report) closing() string {
	again := "`orderform apply`"
	if r.Verb == "Destroy" {
		again = "`orderform destroy`"
	}
	switch {
	case len(r.Concurrent) > 0:
		return "Another run placed orders at the same addresses while this one ran. Stop it, make sure only one apply works on a namespace at a time, then run `orderform plan`: it shows what is live and cancels duplicates when applied."
	case len(r.Unknown) > 0:
		return "Run `orderform plan` before anything else: it reads the book and shows whether the unknown orders exist. Applying again will not place an order that exists."
	case len(r.Failed) > 0:
		return "Nothing was done twice. Fix what failed and run " + again + " again; it carries out only what remains."
	case r.Interrupted:
		return "Interrupted: nothing was done twice. Run " + again + " again to carry out what remains; it does only that."
	}
	return "Nothing was done twice. See above why orders were skipped, then run " + again + " again; it carries out only what remains."
}

// hintGroup is the results of one list that share what to do next.
type hintGroup struct {
	next    string
	results []Result
}

// byHint groups results by their Next, in the order they first appear, so
// that a hint shared by many orders (an interrupt skips them all alike) is
// said once.
func byHint(list []Result) []hintGroup {
	var gs []hintGroup
	at := map[string]int{}
	for _, res := range list {
		i, ok := at[res.Next]
		if !ok {
			i = len(gs)
			at[res.Next] = i
			gs = append(gs, hintGroup{next: res.Next})
		}
		gs[i].results = append(gs[i].results, res)
	}
	return gs
}

// wrapWidth is where a list of addresses wraps.
const wrapWidth = 100

// render writes the group: one line per result, or, when all share their
// reason too, the count, the reason and the addresses wrapped; then the hint.
func (h hintGroup) render(w io.Writer, c *color.Color) {
	same := len(h.results) > 1
	for _, res := range h.results[1:] {
		same = same && res.Reason == h.results[0].Reason
	}
	if same {
		c.Fprintf(w, "  %d orders", len(h.results))
		fmt.Fprintf(w, ": %s\n", h.results[0].Reason)
		line := "     "
		for i, res := range h.results {
			item := " " + res.label()
			if i < len(h.results)-1 {
				item += ","
			}
			if len(line)+len(item) > wrapWidth && len(line) > 6 {
				fmt.Fprintln(w, line)
				line = "     "
			}
			line += item
		}
		fmt.Fprintln(w, line)
	} else {
		for _, res := range h.results {
			c.Fprintf(w, "  %s", res.label())
			fmt.Fprintf(w, ": %s\n", res.Reason)
		}
	}
	if h.next != "" {
		fmt.Fprintf(w, "      %s\n", h.next)
	}
}

func (r *Report) all() []Result {
	var all []Result
	for _, l := range [][]Result{r.Cancelled, r.Replaced, r.Placed, r.Adopted, r.DuplicatesCancelled, r.Failed, r.Unknown, r.Skipped} {
		all = append(all, l...)
	}
	return all
}

func (res Result) label() string {
	switch {
	case res.Address != "":
		return res.Address
	case res.ClientOrderID != "" && res.OrderID != "":
		return res.ClientOrderID + " (order " + res.OrderID + ")"
	case res.ClientOrderID != "":
		return res.ClientOrderID
	}
	return "order " + res.OrderID
}

// tradedAt is " at 3200.5 (limit 3300)" for an order that filled: the
// exchange's average execution price, with the limit when they differ.
// Empty when the exchange did not say, or the price is sensitive.
func tradedAt(lo *plan.LiveOrder, hidden []string) string {
	if lo == nil || !lo.AvgPrice.IsPositive() || slices.Contains(hidden, "price") {
		return ""
	}
	if lo.AvgPrice.Equal(lo.Price) {
		return " at " + lo.AvgPrice.String()
	}
	return fmt.Sprintf(" at %s (limit %s)", lo.AvgPrice, lo.Price)
}
