package plan

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testKey signs the saved plans of these tests.
var testKey = SigningKey("test-api-secret")

func savedShowcase(t *testing.T) (*Saved, Input) {
	t.Helper()
	in := showcase()
	p, diags := Compute(in)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	return NewSaved(p, "sha256:0123", Fingerprint(in.Live, ns), t0, 0), in
}

// decimalEqual compares decimals by value, as "1.0" and "1" are the same amount.
var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func TestSaveLoadRoundTrip(t *testing.T) {
	s, _ := savedShowcase(t)
	path := filepath.Join(t.TempDir(), "tfplan")
	if err := Save(path, s, testKey); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got, decimalEqual, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(Saved{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got.ExpiresAt.Sub(got.CreatedAt) != DefaultExpiry {
		t.Errorf("expiry = %v, want %v", got.ExpiresAt.Sub(got.CreatedAt), DefaultExpiry)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSaveRefusesPlanWithErrors(t *testing.T) {
	p, diags := Compute(input([]Order{buy("order.a", "1", "1.001")}))
	if !diags.HasErrors() {
		t.Fatal("want an error")
	}
	path := filepath.Join(t.TempDir(), "tfplan")
	if err := Save(path, NewSaved(p, "", "", t0, 0), testKey); !errors.Is(err, ErrHasErrors) {
		t.Fatalf("Save = %v, want ErrHasErrors", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	s, _ := savedShowcase(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := Save(good, s, testKey); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	edit := func(old, new string) []byte {
		if !bytes.Contains(data, []byte(old)) {
			t.Fatalf("plan file has no %q", old)
		}
		return bytes.Replace(data, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotPlanFile},
		{"an HCL file", []byte("order \"a\" {\n  symbol = \"btcusd\"\n}\n"), ErrNotPlanFile},
		{"other JSON", []byte(`{"format_version": "1.0", "resource_changes": []}`), ErrNotPlanFile},
		{"truncated", data[:len(data)/2], ErrTruncated},
		{"truncated by one byte", data[:len(data)-3], ErrTruncated},
		{"a price changed", edit(`"price": "62000"`, `"price": "6200"`), ErrTampered},
		{"expiry pushed back", edit(`"expires_at": "2025-03-01T12:15:00Z"`, `"expires_at": "2035-03-01T12:15:00Z"`), ErrTampered},
		{"checksum removed", edit(`"checksum"`, `"checksun"`), ErrTampered},
		{"data appended", append(append([]byte(nil), data...), []byte("{}")...), ErrTampered},
		{"future version", edit(`"format_version": "2.0"`, `"format_version": "3.0"`), ErrVersion},
		{"unsigned version 1", edit(`"format_version": "2.0"`, `"format_version": "1.0"`), ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestSavedPlanSignature: a saved plan is signed with a key derived from the
// API secret. An edit with the checksum recomputed (which anyone can do) is
// caught by the signature; so is a plan made with another secret. Neither
// the secret nor the derived key is written.
func TestSavedPlanSignature(t *testing.T) {
	s, _ := savedShowcase(t)
	s.Plan.Guard = &Guard{MaxOrderNotional: decimal.NewNullDecimal(dec("1000"))}
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := Save(good, s, testKey); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	for _, secret := range []string{"test-api-secret", hex.EncodeToString(testKey), string(testKey)} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the plan file holds the secret or the signing key %q", secret)
		}
	}
	// resign replaces old with new in the body and recomputes the checksum,
	// as an attacker without the secret can.
	resign := func(old, new string) []byte {
		var env fileEnvelope
		if err := json.Unmarshal(data, &env); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(env.Body, []byte(old)) {
			t.Fatalf("plan body has no %q", old)
		}
		body := bytes.Replace(env.Body, []byte(old), []byte(new), 1)
		out := bytes.Replace(data, env.Body, body, 1)
		return bytes.Replace(out, []byte(env.Checksum), []byte(checksum(body)), 1)
	}
	tests := []struct {
		name string
		data []byte
		key  []byte
		want error
	}{
		{"as written", data, testKey, nil},
		{"an amount raised, checksum recomputed", resign(`"amount": "0.5"`, `"amount": "1.5"`), testKey, ErrSignature},
		{"the guard dropped, checksum recomputed", resign(`"allow_crossing": false`, `"allow_crossing": true`), testKey, ErrSignature},
		{"another secret", data, SigningKey("another-secret"), ErrSignature},
		{"no secret", data, nil, ErrSignature},
		{"signature removed", bytes.Replace(data, []byte(`"signature"`), []byte(`"signaturx"`), 1), testKey, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.data)
			if err != nil {
				t.Fatalf("Parse = %v; the checksum should pass", err)
			}
			err = got.Verify(tt.key)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(strings.ToLower(err.Error()), "make the plan again") && tt.key != nil {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
}

func TestSavedCheck(t *testing.T) {
	s, in := savedShowcase(t)
	fp := s.LiveFingerprint
	sandbox := target
	sandbox.Environment, sandbox.BaseURL = "sandbox", "https://api.sandbox.gemini.com"
	tests := []struct {
		name   string
		now    time.Time
		target Target
		fp     string
		want   error
		says   string
	}{
		{"fresh", t0.Add(time.Minute), target, fp, nil, ""},
		{"expired", t0.Add(DefaultExpiry), target, fp, ErrExpired, "expired at 2025-03-01T12:15:00Z"},
		{"other environment", t0, sandbox, fp, ErrOtherTarget, `environment is "local", now it is "sandbox"`},
		{"other namespace", t0, Target{Environment: "local", BaseURL: target.BaseURL, Namespace: "eth"}, fp, ErrOtherTarget, `namespace is "grid", now it is "eth"`},
		{"stale", t0, target, Fingerprint(append(in.Live[1:], in.Live[0]), ns) + "x", ErrStale, "run orderform plan -out again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Check(tt.now, tt.target, tt.fp)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a := live(buy("order.a", "1", "64000"), "1", "0")
	b := live(buy("order.b", "1", "63000"), "2", "0")
	other := LiveOrder{OrderID: "3", ClientOrderID: "of:other:0123456789abcdef"}
	manual := LiveOrder{OrderID: "4", ClientOrderID: "manual"}
	base := Fingerprint([]LiveOrder{a, b, other, manual}, ns)
	same := map[string][]LiveOrder{
		"order of reading":           {manual, b, other, a},
		"other namespaces' orders":   {a, b},
		"decimals written otherwise": {with(a, func(l *LiveOrder) { l.Price = dec("64000.000") }), b},
	}
	for name, live := range same {
		if got := Fingerprint(live, ns); got != base {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	differs := map[string][]LiveOrder{
		"an order vanished": {a},
		"an order appeared": {a, b, live(buy("order.c", "1", "1"), "5", "0")},
		"a partial fill":    {with(a, func(l *LiveOrder) { l.ExecutedAmount, l.RemainingAmount = dec("0.1"), dec("0.9") }), b},
		"a price":           {with(a, func(l *LiveOrder) { l.Price = dec("64001") }), b},
		"a new order id":    {with(a, func(l *LiveOrder) { l.OrderID = "9" }), b},
		"an option":         {with(a, func(l *LiveOrder) { l.Options = []string{"maker-or-cancel"} }), b},
		"a client id":       {with(a, func(l *LiveOrder) { l.ClientOrderID = coid("order.z") }), b},
		"another namespace": nil,
	}
	for name, live := range differs {
		fp := Fingerprint(live, ns)
		if name == "another namespace" {
			fp = Fingerprint([]LiveOrder{a, b}, "eth")
		}
		if fp == base {
			t.Errorf("%s did not change the fingerprint", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	in := showcase()
	p, _ := Compute(in)
	path := filepath.Join(f.TempDir(), "tfplan")
	if err := Save(path, NewSaved(p, "d", Fingerprint(in.Live, ns), t0, 0), testKey); err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add(data[:100])
	f.Add([]byte(`{"format":"orderform-plan","format_version":"1.0","checksum":"","body":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses must be usable by apply without panicking.
		for _, a := range s.Plan.Actions {
			if (a.Kind == Cancel || a.Kind == Replace) && a.Before.OrderID == "" {
				t.Fatalf("%s without an order id", a.Kind)
			}
			if (a.Kind == Create || a.Kind == Replace) && a.After.ClientOrderID == "" {
				t.Fatalf("%s without a client id", a.Kind)
			}
		}
		var b bytes.Buffer
		RenderHuman(&b, s.Plan, RenderOptions{})
		_ = s.Check(t0, s.Target, s.LiveFingerprint)
		_ = s.Verify(testKey)
	})
}
