package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"

	"orderform/gemini"
)

// ReportReadError explains a failure to read the exchange before anything
// was changed: what happened, where, and what to do next.
func ReportReadError(out io.Writer, err error, conn *Conn, dir string) {
	var w strings.Builder // one write, so that a reader of the stream gets the whole explanation at once
	where := DescribeTarget(conn.Target)
	var (
		ne *gemini.NetError
		ke *KeyRoleError
	)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(&w, "Error: interrupted while reading the exchange (%s).\n", where)
		fmt.Fprintln(&w, "Nothing was changed.")
	case errors.As(err, &ke):
		fmt.Fprintf(&w, "Error: %v.\n", ke)
	case errors.As(err, &ne) && !ne.Sent:
		fmt.Fprintf(&w, "Error: could not reach the exchange at %s (%s): %s.\n", conn.BaseURL, where, rootCause(ne.Err))
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

// rootCause strips Go's wrapping of a network error down to what happened:
// "Conn refused", "no such host", "i/o timeout".
func rootCause(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
