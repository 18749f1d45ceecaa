package command

func cmdDestroy(e *cliEnv, args []string) error {
	fs := newFlagSet("destroy", "[DIR]", "Cancel every order of the configuration's namespace. Orders of other namespaces and orders not\nplaced by orderform are never touched (orderform never uses Gemini's cancel-all or cancel-session).", e.stderr)
	var (
		vf          varFlags
		lf          lockFlags
		targets     stringList
		autoApprove = fs.Bool("auto-approve", false, "skip the confirmation prompt")
		jsonOut     = fs.Bool("json", false, "print one JSON event per line (needs -auto-approve)")
		noColor     = fs.Bool("no-color", false, "disable color")
	)
	vf.register(fs)
	lf.register(fs)
	fs.Var(&targets, "target", "cancel only `ADDR` (repeatable)")
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	return withStream(e, *jsonOut, func() error {
		dir, err := dirArg("destroy", rest)
		if err != nil {
			return err
		}
		return applyDir(e, destroyRequest(dir, vf, &lf, targets, *autoApprove, *jsonOut, *noColor))
	})
}

// destroyRequest is what `destroy` and `apply -destroy` carry out.
func destroyRequest(dir string, vf varFlags, lf *lockFlags, targets []string, autoApprove, jsonOut, noColor bool) applyRequest {
	return applyRequest{
		opts:        planOptions{dir: dir, vars: vf.args, targets: targets, destroy: true, lock: lf, operation: "destroy"},
		autoApprove: autoApprove, jsonOut: jsonOut, noColor: noColor,
		title:  "Do you really want to cancel every order of this namespace?",
		detail: "orderform will cancel all the orders listed above. There is no undo.",
	}
}
