package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// source is one file's name (as diagnostics show it) and contents.
type source struct {
	name string
	src  []byte
}

// varInput is one -var or -var-file argument, with a file already read.
type varInput struct {
	file bool
	raw  string // -var: "k=v"
	src  source // -var-file
}

// Load parses every *.hcl file of dir (not recursively) except *.vars.hcl,
// resolves variable values (defaults, ORDERFORM_VAR_<name>,
// *.auto.vars.hcl in name order, then opts.Vars in order; a later value
// wins, as in Terraform) and checks everything that can be checked without
// the network: block structure, references, variables and their
// validations, locals, the exchange, guard, watch, data-source and moved blocks,
// and every order as far as it does not depend on a data source (the
// result of Orders(nil); its diagnostics are part of Load's).
//
// The returned Config is non-nil even with errors, so that its Files can
// be used to print the diagnostics.
func Load(dir string, opts Options) (*Config, hcl.Diagnostics) {
	files, auto, diags := readDir(dir)
	if len(diags) > 0 && diags[0].Subject == nil { // the directory itself: nothing else to say
		c, _ := load(dir, nil, nil, nil, opts.Getenv)
		return c, diags[:1]
	}
	var vars []varInput
	for _, v := range opts.Vars {
		if !v.File {
			vars = append(vars, varInput{raw: v.Value})
			continue
		}
		src, err := readSource(v.Value)
		if err != nil {
			diags = append(diags, fileDiag(v.Value, "Cannot read variables file", err))
			continue
		}
		vars = append(vars, varInput{file: true, src: source{v.Value, src}})
	}
	c, d := load(dir, files, auto, vars, opts.Getenv)
	return c, append(diags, d...)
}

// readDir reads the files of a configuration directory that Load reads:
// every *.hcl file (not recursively, no hidden files) except *.vars.hcl, and
// apart from them the *.auto.vars.hcl files.
func readDir(dir string) (files, auto []source, diags hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, hcl.Diagnostics{dirDiag(dir, err)}
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".hcl") || strings.HasPrefix(name, ".") {
			continue
		}
		isAuto := strings.HasSuffix(name, ".auto.vars.hcl")
		if strings.HasSuffix(name, ".vars.hcl") && !isAuto {
			continue
		}
		path := filepath.Join(dir, name)
		src, err := readSource(path)
		if err != nil {
			diags = append(diags, fileDiag(path, "Cannot read configuration file", err))
			continue
		}
		if isAuto {
			auto = append(auto, source{path, src})
		} else {
			files = append(files, source{path, src})
		}
	}
	return files, auto, diags
}

// dirDiag says why dir cannot be read as a configuration directory. It has
// no subject: there is no place in a file to point at.
func dirDiag(dir string, err error) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration directory", Detail: err.Error()}
	st, serr := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.Detail = fmt.Sprintf("%s does not exist. Name the directory that holds the configuration's *.hcl files (the current directory when none is given).", dir)
	case serr == nil && !st.IsDir():
		d.Detail = fmt.Sprintf("%s is a file. orderform reads all the *.hcl files of a directory as one configuration: name the directory instead, %q.", dir, filepath.Dir(dir))
	}
	return d
}

func fileDiag(path, summary string, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   err.Error(),
		Subject:  &hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos},
	}
}

// load is Load after the file system: it is what the fuzz test drives.
func load(dir string, files, auto []source, vars []varInput, getenv func(string) string) (*Config, hcl.Diagnostics) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := &Config{
		Dir:      dir,
		Files:    map[string]*hcl.File{},
		Exchange: DefaultExchange(),
		Watch:    DefaultWatch(),
		sources:  map[string][]byte{},
		vars:     map[string]*Variable{},
		localOf:  map[string]*local{},
		dataOf:   map[string]*DataSource{},
		orderOf:  map[string]*orderBlock{},
		keys:     map[string][]instanceKey{},
	}
	var diags hcl.Diagnostics
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	sort.Slice(auto, func(i, j int) bool { return auto[i].name < auto[j].name })
	if len(files) == 0 && len(diags) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s contains no *.hcl configuration files.", dir),
		})
	}
	var bodies []*hclsyntax.Body
	for _, f := range files {
		body, d := c.parse(f)
		diags = append(diags, d...)
		if body != nil {
			bodies = append(bodies, body)
		}
	}
	for _, body := range bodies {
		diags = append(diags, c.declare(body)...)
	}
	diags = append(diags, c.resolveVariables(auto, vars, getenv)...)
	diags = append(diags, c.checkLocalRefs()...)
	locals, d := c.evalLocals(c.unknownData(), nil)
	diags = append(diags, d...)
	c.staticLocal = locals
	ctx := c.evalContext(locals, c.unknownData())
	diags = append(diags, c.evalExchange(ctx)...)
	diags = append(diags, c.evalDataSources(ctx)...)
	diags = append(diags, c.evalGuard(ctx)...)
	diags = append(diags, c.evalWatch(ctx)...)
	orders, d := c.evalOrders(locals, c.unknownData(), false)
	diags = append(diags, d...)
	c.static = orders
	c.staticErr = diags.HasErrors()
	diags = append(diags, c.resolveMoved(orders)...)
	c.symbols = c.collectSymbols(orders)
	c.digest = c.computeDigest()
	c.filesDigest = filesDigest(files, auto)
	return c, sortDiags(dedupe(diags))
}

// sortDiags orders diagnostics by file and position, so they read top to
// bottom like the configuration.
func sortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		if a == nil || b == nil {
			return a != nil && b == nil
		}
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return diags
}

func (c *Config) parse(f source) (*hclsyntax.Body, hcl.Diagnostics) {
	file, diags := c.addFile(f)
	if diags.HasErrors() {
		return nil, diags
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil, diags
	}
	return body, append(diags, checkLiterals(body)...)
}

// addFile parses f and records it among the configuration's files (its
// source for diagnostics, its order), even when it does not parse.
func (c *Config) addFile(f source) (*hcl.File, hcl.Diagnostics) {
	c.order = append(c.order, f.name)
	c.sources[f.name] = f.src
	file, diags := parseConfigBounded(f.src, f.name)
	if file == nil {
		file = &hcl.File{Bytes: f.src}
	}
	c.Files[f.name] = file
	return file, diags
}

// dedupe drops repeated diagnostics (same severity, summary and subject),
// as for_each instances that fail on the same line would produce; the
// first, which names its instance, is kept.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		sev     hcl.DiagnosticSeverity
		summary string
		subject string
	}
	seen := map[key]bool{}
	out := diags[:0:0]
	for _, d := range diags {
		k := key{d.Severity, d.Summary, ""}
		if d.Subject != nil {
			k.subject = d.Subject.String()
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

// DefaultExchange is the exchange block of a configuration that has none,
// and the values of the attributes one leaves out: the local exchange,
// namespace "default", increasing nonces. Load applies it; nothing after it
// needs defaults of its own.
func DefaultExchange() Exchange {
	return Exchange{Environment: "local", Namespace: "default", Nonce: "increasing"}
}
