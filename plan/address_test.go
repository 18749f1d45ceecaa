package plan

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompareAddresses sorts count instances by number and for_each keys as
// text, as Terraform does (issue 15, case 3).
func TestCompareAddresses(t *testing.T) {
	want := []string{
		"",
		"of:grid:0123456789abcdef",
		"of:grid:fedcba9876543210",
		"order.ask",
		"order.grid",
		"order.grid[0]",
		"order.grid[1]",
		"order.grid[2]",
		"order.grid[9]",
		"order.grid[10]",
		"order.grid[14]",
		"order.grid[19]",
		"order.grid[20]",
		"order.grid[100]",
		`order.grid["10"]`,
		`order.grid["2"]`,
		`order.grid["a"]`,
		"order.grid2[0]",
		"order.grid2[3]",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, CompareAddresses)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("sorted (-want +got):\n%s", d)
		}
	}
	for _, a := range want {
		if CompareAddresses(a, a) != 0 {
			t.Errorf("CompareAddresses(%q, itself) != 0", a)
		}
	}
}

// TestComputeSortsCountByNumber: the plan's actions, and so its rendering,
// JSON and saved file, list order.grid[2] before order.grid[10].
func TestComputeSortsCountByNumber(t *testing.T) {
	var desired []Order
	for i := range 12 {
		desired = append(desired, buy("order.grid["+strconv.Itoa(i)+"]", "0.001", "100"))
	}
	p, diags := Compute(input(desired))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got, want []string
	for _, a := range p.Actions {
		got = append(got, a.Address)
	}
	for i := range 12 {
		want = append(want, "order.grid["+strconv.Itoa(i)+"]")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("action order (-want +got):\n%s", d)
	}
}
