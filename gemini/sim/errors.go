package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error is an error answer in Gemini's envelope
// {"result":"error","reason":...,"message":...}. The Go admin API returns it
// too, so callers can branch on Reason.
type Error struct {
	Status     int    // HTTP status
	Reason     string // Gemini's machine-readable reason, e.g. "InsufficientFunds"
	Message    string // human text; varies, never branch on it
	RetryAfter int    // seconds for the Retry-After header, 0 = none
}

func (e *Error) Error() string { return e.Reason + ": " + e.Message }

func errorf(status int, reason, format string, args ...any) *Error {
	return &Error{Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Reasons the simulator answers with. All but the last group are Gemini's;
// the last group are the simulator's own for cases Gemini does not document.
const (
	ReasonClientOrderIDTooLong      = "ClientOrderIdTooLong"
	ReasonClientOrderIDMustBeString = "ClientOrderIdMustBeString"
	ReasonConflictingOptions        = "ConflictingOptions"
	ReasonEndpointMismatch          = "EndpointMismatch"
	ReasonEndpointNotFound          = "EndpointNotFound"
	ReasonInsufficientFunds         = "InsufficientFunds"
	ReasonInvalidAPIKey             = "InvalidApiKey"
	ReasonInvalidJSON               = "InvalidJson"
	ReasonInvalidNonce              = "InvalidNonce"
	ReasonInvalidOrderType          = "InvalidOrderType"
	ReasonInvalidPrice              = "InvalidPrice"
	ReasonInvalidQuantity           = "InvalidQuantity"
	ReasonInvalidSide               = "InvalidSide"
	ReasonInvalidSignature          = "InvalidSignature"
	ReasonInvalidStopPrice          = "InvalidStopPrice"
	ReasonInvalidStopPriceBuy       = "InvalidStopPriceBuy"
	ReasonInvalidStopPriceSell      = "InvalidStopPriceSell"
	ReasonInvalidStopPriceRatio     = "InvalidStopPriceRatio"
	ReasonInvalidSymbol             = "InvalidSymbol"
	ReasonInvalidTimestamp          = "InvalidTimestampInPayload"
	ReasonInvalidAccountName        = "InvalidAccountName"
	ReasonAccountsOnGroupOnlyAPI    = "AccountsOnGroupOnlyApi"
	ReasonMissingAccounts           = "MissingAccounts"
	ReasonMaintenance               = "Maintenance"
	ReasonMissingAPIKeyHeader       = "MissingApikeyHeader"
	ReasonMissingNonce              = "MissingNonce"
	ReasonMissingOrderField         = "MissingOrderField"
	ReasonMissingPayloadHeader      = "MissingPayloadHeader"
	ReasonMissingSignatureHeader    = "MissingSignatureHeader"
	ReasonMissingRole               = "MissingRole"
	ReasonOptionsMustBeArray        = "OptionsMustBeArray"
	ReasonOrderNotFound             = "OrderNotFound"
	ReasonRateLimit                 = "RateLimit"
	ReasonSystem                    = "System"
	ReasonUnsupportedOption         = "UnsupportedOption"
	ReasonInvalidOrderID            = "InvalidOrderId" // seen in hummingbot's table, not in Gemini's docs

	// The simulator's own.
	ReasonInvalidClientOrderID = "InvalidClientOrderId" // client_order_id outside [A-Za-z0-9:_.#-]{1,36}
	ReasonInvalidRequest       = "InvalidRequest"       // a malformed parameter with no Gemini reason
	ReasonAdmin                = "AdminError"           // an admin request that cannot be carried out
)

// Cancel reasons carried by the "reason" field of a cancelled order.
const (
	CancelRequested              = "Requested"
	CancelMakerOrCancelWouldTake = "MakerOrCancelWouldTake"
	CancelIOCWouldPost           = "ImmediateOrCancelWouldPost"
	CancelFOKWouldNotFill        = "FillOrKillWouldNotFill"
	CancelSelfCrossPrevented     = "SelfCrossPrevented"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"result":"error","reason":"System","message":"cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, e *Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.Status, map[string]string{"result": "error", "reason": e.Reason, "message": e.Message})
}
