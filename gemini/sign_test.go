package gemini

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name, secret, payload, wantPayload, wantSig string
	}{
		{
			name:        "Gemini's documented example, 83 hand-written bytes",
			secret:      "1234abcd",
			payload:     "{\n    \"request\": \"/v1/order/status\",\n    \"nonce\": 123456,\n\n    \"order_id\": 18834\n}\n",
			wantPayload: "ewogICAgInJlcXVlc3QiOiAiL3YxL29yZGVyL3N0YXR1cyIsCiAgICAibm9uY2UiOiAxMjM0NTYsCgogICAgIm9yZGVyX2lkIjogMTg4MzQKfQo=",
			wantSig:     "337cc8b4ea692cfe65b4a85fcc9f042b2e3f702ac956fd098d600ab15705775017beae402be773ceee10719ff70d710f",
		},
		{
			name:        "five-space variant signs differently",
			secret:      "1234abcd",
			payload:     "{\n     \"request\": \"/v1/order/status\",\n     \"nonce\": 123456,\n\n     \"order_id\": 18834\n}\n",
			wantPayload: "ewogICAgICJyZXF1ZXN0IjogIi92MS9vcmRlci9zdGF0dXMiLAogICAgICJub25jZSI6IDEyMzQ1NiwKCiAgICAgIm9yZGVyX2lkIjogMTg4MzQKfQo=",
			wantSig:     "aceaacbe56beb3b08c9f1b4bfd099cc523f8c15b36ccd0fdcf823e71ea6ff413b5a1de251cfab9c3c0e863739d76368f",
		},
		{
			name:        "compact order status",
			secret:      "1234abcd",
			payload:     `{"request":"/v1/order/status","nonce":123456,"order_id":18834}`,
			wantPayload: "eyJyZXF1ZXN0IjoiL3YxL29yZGVyL3N0YXR1cyIsIm5vbmNlIjoxMjM0NTYsIm9yZGVyX2lkIjoxODgzNH0=",
			wantSig:     "51f2d46b8d13add5414bb73d72c1e1e1d3e1f6f8ed411960d860510df3219d0ed3514578d14f18cd1340109bf0c0385b",
		},
		{
			name:        "compact new order",
			secret:      "conformance-api-secret",
			payload:     compactNewOrder,
			wantPayload: "eyJyZXF1ZXN0IjoiL3YxL29yZGVyL25ldyIsIm5vbmNlIjoiMTcwMDAwMDAwMDAwMCIsImNsaWVudF9vcmRlcl9pZCI6InRmLWJ0Y3VzZC1idXktMDEiLCJzeW1ib2wiOiJidGN1c2QiLCJhbW91bnQiOiIwLjAxIiwicHJpY2UiOiIxMDAwLjAwIiwic2lkZSI6ImJ1eSIsInR5cGUiOiJleGNoYW5nZSBsaW1pdCIsIm9wdGlvbnMiOlsibWFrZXItb3ItY2FuY2VsIl19",
			wantSig:     "1d39f15783dc45cdc608d6d3b63d862271c6458d04d18267d2d6eed4eb2761a022778625814400765a2af8b0d708ef33",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotPayload, gotSig := Sign(tt.secret, []byte(tt.payload))
			if gotPayload != tt.wantPayload {
				t.Errorf("payload\n got %s\nwant %s", gotPayload, tt.wantPayload)
			}
			if gotSig != tt.wantSig {
				t.Errorf("signature\n got %s\nwant %s", gotSig, tt.wantSig)
			}
		})
	}
	if n := len(tests[0].payload); n != 83 {
		t.Errorf("documented payload is %d bytes, want 83", n)
	}
}

const compactNewOrder = `{"request":"/v1/order/new","nonce":"1700000000000","client_order_id":"tf-btcusd-buy-01","symbol":"btcusd","amount":"0.01","price":"1000.00","side":"buy","type":"exchange limit","options":["maker-or-cancel"]}`

// The payload builder writes the compact vector byte for byte.
func TestBuildPayloadCompactVector(t *testing.T) {
	got, err := buildPayload("/v1/order/new", 1700000000000, "", []field{
		{"client_order_id", "tf-btcusd-buy-01"}, {"symbol", "btcusd"}, {"amount", "0.01"},
		{"price", "1000.00"}, {"side", "buy"}, {"type", "exchange limit"},
		{"options", []string{"maker-or-cancel"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != compactNewOrder {
		t.Errorf("payload\n got %s\nwant %s", got, compactNewOrder)
	}
}

func TestNewOrderPayload(t *testing.T) {
	d := decimal.RequireFromString
	tests := []struct {
		name    string
		order   NewOrder
		account string
		want    string
	}{
		{
			name: "limit with option",
			order: NewOrder{ClientOrderID: "tf-btcusd-buy-01", Symbol: "btcusd", Side: "buy", Type: TypeLimit,
				Amount: d("0.01"), Price: d("1000.50"), Options: []string{"maker-or-cancel"}},
			want: `{"request":"/v1/order/new","nonce":"7","client_order_id":"tf-btcusd-buy-01","symbol":"btcusd","amount":"0.01","price":"1000.5","side":"buy","type":"exchange limit","options":["maker-or-cancel"]}`,
		},
		{
			name: "stop limit for a master key",
			order: NewOrder{ClientOrderID: "x", Symbol: "ethusd", Side: "sell", Type: TypeStopLimit,
				Amount: d("0.5"), Price: d("2890"), StopPrice: d("2900")},
			account: "primary",
			want:    `{"request":"/v1/order/new","nonce":"7","client_order_id":"x","symbol":"ethusd","amount":"0.5","price":"2890","side":"sell","type":"exchange stop limit","stop_price":"2900","account":"primary"}`,
		},
		{
			name:  "tiny amount stays exact",
			order: NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: d("1e-8"), Price: d("64000.01")},
			want:  `{"request":"/v1/order/new","nonce":"7","symbol":"btcusd","amount":"0.00000001","price":"64000.01","side":"buy","type":"exchange limit"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := newOrderFields(tt.order)
			if err != nil {
				t.Fatal(err)
			}
			got, err := buildPayload("/v1/order/new", 7, tt.account, fields)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("payload\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
