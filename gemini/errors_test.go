package gemini

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every error shape of the reference's error section, served over HTTP to a
// private read, parses into the right reason and helpers.
func TestErrorBodies(t *testing.T) {
	type want struct {
		Status                                                int
		Reason, Message                                       string
		NotFound, Funds, RateLimited, Nonce, Auth, Maint, Amb bool
	}
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        want
	}{
		{"envelope", 400, "application/json",
			`{"result":"error","reason":"InvalidSignature","message":"Invalid signature for this request"}`,
			want{Status: 400, Reason: "InvalidSignature", Message: "Invalid signature for this request", Auth: true}},
		{"order not found", 404, "application/json",
			`{"result":"error","reason":"OrderNotFound","message":"Order 123456 not found in active book"}`,
			want{Status: 404, Reason: "OrderNotFound", Message: "Order 123456 not found in active book", NotFound: true}},
		{"insufficient funds", 406, "application/json",
			`{"result":"error","reason":"InsufficientFunds","message":"Failed to place buy order on symbol 'HYPEUSDC' for price 10.4573 USDC and quantity 0.366829 HYPE due to insufficient funds"}`,
			want{Status: 406, Reason: "InsufficientFunds", Message: "Failed to place buy order on symbol 'HYPEUSDC' for price 10.4573 USDC and quantity 0.366829 HYPE due to insufficient funds", Funds: true}},
		{"error field instead of reason", 403, "application/json",
			`{"error":"MissingRole","message":"OrderStatus required"}`,
			want{Status: 403, Reason: "MissingRole", Message: "OrderStatus required", Auth: true}},
		{"404 with an empty body", 404, "", ``,
			want{Status: 404, Reason: ReasonNotFound, NotFound: true}},
		// Not Gemini's answer (its 404s carry a reason, or no body): a proxy's
		// page says nothing about the order, so it must not read as "no such
		// order", after which an order would be placed again.
		{"404 with an HTML page", 404, "text/html", "<html><body><h1>404 Not Found</h1></body></html>",
			want{Status: 404, Reason: ReasonHTTP, Message: "<html><body><h1>404 Not Found</h1></body></html>"}},
		{"500 text/plain", 500, "text/plain", "upstream unavailable\n",
			want{Status: 500, Reason: "System", Message: "upstream unavailable", Amb: true}},
		{"error under HTTP 200", 200, "application/json",
			`{"result":"error","reason":"MarketNotOpen","message":"Market is not open"}`,
			want{Status: 200, Reason: "MarketNotOpen", Message: "Market is not open"}},
		{"429 spec example", 429, "application/json",
			`{"result":"error","reason":"Too Many Requests","message":"Requests were made too frequently"}`,
			want{Status: 429, Reason: "Too Many Requests", Message: "Requests were made too frequently", RateLimited: true}},
		{"429 empty", 429, "", ``, want{Status: 429, Reason: "RateLimit", RateLimited: true}},
		{"maintenance text", 503, "text/html", "The Gemini Exchange is currently undergoing maintenance.",
			want{Status: 503, Reason: "Maintenance", Message: "The Gemini Exchange is currently undergoing maintenance.", Maint: true, Amb: true}},
		{"technical issues text", 502, "text/plain", "We are investigating technical issues with the Gemini Exchange.",
			want{Status: 502, Reason: "System", Message: "We are investigating technical issues with the Gemini Exchange.", Amb: true}},
		{"500 spec example", 500, "application/json",
			`{"result":"error","reason":"Internal Server Error","message":"An unexpected error occurred"}`,
			want{Status: 500, Reason: "Internal Server Error", Message: "An unexpected error occurred", Amb: true}},
		{"time nonce message", 400, "application/json",
			`{"result":"error","reason":"InvalidNonce","message":"Nonce '1695066299324' is not within 30 seconds of server time '1695066301''"}`,
			want{Status: 400, Reason: "InvalidNonce", Message: "Nonce '1695066299324' is not within 30 seconds of server time '1695066301''", Nonce: true}},
		{"legacy BadNonce", 400, "application/json",
			`{"result":"error","reason":"BadNonce","message":"Out-of-sequence nonce <1234> precedes previously used nonce <2345>"}`,
			want{Status: 400, Reason: "BadNonce", Message: "Out-of-sequence nonce <1234> precedes previously used nonce <2345>", Nonce: true}},
		{"401 missing key", 401, "application/json",
			`{"result":"error","reason":"MissingApikeyHeader","message":"Must provide 'X-GEMINI-APIKEY' header"}`,
			want{Status: 401, Reason: "MissingApikeyHeader", Message: "Must provide 'X-GEMINI-APIKEY' header", Auth: true}},
		{"ip filter", 403, "application/json",
			`{"result":"error","reason":"ApiKeyIpFilteringFailure","message":"IP address not allowed"}`,
			want{Status: 403, Reason: "ApiKeyIpFilteringFailure", Message: "IP address not allowed", Auth: true}},
		{"master key without account", 400, "application/json",
			`{"result":"error","reason":"MissingAccounts","message":"Expected a JSON payload with accounts"}`,
			want{Status: 400, Reason: "MissingAccounts", Message: "Expected a JSON payload with accounts", Auth: true}},
		{"error field with prose", 400, "application/json", `{"error":"something went wrong here"}`,
			want{Status: 400, Reason: ReasonHTTP, Message: "something went wrong here"}},
		{"error object under 200", 200, "application/json", `{"error":{"code":7}}`,
			want{Status: 200, Reason: ReasonHTTP, Message: `{"code":7}`}},
		{"multi-line text is one line", 500, "text/plain", "Internal\n  Server\tError",
			want{Status: 500, Reason: "System", Message: "Internal Server Error", Amb: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c, _ := testClient(t, f, func(c *Config) { c.MaxReadRetries = -1 })
			_, err := c.OrderStatus(context.Background(), "123456")
			ae, ok := reasonOf(err)
			if !ok {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			got := want{
				Status: ae.Status, Reason: ae.Reason, Message: ae.Message,
				NotFound: IsNotFound(err), Funds: IsInsufficientFunds(err), RateLimited: IsRateLimited(err),
				Nonce: IsNonce(err), Auth: IsAuth(err), Maint: IsMaintenance(err), Amb: IsAmbiguous(err),
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(err.Error(), "read order 123456: ") {
				t.Errorf("Error() does not name the call: %q", err)
			}
		})
	}
}

// Success bodies are not errors.
func TestParseErrorSuccess(t *testing.T) {
	for _, body := range []string{`[]`, orderJSON, `{"result":"ok"}`, `{"error":null,"result":"ok"}`, `["btcusd"]`} {
		if ae := parseError("x", 200, []byte(body), nil); ae != nil {
			t.Errorf("parseError(200, %s) = %v", body, ae)
		}
	}
}

// Messages speak a trader's language and never dump the body.
func TestErrorWording(t *testing.T) {
	tests := []struct {
		err  *APIError
		want string
	}{
		{&APIError{Status: 403, Reason: "MissingRole", Message: "NewOrder required", Call: "place order of:ns:abc"},
			`place order of:ns:abc: the API key lacks the Trader role (Gemini said "NewOrder required"; MissingRole, HTTP 403)`},
		{&APIError{Status: 406, Reason: "InsufficientFunds", Call: "place order"},
			`place order: there is not enough available balance for this order (InsufficientFunds, HTTP 406)`},
		{&APIError{Status: 400, Reason: "InvalidPrice", Message: "Invalid price for symbol BTCUSD: 2426.3937", Call: "place order"},
			`place order: the price is not valid for this symbol (not a multiple of the price increment, or not positive) (Gemini said "Invalid price for symbol BTCUSD: 2426.3937"; InvalidPrice, HTTP 400)`},
		{&APIError{Status: 400, Reason: "InvalidSignature", Message: "InvalidSignature", Call: "read balances"},
			`read balances: Gemini rejected the request signature: GEMINI_API_SECRET does not belong to GEMINI_API_KEY (InvalidSignature, HTTP 400)`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error()\n got %s\nwant %s", got, tt.want)
		}
	}
	long := parseError("read balances", 500, []byte(strings.Repeat("x", 5000)), nil)
	if n := len(long.Error()); n > 400 {
		t.Errorf("a 5000-byte body gives a %d-byte error", n)
	}
}
