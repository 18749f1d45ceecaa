package exchange

import (
	"fmt"
	"slices"
	"strings"
)

// The variables orderform reads the API key from.
const (
	EnvKey    = "GEMINI_API_KEY"
	EnvSecret = "GEMINI_API_SECRET"
)

// KeyLookalikes are names people give the key variables by mistake, by the
// variable each stands for. A command that finds one of them set while the
// real one is not passes it in Settings.Misnamed.
var KeyLookalikes = map[string][]string{
	EnvKey:    {"GEMINI_KEY", "GEMINI_APIKEY", "GEMINI_API_KEY_ID", "GEMINI_KEY_ID", "GEMINI_ACCESS_KEY", "GEMINI_API_PUBLIC_KEY", "GEMINI_PUBLIC_KEY", "GEMINI_API_TOKEN"},
	EnvSecret: {"GEMINI_SECRET", "GEMINI_APISECRET", "GEMINI_API_SECRET_KEY", "GEMINI_SECRET_KEY", "GEMINI_PRIVATE_KEY", "GEMINI_API_PRIVATE_KEY"},
}

// missingKeyError says which of the key variables env (sandbox or
// production) needs is not set, and names the look-alike variables that are
// set instead (st.Misnamed). It never holds a value.
func missingKeyError(env string, st Settings) error {
	var missing, hints []string
	for _, v := range []struct{ name, value string }{{EnvKey, st.Key}, {EnvSecret, st.Secret}} {
		if v.value != "" {
			continue
		}
		missing = append(missing, v.name)
		var alts []string
		for alt, stands := range st.Misnamed {
			if stands == v.name {
				alts = append(alts, alt)
			}
		}
		slices.Sort(alts)
		for _, alt := range alts {
			hints = append(hints, fmt.Sprintf("%s is set, but orderform reads %s: rename it", alt, v.name))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	what := strings.Join(missing, " and ") + " are not set"
	if len(missing) == 1 {
		other := EnvKey
		if missing[0] == EnvKey {
			other = EnvSecret
		}
		what = fmt.Sprintf("%s is not set (%s is)", missing[0], other)
	}
	msg := fmt.Sprintf("the %s environment needs an API key: %s", env, what)
	if len(hints) > 0 {
		msg += ". " + strings.Join(hints, "; ")
	}
	return fmt.Errorf("%s. Set the variables in the environment (never in configuration files); see the README, \"Going live\"", msg)
}
