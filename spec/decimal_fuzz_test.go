package spec

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// significant is the number of significant digits of a normalized decimal.
func significant(d decimal.Decimal) int {
	return len(strings.TrimLeft(d.Coefficient().String(), "-"))
}

// FuzzDecimal holds the conversions of docs/language.md to their promise: text
// and HCL numbers become exact decimals with no binary noise, or an error,
// never a silent rounding or a panic. For any two decimal texts a and b:
//   - parseDecimal gives a normalized, bounded decimal that round-trips
//     through its own text;
//   - the HCL number of the same text converts back to the same decimal;
//   - a+b, a-b and a*b computed the way HCL computes them (512-bit binary
//     floats) convert to the exact decimal result whenever that result fits
//     in sigDigits significant digits (0.1 * 3 is 0.3).
func FuzzDecimal(f *testing.F) {
	for _, s := range [][2]string{
		{"0.1", "3"}, {"0.1", "0.2"}, {"64000.01", "0.99"}, {"1e-3", "1E3"},
		{"-0", "+5"}, {"1e400", "1"}, {"NaN", "Inf"}, {"0x10", "1_000"},
		{"123456789012345678901234567890", "0.000000000000000000000000000001"},
		{"99999999999999999999999999999.9", "0.1"}, {".5", "5."}, {"1e-90", "1e30"},
		{"0.3333333333333333333333333333333333", "3"}, {"", " 1"}, {"--1", "1e"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		da, errA := parseDecimal(a)
		db, errB := parseDecimal(b)
		for _, c := range []struct {
			s   string
			d   decimal.Decimal
			err error
		}{{a, da, errA}, {b, db, errB}} {
			if c.err != nil {
				continue
			}
			if c.d.Abs().Cmp(limit) >= 0 {
				t.Fatalf("parseDecimal(%q) = %s: out of range, yet accepted", c.s, c.d)
			}
			if !c.d.Equal(normalize(c.d)) || c.d.String() != normalize(c.d).String() {
				t.Fatalf("parseDecimal(%q) = %s is not normalized", c.s, c.d)
			}
			back, err := parseDecimal(c.d.String())
			if err != nil || !back.Equal(c.d) {
				t.Fatalf("parseDecimal(%q) = %s, whose text parses as %s, %v", c.s, c.d, back, err)
			}
			if checkScale(c.d) != nil || significant(c.d) > sigDigits {
				continue
			}
			got, err := valueDecimal(decimalValue(c.d))
			if err != nil || !got.Equal(c.d) {
				t.Fatalf("%s as an HCL number converts back to %s, %v", c.d, got, err)
			}
			n, err := cty.ParseNumberVal(c.s)
			if err != nil {
				continue // decimal text HCL would not write as a literal
			}
			got, err = valueDecimal(n)
			if err != nil || !got.Equal(c.d) {
				t.Fatalf("the HCL number %q converts to %s, %v; its text parses as %s", c.s, got, err, c.d)
			}
		}
		if errA != nil || errB != nil || checkScale(da) != nil || checkScale(db) != nil ||
			significant(da) > sigDigits || significant(db) > sigDigits {
			return
		}
		va, vb := decimalValue(da), decimalValue(db)
		for _, op := range []struct {
			name  string
			exact decimal.Decimal
			hcl   cty.Value
		}{
			{"+", da.Add(db), va.Add(vb)},
			{"-", da.Sub(db), va.Subtract(vb)},
			{"*", da.Mul(db), va.Multiply(vb)},
		} {
			exact := normalize(op.exact)
			if exact.Abs().Cmp(limit) >= 0 || significant(exact) > sigDigits {
				continue
			}
			got, err := valueDecimal(op.hcl)
			if err != nil { // both scales are at most 30: the result is far inside the range
				t.Fatalf("%s %s %s: exact %s, conversion failed: %v", da, op.name, db, exact, err)
			}
			if !got.Equal(exact) {
				t.Fatalf("%s %s %s = %s exactly, but the HCL number converts to %s", da, op.name, db, exact, got)
			}
		}
	})
}
