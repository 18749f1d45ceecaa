package spec

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxNesting bounds how deeply an expression may nest. HCL's parser and
// evaluator recurse once per level, and Go cannot recover from a stack
// overflow: a file of 100,000 "[" would kill the process instead of giving
// a diagnostic. No real configuration comes near the limit.
const maxNesting = 256

// checkNesting refuses source whose expressions nest deeper than maxNesting,
// before the recursive parser sees it. It counts, from the tokens alone,
// brackets of every kind, template interpolations and quotes, runs of unary
// operators, and the conditionals chained on one logical line, each of
// which costs the parser one level of recursion. expr says src is a lone
// expression (a -var value) rather than a file.
func checkNesting(filename string, src []byte, expr bool) hcl.Diagnostics {
	if nestingSurelyBelow(src, maxNesting) { // the common case, without lexing twice
		return nil
	}
	lex := hclsyntax.LexConfig
	if expr {
		lex = hclsyntax.LexExpression
	}
	toks, _ := lex(src, filename, hcl.InitialPos) // lexical errors are the parser's to report
	if _, at := tokenNesting(toks, maxNesting); at != nil {
		r := at.Range
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Expression nested too deeply",
			Detail:   fmt.Sprintf("Expressions may nest at most %d levels deep (brackets, parentheses, braces, templates, chained conditionals and unary operators together).", maxNesting),
			Subject:  &r,
		}}
	}
	return nil
}

// tokenNesting returns the deepest nesting of toks, counted as checkNesting
// describes, and the first token past limit (nil when none is).
func tokenNesting(toks hclsyntax.Tokens, limit int) (most int, at *hclsyntax.Token) {
	depth, grouping, unary, conds := 0, 0, 0, 0
	var prev hclsyntax.TokenType
	for i := range toks {
		t := &toks[i]
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
			if t.Type == hclsyntax.TokenOBrack || t.Type == hclsyntax.TokenOParen {
				grouping++
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth--
			if t.Type == hclsyntax.TokenCBrack || t.Type == hclsyntax.TokenCParen {
				grouping--
			}
		case hclsyntax.TokenQuestion:
			conds++
		case hclsyntax.TokenNewline:
			if grouping <= 0 {
				conds = 0
			}
		}
		if (t.Type == hclsyntax.TokenMinus || t.Type == hclsyntax.TokenBang) &&
			(prev == hclsyntax.TokenMinus || prev == hclsyntax.TokenBang) {
			unary++
		} else {
			unary = 0
		}
		prev = t.Type
		most = max(most, depth+unary+conds)
		if most > limit {
			return most, t
		}
	}
	return most, nil
}

// parseConfigBounded is hclsyntax.ParseConfig behind checkNesting. The file
// it returns for a refused source carries the bytes, for snippets.
func parseConfigBounded(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if d := checkNesting(filename, src, false); d.HasErrors() {
		return &hcl.File{Bytes: src}, d
	}
	return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
}

// parseExpressionBounded is hclsyntax.ParseExpression behind checkNesting.
func parseExpressionBounded(src []byte, filename string) (hclsyntax.Expression, hcl.Diagnostics) {
	if d := checkNesting(filename, src, true); d.HasErrors() {
		return nil, d
	}
	return hclsyntax.ParseExpression(src, filename, hcl.InitialPos)
}

// maxFileSize bounds a configuration or variables file. Configurations are
// written by people; a file this large is a mistake (a log or a data dump
// saved as .hcl) and would only cost memory and time to refuse later.
const maxFileSize = 8 << 20

// readSource reads a configuration or variables file of at most maxFileSize
// bytes.
func readSource(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("the file is too large: configuration files may be at most %d MiB", maxFileSize>>20)
	}
	return b, nil
}
