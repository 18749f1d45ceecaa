package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical form: hclwrite's formatting (indentation,
// aligned equals signs, spacing). It does not check the syntax; callers
// that must refuse broken files parse them first (see CheckSyntax).
func Format(src []byte) []byte { return hclwrite.Format(src) }

// CheckSyntax parses src as a configuration or variables file and returns
// its syntax errors, so fmt does not rewrite a file it cannot read.
func CheckSyntax(filename string, src []byte) (*hcl.File, hcl.Diagnostics) {
	f, diags := parseConfigBounded(src, filename)
	if f == nil {
		f = &hcl.File{Bytes: src}
	}
	return f, diags
}
