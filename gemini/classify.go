// Classification of the exchange's errors: what a caller may conclude from
// one (nothing happened, may have happened, a key problem, …).

package gemini

import (
	"errors"
	"net"
	"net/http"
	"syscall"
)

func reasonOf(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}

func hasReason(err error, reasons ...string) bool {
	ae, ok := reasonOf(err)
	if !ok {
		return false
	}
	for _, r := range reasons {
		if ae.Reason == r {
			return true
		}
	}
	return false
}

// IsNotFound reports whether Gemini said the order does not exist
// (OrderNotFound; NoSuchOrder, as Gemini's own SDK maps it; or its bodiless 404).
func IsNotFound(err error) bool {
	return hasReason(err, "OrderNotFound", "NoSuchOrder", ReasonNotFound)
}

// IsInsufficientFunds reports whether an order was refused for lack of funds.
func IsInsufficientFunds(err error) bool {
	ae, ok := reasonOf(err)
	return ok && (ae.Reason == "InsufficientFunds" || ae.Status == http.StatusNotAcceptable)
}

// IsRateLimited reports whether Gemini refused a call for its rate limit:
// HTTP 429, or a RateLimit or UsageLimit reason under any status. Such a
// request did nothing.
func IsRateLimited(err error) bool {
	ae, ok := reasonOf(err)
	return ok && (ae.Status == http.StatusTooManyRequests || isRateReason(ae.Reason))
}

func isRateReason(r string) bool {
	return r == "RateLimit" || r == "Too Many Requests" || r == "UsageLimit"
}

// IsNonce reports whether Gemini rejected the nonce (InvalidNonce, BadNonce,
// GenericNonceError). Such a request did nothing.
func IsNonce(err error) bool { return hasReason(err, "InvalidNonce", "BadNonce", "GenericNonceError") }

// IsTermsRequired reports whether Gemini refused the call until the account
// accepts its updated terms on the web site (MustAcceptTerms,
// AcceptTermsRequired): nothing orderform can do, and nothing happened.
func IsTermsRequired(err error) bool {
	return hasReason(err, "MustAcceptTerms", "MustAccepTerms", "AcceptTermsRequired")
}

// IsTradingClosed reports whether Gemini refused an order because its market
// takes none now (TradingClosed, MarketClosed, MarketNotOpen). Nothing
// happened; trying again once the market opens may succeed.
func IsTradingClosed(err error) bool {
	return hasReason(err, "TradingClosed", "MarketClosed", "MarketNotOpen")
}

// IsAuth reports whether the key, secret, role, account or source address
// was refused: a problem of credentials that retrying will not fix.
func IsAuth(err error) bool {
	ae, ok := reasonOf(err)
	if !ok {
		return false
	}
	switch ae.Reason {
	case "InvalidSignature", "InvalidApiKey", "MissingApikeyHeader", "MissingPayloadHeader",
		"MissingSignatureHeader", "MissingRole", "ApiKeyIpFilteringFailure", "RemoteAddressForbidden",
		"MissingAccounts", "MissingAccountName", "AccountsOnGroupOnlyApi", "InvalidAccountName",
		"NotGroupApiCompatible", "AccountClosed":
		return true
	}
	return ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden
}

// IsMaintenance reports whether the exchange is down for maintenance.
func IsMaintenance(err error) bool {
	ae, ok := reasonOf(err)
	return ok && (ae.Reason == "Maintenance" || ae.Status == http.StatusServiceUnavailable)
}

// IsAmbiguous reports whether a failed call may or may not have taken effect
// on the exchange: a request that was sent and then timed out or lost its
// connection, a 5xx answer, or a 200 answer that could not be read. A caller
// placing an order looks it up by client order id before placing it again.
// A refusal (4xx, or "result":"error") is not ambiguous: nothing happened.
func IsAmbiguous(err error) bool {
	var ne *NetError
	if errors.As(err, &ne) {
		return ne.Sent
	}
	if ae, ok := reasonOf(err); ok {
		return ae.Status >= 500 || ae.Reason == ReasonBadResponse
	}
	return false
}

// IsConnectionRefused reports whether err is a call that could not connect
// because nothing listens at the exchange's address (or no host has its
// name): nothing was sent, and sending again soon will not help.
func IsConnectionRefused(err error) bool {
	var ne *NetError
	if !errors.As(err, &ne) || ne.Sent {
		return false
	}
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns) && dns.IsNotFound
}

// IsUnknownSymbol reports whether the exchange does not list the symbol
// (InvalidSymbol).
func IsUnknownSymbol(err error) bool { return hasReason(err, "InvalidSymbol") }

// IsIncrementRejected reports whether an order was refused for its price or
// amount (InvalidPrice, InvalidQuantity, InvalidAmount): off the symbol's
// increments or below its minimum, which may have changed since they were
// read.
func IsIncrementRejected(err error) bool {
	return hasReason(err, "InvalidPrice", "InvalidQuantity", "InvalidAmount")
}

// IsBadSecret reports whether the signature was refused: the API secret
// does not belong to the key (InvalidSignature).
func IsBadSecret(err error) bool { return hasReason(err, "InvalidSignature") }

// IsUnknownKey reports whether the exchange does not know the API key
// (InvalidApiKey, MissingApikeyHeader), e.g. a sandbox key sent to
// production.
func IsUnknownKey(err error) bool { return hasReason(err, "InvalidApiKey", "MissingApikeyHeader") }

// IsAccountMismatch reports whether the account setting does not suit the
// key: a master key without an account, an account key with one, or an
// account the key does not reach.
func IsAccountMismatch(err error) bool {
	return hasReason(err, "MissingAccounts", "MissingAccountName", "InvalidAccountName", "AccountsOnGroupOnlyApi")
}

// IsAddressForbidden reports whether the key's IP allow list refused this
// machine (ApiKeyIpFilteringFailure, RemoteAddressForbidden).
func IsAddressForbidden(err error) bool {
	return hasReason(err, "ApiKeyIpFilteringFailure", "RemoteAddressForbidden")
}
