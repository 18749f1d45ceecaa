package exchange

import (
	"reflect"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"orderform/plan"
	"orderform/spec"
)

// plan mirrors spec's Order, Guard and Moved. Every field of the language's
// type has a field of the same name and type in plan's, and the converter
// copies it: a field added to one side and forgotten in the converter
// fails here.
func TestConvertersCopyEveryField(t *testing.T) {
	var o spec.Order
	fill(reflect.ValueOf(&o).Elem())
	checkCopied(t, reflect.ValueOf(o), reflect.ValueOf(PlanOrder(o)), "Unknown") // the language's own: what data sources decide

	var g spec.Guard
	fill(reflect.ValueOf(&g).Elem())
	checkCopied(t, reflect.ValueOf(g), reflect.ValueOf(*PlanGuard(&g)))

	var m spec.Moved
	fill(reflect.ValueOf(&m).Elem())
	checkCopied(t, reflect.ValueOf(m), reflect.ValueOf(PlanMoved(m)))
}

// The client order ids the language makes are the ones plan manages.
func TestClientOrderIDPrefix(t *testing.T) {
	for _, ns := range []string{"default", "a", "prod-eu_1"} {
		id := spec.ClientOrderID(ns, `order.bid["x"]`)
		if !plan.IsManaged(ns, id) {
			t.Errorf("spec.ClientOrderID(%q, …) = %q, which plan does not manage (prefix %q)", ns, id, plan.ManagedPrefix(ns))
		}
	}
}

func checkCopied(t *testing.T, src, dst reflect.Value, languageOnly ...string) {
	t.Helper()
	for i := range src.NumField() {
		f := src.Type().Field(i)
		if slices.Contains(languageOnly, f.Name) {
			continue
		}
		df, ok := dst.Type().FieldByName(f.Name)
		if !ok {
			t.Errorf("%s.%s has no mirror in %s", src.Type(), f.Name, dst.Type())
			continue
		}
		if df.Type != f.Type {
			t.Errorf("%s.%s is %s, its mirror in %s is %s", src.Type(), f.Name, f.Type, dst.Type(), df.Type)
			continue
		}
		if !reflect.DeepEqual(src.Field(i).Interface(), dst.FieldByName(f.Name).Interface()) {
			t.Errorf("%s.%s is not copied to %s", src.Type(), f.Name, dst.Type())
		}
	}
	for i := range dst.NumField() {
		if _, ok := src.Type().FieldByName(dst.Type().Field(i).Name); !ok {
			t.Errorf("%s.%s has no source in %s", dst.Type(), dst.Type().Field(i).Name, src.Type())
		}
	}
}

// fill sets every exported field, recursively, to a value that is not its
// zero value.
func fill(v reflect.Value) {
	if v.Type() == reflect.TypeFor[decimal.Decimal]() {
		v.Set(reflect.ValueOf(decimal.New(7, -3)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}
