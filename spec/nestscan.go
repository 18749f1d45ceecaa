package spec

import (
	"bytes"
	"unicode/utf8"
)

// nestingSurelyBelow is checkNesting's fast path: a single pass over the
// bytes, without building tokens, that follows HCL's lexer (hclsyntax's
// scan_tokens.rl) closely enough to compute, at every point where
// checkNesting would look, a value at least as large as checkNesting's
// depth+unary+conds. It returns true only when that bound never exceeds
// maxNesting, so that checkNesting would certainly find nothing; otherwise
// (deep source, or anything it does not model: heredocs, "~" strip
// markers, "$$" and "%%" escapes, an unterminated /* comment, invalid
// UTF-8) it returns
// false and checkNesting runs the real lexer. It therefore never changes
// checkNesting's answer, only how fast a normal file gets it.
//
// What it tracks, as the lexer does: brackets, braces and parentheses;
// quoted strings (with backslash escapes) and the ${ and %{ sequences in
// them, which return to the string at their matching }; comments (a line
// comment swallows its newline, so no newline token follows it); newlines;
// question marks; and runs of - and ! (over-counted: a - inside a name or
// a number's exponent counts too).
func nestingSurelyBelow(src []byte, limit int) bool {
	const (
		modeMain = iota
		modeString
	)
	if !utf8.Valid(src) {
		return false // the lexer's tables may run a broken sequence into ASCII
	}
	mode := modeMain
	// braces and retBraces mirror the lexer's: the brace level at which a }
	// closes a template sequence and returns to the enclosing string.
	braces := 0
	var retBraces []int
	depth, grouping, unary, conds := 0, 0, 0, 0
	over := func() bool { return depth+unary+conds > limit }
	n := len(src)
	for i := 0; i < n; i++ {
		c := src[i]
		if mode == modeString {
			switch c {
			case '\\':
				i++ // the escaped character is literal (a newline or quote too)
			case '"':
				depth-- // CQuote
				mode = modeMain
			case '$', '%':
				if i+1 < n && src[i+1] == '{' {
					// TemplateInterp or TemplateControl: back to main mode
					// until the matching }.
					if i+2 < n && src[i+2] == '~' {
						return false
					}
					i++
					depth++
					braces++
					retBraces = append(retBraces, braces)
					mode = modeMain
					if over() {
						return false
					}
				} else if i+1 < n && src[i+1] == c {
					return false // $${ and %%{ escapes: let the lexer decide
				}
			}
			continue
		}
		// Main mode. Only - and ! (and the spaces between them) continue a
		// unary run; every other byte ends it.
		switch c {
		case '-', '!':
			unary++
			if over() {
				return false
			}
			continue
		case ' ', '\t':
			continue
		}
		unary = 0
		switch c {
		case '\n':
			if grouping <= 0 {
				conds = 0
			}
		case '?':
			conds++
		case '"':
			depth++ // OQuote
			mode = modeString
		case '[', '(':
			depth++
			grouping++
		case ']', ')':
			depth--
			grouping--
		case '{':
			depth++
			braces++
		case '}':
			// CBrace, or TemplateSeqEnd back to the string.
			depth--
			if len(retBraces) > 0 && retBraces[len(retBraces)-1] == braces {
				retBraces = retBraces[:len(retBraces)-1]
				mode = modeString
			}
			braces--
		case '~':
			return false // ~} strip markers
		case '<':
			if i+1 < n && src[i+1] == '<' {
				return false // a heredoc, perhaps
			}
		case '#':
			// A line comment, up to and including its newline.
			j := bytes.IndexByte(src[i:], '\n')
			if j < 0 {
				return !over()
			}
			i += j
		case '/':
			if i+1 < n && src[i+1] == '/' {
				j := bytes.IndexByte(src[i:], '\n')
				if j < 0 {
					return !over()
				}
				i += j
			} else if i+1 < n && src[i+1] == '*' {
				j := bytes.Index(src[i+2:], []byte("*/"))
				if j < 0 {
					return false // unterminated: the lexer reads on as tokens
				}
				i += 2 + j + 1
			}
		}
		if over() {
			return false
		}
	}
	return true
}
