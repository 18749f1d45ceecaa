package spec

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// HCL numbers are cty numbers: binary big.Floats of 512 bits. A literal such
// as 0.1 is therefore already a tiny bit off, and 0.1 * 3 carries the error
// of both operands into the last few of its ~154 significant digits.
//
// We turn a cty number into a decimal by printing it with sigDigits
// significant decimal digits (big.Float.Text with 'g', which rounds
// correctly) and parsing that text exactly. The binary noise of a 512-bit
// float lives around the 150th digit, far below sigDigits, so it rounds
// away: 0.1 * 3 prints as 0.3000…0 and becomes exactly 0.3. Trailing zeros
// are then dropped so that equal values have equal text. No amount or price
// on any exchange needs more than 34 significant digits (the precision of
// IEEE decimal128), so nothing legitimate is lost.
const sigDigits = 34

// Values are kept inside a range where decimal arithmetic and printing
// stay cheap: less than 10^maxIntDigits in magnitude. Amounts and prices
// also have at most maxScale digits after the point (a quotient such as
// 100/3 may have more, to be rounded with floor_to and friends). Anything
// outside is an error, never a rounding.
const (
	maxIntDigits = 30
	maxScale     = 30
)

var (
	errNotFinite  = errors.New("not a finite number")
	errOutOfRange = errors.New("out of range")
	errNotDecimal = errors.New("not a decimal number")
)

// exponentRE matches decimal text with an exponent, whose parse fails
// only for an exponent out of range.
var exponentRE = regexp.MustCompile(`^[+-]?[0-9]*\.?[0-9]+[eE][+-]?[0-9]+$`)

// limit is 10^maxIntDigits.
var limit = decimal.New(1, maxIntDigits)

// memo remembers the results of a pure conversion by its exact input: an
// evaluation converts the same few numbers (an increment, a size, a ticker
// price) once per order. It is bounded, and safe for concurrent use.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

const memoSize = 1 << 14

func (m *memo[V]) get(key []byte) (V, bool) {
	m.mu.Lock()
	v, ok := m.m[string(key)] // no copy of key
	m.mu.Unlock()
	return v, ok
}

func (m *memo[V]) getString(key string) (V, bool) {
	m.mu.Lock()
	v, ok := m.m[key]
	m.mu.Unlock()
	return v, ok
}

func (m *memo[V]) put(key string, v V) {
	m.mu.Lock()
	if m.m == nil || len(m.m) >= memoSize {
		m.m = make(map[string]V)
	}
	m.m[key] = v
	m.mu.Unlock()
}

type decimalResult struct {
	d   decimal.Decimal
	err error
}

var (
	bigFloatMemo memo[decimalResult] // by big.Float.GobEncode: value, precision, mode, accuracy
	decimalMemo  memo[cty.Value]     // by decimal text
)

// bigFloatDecimal converts a finite big.Float to a decimal as described
// above.
func bigFloatDecimal(f *big.Float) (decimal.Decimal, error) {
	key, err := f.GobEncode()
	if err != nil {
		return convertBigFloat(f)
	}
	if r, ok := bigFloatMemo.get(key); ok {
		return r.d, r.err
	}
	d, err := convertBigFloat(f)
	bigFloatMemo.put(string(key), decimalResult{d, err})
	return d, err
}

// convertBigFloat is bigFloatDecimal without the memo.
func convertBigFloat(f *big.Float) (decimal.Decimal, error) {
	if f.IsInf() {
		return decimal.Decimal{}, errNotFinite
	}
	if f.Sign() == 0 {
		return decimal.Zero, nil
	}
	// Check the binary exponent before printing: Text on a float of
	// exponent 2^30 would build a number with hundreds of millions of
	// digits.
	if exp := f.MantExp(nil); exp > 4*maxIntDigits || exp < -4*(maxScale+sigDigits) {
		return decimal.Decimal{}, errOutOfRange
	}
	if f.IsInt() {
		if i, acc := f.Int64(); acc == big.Exact {
			return decimal.NewFromInt(i), nil
		}
	}
	if d, ok := shortDecimal(f); ok {
		return bounded(d)
	}
	// Round to 128 bits (38 decimal digits) first: printing converts the
	// whole mantissa to decimal, and 512 bits of it cost four times as much
	// for digits that are rounded away anyway.
	var r big.Float
	r.SetPrec(128).Set(f)
	d, err := decimal.NewFromString(r.Text('g', sigDigits))
	if err != nil {
		return decimal.Decimal{}, errNotDecimal
	}
	return bounded(d)
}

// shortDecimal is the fast path of bigFloatDecimal for the common case, a
// value with at most 15 significant digits: take the nearest float64's
// 15-digit form and accept it only if it equals f to well within the
// sigDigits rounding (2^-110 relative), so the result is the same as the
// slow path's.
func shortDecimal(f *big.Float) (decimal.Decimal, bool) {
	x, _ := f.Float64()
	if x == 0 || math.IsInf(x, 0) {
		return decimal.Decimal{}, false
	}
	s := strconv.FormatFloat(x, 'g', 15, 64)
	g, _, err := big.ParseFloat(s, 10, 192, big.ToNearestEven)
	if err != nil {
		return decimal.Decimal{}, false
	}
	var diff big.Float
	diff.SetPrec(192).Sub(f, g)
	if diff.Sign() != 0 && diff.MantExp(nil) > f.MantExp(nil)-110 {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// parseDecimal parses decimal text such as "0.5", "64000" or "1e-3".
func parseDecimal(s string) (decimal.Decimal, error) {
	if len(s) > 2*(maxIntDigits+maxScale) || s == "" || strings.TrimSpace(s) != s {
		return decimal.Decimal{}, errNotDecimal
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return decimal.Decimal{}, errNotDecimal
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		if exponentRE.MatchString(s) {
			return decimal.Decimal{}, errOutOfRange
		}
		return decimal.Decimal{}, errNotDecimal
	}
	if e := d.Exponent(); e > maxIntDigits || e < -2*maxScale-maxIntDigits {
		return decimal.Decimal{}, errOutOfRange
	}
	return bounded(d)
}

// bounded normalizes d (drops trailing zeros) and checks its magnitude.
func bounded(d decimal.Decimal) (decimal.Decimal, error) {
	if d.IsZero() {
		return decimal.Zero, nil
	}
	if d.Exponent() > maxIntDigits || d.Abs().Cmp(limit) >= 0 {
		return decimal.Decimal{}, errOutOfRange
	}
	return normalize(d), nil
}

var ten = big.NewInt(10)

// normalize drops trailing zeros of the coefficient.
func normalize(d decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return decimal.Zero
	}
	c, e := d.Coefficient(), d.Exponent()
	var q, r big.Int
	for {
		q.QuoRem(c, ten, &r)
		if r.Sign() != 0 {
			break
		}
		c.Set(&q)
		e++
	}
	return decimal.NewFromBigInt(c, e)
}

// valueDecimal converts a known, unmarked number or string value.
func valueDecimal(v cty.Value) (decimal.Decimal, error) {
	switch v.Type() {
	case cty.Number:
		return bigFloatDecimal(v.AsBigFloat())
	case cty.String:
		return parseDecimal(v.AsString())
	}
	return decimal.Decimal{}, errNotDecimal
}

// decimalValue converts a decimal to a cty number exactly (the decimal's
// text parsed at 512 bits, as HCL parses literals).
func decimalValue(d decimal.Decimal) cty.Value {
	text := d.String()
	if v, ok := decimalMemo.getString(text); ok {
		return v
	}
	v, err := cty.ParseNumberVal(text)
	if err != nil {
		v = cty.UnknownVal(cty.Number)
	}
	decimalMemo.put(text, v)
	return v
}

// checkScale reports a decimal with more than maxScale digits after the
// point.
func checkScale(d decimal.Decimal) error {
	if d.Exponent() < -maxScale {
		return errOutOfRange
	}
	return nil
}
