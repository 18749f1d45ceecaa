package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// refScope says which reference roots an expression may use.
type refScope int

const (
	refVar   refScope = 1 << iota // var.*
	refLocal                      // local.*
	refData                       // data.*
	refCount                      // count.index
	refEach                       // each.key, each.value

	refGlobal = refVar | refLocal | refData
)

// checkRefs reports every reference in expr that does not resolve in
// scope, with a suggestion where one is close. Expressions that fail are
// not evaluated, so HCL's less specific errors do not pile on.
func (c *Config) checkRefs(expr hcl.Expression, scope refScope) hcl.Diagnostics {
	return c.checkTraversals(expr.Variables(), scope)
}

// checkTraversals is checkRefs for an expression's references.
func (c *Config) checkTraversals(vars []hcl.Traversal, scope refScope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range vars {
		if d := c.checkRef(t, scope); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

func (c *Config) checkRef(t hcl.Traversal, scope refScope) *hcl.Diagnostic {
	root := t.RootName()
	rng := t.SourceRange()
	attr := func(i int) (string, bool) {
		if len(t) <= i {
			return "", false
		}
		a, ok := t[i].(hcl.TraverseAttr)
		return a.Name, ok
	}
	switch root {
	case "var":
		name, ok := attr(1)
		if !ok {
			return errDiag("Invalid reference", "A reference to a variable is var. followed by its name, like var.size.", rng)
		}
		if _, ok := c.vars[name]; !ok {
			return errDiag("Reference to undeclared input variable",
				fmt.Sprintf("An input variable named %q has not been declared.%s", name, didYouMean(name, c.varNames())), rng)
		}
		if scope&refVar == 0 {
			return errDiag("Invalid reference", "Variables cannot be used here.", rng)
		}
	case "local":
		name, ok := attr(1)
		if !ok {
			return errDiag("Invalid reference", "A reference to a local value is local. followed by its name, like local.levels.", rng)
		}
		if _, ok := c.localOf[name]; !ok {
			names := make([]string, 0, len(c.locals))
			for _, l := range c.locals {
				names = append(names, l.name)
			}
			return errDiag("Reference to undeclared local value",
				fmt.Sprintf("A local value named %q has not been declared.%s", name, didYouMean(name, names)), rng)
		}
		if scope&refLocal == 0 {
			return errDiag("Invalid reference", "Local values cannot be used here.", rng)
		}
	case "data":
		return c.checkDataRef(t, scope, attr)
	case "count":
		if scope&refCount == 0 {
			return errDiag(`Reference to "count" in non-counted context`,
				`count.index can only be used in an order block that sets count.`, rng)
		}
		if name, _ := attr(1); name != "index" {
			return errDiag(`Invalid "count" attribute`, `The only attribute of "count" is "index".`, rng)
		}
	case "each":
		if scope&refEach == 0 {
			return errDiag(`Reference to "each" in context without for_each`,
				`each.key and each.value can only be used in an order block that sets for_each.`, rng)
		}
		if name, _ := attr(1); name != "key" && name != "value" {
			return errDiag(`Invalid "each" attribute`, `The attributes of "each" are "key" and "value".`, rng)
		}
	case "order":
		return errDiag("Invalid reference",
			"An order cannot refer to another order; put shared values in a local value.", rng)
	default:
		return errDiag("Invalid reference",
			fmt.Sprintf("There is no %q here. References start with var., local., data., each. or count.%s", root,
				didYouMean(root, []string{"var", "local", "data", "each", "count"})), rng)
	}
	return nil
}

// checkDataRef checks a reference to a data source: its type, its name and
// the attribute it reads.
func (c *Config) checkDataRef(t hcl.Traversal, scope refScope, attr func(int) (string, bool)) *hcl.Diagnostic {
	rng := t.SourceRange()
	kind, ok1 := attr(1)
	name, ok2 := attr(2)
	if !ok1 || !ok2 {
		return errDiag("Invalid reference", "A reference to a data source is data.<type>.<name>, like data.ticker.btc.bid.", rng)
	}
	if _, ok := dataSchemas[kind]; !ok {
		return errDiag("Invalid data source type",
			fmt.Sprintf("There is no data source of type %q; the types are ticker, symbol and balance.%s", kind, didYouMean(kind, dataKinds)), rng)
	}
	if _, ok := c.dataOf[kind+"."+name]; !ok {
		var names []string
		for k := range c.dataOf {
			if strings.HasPrefix(k, kind+".") {
				names = append(names, strings.TrimPrefix(k, kind+"."))
			}
		}
		return errDiag("Reference to undeclared data source",
			fmt.Sprintf("A data source data %q %q has not been declared.%s", kind, name, didYouMean(name, names)), rng)
	}
	if scope&refData == 0 {
		return errDiag("Invalid reference", "Data sources cannot be used here.", rng)
	}
	if a, ok := attr(3); ok {
		if _, ok := dataAttrTypes[kind][a]; !ok {
			return errDiag("Unsupported attribute", fmt.Sprintf("A %s data source has no attribute %q; its attributes are %s.%s",
				kind, a, englishList(dataAttrNames(kind)), didYouMean(a, dataAttrNames(kind))), t[3].SourceRange())
		}
	}
	return nil
}

// evalContext is the context of top-level expressions.
func (c *Config) evalContext(locals map[string]cty.Value, data cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   c.varObject(),
			"local": objectOrEmpty(locals),
			"data":  data,
		},
		Functions: functions,
	}
}

func objectOrEmpty(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

// checkLocalRefs checks every local value's references once and records
// which locals each depends on.
func (c *Config) checkLocalRefs() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, l := range c.locals {
		vars := l.expr.Variables() // once: a large local is costly to walk
		d := c.checkTraversals(vars, refGlobal)
		diags = append(diags, d...)
		l.bad = d.HasErrors()
		for _, t := range vars {
			if t.RootName() == "data" {
				l.directData = true
			}
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if a, ok := t[1].(hcl.TraverseAttr); ok {
				l.deps = append(l.deps, a.Name)
			}
		}
	}
	diags = append(diags, c.findCycles()...)
	c.findDataDeps()
	return diags
}

// findDataDeps sets dataDep of every local: whether it depends on a data
// source, directly or through other locals. A local that reaches a cycle
// (reported elsewhere) counts as depending on one.
func (c *Config) findDataDeps() {
	const (
		visiting = 1
		done     = 2
	)
	state := map[*local]int{}
	var visit func(l *local) bool
	visit = func(l *local) bool {
		switch state[l] {
		case visiting:
			return true
		case done:
			return l.dataDep
		}
		state[l] = visiting
		uses := l.directData
		for _, dep := range l.deps {
			if dl := c.localOf[dep]; dl != nil && visit(dl) {
				uses = true
			}
		}
		state[l] = done
		l.dataDep = uses
		return uses
	}
	for _, l := range c.locals {
		visit(l)
	}
}

// findCycles reports each cycle among local values once and marks its
// members bad.
func (c *Config) findCycles() hcl.Diagnostics {
	var diags hcl.Diagnostics
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		l := c.localOf[name]
		if l == nil || state[name] == done {
			return
		}
		if state[name] == visiting {
			i := len(stack) - 1
			for stack[i] != name {
				i--
			}
			cycle := append(append([]string(nil), stack[i:]...), name)
			for _, n := range cycle {
				c.localOf[n].bad = true
			}
			diags = append(diags, errDiag("Cycle in local values",
				"The local values refer to each other in a loop: local."+strings.Join(cycle, " → local.")+". Break the loop so that each value can be computed from the ones before it.",
				c.localOf[name].expr.Range()))
			return
		}
		state[name] = visiting
		stack = append(stack, name)
		for _, dep := range l.deps {
			visit(dep)
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, l := range c.locals {
		visit(l.name)
	}
	return diags
}

// evalLocals evaluates the local values in dependency order. A local that
// cannot be evaluated is unknown, so that what uses it is not reported
// again.
//
// With reuse (the values of the pass without the exchange), a local that
// does not depend on a data source, directly or through other locals,
// keeps its value rather than being evaluated again.
func (c *Config) evalLocals(data cty.Value, reuse map[string]cty.Value) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vals := make(map[string]cty.Value, len(c.locals))
	varObj := c.varObject()
	var eval func(l *local)
	eval = func(l *local) {
		if _, ok := vals[l.name]; ok {
			return
		}
		if l.bad {
			vals[l.name] = cty.DynamicVal
			return
		}
		if v, ok := reuse[l.name]; ok && !l.dataDep {
			vals[l.name] = v
			return
		}
		vals[l.name] = cty.DynamicVal // guards against a cycle missed above
		deps := make(map[string]cty.Value, len(l.deps))
		for _, dep := range l.deps {
			if dl := c.localOf[dep]; dl != nil {
				eval(dl)
				deps[dep] = vals[dep]
			}
		}
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": varObj, "local": objectOrEmpty(deps), "data": data},
			Functions: functions,
		}
		v, d := l.expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		vals[l.name] = v
	}
	for _, l := range c.locals {
		eval(l)
	}
	return vals, diags
}
