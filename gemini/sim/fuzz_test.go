package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"testing"
)

// FuzzPrivateRequest feeds arbitrary payloads to every private endpoint.
// With fix set, a payload that is a JSON object gets a valid request and
// nonce so the fuzzer reaches the endpoint's own parsing. Whatever comes in,
// the answer is JSON with a known status (an error in Gemini's envelope) and
// the books stay consistent.
func FuzzPrivateRequest(f *testing.F) {
	seeds := []string{
		`{"symbol":"btcusd","side":"buy","type":"exchange limit","amount":"0.01","price":"60000.00"}`,
		`{"symbol":"ETHUSD","side":"sell","type":"exchange stop limit","amount":"0.5","price":"3100","stop_price":"3150","client_order_id":"x"}`,
		`{"symbol":"btcusd","side":"buy","type":"exchange limit","amount":"1e3","price":"-1","options":["maker-or-cancel","fill-or-kill"]}`,
		`{"order_id":9007199254740993}`,
		`{"order_id":"18446744073709551616"}`,
		`{"client_order_id":"x","include_trades":true}`,
		`{"limit_orders":"500","timestamp":1700000000000,"symbol":"btcusd"}`,
		`{"request":"/v1/orders","nonce":"1e400"}`,
		`[]`, `null`, `{"amount":{"x":1}}`, "\xff\xfe",
	}
	paths := make([]string, 0, len(privateRoutes))
	for p := range privateRoutes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s), true)
		f.Add(uint8(i+1), []byte(s), false)
	}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte, fix bool) {
		// A fresh exchange each time, with one resting order to find.
		s, err := New(Options{Keys: testKeys})
		if err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		s.accept(&order{ClientID: "x", Symbol: "btcusd", Side: "buy", Type: typeLimit, Price: d("60000"), Original: d("0.01"), Options: []string{}})
		s.mu.Unlock()
		nonce := int64(1)
		path := paths[int(which)%len(paths)]
		if fix {
			var m map[string]any
			if json.Unmarshal(payload, &m) == nil && m != nil {
				m["request"], m["nonce"] = path, strconv.FormatInt(nonce, 10)
				payload, _ = json.Marshal(m)
			}
		}
		b64 := base64.StdEncoding.EncodeToString(payload)
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.Header.Set("X-GEMINI-APIKEY", testKeys[0].Key)
		req.Header.Set("X-GEMINI-PAYLOAD", b64)
		req.Header.Set("X-GEMINI-SIGNATURE", sign(testKeys[0].Secret, b64))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 403, 404, 406:
		default:
			t.Fatalf("%s %q: status %d", path, payload, w.Code)
		}
		var v any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: answer %q is not JSON", path, payload, w.Body)
		}
		if w.Code != 200 {
			env, _ := v.(map[string]any)
			if env["result"] != "error" || env["reason"] == nil || env["message"] == nil {
				t.Fatalf("%s %q: error answer %s", path, payload, w.Body)
			}
		}
		for cur, b := range s.Balances() {
			if b.Available.IsNegative() || b.Available.GreaterThan(b.Amount) {
				t.Fatalf("%s: available %s outside [0, %s]", cur, b.Available, b.Amount)
			}
		}
	})
}
