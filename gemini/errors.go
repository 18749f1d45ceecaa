package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// APIError is an answer from Gemini that refused a call. Callers branch on
// Reason (Gemini's machine code, e.g. "InsufficientFunds") or use the Is*
// helpers, never on Message, whose text varies.
type APIError struct {
	Status  int    // HTTP status; 200 when Gemini answered "result":"error" with 200
	Reason  string // Gemini's reason code, or one derived from the status when the body has none
	Message string // Gemini's human text, one line, possibly empty
	Call    string // what was being done, e.g. "place order"

	retryAfter time.Duration // the answer's Retry-After, if any
}

// Reasons this package sets itself when the answer carries no reason code.
const (
	ReasonNotFound    = "NotFound"    // 404 with an empty body
	ReasonBadResponse = "BadResponse" // a 200 answer that could not be read
	ReasonHTTP        = "HTTPError"   // any other status without a reason
)

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Call != "" {
		b.WriteString(e.Call)
		b.WriteString(": ")
	}
	b.WriteString(e.explain())
	var detail []string
	if e.Message != "" && !strings.EqualFold(e.Message, e.Reason) {
		detail = append(detail, fmt.Sprintf("Gemini said %q", e.Message))
	}
	code := e.Reason
	if e.Status != 0 {
		code += fmt.Sprintf(", HTTP %d", e.Status)
	}
	detail = append(detail, strings.TrimPrefix(code, ", "))
	fmt.Fprintf(&b, " (%s)", strings.Join(detail, "; "))
	return b.String()
}

// explain says in a trader's words what went wrong.
func (e *APIError) explain() string {
	switch e.Reason {
	case "MissingRole":
		switch {
		case strings.Contains(e.Call, "place") || strings.Contains(e.Call, "cancel"):
			return "the API key lacks the Trader role"
		case strings.Contains(e.Call, "balances"), strings.Contains(e.Call, "roles"):
			return "the API key lacks a role that may read the account"
		default:
			return "the API key lacks the Trader (or Auditor) role needed to read orders"
		}
	case "InvalidSignature":
		return "Gemini rejected the request signature: GEMINI_API_SECRET does not belong to GEMINI_API_KEY"
	case "InvalidApiKey", "MissingApikeyHeader":
		return "Gemini does not know the API key (sandbox and production keys are separate)"
	case "MissingPayloadHeader", "MissingSignatureHeader", "InvalidJson", "MissingPayloadKey",
		"EndpointMismatch", "EndpointNotFound", "MissingNonce":
		return "Gemini could not read the signed request (a proxy changing requests, or a bug in orderform)"
	case "InvalidNonce", "BadNonce", "GenericNonceError":
		return "Gemini rejected the nonce: another program is using this API key, or the key was created " +
			"with a time-based nonce (set nonce = \"time\") and the clock is off by more than 30 seconds"
	case "InsufficientFunds":
		return "there is not enough available balance for this order"
	case "RateLimit", "Too Many Requests", "UsageLimit":
		return "Gemini is rate limiting this key: too many requests, try again shortly"
	case "MustAcceptTerms", "MustAccepTerms", "AcceptTermsRequired":
		return "the account must accept Gemini's updated terms first: sign in at https://exchange.gemini.com " +
			"(https://exchange.sandbox.gemini.com for sandbox keys), accept them, then run orderform again"
	case "TradingClosed":
		return "trading is closed for this market: Gemini takes no orders on it now (see https://status.gemini.com)"
	case "Maintenance":
		return "the exchange is down for maintenance"
	case "System", "Internal Server Error":
		return "Gemini reported a technical problem on its side"
	case "OrderNotFound", "NoSuchOrder", ReasonNotFound:
		return "Gemini has no such order"
	case "InvalidPrice":
		return "the price is not valid for this symbol (not a multiple of the price increment, or not positive)"
	case "InvalidQuantity":
		return "the amount is not valid for this symbol (below the minimum or not a multiple of the amount increment)"
	case "InvalidStopPrice", "InvalidStopPriceBuy", "InvalidStopPriceSell", "InvalidStopPriceRatio":
		return "the stop price is not valid (a buy stops below its limit price, a sell above, within 50%)"
	case "InvalidSymbol":
		return "Gemini does not know this symbol"
	case "InvalidSide":
		return "the side must be buy or sell"
	case "InvalidOrderType":
		return "Gemini does not accept this order type"
	case "MarketNotOpen", "MarketClosed":
		return "the market is not open for orders"
	case "ConflictingOptions", "UnsupportedOption", "OptionsMustBeArray":
		return "the order options are not accepted (at most one of maker-or-cancel, immediate-or-cancel, fill-or-kill)"
	case "ClientOrderIdTooLong", "ClientOrderIdMustBeString":
		return "the client order id is not accepted"
	case "MissingAccounts", "MissingAccountName":
		return "this is a master API key: set account in the exchange block"
	case "AccountsOnGroupOnlyApi":
		return "account is set but the API key is not a master key: remove account"
	case "InvalidAccountName":
		return "the account is not in this master key's group"
	case "NotGroupApiCompatible":
		return "a master API key cannot make this call"
	case "ApiKeyIpFilteringFailure", "RemoteAddressForbidden":
		return "this machine's IP address is not allowed for the API key"
	case "NoSSL":
		return "Gemini requires HTTPS"
	case "AccountClosed":
		return "the account is closed"
	case ReasonBadResponse:
		return "Gemini's answer could not be read; the call may or may not have taken effect"
	}
	return e.explainStatus()
}

// explainStatus explains an answer whose reason explain does not know, by
// its HTTP status.
func (e *APIError) explainStatus() string {
	switch {
	case e.Status >= 300 && e.Status < 400:
		return "the exchange URL redirects elsewhere (use the https:// URL of the API)"
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return "Gemini refused the API key for this call"
	case e.Status >= 500:
		return "Gemini reported a problem on its side"
	}
	return "Gemini refused the request"
}

// NetError is a call that got no usable answer: the connection failed, timed
// out or was cut. Sent reports whether the request had been written, in which
// case the exchange may have acted on it.
type NetError struct {
	Call string
	Sent bool
	Err  error
}

func (e *NetError) Error() string {
	what := "could not reach Gemini"
	if e.Sent {
		what = "no answer from Gemini; the request was sent and may or may not have taken effect"
	}
	return fmt.Sprintf("%s: %s: %v", e.Call, what, e.Err)
}

func (e *NetError) Unwrap() error { return e.Err }

// retryable reports whether a read may be sent again after err. A refused
// connection is not: it is reported at once rather than after seconds of
// backoff.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || IsConnectionRefused(err) {
		return false
	}
	var ne *NetError
	if errors.As(err, &ne) {
		return true
	}
	ae, ok := reasonOf(err)
	return ok && (ae.Status == http.StatusTooManyRequests || ae.Status >= 500 ||
		isRateReason(ae.Reason) || ae.Reason == "System")
}

// errorBody is every JSON error shape Gemini is known to send.
type errorBody struct {
	Result  string          `json:"result"`
	Reason  string          `json:"reason"`
	Message json.RawMessage `json:"message"`
	Error   json.RawMessage `json:"error"`
}

// parseError returns the *APIError carried by an answer, or nil when the
// answer is a success. It understands the {"result":"error",...} envelope
// under any status, {"error":...} bodies, empty bodies and text bodies.
// clean, when set, edits the message before it is cut to one short line.
func parseError(call string, status int, body []byte, clean func(string) string) *APIError {
	trimmed := bytes.TrimSpace(body)
	var eb errorBody
	isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &eb) == nil
	hasErrField := isObject && len(eb.Error) > 0 && !bytes.Equal(eb.Error, []byte("null"))
	if status == http.StatusOK && !(isObject && (eb.Result == "error" || hasErrField)) {
		return nil
	}
	ae := &APIError{Status: status, Call: call}
	switch {
	case isObject:
		ae.Reason = strings.TrimSpace(eb.Reason)
		ae.Message = jsonText(eb.Message)
		if hasErrField {
			errText := jsonText(eb.Error)
			if ae.Reason == "" && isReasonCode(errText) {
				ae.Reason = errText
			} else if ae.Message == "" {
				ae.Message = errText
			}
		}
	case len(trimmed) > 0:
		ae.Message = string(trimmed)
	}
	if clean != nil {
		ae.Message = clean(ae.Message)
	}
	ae.Message = oneLine(ae.Message)
	if ae.Reason == "" {
		ae.Reason = reasonForStatus(status, ae.Message)
	}
	return ae
}

// jsonText returns a JSON string's text, or the compact JSON of anything else.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}

// isReasonCode reports whether s looks like a code (MissingRole) rather than prose.
func isReasonCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')) {
			return false
		}
	}
	return true
}

// reasonForStatus derives a reason for an answer that carries none.
func reasonForStatus(status int, message string) string {
	lower := strings.ToLower(message)
	switch {
	case strings.Contains(lower, "maintenance"):
		return "Maintenance"
	case status == http.StatusNotFound && message == "":
		// Gemini's bodiless 404 (reference §4.1). A 404 page with text is
		// someone else's (a proxy's) and says nothing about the order.
		return ReasonNotFound
	case status == http.StatusNotAcceptable:
		return "InsufficientFunds"
	case status == http.StatusTooManyRequests:
		return "RateLimit"
	case status == http.StatusServiceUnavailable:
		return "Maintenance"
	case status >= 500, strings.Contains(lower, "technical issues"):
		return "System"
	}
	return ReasonHTTP
}

// oneLine keeps a server message readable in one line of a terminal.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
