package gemini

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// A secret placed in the config never appears in an error or a debug line,
// whether calls succeed, fail, are retried, or the server echoes what it got.
func TestSecretNeverLeaks(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		mu.Lock()
		if r.URL.Path == "/v1/balances" {
			calls++
		}
		n := calls
		mu.Unlock()
		echo := fmt.Sprintf("got key %s payload %s signature %s secret %s", r.Header.Get("X-GEMINI-APIKEY"),
			r.Header.Get("X-GEMINI-PAYLOAD"), r.Header.Get("X-GEMINI-SIGNATURE"), testSecret)
		switch {
		case r.Method == http.MethodGet:
			replyJSON(w, 200, `{"bid":"1","ask":"2","last":"1.5"}`)
		case r.URL.Path == "/v1/balances" && n%2 == 1:
			geminiError(w, 503, "System", echo) // retried
		case r.URL.Path == "/v1/balances":
			replyJSON(w, 200, `[]`)
		case r.URL.Path == "/v1/order/new":
			geminiError(w, 400, "InvalidSignature", echo)
		case r.URL.Path == "/v1/order/cancel":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			fmt.Fprint(w, echo)
		case r.URL.Path == "/v1/order/status":
			replyJSON(w, 200, `{"order_id": "1", "price": "`+testSecret+`"}`)
		default:
			hijackClose(t, w)
		}
	})
	var debug bytes.Buffer
	c, _ := testClient(t, f, func(c *Config) { c.Debug = &debug })
	ctx := context.Background()
	var errs []error
	record := func(_ any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	record(c.Ticker(ctx, "btcusd"))
	record(c.Balances(ctx))
	record(c.NewOrder(ctx, NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: decimal.New(1, 0), Price: decimal.New(1, 0)}))
	record(c.CancelOrder(ctx, "42"))
	record(c.OrderStatus(ctx, "42"))
	record(c.ActiveOrders(ctx))
	if len(errs) != 4 {
		t.Errorf("got %d errors, want 4 (new, cancel, status, orders): %v", len(errs), errs)
	}

	var out strings.Builder
	out.WriteString(debug.String())
	for _, err := range errs {
		out.WriteString(err.Error() + "\n")
		out.WriteString(fmt.Sprintf("%+v %#v\n", err, err))
	}
	text := out.String()
	f.mu.Lock()
	secrets := append([]string{testSecret, testKey}, f.signatures...)
	f.mu.Unlock()
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(text, s[:16]) {
			t.Errorf("output contains %q:\n%s", s, text)
		}
	}
	for _, raw := range f.rawPayload {
		if strings.Contains(text, raw) {
			t.Errorf("output contains a payload %s", raw)
		}
	}
	for _, want := range []string{"GET /v1/pubticker/btcusd", "POST /v1/balances", "503 System", "retry 1/4", "account-Xq", "InvalidSignature"} {
		if !strings.Contains(debug.String(), want) {
			t.Errorf("debug log lacks %q:\n%s", want, debug.String())
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("debug log:\n%s\nerrors:\n%v", debug.String(), errs)
}
