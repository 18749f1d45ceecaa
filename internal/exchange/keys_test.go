package exchange

import (
	"strings"
	"testing"
)

// TestMissingKeyError names the variable that is missing and a look-alike
// that is set instead, never a value (issue 15, case 7).
func TestMissingKeyError(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   Settings
		want string // "" for no error
	}{
		{"both set", Settings{Key: "k", Secret: "s"}, ""},
		{"none", Settings{}, "the sandbox environment needs an API key: GEMINI_API_KEY and GEMINI_API_SECRET are not set. Set the variables"},
		{"no secret", Settings{Key: "k"}, "GEMINI_API_SECRET is not set (GEMINI_API_KEY is). Set"},
		{"no key", Settings{Secret: "s"}, "GEMINI_API_KEY is not set (GEMINI_API_SECRET is). Set"},
		{"misnamed", Settings{Misnamed: map[string]string{"GEMINI_KEY": EnvKey, "GEMINI_SECRET": EnvSecret}},
			"GEMINI_API_KEY and GEMINI_API_SECRET are not set. GEMINI_KEY is set, but orderform reads GEMINI_API_KEY: rename it; GEMINI_SECRET is set, but orderform reads GEMINI_API_SECRET: rename it. Set"},
		{"one misnamed", Settings{Key: "k", Misnamed: map[string]string{"GEMINI_API_SECRET_KEY": EnvSecret}},
			"GEMINI_API_SECRET is not set (GEMINI_API_KEY is). GEMINI_API_SECRET_KEY is set, but orderform reads GEMINI_API_SECRET: rename it. Set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := missingKeyError("sandbox", tc.st)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("err = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
