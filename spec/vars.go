package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// sensitive is the cty mark carried by values derived from sensitive
// variables. cty propagates marks through operators and functions, so an
// order attribute computed from a sensitive variable is itself marked.
const sensitive = mark("sensitive")

type mark string

// variable details used only while loading.
type varDecl struct {
	defaultExpr hcl.Expression
	defaults    *typeexpr.Defaults
	validations []validation
	valueRange  hcl.Range // where the winning value was written
	set         bool
	broken      bool // the declaration failed: no further errors about it
}

type validation struct {
	cond, msg hcl.Expression
	rng       hcl.Range
}

func (c *Config) declareVariable(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := checkName(b, 0, "variable")
	if prev, ok := c.vars[name]; ok {
		return append(diags, errDiag("Duplicate variable declaration",
			fmt.Sprintf("A variable named %q was already declared at %s. Variable names must be unique.", name, prev.Range),
			b.DefRange))
	}
	content, d := b.Body.Content(variableSchema)
	diags = append(diags, d...)
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, Range: b.DefRange, decl: &varDecl{}}
	c.vars[name] = v
	c.Variables = append(c.Variables, v)
	if a := content.Attributes["type"]; a != nil {
		ty, defaults, d := typeexpr.TypeConstraintWithDefaults(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type, v.decl.defaults = ty, defaults
		} else {
			v.decl.broken = true
		}
	}
	if a := content.Attributes["description"]; a != nil {
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if s, err := convert.Convert(val, cty.String); err == nil && s.IsKnown() && !s.IsNull() {
			v.Description = s.AsString()
		} else if !d.HasErrors() {
			diags = append(diags, errDiag("Invalid description", "The description must be a string.", a.Expr.Range()))
		}
	}
	if a := content.Attributes["sensitive"]; a != nil {
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if bv, err := convert.Convert(val, cty.Bool); err == nil && bv.IsKnown() && !bv.IsNull() {
			v.Sensitive = bv.True()
		} else if !d.HasErrors() {
			diags = append(diags, errDiag("Invalid sensitive value", "sensitive must be true or false.", a.Expr.Range()))
		}
	}
	if a := content.Attributes["default"]; a != nil {
		v.decl.defaultExpr = a.Expr
	}
	for _, vb := range content.Blocks {
		vc, d := vb.Body.Content(validationSchema)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.decl.validations = append(v.decl.validations, validation{
				cond: vc.Attributes["condition"].Expr, msg: vc.Attributes["error_message"].Expr, rng: vb.DefRange,
			})
		}
	}
	return diags
}

// resolveVariables gives every declared variable its value: the default,
// then ORDERFORM_VAR_<name>, then *.auto.vars.hcl, then -var-file and -var
// in command-line order; a later source wins. Then the values are
// converted to their types, marked when sensitive and validated.
func (c *Config) resolveVariables(auto []source, args []varInput, getenv func(string) string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	sort.Slice(c.Variables, func(i, j int) bool { return c.Variables[i].Name < c.Variables[j].Name })
	raw := map[string]cty.Value{}
	for _, v := range c.Variables {
		if e := v.decl.defaultExpr; e != nil {
			val, d := e.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				raw[v.Name] = val
				v.Source, v.decl.valueRange, v.decl.set = "default", e.Range(), true
			}
		}
	}
	for _, v := range c.Variables {
		env := "ORDERFORM_VAR_" + v.Name
		if s := getenv(env); s != "" {
			val, d := c.parseRawValue(v, s, "<environment variable "+env+">")
			diags = append(diags, d...)
			if !d.HasErrors() {
				raw[v.Name] = val
				v.Source, v.decl.valueRange, v.decl.set = "environment variable "+env, rawRange("<environment variable "+env+">", s), true
			}
		}
	}
	for _, f := range auto {
		diags = append(diags, c.readVarsFile(f, raw)...)
	}
	for _, a := range args {
		if a.file {
			diags = append(diags, c.readVarsFile(a.src, raw)...)
			continue
		}
		diags = append(diags, c.readVarArg(a.raw, raw)...)
	}
	for _, v := range c.Variables {
		val, ok := raw[v.Name]
		if !ok && v.decl.broken {
			v.Value = cty.DynamicVal
			continue
		}
		if !ok {
			diags = append(diags, errDiag("No value for required variable",
				fmt.Sprintf("The variable %q has no default and no value was given. Set it with -var '%s=...', a -var-file, a *.auto.vars.hcl file or the environment variable ORDERFORM_VAR_%s.", v.Name, v.Name, v.Name),
				v.Range))
			v.Value = cty.DynamicVal
			continue
		}
		if v.decl.defaults != nil {
			val = v.decl.defaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			diags = append(diags, errDiag("Invalid value for variable",
				fmt.Sprintf("The value of var.%s (from %s) is not suitable: %s.", v.Name, v.Source, err),
				c.valueSubject(v)))
			v.Value = cty.UnknownVal(v.Type)
			continue
		}
		if v.Sensitive {
			conv = conv.Mark(sensitive)
		}
		v.Value = conv
	}
	return append(diags, c.validateVariables()...)
}

// valueSubject is where a variable's value is shown in a diagnostic: the
// value itself, or the declaration for a sensitive variable, so the value
// never appears in a snippet.
func (c *Config) valueSubject(v *Variable) hcl.Range {
	if v.Sensitive || v.decl.valueRange.Filename == "" {
		return v.Range
	}
	return v.decl.valueRange
}

func rawRange(filename, s string) hcl.Range {
	end := hcl.Pos{Line: 1, Column: len(s) + 1, Byte: len(s)}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		end = hcl.Pos{Line: 1, Column: i + 1, Byte: i}
	}
	return hcl.Range{Filename: filename, Start: hcl.InitialPos, End: end}
}

// parseRawValue turns a value given as text (environment, -var) into a
// value, as Terraform does: literally as a string for a primitive or
// untyped variable (conversion to number or bool follows), as an HCL
// expression for a collection or structural type.
func (c *Config) parseRawValue(v *Variable, s, filename string) (cty.Value, hcl.Diagnostics) {
	if !v.Sensitive {
		c.Files[filename] = &hcl.File{Bytes: []byte(s)}
	}
	if v.Type.IsPrimitiveType() || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(s), nil
	}
	expr, diags := parseExpressionBounded([]byte(s), filename)
	if diags.HasErrors() {
		if v.Sensitive {
			return cty.DynamicVal, hcl.Diagnostics{errDiag("Invalid value for variable",
				fmt.Sprintf("The value given for the sensitive variable %q in %s is not a valid expression.", v.Name, filename), v.Range)}
		}
		return cty.DynamicVal, diags
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() && v.Sensitive {
		return cty.DynamicVal, hcl.Diagnostics{errDiag("Invalid value for variable",
			fmt.Sprintf("The value given for the sensitive variable %q in %s is not valid.", v.Name, filename), v.Range)}
	}
	return val, diags
}

// readVarsFile reads a variables file: attributes only, constant values.
func (c *Config) readVarsFile(f source, raw map[string]cty.Value) hcl.Diagnostics {
	file, diags := c.addFile(f)
	if diags.HasErrors() {
		return diags
	}
	attrs, d := file.Body.JustAttributes()
	diags = append(diags, d...)
	for _, a := range sortedAttrs(attrs) {
		v, ok := c.vars[a.Name]
		if !ok {
			diags = append(diags, warnDiag("Value for undeclared variable",
				fmt.Sprintf("The file %s sets %q, but no variable of that name is declared.%s", f.name, a.Name, didYouMean(a.Name, c.varNames())),
				a.NameRange))
			continue
		}
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		raw[a.Name] = val
		v.Source, v.decl.valueRange, v.decl.set = f.name, a.Expr.Range(), true
	}
	return diags
}

// readVarArg applies one -var name=value.
func (c *Config) readVarArg(arg string, raw map[string]cty.Value) hcl.Diagnostics {
	name, value, ok := strings.Cut(arg, "=")
	filename := "<command-line -var " + name + ">"
	if !ok || name == "" {
		return hcl.Diagnostics{errDiag("Invalid -var option",
			fmt.Sprintf("The option -var %q is not of the form name=value.", arg), rawRange("<command-line -var>", arg))}
	}
	v, declared := c.vars[name]
	if !declared {
		return hcl.Diagnostics{errDiag("Value for undeclared variable",
			fmt.Sprintf("A -var option sets %q, but no variable of that name is declared.%s", name, didYouMean(name, c.varNames())),
			rawRange(filename, value))}
	}
	val, diags := c.parseRawValue(v, value, filename)
	if !diags.HasErrors() {
		raw[name] = val
		v.Source, v.decl.valueRange, v.decl.set = "-var", rawRange(filename, value), true
	}
	return diags
}

func (c *Config) varNames() []string {
	names := make([]string, 0, len(c.Variables))
	for _, v := range c.Variables {
		names = append(names, v.Name)
	}
	return names
}

// varObject is the value of "var" in expressions.
func (c *Config) varObject() cty.Value {
	if len(c.Variables) == 0 {
		return cty.EmptyObjectVal
	}
	m := make(map[string]cty.Value, len(c.Variables))
	for _, v := range c.Variables {
		m[v.Name] = v.Value
	}
	return cty.ObjectVal(m)
}

// validateVariables runs every validation block. A condition may refer to
// any variable.
func (c *Config) validateVariables() hcl.Diagnostics {
	var diags hcl.Diagnostics
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": c.varObject()}, Functions: functions}
	for _, v := range c.Variables {
		for _, val := range v.decl.validations {
			if d := c.checkRefs(val.cond, refVar); d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			if d := c.checkRefs(val.msg, refVar); d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			res, d := val.cond.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			res, _ = res.Unmark()
			if !res.IsKnown() {
				continue
			}
			if res.IsNull() || res.Type() != cty.Bool {
				diags = append(diags, errDiag("Invalid validation condition",
					"The condition of a validation block must be true or false.", val.cond.Range()))
				continue
			}
			if res.True() {
				continue
			}
			diags = append(diags, errDiag("Invalid value for variable",
				c.validationMessage(v, val, ctx)+fmt.Sprintf("\n\nThis was checked by the validation rule at %s.", val.rng),
				c.valueSubject(v)))
		}
	}
	return diags
}

func (c *Config) validationMessage(v *Variable, val validation, ctx *hcl.EvalContext) string {
	msg, d := val.msg.Value(ctx)
	if d.HasErrors() {
		return fmt.Sprintf("The value of var.%s failed its validation rule.", v.Name)
	}
	if msg.IsMarked() {
		return fmt.Sprintf("The value of var.%s failed its validation rule (the error message refers to a sensitive value and is hidden).", v.Name)
	}
	s, err := convert.Convert(msg, cty.String)
	if err != nil || !s.IsKnown() || s.IsNull() {
		return fmt.Sprintf("The value of var.%s failed its validation rule.", v.Name)
	}
	return s.AsString()
}
