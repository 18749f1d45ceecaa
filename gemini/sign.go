package gemini

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Sign returns the values of the X-GEMINI-PAYLOAD and X-GEMINI-SIGNATURE
// headers for the exact payload bytes given: the payload in standard base64
// (with padding) and the lowercase hex HMAC-SHA384 of that base64 text, keyed
// with the API secret. The bytes are signed as they are; whitespace and key
// order matter, so sign exactly what is sent.
func Sign(secret string, payload []byte) (encodedPayload, signature string) {
	encodedPayload = base64.StdEncoding.EncodeToString(payload)
	mac := hmac.New(sha512.New384, []byte(secret))
	mac.Write([]byte(encodedPayload))
	return encodedPayload, hex.EncodeToString(mac.Sum(nil))
}

// field is one top-level entry of a private payload after request and nonce.
type field struct {
	key   string
	value any
}

// buildPayload returns the compact JSON payload of a private request:
// {"request":path,"nonce":"<digits>", fields..., "account":account}. The key
// order is fixed so the same inputs always give the same bytes.
func buildPayload(path string, nonce int64, account string, fields []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"request":`)
	if err := writeJSON(&b, path); err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, `,"nonce":"%d"`, nonce)
	for _, f := range fields {
		b.WriteByte(',')
		if err := writeJSON(&b, f.key); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := writeJSON(&b, f.value); err != nil {
			return nil, fmt.Errorf("payload field %s: %w", f.key, err)
		}
	}
	if account != "" {
		b.WriteString(`,"account":`)
		if err := writeJSON(&b, account); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(raw)
	return nil
}
