package spec

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// lexedNesting is the largest nesting checkNesting sees in src.
func lexedNesting(src []byte) int {
	toks, _ := hclsyntax.LexConfig(src, "x.hcl", hcl.InitialPos)
	most, _ := tokenNesting(toks, math.MaxInt)
	return most
}

// checkNestingBound fails when nestingSurelyBelow vouches for a limit the
// real lexer's count exceeds.
func checkNestingBound(t *testing.T, src []byte) {
	t.Helper()
	want := lexedNesting(src)
	for limit := 0; limit < want; limit++ {
		if nestingSurelyBelow(src, limit) {
			t.Fatalf("nestingSurelyBelow(%q, %d) = true, but the lexer's nesting is %d", src, limit, want)
		}
	}
}

var nestingCases = []string{
	"a = [[[1]]]",
	"a = \"${\"${\"${x}\"}\"}\"",
	"a = \"}}}}}\"\nb = [[[[1]]]]",
	"a = \"\\\"}}}\" # }}}\nb = ((1))",
	"a = 1 // }}}}\nb = {c = {d = [1]}}",
	"a = /* }}} */ [[1]]",
	"a = /* [[[[",
	"a = \"%{ if x }[${y}]%{ endif }\"",
	"a = x ? y ? z : 1 : 2 # ?\n? ?",
	"a = (x ?\n y ? 1 :\n 2 : 3)",
	"a = - - ! - 1",
	"a = -\t-\n-1",
	"a = a--b - -1e-5",
	"a = \"$${x}\" \"%%{x}\"",
	"a = \"$$${x}\"",
	"a = <<EOT\n${[[[1]]]}\nEOT\n",
	"a = \"${~ x ~}\"",
	"a = {\n\"${x}\" = \"}${y}{\"\n}",
	"a = \"unterminated ${ [[[1 ",
	"a = \"\\${[[[\" [[1]]",
	"a = \"a\n${[1]}\n\"",
	"a = \"x\\",
	"a = }}}} [[[[[",
	"\xef\xbb\xbfa = [[1]]",
	"a = # c\n- - -1",
	"a = ! = ! !=!",
}

func TestNestingSurelyBelow(t *testing.T) {
	srcs := append([]string(nil), nestingCases...)
	srcs = append(srcs, benchConfig(200), strings.Repeat("[", 300), strings.Repeat("- ", 300)+"1",
		"a = "+strings.Repeat("x ? ", 300)+"1")
	paths, _ := filepath.Glob("testdata/fixtures/*/*.hcl")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	for _, s := range srcs {
		checkNestingBound(t, []byte(s))
	}
	// The fast path must accept ordinary configurations, or it saves nothing.
	if !nestingSurelyBelow([]byte(benchConfig(200)), maxNesting) || !nestingSurelyBelow([]byte(dataConfig), maxNesting) {
		t.Error("nestingSurelyBelow refuses an ordinary configuration")
	}
}

// FuzzNestingSurelyBelow checks the fast path's bound against the lexer.
func FuzzNestingSurelyBelow(f *testing.F) {
	for _, s := range nestingCases {
		f.Add([]byte(s))
	}
	paths, _ := filepath.Glob("testdata/fixtures/*/*.hcl")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkNestingBound(t, src)
	})
}
