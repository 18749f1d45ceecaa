package views

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"orderform/gemini"
	"orderform/internal/exchange"
	"orderform/plan"
)

// Each kind of read failure gets its own explanation, naming the exchange,
// saying that nothing was changed where that is so, and the next step.
func TestReadErrorExplains(t *testing.T) {
	target := plan.Target{Environment: "sandbox", BaseURL: "https://api.sandbox.gemini.com", Namespace: "ns"}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{context.Canceled, []string{"interrupted while reading the exchange", "Nothing was changed."}},
		{&gemini.NetError{Err: errors.New("connection refused")}, []string{"could not reach the exchange at https://x.example", "orderform doctor cfg"}},
		{&gemini.APIError{Status: 503, Reason: "Maintenance"}, []string{"down for maintenance", "status.gemini.com"}},
		{&gemini.APIError{Status: 429, Reason: "RateLimit"}, []string{"rate limiting this key"}},
		{&gemini.APIError{Status: 400, Reason: "InvalidSignature"}, []string{"refused the API key", "orderform doctor cfg"}},
		{fmt.Errorf("boom"), []string{"reading the exchange (sandbox", "ORDERFORM_LOG=debug"}},
	} {
		var b strings.Builder
		ReadError(&b, &exchange.ReadError{Err: tc.err, Target: target, BaseURL: "https://x.example"}, "cfg")
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%v: explanation lacks %q:\n%s", tc.err, w, b.String())
			}
		}
	}
}
