package views

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"orderform/gemini"
	"orderform/internal/exchange"
)

// ReadError explains a failure to read the exchange before anything was
// changed: what happened, where, and what to do next (dir is the
// configuration's, for the commands it suggests).
func ReadError(out io.Writer, re *exchange.ReadError, dir string) {
	err := re.Err
	var w strings.Builder // one write, so that a reader of the stream gets the whole explanation at once
	where := exchange.DescribeTarget(re.Target)
	var (
		ne *gemini.NetError
		ke *exchange.KeyRoleError
	)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(&w, "Error: interrupted while reading the exchange (%s).\n", where)
		fmt.Fprintln(&w, "Nothing was changed.")
	case errors.As(err, &ke):
		fmt.Fprintf(&w, "Error: %v.\n", ke)
	case errors.As(err, &ne) && !ne.Sent:
		fmt.Fprintf(&w, "Error: could not reach the exchange at %s (%s): %s.\n", re.BaseURL, where, exchange.RootCause(ne.Err))
		fmt.Fprintf(&w, "Nothing was changed. Check the network or a proxy, and the url setting or GEMINI_API_URL; `orderform doctor %s` checks the connection step by step.\n", dir)
	case gemini.IsMaintenance(err):
		fmt.Fprintf(&w, "Error: the exchange (%s) is down for maintenance: %v\n", where, err)
		fmt.Fprintln(&w, "Nothing was changed. See https://status.gemini.com and plan again when it is back.")
	case gemini.IsTermsRequired(err):
		fmt.Fprintf(&w, "Error: the exchange (%s) refuses this account until it accepts Gemini's updated terms: %v\n", where, err)
		fmt.Fprintln(&w, "Nothing was changed. Sign in to Gemini's web site with this account, accept the terms, then plan again.")
	case gemini.IsRateLimited(err):
		fmt.Fprintf(&w, "Error: the exchange (%s) is rate limiting this key: %v\n", where, err)
		fmt.Fprintln(&w, "Nothing was changed. Wait a minute (another program may be using the key) and plan again.")
	case gemini.IsAuth(err) || gemini.IsNonce(err):
		fmt.Fprintf(&w, "Error: the exchange (%s) refused the API key: %v\n", where, err)
		fmt.Fprintf(&w, "Nothing was changed. Check GEMINI_API_KEY and GEMINI_API_SECRET, and run `orderform doctor %s`.\n", dir)
	default:
		fmt.Fprintf(&w, "Error: reading the exchange (%s) failed: %v\n", where, err)
		fmt.Fprintln(&w, "Nothing was changed. Try again; ORDERFORM_LOG=debug shows each request.")
	}
	io.WriteString(out, w.String())
}
