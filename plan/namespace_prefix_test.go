package plan

import "testing"

// TestComputeLeavesPrefixNamespacesAlone: namespaces that are prefixes of
// one another ("gri", "grid", "gridx") never claim each other's orders, and
// nor does an id that merely looks alike.
func TestComputeLeavesPrefixNamespacesAlone(t *testing.T) {
	a := buy("order.a", "1", "64000")
	mk := func(id, coid string) LiveOrder {
		return with(live(a, id, "0"), func(l *LiveOrder) { l.ClientOrderID = coid })
	}
	in := input(nil,
		mk("1", "of:gri:"+coid("order.a")[len("of:grid:"):]),
		mk("2", "of:gridx:"+coid("order.a")[len("of:grid:"):]),
		mk("3", "of:grid"),
		mk("4", "OF:grid:"+coid("order.a")[len("of:grid:"):]),
		mk("5", "of:GRID:"+coid("order.a")[len("of:grid:"):]),
		mk("6", ""),
	)
	for _, destroy := range []bool{false, true} {
		in.Destroy = destroy
		p, diags := Compute(in)
		if diags.HasErrors() {
			t.Fatal(diagText(diags))
		}
		if len(p.Actions) != 0 {
			t.Errorf("destroy=%v: actions %+v, want none", destroy, project(p))
		}
		if p.Foreign+p.Unmanaged != 6 {
			t.Errorf("destroy=%v: foreign %d + unmanaged %d, want 6", destroy, p.Foreign, p.Unmanaged)
		}
	}
	if got := Fingerprint(in.Live, ns); got != Fingerprint(nil, ns) {
		t.Error("orders of other namespaces change the fingerprint")
	}
}
