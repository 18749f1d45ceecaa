package gemini

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Order JSON from the network never panics the decoder, and what decodes
// keeps ids as digits and decimals printable.
func FuzzOrderJSON(f *testing.F) {
	f.Add([]byte(orderJSON))
	f.Add([]byte(`[` + orderJSON + `]`))
	f.Add([]byte(`{"order_id":12345678901234567890,"price":1e-08,"timestampms":"1547220404836"}`))
	f.Add([]byte(`{"price":"1e999999999"}`))
	f.Add([]byte(`{"order_id":1.5}`))
	f.Add([]byte(`{"tick_size":1E-8,"quote_increment":0.01,"min_order_size":"0.00001"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wireOrder
		if json.Unmarshal(data, &w) == nil {
			o := w.order()
			if len(o.Price.String()) > 200 || len(o.AvgExecutionPrice.String()) > 200 {
				t.Fatalf("decimal prints %d characters", len(o.Price.String()))
			}
		}
		var ws []wireOrder
		_ = json.Unmarshal(data, &ws)
		var d wireDecimal
		if d.UnmarshalJSON(data) == nil && len(d.String()) > 200 {
			t.Fatalf("decimal %s prints too long", data)
		}
		var id wireID
		if id.UnmarshalJSON(data) == nil && len(data) > 0 && data[0] != '"' && string(id) != "" && !isDigits(string(id)) {
			t.Fatalf("numeric id %q kept as %q", data, id)
		}
	})
}

// Error bodies of any shape give one short, printable line.
func FuzzErrorBody(f *testing.F) {
	f.Add(400, []byte(`{"result":"error","reason":"InvalidSignature","message":"Invalid signature"}`))
	f.Add(403, []byte(`{"error":"MissingRole","message":"OrderStatus required"}`))
	f.Add(404, []byte(``))
	f.Add(500, []byte("upstream unavailable"))
	f.Add(200, []byte(`{"result":"error","reason":"InvalidNonce"}`))
	f.Add(200, []byte(`{"error":{"x":[1,2]}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		ae := parseError("read balances", status, body, nil)
		if ae == nil {
			if status != 200 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		if ae.Reason == "" {
			t.Fatal("empty reason")
		}
		msg := ae.Error()
		if strings.Contains(ae.Message, "\n") {
			t.Fatalf("message has a newline: %q", ae.Message)
		}
		if utf8.ValidString(string(body)) && len(msg) > 800 {
			t.Fatalf("error is %d bytes", len(msg))
		}
		_ = IsAuth(ae) || IsAmbiguous(ae) || IsNotFound(ae)
	})
}
