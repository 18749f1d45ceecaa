package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Gemini sends decimals as JSON strings, and a few (tick_size,
// quote_increment) as JSON numbers, sometimes in exponent form (1e-08). The
// types here accept both without ever passing through a float.

// maxExponent bounds the exponent of a decimal read from the wire, so a
// hostile "1e999999999" cannot make String() build a gigabyte of zeros.
const maxExponent = 64

// wireDecimal is a decimal from a JSON string or number; null, "" and absent
// are zero.
type wireDecimal struct{ decimal.Decimal }

func (d *wireDecimal) UnmarshalJSON(b []byte) error {
	s, isNull, err := scalarText(b)
	if err != nil || isNull || s == "" {
		d.Decimal = decimal.Zero
		return err
	}
	v, err := parseDecimal(s)
	if err != nil {
		return err
	}
	d.Decimal = v
	return nil
}

// parseDecimal parses a decimal in plain or exponent form, exactly.
func parseDecimal(s string) (decimal.Decimal, error) {
	if len(s) > 100 {
		return decimal.Zero, fmt.Errorf("decimal %.20q… is too long", s)
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789.-+eE", r) {
			return decimal.Zero, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not a decimal number", s)
	}
	if e := v.Exponent(); e > maxExponent || e < -maxExponent {
		return decimal.Zero, fmt.Errorf("decimal %q is out of range", s)
	}
	return v, nil
}

// wireID is an identifier from a JSON string or an integer JSON number. The
// digits are kept as text, so ids above 2^53 survive exactly. A string is
// kept byte for byte, spaces included: " of:ns:…" is not "of:ns:…", and
// reading one as the other would hand someone else's order to orderform.
type wireID string

func (id *wireID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b) // whitespace between JSON tokens, not inside the string
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = wireID(s)
		return nil
	case bytes.Equal(b, []byte("null")):
		*id = ""
		return nil
	case !isDigits(string(b)):
		return fmt.Errorf("id %.30s is not an integer", b)
	}
	*id = wireID(b)
	return nil
}

// wireInt is an integer (a timestamp) from a JSON number or a string of digits.
type wireInt int64

func (n *wireInt) UnmarshalJSON(b []byte) error {
	s, isNull, err := scalarText(b)
	if err != nil || isNull || s == "" {
		*n = 0
		return err
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = wireInt(v)
		return nil
	}
	d, err := parseDecimal(s) // 1547220404836.0 or 1.5e12
	if err != nil {
		return err
	}
	*n = wireInt(d.IntPart())
	return nil
}

// scalarText returns the text of a JSON string, number or null.
func scalarText(b []byte) (s string, isNull bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return "", false, errors.New("empty JSON value")
	case bytes.Equal(b, []byte("null")):
		return "", true, nil
	case b[0] == '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		return strings.TrimSpace(s), false, nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		return string(b), false, nil
	default:
		return "", false, fmt.Errorf("expected a string or a number, got %.20s", b)
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
