package spec

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Digest is a SHA-256 (hex) over the configuration's files (names and
// contents, variables files included) and the resolved variable values. A
// saved plan records it, so that applying it against a changed
// configuration can be refused.
func (c *Config) Digest() string { return c.digest }

// FilesDigest is a SHA-256 (hex) over the configuration's files alone —
// the *.hcl and *.auto.vars.hcl files Load read, by base name and contents
// — without variable values, which may come from the command line or the
// environment. `apply PLANFILE` compares it with DirDigest of the
// directory to tell whether the configuration changed since the plan.
func (c *Config) FilesDigest() string { return c.filesDigest }

// DirDigest returns the FilesDigest of the configuration in dir, reading
// the files Load would read and evaluating nothing. It fails when dir
// cannot be read or holds no configuration file.
func DirDigest(dir string) (string, error) {
	files, auto, diags := readDir(dir)
	if diags.HasErrors() {
		return "", diags
	}
	if len(files) == 0 {
		return "", fmt.Errorf("%s holds no *.hcl configuration files", dir)
	}
	return filesDigest(files, auto), nil
}

func filesDigest(files, auto []source) string {
	all := append(append([]source(nil), files...), auto...)
	sort.Slice(all, func(i, j int) bool { return filepath.Base(all[i].name) < filepath.Base(all[j].name) })
	h := sha256.New()
	for _, f := range all {
		var n [8]byte
		name := filepath.Base(f.name)
		binary.BigEndian.PutUint64(n[:], uint64(len(name)))
		h.Write(n[:])
		h.Write([]byte(name))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.src)))
		h.Write(n[:])
		h.Write(f.src)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Config) computeDigest() string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	names := append([]string(nil), c.order...)
	sort.Strings(names)
	for _, name := range names {
		field([]byte(name))
		field(c.sources[name])
	}
	for _, v := range c.Variables {
		field([]byte(v.Name))
		val, _ := v.Value.UnmarkDeep()
		b, err := ctyjson.Marshal(val, cty.DynamicPseudoType)
		if err != nil { // unknown: only after an error
			b = []byte("?")
		}
		field(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SensitiveValues returns the text of every sensitive variable's values
// (strings as they are, numbers in decimal form), so that renderers can
// redact them wherever they would appear.
func (c *Config) SensitiveValues() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range c.Variables {
		if !v.Sensitive {
			continue
		}
		val, _ := v.Value.UnmarkDeep()
		_ = cty.Walk(val, func(_ cty.Path, e cty.Value) (bool, error) {
			if e.IsNull() || !e.IsKnown() {
				return false, nil
			}
			var s string
			switch e.Type() {
			case cty.String:
				s = e.AsString()
			case cty.Number:
				if d, err := bigFloatDecimal(e.AsBigFloat()); err == nil {
					s = d.String()
				}
			}
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
			return true, nil
		})
	}
	sort.Strings(out)
	return out
}

// maxLiteralExp bounds the binary exponent of number literals: beyond it a
// number is far outside any amount or price, and printing or converting
// it could take unbounded time.
const maxLiteralExp = 1 << 12

// checkLiterals reports number literals too large or too small to be
// useful, before anything evaluates them.
func checkLiterals(body *hclsyntax.Body) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.Type() != cty.Number || !lit.Val.IsKnown() || lit.Val.IsNull() {
			return nil
		}
		f := lit.Val.AsBigFloat()
		if f.IsInf() || f.Sign() == 0 {
			return nil
		}
		if e := f.MantExp(nil); e > maxLiteralExp || e < -maxLiteralExp {
			diags = append(diags, errDiag("Number out of range",
				"This number is too large or too small for any amount, price or count.", lit.SrcRange))
		}
		return nil
	}
	// The nodes of hclsyntax.VisitAll, walked directly where that is
	// simple: VisitAll allocates at every node, and a generated map of
	// thousands of entries has many.
	var walk func(n hclsyntax.Node)
	walk = func(n hclsyntax.Node) {
		switch x := n.(type) {
		case *hclsyntax.Body:
			for _, a := range x.Attributes {
				walk(a.Expr)
			}
			for _, b := range x.Blocks {
				walk(b.Body)
			}
		case *hclsyntax.ObjectConsExpr:
			for _, item := range x.Items {
				walk(item.KeyExpr)
				walk(item.ValueExpr)
			}
		case *hclsyntax.ObjectConsKeyExpr:
			if hcl.ExprAsKeyword(x.Wrapped) == "" { // as ObjectConsKeyExpr walks
				walk(x.Wrapped)
			}
		case *hclsyntax.TupleConsExpr:
			for _, e := range x.Exprs {
				walk(e)
			}
		case *hclsyntax.FunctionCallExpr:
			for _, e := range x.Args {
				walk(e)
			}
		case *hclsyntax.BinaryOpExpr:
			walk(x.LHS)
			walk(x.RHS)
		case *hclsyntax.UnaryOpExpr:
			walk(x.Val)
		case *hclsyntax.ParenthesesExpr:
			walk(x.Expression)
		case *hclsyntax.LiteralValueExpr:
			check(x)
		case *hclsyntax.ScopeTraversalExpr:
			// no child nodes
		default:
			_ = hclsyntax.VisitAll(n, check)
		}
	}
	walk(body)
	return diags
}
