package command

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"orderform/internal/command/views"
	"orderform/internal/exchange"
	"orderform/plan"
	"orderform/spec"
)

func cmdShow(e *cliEnv, args []string) error {
	fs := newFlagSet("show", "[DIR | PLANFILE]", "Show the namespace's live orders and the balances, or a saved plan.", e.stderr)
	var vf varFlags
	jsonOut := fs.Bool("json", false, "print JSON")
	noColor := fs.Bool("no-color", false, "disable color")
	vf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	if !*jsonOut {
		return showArg(e, rest, vf, false, *noColor)
	}
	// With -json stdout holds one document whatever happens: when nothing
	// could be shown, one with the errors (a plan document for a plan
	// file).
	rec := e.recordErrors()
	err := showArg(e, rest, vf, true, *noColor)
	if e.docWritten {
		return err
	}
	code = reportError(e, err) // into rec, for the document
	if len(rest) == 1 && isRegularFile(rest[0]) && !strings.HasSuffix(rest[0], ".hcl") {
		if plan.RenderJSON(e.stdout, &plan.Plan{Errored: true}, rec.Diags) != nil {
			return errReported
		}
		return exitWith(code)
	}
	v := views.ShowDocument{FormatVersion: views.ShowFormatVersion, Orders: []views.ShowOrder{}, Balances: []views.ShowBalance{}, Diagnostics: []views.JSONDiagnostic{}}
	for _, d := range rec.Diags {
		v.Diagnostics = append(v.Diagnostics, views.DiagnosticJSON(nil, d))
	}
	if views.WriteJSON(e.stdout, v) != nil {
		return errReported
	}
	return exitWith(code)
}

func isRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func showArg(e *cliEnv, rest []string, vf varFlags, jsonOut, noColor bool) error {
	arg, err := dirArg("show", rest)
	if err != nil {
		return err
	}
	if isRegularFile(arg) {
		return showPlanFile(e, arg, jsonOut, useColor(e, noColor || jsonOut, e.stdout))
	}
	return showBook(e, arg, vf.args, jsonOut)
}

func showPlanFile(e *cliEnv, path string, jsonOut, color bool) error {
	s, err := plan.Load(path)
	if err != nil {
		return err
	}
	if jsonOut {
		e.docWritten = true
		if err := plan.RenderJSON(e.stdout, s.Plan, nil); err != nil {
			return err
		}
		return nil
	}
	views.SavedPlanHeader(e.stdout, path, s, time.Now())
	plan.RenderHuman(e.stdout, s.Plan, plan.RenderOptions{Color: color})
	return nil
}

// showBook is `show [-json] DIR`: the namespace's live orders and the
// balances.
func showBook(e *cliEnv, dir string, vars []spec.VarArg, jsonOut bool) error {
	cfg, diags := spec.Load(dir, spec.Options{Getenv: e.getenv, Vars: vars})
	if diags.HasErrors() {
		views.Diagnostics(e.stderr, configFiles(cfg), diags, useColor(e, false, e.stderr))
		return errReported
	}
	orders, _ := cfg.Orders(nil) // addresses are known without the network
	addr := map[string]string{}
	hidden := map[string][]string{}
	for _, o := range orders {
		addr[o.ClientOrderID] = o.Address
		hidden[o.ClientOrderID] = o.Sensitive
	}
	for _, m := range cfg.Moved {
		addr[m.FromClientOrderID] = m.To + " (moved from " + m.From + ")"
	}
	conn, err := exchange.Connect(e.ctx, e.settings(), cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	live, err := conn.Client.ActiveOrders(e.ctx)
	if err != nil {
		return &readFailure{conn.ReadError(err), dir}
	}
	bals, err := conn.Client.Balances(e.ctx)
	if err != nil {
		return &readFailure{conn.ReadError(err), dir}
	}
	target := conn.Target
	v := views.ShowDocument{FormatVersion: views.ShowFormatVersion, Target: &target, Orders: []views.ShowOrder{}, Balances: []views.ShowBalance{}, Diagnostics: []views.JSONDiagnostic{}}
	for _, g := range live {
		o := exchange.LiveFromGemini(g)
		switch {
		case plan.IsManaged(conn.Target.Namespace, o.ClientOrderID):
			v.Orders = append(v.Orders, bookRow(o, addr[o.ClientOrderID], hidden[o.ClientOrderID]))
		case strings.HasPrefix(o.ClientOrderID, plan.IDPrefix):
			v.LeftAlone.Foreign++
		default:
			v.LeftAlone.Unmanaged++
		}
	}
	nameRemoved(v.Orders, cfg)
	sort.Slice(v.Orders, func(i, j int) bool {
		if c := plan.CompareAddresses(v.Orders[i].Address, v.Orders[j].Address); c != 0 {
			return c < 0
		}
		return v.Orders[i].ClientOrderID < v.Orders[j].ClientOrderID
	})
	for _, b := range bals {
		if b.Amount.IsZero() && b.Available.IsZero() {
			continue
		}
		v.Balances = append(v.Balances, views.ShowBalance{Currency: strings.ToUpper(b.Currency), Amount: b.Amount.String(), Available: b.Available.String()})
	}
	sort.Slice(v.Balances, func(i, j int) bool { return v.Balances[i].Currency < v.Balances[j].Currency })
	if jsonOut {
		e.docWritten = true
		if err := views.WriteJSON(e.stdout, v); err != nil {
			return errReported
		}
		return nil
	}
	views.Show(e.stdout, v)
	return nil
}

// bookRow is a managed live order as show lists it: at its address (""
// when the configuration no longer declares it), sensitive values hidden.
func bookRow(o plan.LiveOrder, address string, sens []string) views.ShowOrder {
	val := func(attr string, d fmt.Stringer) *string {
		if slices.Contains(sens, attr) {
			return nil
		}
		s := d.String()
		return &s
	}
	row := views.ShowOrder{Address: address, ClientOrderID: o.ClientOrderID, OrderID: o.OrderID, Symbol: o.Symbol, Side: o.Side, Type: o.Type,
		Amount: val("amount", o.OriginalAmount), Executed: val("amount", o.ExecutedAmount), Price: val("price", o.Price), Options: o.Options,
		Sensitive: []string{}}
	row.InConfiguration = row.Address != ""
	if o.Type == "stop-limit" {
		row.StopPrice = val("stop_price", o.StopPrice)
	}
	for _, attr := range []string{"amount", "price", "stop_price"} {
		if slices.Contains(sens, attr) {
			row.Sensitive = append(row.Sensitive, attr)
		}
	}
	if row.Options == nil {
		row.Options = []string{}
	}
	return row
}

// nameRemoved gives the orders the configuration no longer declares the
// address they had, where it can be recovered (a lowered count's indexes).
func nameRemoved(rows []views.ShowOrder, cfg *spec.Config) {
	ids := map[string]bool{}
	for _, r := range rows {
		if r.Address == "" {
			ids[r.ClientOrderID] = true
		}
	}
	if len(ids) == 0 {
		return
	}
	blocks, clientOrderID := exchange.PlanBlocks(cfg)
	found := plan.Recover(blocks, clientOrderID, ids)
	for i := range rows {
		if a, ok := found[rows[i].ClientOrderID]; ok && rows[i].Address == "" {
			rows[i].Address = a
		}
	}
}
