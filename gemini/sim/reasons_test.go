package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var fixedNow = time.Unix(1_700_000_000, 0)

func key(name string) Key {
	for _, k := range testKeys {
		if k.Key == name {
			return k
		}
	}
	return Key{Key: name, Secret: "unknown-secret"}
}

// order fields that are valid for btcusd, to be spoiled one at a time.
func goodOrder(over map[string]any) map[string]any {
	m := map[string]any{"symbol": "btcusd", "side": "buy", "type": "exchange limit", "amount": "0.01", "price": "60000.00"}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func stopOrder(over map[string]any) map[string]any {
	base := map[string]any{"type": "exchange stop limit", "side": "sell", "price": "59000.00", "stop_price": "59500.00"}
	for k, v := range over {
		base[k] = v
	}
	return goodOrder(base)
}

// TestReasons checks every reason the simulator can give on its Gemini
// paths: the HTTP status and Gemini's three-field envelope.
func TestReasons(t *testing.T) {
	s, c := start(t, Options{Now: func() time.Time { return fixedNow }})
	_ = s
	resting := c.order(t, map[string]any{"client_order_id": "rest-1"})

	raw := func(path string, payload string, hdr map[string]string) func(*client) reply {
		return func(c *client) reply { return c.postRaw(t, path, []byte(payload), hdr) }
	}
	post := func(path string, fields map[string]any) func(*client) reply {
		return func(c *client) reply { return c.post(t, path, fields) }
	}
	as := func(k string, f func(*client) reply) func(*client) reply {
		return func(c *client) reply { return f(c.as(key(k))) }
	}
	newOrder := func(over map[string]any) func(*client) reply { return post("/v1/order/new", goodOrder(over)) }
	timed := func(nonce string) func(*client) reply {
		return as("account-timed", raw("/v1/balances", `{"request":"/v1/balances","nonce":`+nonce+`}`, nil))
	}

	cases := []struct {
		name   string
		do     func(*client) reply
		status int
		reason string
	}{
		{"no api key header", raw("/v1/balances", `{}`, map[string]string{"X-GEMINI-APIKEY": ""}), 400, ReasonMissingAPIKeyHeader},
		{"no payload header", raw("/v1/balances", `{}`, map[string]string{"X-GEMINI-PAYLOAD": ""}), 400, ReasonMissingPayloadHeader},
		{"no signature header", raw("/v1/balances", `{}`, map[string]string{"X-GEMINI-SIGNATURE": ""}), 400, ReasonMissingSignatureHeader},
		{"unknown key", as("account-nobody", post("/v1/balances", nil)), 400, ReasonInvalidAPIKey},
		{"wrong signature", raw("/v1/balances", `{"request":"/v1/balances","nonce":1}`, map[string]string{"X-GEMINI-SIGNATURE": strings.Repeat("ab", 48)}), 400, ReasonInvalidSignature},
		{"signature not hex", raw("/v1/balances", `{"request":"/v1/balances","nonce":1}`, map[string]string{"X-GEMINI-SIGNATURE": "zz"}), 400, ReasonInvalidSignature},
		{"payload not base64", func(c *client) reply {
			return c.postRaw(t, "/v1/balances", nil, map[string]string{"X-GEMINI-PAYLOAD": "!!!", "X-GEMINI-SIGNATURE": sign(c.key.Secret, "!!!")})
		}, 400, ReasonInvalidJSON},
		{"payload not json", raw("/v1/balances", `{"request":`, nil), 400, ReasonInvalidJSON},
		{"payload an array", raw("/v1/balances", `["/v1/balances"]`, nil), 400, ReasonInvalidJSON},
		{"no request", raw("/v1/balances", `{"nonce":99999999999999}`, nil), 400, ReasonEndpointNotFound},
		{"request of another endpoint", raw("/v1/balances", `{"request":"/v1/orders","nonce":99999999999999}`, nil), 400, ReasonEndpointMismatch},
		{"request not a string", raw("/v1/balances", `{"request":7,"nonce":99999999999999}`, nil), 400, ReasonEndpointMismatch},
		{"unknown path", post("/v1/nosuch", nil), 404, ReasonEndpointNotFound},
		{"private path with GET", func(c *client) reply { return c.get(t, "/v1/orders") }, 404, ReasonEndpointNotFound},
		{"public path with POST", post("/v1/symbols", nil), 404, ReasonEndpointNotFound},
		{"no nonce", raw("/v1/balances", `{"request":"/v1/balances"}`, nil), 400, ReasonMissingNonce},
		{"nonce not a number", raw("/v1/balances", `{"request":"/v1/balances","nonce":"soon"}`, nil), 400, ReasonInvalidNonce},
		{"nonce repeated", raw("/v1/balances", `{"request":"/v1/balances","nonce":1}`, nil), 400, ReasonInvalidNonce},
		{"time nonce in ms", timed("1700000000000"), 400, ReasonInvalidNonce},
		{"time nonce 31 s early", timed("1699999969"), 400, ReasonInvalidNonce},
		{"time nonce 31 s late", timed(`"1700000031"`), 400, ReasonInvalidNonce},
		{"account with an account key", post("/v1/balances", map[string]any{"account": "primary"}), 400, ReasonAccountsOnGroupOnlyAPI},
		{"master key without account", as("master-group", post("/v1/balances", nil)), 400, ReasonMissingAccounts},
		{"master key, unknown account", as("master-group", post("/v1/balances", map[string]any{"account": "other"})), 400, ReasonInvalidAccountName},
		{"auditor places", as("account-auditor", newOrder(nil)), 403, ReasonMissingRole},
		{"fund manager lists orders", as("account-funds", post("/v1/orders", nil)), 403, ReasonMissingRole},
		{"auditor heartbeat", as("account-auditor", post("/v1/heartbeat", nil)), 403, ReasonMissingRole},
		{"client id a number", newOrder(map[string]any{"client_order_id": 12}), 400, ReasonClientOrderIDMustBeString},
		{"client id 37 chars", newOrder(map[string]any{"client_order_id": strings.Repeat("a", 37)}), 400, ReasonClientOrderIDTooLong},
		{"client id with a space", newOrder(map[string]any{"client_order_id": "a b"}), 400, ReasonInvalidClientOrderID},
		{"client id empty", newOrder(map[string]any{"client_order_id": ""}), 400, ReasonInvalidClientOrderID},
		{"unknown symbol", newOrder(map[string]any{"symbol": "btcxyz"}), 400, ReasonInvalidSymbol},
		{"no symbol", newOrder(map[string]any{"symbol": nil}), 400, ReasonInvalidSymbol},
		{"market order", newOrder(map[string]any{"type": "exchange market"}), 400, ReasonInvalidOrderType},
		{"no type", newOrder(map[string]any{"type": nil}), 400, ReasonInvalidOrderType},
		{"side short", newOrder(map[string]any{"side": "short"}), 400, ReasonInvalidSide},
		{"amount off increment", newOrder(map[string]any{"amount": "0.000010001"}), 400, ReasonInvalidQuantity},
		{"amount below minimum", newOrder(map[string]any{"amount": "0.000009"}), 400, ReasonInvalidQuantity},
		{"amount a JSON number", newOrder(map[string]any{"amount": 0.01}), 400, ReasonInvalidQuantity},
		{"amount negative", newOrder(map[string]any{"amount": "-1"}), 400, ReasonInvalidQuantity},
		{"amount zero", newOrder(map[string]any{"amount": "0"}), 400, ReasonInvalidQuantity},
		{"amount missing", newOrder(map[string]any{"amount": nil}), 400, ReasonInvalidQuantity},
		{"amount in exponent form", newOrder(map[string]any{"amount": "1e-2"}), 400, ReasonInvalidQuantity},
		{"price off increment", newOrder(map[string]any{"price": "60000.001"}), 400, ReasonInvalidPrice},
		{"price float noise", newOrder(map[string]any{"price": "64968.89000000001"}), 400, ReasonInvalidPrice},
		{"price a JSON number", newOrder(map[string]any{"price": 60000}), 400, ReasonInvalidPrice},
		{"price missing", newOrder(map[string]any{"price": nil}), 400, ReasonInvalidPrice},
		{"options a string", newOrder(map[string]any{"options": "maker-or-cancel"}), 400, ReasonOptionsMustBeArray},
		{"unknown option", newOrder(map[string]any{"options": []string{"auction-only"}}), 400, ReasonUnsupportedOption},
		{"two options", newOrder(map[string]any{"options": []string{"maker-or-cancel", "immediate-or-cancel"}}), 400, ReasonConflictingOptions},
		{"stop-limit with an option", post("/v1/order/new", stopOrder(map[string]any{"options": []string{"maker-or-cancel"}})), 400, ReasonUnsupportedOption},
		{"stop-limit without stop", post("/v1/order/new", stopOrder(map[string]any{"stop_price": nil})), 400, ReasonInvalidStopPrice},
		{"stop price off increment", post("/v1/order/new", stopOrder(map[string]any{"stop_price": "59500.005"})), 400, ReasonInvalidStopPrice},
		{"stop price on a limit order", newOrder(map[string]any{"stop_price": "59000.00"}), 400, ReasonInvalidStopPrice},
		{"buy stop above limit", post("/v1/order/new", stopOrder(map[string]any{"side": "buy", "price": "60000.00", "stop_price": "60100.00"})), 400, ReasonInvalidStopPriceBuy},
		{"sell stop below limit", post("/v1/order/new", stopOrder(map[string]any{"price": "59000.00", "stop_price": "58000.00"})), 400, ReasonInvalidStopPriceSell},
		{"limit far from stop", post("/v1/order/new", stopOrder(map[string]any{"price": "20000.00", "stop_price": "59500.00"})), 400, ReasonInvalidStopPriceRatio},
		{"buy beyond funds", newOrder(map[string]any{"amount": "10"}), 406, ReasonInsufficientFunds},
		{"sell beyond funds", newOrder(map[string]any{"side": "sell", "amount": "3", "price": "70000.00"}), 406, ReasonInsufficientFunds},
		{"status of unknown id", post("/v1/order/status", map[string]any{"order_id": 9007199254740991}), 404, ReasonOrderNotFound},
		{"status of unknown client id", post("/v1/order/status", map[string]any{"client_order_id": "nope"}), 404, ReasonOrderNotFound},
		{"status without id", post("/v1/order/status", nil), 400, ReasonMissingOrderField},
		{"status with both ids", post("/v1/order/status", map[string]any{"order_id": resting["order_id"], "client_order_id": "rest-1"}), 400, ReasonInvalidRequest},
		{"status client id a number", post("/v1/order/status", map[string]any{"client_order_id": 5}), 400, ReasonClientOrderIDMustBeString},
		{"status include_trades odd", post("/v1/order/status", map[string]any{"order_id": resting["order_id"], "include_trades": "yes"}), 400, ReasonInvalidRequest},
		{"cancel unknown id", post("/v1/order/cancel", map[string]any{"order_id": "9007199254740991"}), 404, ReasonOrderNotFound},
		{"cancel without id", post("/v1/order/cancel", nil), 400, ReasonMissingOrderField},
		{"cancel id not a number", post("/v1/order/cancel", map[string]any{"order_id": "abc"}), 400, ReasonInvalidOrderID},
		{"history unknown symbol", post("/v1/orders/history", map[string]any{"symbol": "nosuch"}), 400, ReasonInvalidSymbol},
		{"history bad limit", post("/v1/orders/history", map[string]any{"limit_orders": 0}), 400, ReasonInvalidRequest},
		{"history bad timestamp", post("/v1/orders/history", map[string]any{"timestamp": "yesterday"}), 400, ReasonInvalidTimestamp},
		{"mytrades bad limit", post("/v1/mytrades", map[string]any{"limit_trades": "many"}), 400, ReasonInvalidRequest},
		{"details of unknown symbol", func(c *client) reply { return c.get(t, "/v1/symbols/details/nosuchperp") }, 400, ReasonInvalidSymbol},
		{"ticker of unknown symbol", func(c *client) reply { return c.get(t, "/v1/pubticker/nosuch") }, 400, ReasonInvalidSymbol},
		{"v2 ticker of unknown symbol", func(c *client) reply { return c.get(t, "/v2/ticker/nosuch") }, 400, ReasonInvalidSymbol},
		{"unknown public path", func(c *client) reply { return c.get(t, "/v1/book/btcusd") }, 404, ReasonEndpointNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do(c)
			checkEnvelope(t, r, tc.status, tc.reason)
			covered[tc.reason] = true
		})
	}
}

var covered = map[string]bool{}

// checkEnvelope asserts Gemini's error answer: the status and exactly
// {"result":"error","reason":...,"message":...} with a message.
func checkEnvelope(t *testing.T, r reply, status int, reason string) {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("HTTP %d, body %q is not JSON: %v", r.status, r.body, err)
	}
	msg, _ := env["message"].(string)
	got := map[string]any{"status": r.status, "result": env["result"], "reason": env["reason"], "fields": len(env), "message?": msg != ""}
	want := map[string]any{"status": status, "result": "error", "reason": reason, "fields": 3, "message?": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer %s (-want +got):\n%s", r.body, diff)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestEveryReasonTested runs last in this file's order of declaration and
// makes sure no reason the simulator can give is left out of the tables.
func TestEveryReasonTested(t *testing.T) {
	// Reasons whose tests live elsewhere: faults and rate limits
	// (faults_test.go), admin (admin_test.go).
	elsewhere := []string{ReasonRateLimit, ReasonMaintenance, ReasonSystem, ReasonAdmin}
	all := []string{
		ReasonClientOrderIDTooLong, ReasonClientOrderIDMustBeString, ReasonConflictingOptions, ReasonEndpointMismatch,
		ReasonEndpointNotFound, ReasonInsufficientFunds, ReasonInvalidAPIKey, ReasonInvalidJSON, ReasonInvalidNonce,
		ReasonInvalidOrderType, ReasonInvalidPrice, ReasonInvalidQuantity, ReasonInvalidSide, ReasonInvalidSignature,
		ReasonInvalidStopPrice, ReasonInvalidStopPriceBuy, ReasonInvalidStopPriceSell, ReasonInvalidStopPriceRatio,
		ReasonInvalidSymbol, ReasonInvalidTimestamp, ReasonInvalidAccountName, ReasonAccountsOnGroupOnlyAPI,
		ReasonMissingAccounts, ReasonMissingAPIKeyHeader, ReasonMissingNonce, ReasonMissingOrderField,
		ReasonMissingPayloadHeader, ReasonMissingSignatureHeader, ReasonMissingRole, ReasonOptionsMustBeArray,
		ReasonOrderNotFound, ReasonUnsupportedOption, ReasonInvalidOrderID, ReasonInvalidClientOrderID, ReasonInvalidRequest,
	}
	if len(covered) == 0 {
		t.Skip("run with TestReasons")
	}
	var missing []string
	for _, r := range all {
		if !covered[r] {
			missing = append(missing, r)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("reasons without a case in TestReasons: %v (tested elsewhere: %v)", missing, elsewhere)
	}
}

// TestSignatureVector checks the signer against Gemini's documented example.
func TestSignatureVector(t *testing.T) {
	payload := "{\n    \"request\": \"/v1/order/status\",\n    \"nonce\": 123456,\n\n    \"order_id\": 18834\n}\n"
	b64 := base64.StdEncoding.EncodeToString([]byte(payload))
	if want := "ewogICAgInJlcXVlc3QiOiAiL3YxL29yZGVyL3N0YXR1cyIsCiAgICAibm9uY2UiOiAxMjM0NTYsCgogICAgIm9yZGVyX2lkIjogMTg4MzQKfQo="; b64 != want {
		t.Fatalf("base64 %s", b64)
	}
	want := "337cc8b4ea692cfe65b4a85fcc9f042b2e3f702ac956fd098d600ab15705775017beae402be773ceee10719ff70d710f"
	if got := sign("1234abcd", b64); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}

// TestAuthAccepted covers what must get through: the documented
// hand-written payload (whitespace and all), nonces as strings or numbers,
// time nonces with fractions, a JSON body beside the headers (ccxt), master
// keys with their account, and uppercase hex signatures.
func TestAuthAccepted(t *testing.T) {
	_, c := start(t, Options{Now: func() time.Time { return fixedNow }})
	ok := func(name string, r reply) {
		t.Helper()
		if r.status != http.StatusOK {
			t.Errorf("%s: HTTP %d %s", name, r.status, r.body)
		}
	}
	ok("hand-written payload", c.postRaw(t, "/v1/orders", []byte(fmt.Sprintf("{\n    \"request\": \"/v1/orders\",\n    \"nonce\": %d\n}\n", c.nextNonce())), nil))
	ok("numeric nonce", c.postRaw(t, "/v1/orders", []byte(fmt.Sprintf(`{"request":"/v1/orders","nonce":%d}`, c.nextNonce())), nil))
	tc := c.as(key("account-timed"))
	ok("time nonce", tc.postRaw(t, "/v1/balances", []byte(`{"request":"/v1/balances","nonce":1700000000}`), nil))
	ok("time nonce repeated", tc.postRaw(t, "/v1/balances", []byte(`{"request":"/v1/balances","nonce":1700000000}`), nil))
	ok("time nonce fraction", tc.postRaw(t, "/v1/balances", []byte(`{"request":"/v1/balances","nonce":"1700000029.5"}`), nil))
	mc := c.as(key("master-group"))
	ok("master key with account", mc.post(t, "/v1/balances", map[string]any{"account": "primary"}))
	r := c.post(t, "/v1/roles", nil)
	if diff := cmp.Diff(map[string]any{"isAuditor": false, "isFundManager": false, "isTrader": true}, r.object()); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	ok("heartbeat", c.post(t, "/v1/heartbeat", nil))
	ok("auditor reads orders", c.as(key("account-auditor")).post(t, "/v1/orders", nil))
	ok("fund manager reads balances", c.as(key("account-funds")).post(t, "/v1/balances", nil))
	raw := []byte(`{"request":"/v1/roles","nonce":"1800000000000000000000000"}`)
	b64 := base64.StdEncoding.EncodeToString(raw)
	ok("uppercase signature", c.postRaw(t, "/v1/roles", raw, map[string]string{"X-GEMINI-SIGNATURE": strings.ToUpper(sign(c.key.Secret, b64))}))

	ok("huge nonce string", c.postRaw(t, "/v1/orders", []byte(`{"request":"/v1/orders","nonce":"1900000000000000000000000"}`), nil))
	// ccxt sends the parameters as a JSON body as well.
	raw = []byte(`{"request":"/v1/orders","nonce":"2000000000000000000000000"}`)
	b64 = base64.StdEncoding.EncodeToString(raw)
	req, _ := http.NewRequest(http.MethodPost, c.url+"/v1/orders", strings.NewReader(`{"symbol":"btcusd"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GEMINI-APIKEY", c.key.Key)
	req.Header.Set("X-GEMINI-PAYLOAD", b64)
	req.Header.Set("X-GEMINI-SIGNATURE", sign(c.key.Secret, b64))
	ok("JSON body", c.do(t, req))

}
